"""``gl.explain``: explain one training step of a layered network."""

from __future__ import annotations

from ..core import constraints as C
from .explanation import OPTIONS, Explanation, cross_check
from .network import as_network, resolve_loss
from .trace import CONVENTIONS, LR, Conventions, compute_trace


@C.declare("explain", lr=LR, title=C.Optional(C.STRING), **OPTIONS,
           **dict(CONVENTIONS, reduction=C.Optional(C.SCALAR_REDUCTIONS)))
def explain(model, x, y, loss_fn, lr=None, layout="denominator", *, precision=4, title=None, check="raise",
            reduction=None, half=False, shared_bias=False, frozen_bias=False, update_order="simultaneous"):
    """Explain the forward pass, backward pass and (with ``lr``) update of ``model`` on (x, y).

    Args:
        model: a ``gl.nn.Sequential`` of ``Linear`` layers (with or without
            bias), each followed by at most one activation module (Identity,
            Step, Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, Softmax); a list
            of ``(W, b, activation)`` with W (out, in), b (out,) or None and
            an activation name or module; or a
            :class:`~gradlab.explainer.network.Network`.
        x: one sample (n₀,) or a batch (m, n₀).
        y: the target, (k,) for one sample or (m, k) (or (m,) when k = 1);
            for cross-entropy also class indices (an int, or (m,)) or
            probability rows (m, k).
        loss_fn: a ``gl.nn`` loss (MSELoss, BCELoss, BCEWithLogitsLoss,
            CrossEntropyLoss) or its name ('mse', 'bce', 'bce_with_logits',
            'cross_entropy'); a loss object's ``reduction`` is used unless
            ``reduction`` is given. Anything else is refused.
        lr: learning rate η; when given, the update w ← w − η ∂L/∂w and a
            verification forward pass are included.
        layout: 'denominator' (gradients have their variable's shape) or
            'numerator' (rows for vectors, ∂L/∂W shaped as Wᵀ).
        precision: decimals printed, an int in [0, 15] (default 4).
        check: 'raise' (default) to raise GradientCheckError when the matrix
            formulas and autodiff differ by more than 1e-10, 'flag' to only say so.
        reduction, half, shared_bias, frozen_bias, update_order: conventions,
            see :class:`~gradlab.explainer.trace.Conventions`; stated in the
            output when not the default.

    Returns:
        An :class:`Explanation`; ``exp['dW[2]']``, ``exp.value('W_new', 2, 0, 1)``,
        ``exp.render('text'|'markdown'|'latex'|'html'|'json', view='scalar'|'matrix'|'graph')``.

    Raises:
        ParameterError, InputTypeError, ShapeError: for anything the explainer
        cannot explain exactly (checked before any work), with the module,
        loss or parameter named.
    """
    kind, reduction = resolve_loss(loss_fn, reduction)
    conv = Conventions(reduction=reduction, half=half, shared_bias=shared_bias, frozen_bias=frozen_bias,
                       update_order=update_order)
    lr = None if lr is None else float(lr)
    net = as_network(model, shared_bias=conv.shared_bias)
    trace = compute_trace(net, x, y, kind, conv, lr=lr)
    return Explanation(trace, cross_check(trace, check), layout=layout, precision=precision,
                       title=title or "Explanation")
