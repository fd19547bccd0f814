"""Reductions: sum, mean, max, logsumexp, and the (log-)softmax family.

``axis`` is None (all axes) or a tuple of non-negative axes (the public
functions normalise ints and negative axes); ``keepdims`` keeps reduced axes
with length 1. Each VJP first puts ``g`` back into the keepdims shape, then
spreads it over the reduced axes: the gradient of a sum is a row of ones.
"""

from __future__ import annotations

import numpy as np

from ..core.primitive import namespace, register


def kept_shape(shape, axis):
    """``shape`` with the reduced ``axis`` set to 1 (keepdims)."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def expand(g, x, axis, keepdims):
    """``g`` reshaped to the keepdims shape of ``x`` reduced over ``axis``."""
    if keepdims:
        return g
    return namespace(g).reshape(g, kept_shape(tuple(x.shape), axis))


def spread(g_kept, shape):
    """``g_kept`` (keepdims shape) repeated over ``shape``: a fresh array on NumPy."""
    if type(g_kept) is np.ndarray or isinstance(g_kept, np.generic):
        out = np.empty(shape, dtype=g_kept.dtype)
        out[...] = g_kept
        return out
    return namespace(g_kept).broadcast_to(g_kept, shape)


def count(x, axis):
    n = 1
    for i, d in enumerate(x.shape):
        if axis is None or i in axis:
            n *= d
    return n


def sum_fwd(x, axis=None, keepdims=False):
    if type(x) is np.ndarray:
        return x.sum(axis=axis, keepdims=keepdims)
    return namespace(x).sum(x, axis=axis, keepdims=keepdims)


def sum_dx(g, out, x, axis=None, keepdims=False):
    return spread(expand(g, x, axis, keepdims), tuple(x.shape))


def mean_fwd(x, axis=None, keepdims=False):
    if type(x) is np.ndarray:  # the ndarray method skips NumPy's Python-level dispatch
        return x.mean(axis=axis, keepdims=keepdims)
    return namespace(x).mean(x, axis=axis, keepdims=keepdims)


def mean_dx(g, out, x, axis=None, keepdims=False):
    if axis is None and type(x) is np.ndarray:  # the common loss case: one value spread evenly
        return np.full(x.shape, g / x.size, dtype=x.dtype)
    return spread(expand(g, x, axis, keepdims) / count(x, axis), tuple(x.shape))


def max_fwd(x, axis=None, keepdims=False):
    return namespace(x).max(x, axis=axis, keepdims=keepdims)


def max_dx(g, out, x, axis=None, keepdims=False):
    xp = namespace(g)
    is_max = xp.astype(x == expand(out, x, axis, keepdims), x.dtype)
    share = is_max / xp.sum(is_max, axis=axis, keepdims=True)
    return expand(g, x, axis, keepdims) * share


def logsumexp_fwd(x, axis=None, keepdims=False):
    xp = namespace(x)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0.0)  # an infinite max shifts by 0: −inf (all −inf) or +inf, as PyTorch
    s = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        s = xp.reshape(s, tuple(n for i, n in enumerate(x.shape) if not (axis is None or i in axis)))
    return s


def logsumexp_dx(g, out, x, axis=None, keepdims=False):
    xp = namespace(g)
    return expand(g, x, axis, keepdims) * xp.exp(x - expand(out, x, axis, keepdims))


def softmax_fwd(x, axis=-1):
    xp = namespace(x)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def softmax_dx(g, out, x, axis=-1):
    return out * (g - namespace(g).sum(g * out, axis=axis, keepdims=True))


def log_softmax_fwd(x, axis=-1):
    # (x − max) − ln Σ e^{x − max}: the shifted values keep their digits, where x − logsumexp(x) would lose them
    # to the rounding of max + ln Σ (all of them for x = 1e300, ln 3 of 1e4 in float32)
    xp = namespace(x)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def log_softmax_dx(g, out, x, axis=-1):
    xp = namespace(g)
    return g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True)


SUM = register("sum", sum_fwd, (sum_dx,), latex=r"\sum_i $x_i", dlatex=(r"\mathbf{1}^{T}",))
MEAN = register("mean", mean_fwd, (mean_dx,), latex=r"\frac{1}{n}\sum_i $x_i", dlatex=(r"\frac{1}{n}\mathbf{1}^{T}",))
MAX = register("max", max_fwd, (max_dx,), latex=r"\max_i $x_i", dlatex=(r"[$x_i = \max_j $x_j] / \#\text{ties}",),
               doc="Ties share the gradient evenly: each of k equal maxima gets g/k.")
LOGSUMEXP = register("logsumexp", logsumexp_fwd, (logsumexp_dx,), latex=r"\ln\sum_i e^{$x_i}",
                     dlatex=(r"\operatorname{softmax}($x)",), doc="Shifted by the maximum: stable for any input.")
SOFTMAX = register("softmax", softmax_fwd, (softmax_dx,), latex=r"\operatorname{softmax}($x)",
                   dlatex=(r"\operatorname{diag}(s) - s s^{T}",), doc="Shifted by the maximum: stable for any input.")
LOG_SOFTMAX = register("log_softmax", log_softmax_fwd, (log_softmax_dx,), latex=r"\ln\operatorname{softmax}($x)",
                       dlatex=(r"I - \mathbf{1} s^{T}",),
                       doc="(x − max x) − ln Σ e^{x − max x}: stable and accurate for any input.")

from . import reduce_more  # noqa: E402,F401  (min, prod, var, std, cumsum, cumprod and the norms register here)
