"""gradlab.nn.utils: gradient clipping, as torch.nn.utils (re-exported by ``gradlab.nn``).

    clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False) -> total norm
    clip_grad_value_(parameters, clip_value) -> None

Both change ``p.grad`` in place, for every parameter that has a gradient.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.constraints import BOOL, NON_NEGATIVE_FLOAT, AnyOf, Interval, Options, declare
from ..core.errors import InputTypeError, NonFiniteError
from ..core.tensor import Tensor

NORM_TYPE = AnyOf(Interval(0), Options(math.inf, -math.inf), text="a number ≥ 0, inf or -inf")


def _grads(parameters, owner):
    """The gradient arrays (views, changed in place) of ``parameters``: a Tensor, a Module or an iterable."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    elif hasattr(parameters, "parameters") and callable(parameters.parameters):
        parameters = parameters.parameters()
    try:
        items = list(parameters)
    except TypeError:
        raise InputTypeError(f"{owner}: parameters must be a Tensor or an iterable of Tensors, "
                             f"got {type(parameters).__name__}") from None
    grads = []
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise InputTypeError(f"{owner}: parameters[{i}] is a {type(p).__name__}, expected a gradlab Tensor")
        g = p.grad
        if g is not None:
            grads.append(g.data if isinstance(g, Tensor) else g)
    return grads


def _norm(x, p):
    """torch.linalg.vector_norm(x, p) of an array."""
    a = np.abs(x).ravel()
    if p == math.inf:
        return a.max() if a.size else 0.0
    if p == -math.inf:
        return a.min() if a.size else math.inf
    if p == 0:
        return float(np.count_nonzero(a))
    if p == 1:
        return a.sum()
    if p == 2:
        return math.sqrt(np.dot(a, a)) if a.dtype == np.float64 else np.sqrt(np.sum(a * a))
    return np.sum(a**p) ** (1.0 / p)


MAX_NORM = Interval(0, finite=False)  # inf: nothing is clipped, the norm is returned (to log it, as with torch)


@declare(max_norm=MAX_NORM, norm_type=NORM_TYPE, error_if_nonfinite=BOOL)
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint norm is at most ``max_norm``, in place.

    With N the ``norm_type`` norm of the vector of every gradient's norm (the norm of all gradients
    concatenated), each gradient is multiplied by min(1, max_norm / (N + 1e-6)), as torch does
    (also when that factor is 1).

    Args:
        parameters: a Tensor, a Module or an iterable of Tensors; those without ``.grad`` are skipped.
        max_norm: the largest norm allowed, ≥ 0; ``float('inf')`` clips nothing (the norm is still returned).
        norm_type: p of the p-norm (≥ 0, ``inf`` for the largest absolute value, ``-inf`` the smallest).
        error_if_nonfinite: raise NonFiniteError when the total norm is NaN or inf (torch raises RuntimeError).
    Returns:
        the total norm N before clipping, as a 0-d Tensor (of the gradients' dtype; 0.0 without gradients).
    """
    grads = _grads(parameters, "clip_grad_norm_")
    if not grads:
        return Tensor.wrap(np.array(0.0))
    p = float(norm_type)
    norms = np.array([_norm(g, p) for g in grads], dtype=np.result_type(*grads, np.float32))
    total = norms.dtype.type(_norm(norms, p))
    if error_if_nonfinite and not np.isfinite(total):
        raise NonFiniteError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
                             "so they cannot be clipped; pass error_if_nonfinite=False to clip anyway")
    coef = min(total.dtype.type(max_norm) / (total + total.dtype.type(1e-6)), 1.0)
    with np.errstate(invalid="ignore"):  # a non-finite norm makes NaN gradients, as torch's (no warning)
        for g in grads:
            g *= coef
    return Tensor.wrap(np.array(total))


@declare(clip_value=NON_NEGATIVE_FLOAT)
def clip_grad_value_(parameters, clip_value) -> None:
    """Clip every gradient element into [−clip_value, clip_value], in place.

    Args:
        parameters: a Tensor, a Module or an iterable of Tensors; those without ``.grad`` are skipped.
        clip_value: the largest absolute value allowed, ≥ 0.
    """
    for g in _grads(parameters, "clip_grad_value_"):
        np.clip(g, -clip_value, clip_value, out=g)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
