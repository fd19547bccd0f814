"""``fit``'s fast step: a dense chain and its loss, their two rows run directly, no graph recorded.

For a Sequential of Linear layers and element-wise activations (the chain
that runs as one ``dense_stack`` row, :meth:`gradlab.nn.Sequential.dense_row`)
trained with CrossEntropyLoss or MSELoss, ``loss_fn(model(x), y)`` records a
graph of exactly two nodes, the dense row and then the loss row, and
``loss.backward()`` walks it: from the seed 1 (:func:`~gradlab.core.graph.seed`),
the loss row's joint rule gives the gradient of the dense row's output, and
the dense row's node goes back through the engine's :func:`~gradlab.core.graph.joint_node`,
which hands every parameter its gradient. The step here does exactly those
calls with the same arguments, without the Tensors, the module calls, the
loss module's checks and conversion of the target (prepared once for the
whole training set) and the topological sort. So ``.grad`` holds bit for bit
what ``loss.backward()`` gives (tests compare the two).

Anything else — another model or loss (a subclass included), a reduction
other than 'mean' or 'sum', anomaly detection, a batch the rows refuse —
takes the general path (the step returns None for that batch).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.graph import joint_node, seed
from ..core.tensor import MODE
from ..nn.containers import Sequential
from ..nn.losses import CrossEntropyLoss, MSELoss
from ..nn.module import Module
from ..ops.losses import CROSS_ENTROPY_LOSS
from ..ops.nn import DENSE_STACK, MSE_LOSS

# the loss modules whose forward is one row applied to (prediction, prepared target)
_LOSS_ROWS = {CrossEntropyLoss: CROSS_ENTROPY_LOSS, MSELoss: MSE_LOSS}

PREPARED_BYTES = 64 * 2**20  # the most memory the prepared targets may take


def fused_step(model, loss_fn):
    """The fast step for ``model`` and ``loss_fn``, or None when they need the general path.

    Args:
        model: a gl.nn.Module; only a Sequential (or MLP) that keeps
            Sequential's own forward and call can have a dense row.
        loss_fn: the loss; only CrossEntropyLoss and MSELoss (exactly those
            classes: a subclass may compute something else) are fused.
    """
    row = None if getattr(loss_fn, "has_options", False) else _LOSS_ROWS.get(type(loss_fn))
    kind = type(model)
    if (row is None or not isinstance(model, Sequential) or kind.forward is not Sequential.forward
            or kind.__call__ is not Module.__call__):
        return None
    return FusedStep(model, loss_fn, row)


def prepared_targets(loss_fn, y, out_shape, params):
    """All of ``fit``'s targets in the form the loss reads without converting or checking them, or None.

    Only for the exact classes CrossEntropyLoss (one-hot rows for class
    indices, checked once) and MSELoss (the predictions' shape), and only when
    every parameter has one dtype, which is then the predictions' dtype too.
    Kept to 64 MB (N × C one-hot rows can be large); None means the loss gets
    ``y`` batch by batch.

    Args:
        loss_fn: the loss. y: (N,) or (N, outputs) targets as ``fit`` checked them.
        out_shape: the shape of the model's output for one row, (1, outputs).
        params: the model's parameter Tensors.
    """
    if type(loss_fn) not in _LOSS_ROWS or getattr(loss_fn, "has_options", False) or not params:
        return None
    dtype = params[0].data.dtype
    if any(p.data.dtype != dtype for p in params):
        return None
    shape = (len(y),) + tuple(out_shape[1:])
    if math.prod(shape) * dtype.itemsize > PREPARED_BYTES:
        return None
    return loss_fn.prepare_targets(y, shape, dtype)


class FusedStep:
    """One training step's forward and backward pass for a dense chain and a fused loss row.

    ``step(x, target)``: x (B, in) rows of the model's dtype, target the
    loss's prepared rows for them (``loss_fn.prepare_targets``): (B, C)
    probabilities for cross-entropy, (B, outputs) values for MSE. Returns
    ``(output (B, C) array, loss value as a float)`` with every parameter's ``.grad``
    set (added to, where a gradient is already there), or None when this
    batch must take the general path; then nothing was changed.
    """

    def __init__(self, model, loss_fn, loss_row):
        self.model, self.loss_fn, self.loss_row = model, loss_fn, loss_row

    def __call__(self, x, target):
        reduction = self.loss_fn.reduction  # read every step, as the loss's forward does
        if MODE.anomaly or not MODE.grad_enabled or reduction not in ("mean", "sum"):
            return None
        fused = self.model.dense_row()  # read every step: layers, slopes and weights may change
        if fused is None:
            return None
        flat, activations, slope = fused
        inputs = (x, *flat)
        datas = [x]
        wanted = False
        for t in flat:
            if t._op is not None:
                return None  # a parameter computed by an operation: the general path follows its graph
            datas.append(t.data)
            wanted = wanted or t.requires_grad
        if not wanted or type(x) is not np.ndarray or type(datas[1]) is not np.ndarray:
            return None  # nothing to differentiate, or arrays the NumPy loops do not take
        params = {"activations": activations, "negative_slope": slope}
        try:
            out, acts = DENSE_STACK.forward_saving(*datas, **params)
            value, saved = self.loss_row.forward_saving(out, target, reduction=reduction)
        except (ValueError, TypeError, IndexError):
            return None  # the general path reports it, with the operation's name
        # loss.backward() over the two nodes: the loss row's joint rule for the prediction, then the dense row
        g_out = self.loss_row.vjp_all(seed(value), value, out, target, saved=saved, needs=[True, False],
                                      reduction=reduction)[0]
        joint_node(DENSE_STACK, g_out, out, inputs, datas, acts, params, None)
        return out, float(value)
