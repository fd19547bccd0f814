"""``gl.explain``: explain one training step of a layered network."""

from __future__ import annotations

from .explanation import Explanation
from .network import as_network, loss_name
from .trace import Conventions, compute_trace


def explain(model, x, y, loss_fn, lr=None, layout="denominator", *, precision=4, title=None, check="raise",
            reduction=None, half=False, shared_bias=False, frozen_bias=False, update_order="simultaneous"):
    """Explain the forward pass, backward pass and (with ``lr``) update of ``model`` on (x, y).

    Args:
        model: a ``gl.nn.Sequential`` of Linear layers and activations, a list
            of ``(W, b, activation)`` with W (out, in) and b (out,), or a
            :class:`~gradlab.explain.network.Network`.
        x: one sample (n₀,) or a batch (m, n₀).
        y: the target, (k,) for one sample or (m, k) (or (m,) when k = 1).
        loss_fn: 'mse', 'bce', or a ``gl.nn`` loss (MSELoss, BCELoss); a loss
            object's ``reduction`` is used unless ``reduction`` is given.
        lr: learning rate η; when given, the update w ← w − η ∂L/∂w and a
            verification forward pass are included.
        layout: 'denominator' (gradients have their variable's shape) or
            'numerator' (the homework's: rows for vectors, ∂L/∂W shaped as Wᵀ).
        precision: decimals printed (default 4, as the slides).
        check: 'raise' (default) to raise GradientCheckError when the matrix
            formulas and autodiff differ by more than 1e-10, 'flag' to only say so.
        reduction, half, shared_bias, frozen_bias, update_order: conventions,
            see :class:`~gradlab.explain.trace.Conventions`; stated in the
            output when not the default.

    Returns:
        An :class:`Explanation`; ``exp['dW[2]']``, ``exp.value('W_new', 2, 0, 1)``,
        ``exp.render('text'|'markdown'|'latex'|'html'|'json', view='scalar'|'matrix')``.
    """
    if reduction is None:
        reduction = getattr(loss_fn, "reduction", "mean") if not isinstance(loss_fn, str) else "mean"
    conv = Conventions(reduction=reduction, half=bool(half), shared_bias=bool(shared_bias),
                       frozen_bias=bool(frozen_bias), update_order=update_order)
    net = as_network(model, shared_bias=conv.shared_bias)
    trace = compute_trace(net, x, y, loss_name(loss_fn), conv, lr=lr)
    return Explanation(trace, layout=layout, precision=precision, title=title or "Explanation", check=check)
