"""Public functions over the reduce rows (re-exported by ``gradlab``).

``axis`` is None (every axis), an int or a tuple of ints, negative ones
counted from the end; ``keepdims`` keeps the reduced axes with length 1. A
0-d input takes axis None, 0 or −1 and gives a 0-d result (as PyTorch).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.errors import ParameterError, ShapeError
from ..core.tensor import Tensor, apply, as_array
from . import reduce_more as RM
from .api import _arg, _as_tensor_arg, _axes, _keep, _ndim, _norm_scale, div, extend_namespace, mul, sqrt, sum, where
from .api import abs as _abs
from .api import max as _max
from .api import reshape as _reshape
from .api import transpose as _transpose

__all__ = ["min", "prod", "var", "std", "cumsum", "cumprod", "argmax", "argmin", "any", "all", "norm"]


def _values(x, op):
    """The array of ``x`` (a Tensor's data, or ``x`` read as numbers)."""
    return x.data if isinstance(x, Tensor) else as_array(x, op=op)


def _shape(x):
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis`` (None: all): x's shape without the reduced axes (length 1 with ``keepdims``).

    Ties share the gradient evenly (k equal minima get g/k each), as PyTorch's ``amin``; ``torch.min(x, dim)``
    gives it all to one index instead.
    """
    x = _arg(x, "min")
    return apply(RM.MIN, x, axis=_axes(axis, _ndim(x), "min"), keepdims=_keep(keepdims, "min"))


def prod(x, axis=None, keepdims=False):
    """Product over ``axis`` (None: all): x's shape without the reduced axes (length 1 with ``keepdims``).

    Gradient: each entry gets g times the product of the others, exact with zeros (one zero: only it gets a
    non-zero gradient; two or more: all 0), at first, second and higher order, as PyTorch.
    """
    x = _arg(x, "prod")
    return apply(RM.PROD, x, axis=_axes(axis, _ndim(x), "prod"), keepdims=_keep(keepdims, "prod"))


def _correction(correction, ddof, op):
    if correction is not None and ddof is not None:
        raise ParameterError(f"{op}: give correction (PyTorch's name) or ddof (NumPy's name), not both "
                             f"(got correction={correction!r}, ddof={ddof!r})")
    c = 1 if correction is None and ddof is None else (correction if correction is not None else ddof)
    if not isinstance(c, numbers.Real) or isinstance(c, bool) or not math.isfinite(c) or c < 0:
        raise ParameterError(f"{op}: correction must be a number ≥ 0 (0: population, 1: sample), got {c!r}")
    return int(c) if float(c).is_integer() else float(c)


def _spread(row, op, x, axis, keepdims, correction, ddof):
    x = _as_tensor_arg(x, op)  # read first: the count of values below needs its shape
    c = _correction(correction, ddof, op)
    shape = _shape(x)
    axes = _axes(axis, len(shape), op)
    n = 1
    for i, d in enumerate(shape):
        if axes is None or i in axes:
            n *= d
    if n - c <= 0:
        raise ParameterError(f"{op}: correction {c} leaves no degrees of freedom for {n} values per result "
                             f"(needs more values than the correction; PyTorch would give NaN or inf)")
    return apply(row, x, axis=axes, keepdims=_keep(keepdims, op), correction=c)


def var(x, axis=None, keepdims=False, correction=None, ddof=None):
    """Variance Σ(x − x̄)²/(n − correction) over ``axis``: x's shape without the reduced axes.

    ``correction`` (PyTorch's name) and ``ddof`` (NumPy's) are the same number; default 1 (the sample
    variance, as PyTorch; NumPy's default is 0). n − correction ≤ 0 is refused. Gradient 2(x − x̄)/(n − c).
    """
    return _spread(RM.VAR, "var", x, axis, keepdims, correction, ddof)


def std(x, axis=None, keepdims=False, correction=None, ddof=None):
    """Standard deviation √var over ``axis`` (``correction``/``ddof`` as :func:`var`, default 1).

    Gradient (x − x̄)/((n − c) σ); at a constant input (σ = 0) it is 0, as PyTorch's.
    """
    return _spread(RM.STD, "std", x, axis, keepdims, correction, ddof)


def _cumulative(row, op, x, axis):
    x = _arg(x, op)
    nd = _ndim(x)
    if axis is not None and not (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)):
        raise ParameterError(f"{op}: axis must be one int or None (flatten first), got {axis!r}")
    if nd == 0:
        _axes(axis, 0, op)
        return apply(row, x, axis=None)
    if axis is None:
        return apply(row, _reshape(x, (-1,)), axis=0)
    return apply(row, x, axis=_axes(axis, nd, op)[0])


def cumsum(x, axis=None):
    """Running sum along ``axis``: same shape as ``x``; ``axis=None`` flattens first (NumPy), giving (x.size,).

    A 0-d value is its own running sum (0-d, as PyTorch). Gradient: the reversed running sum of g.
    """
    return _cumulative(RM.CUMSUM, "cumsum", x, axis)


def cumprod(x, axis=None):
    """Running product along ``axis``: same shape as ``x``; ``axis=None`` flattens first (NumPy).

    Gradient Σ_{k≥i} g_k ∏_{j≤k, j≠i} x_j, exact with zeros (as PyTorch), at every order.
    """
    return _cumulative(RM.CUMPROD, "cumprod", x, axis)


def _arg_extreme(fn, op, x, axis, keepdims):
    data = _values(x, op)
    if axis is not None and not (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)):
        raise ParameterError(f"{op}: axis must be one int or None (flattened), got {axis!r}")
    if axis is not None:
        axes = _axes(axis, data.ndim, op)
        axis = axes[0] if axes else None
    if data.size == 0:
        raise ShapeError(f"{op}: the input of shape {data.shape} is empty")
    return Tensor.wrap(np.asarray(fn(data, axis=axis, keepdims=_keep(keepdims, op)), dtype=np.int64))


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (None: of the flattened x), an int64 Tensor without gradient.

    Shape: x's without ``axis`` (length 1 with ``keepdims``). Ties: the first occurrence, as NumPy.
    """
    return _arg_extreme(np.argmax, "argmax", x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (None: flattened), an int64 Tensor; ties: the first occurrence."""
    return _arg_extreme(np.argmin, "argmin", x, axis, keepdims)


def _logical(fn, op, x, axis, keepdims):
    data = _values(x, op)
    return Tensor.wrap(np.asarray(fn(data, axis=_axes(axis, data.ndim, op), keepdims=_keep(keepdims, op))))


def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any entry over ``axis`` is non-zero (NaN counts): a bool Tensor, no gradient."""
    return _logical(np.any, "any", x, axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every entry over ``axis`` is non-zero (NaN counts): a bool Tensor, no gradient."""
    return _logical(np.all, "all", x, axis, keepdims)


# ---------------------------------------------------------------- norms

VECTOR_ORDS = "2, 1, inf, -inf, 0 or any number p > 0"
MATRIX_ORDS = "'fro', 'nuc', 1, -1, 2, -2, inf or -inf"


def _kept(t, shape, axes, keepdims):
    if not keepdims:
        return t
    return _reshape(t, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _two_norm(x, axes, keepdims):
    """√Σx² as m·√Σ(x/m)², m a power of two near max|x| (see :func:`gradlab.ops.api._norm_scale`)."""
    data = x.data if isinstance(x, Tensor) else x
    scale = _norm_scale(np.asarray(data), axes)
    u = div(x, scale)
    s = sum(mul(u, u), axis=axes, keepdims=keepdims)
    zero = s.data == 0
    # 0 with the gradient 0 where Σ = 0 (not 0·∞ = NaN): the square root never sees those 0 (NaN stays NaN)
    root = where(zero, 0.0, sqrt(where(zero, 1.0, s)))
    return mul(root, scale.reshape(np.shape(s.data)))


def _ord_kind(ord):
    if isinstance(ord, str) or ord is None:
        return ord
    if not isinstance(ord, numbers.Real) or isinstance(ord, bool) or math.isnan(ord):
        raise ParameterError(f"norm: ord must be None, a number, 'fro' or 'nuc', got {ord!r}")
    return float(ord)


def _vector_norm(x, p, axes, keepdims):
    if p == 2:
        return _two_norm(x, axes, keepdims)
    if p == 1:
        return sum(_abs(x), axis=axes, keepdims=keepdims)
    if p == math.inf:
        return _max(_abs(x), axis=axes, keepdims=keepdims)
    if p == -math.inf:
        return min(_abs(x), axis=axes, keepdims=keepdims)
    if p == 0:
        return Tensor.wrap(np.asarray(np.sum(_values(x, "norm") != 0, axis=axes, keepdims=keepdims),
                                      dtype=_values(x, "norm").dtype))
    if p < 0 or isinstance(p, str):
        raise ParameterError(f"norm: ord {p!r} is not a vector norm; use {VECTOR_ORDS}")
    return apply(RM.PNORM, x, p=p, axis=axes, keepdims=keepdims)


def _matrix_norm(x, ord, pair, keepdims):
    shape = _shape(x)
    r, c = pair
    both = tuple(sorted(pair))
    if ord == "fro":
        return _two_norm(x, both, keepdims)
    if ord in ("nuc", 2.0, -2.0):
        others = tuple(i for i in range(len(shape)) if i not in pair)
        moved = _transpose(x, others + (r, c))
        t = apply(RM.NUCLEAR, moved) if ord == "nuc" else apply(RM.SPECTRAL, moved, smallest=ord == -2.0)
        return _kept(t, shape, both, keepdims)
    if ord in (1.0, -1.0, math.inf, -math.inf):
        inner, outer = (r, c) if abs(ord) == 1 else (c, r)
        sums = sum(_abs(x), axis=inner, keepdims=True)
        t = (_max if ord > 0 else min)(sums, axis=outer, keepdims=True)
        return t if keepdims else _reshape(t, tuple(n for i, n in enumerate(shape) if i not in pair))
    raise ParameterError(f"norm: ord {ord!r} is not a matrix norm; use {MATRIX_ORDS}")


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector or matrix norm, as ``numpy.linalg.norm`` and ``torch.linalg.norm``.

    * ``ord=None``: √Σx² over ``axis`` (None: every axis; an int or any tuple), the Euclidean or Frobenius
      norm, computed as m·√Σ(x/m)² with m a power of two near max|x|: no overflow or underflow (1e200,
      1e-300). Gradient x/‖x‖, 0 at x = 0 (as PyTorch).
    * vector ords (``axis`` an int, or None with a 1-D x): 2; 1 = Σ|x| (gradient sign x, 0 at 0); inf =
      max|x| and -inf = min|x| (ties share the gradient evenly, as PyTorch); 0 = the count of non-zero
      entries (no gradient); any p > 0: (Σ|x|ᵖ)^(1/p), gradient sign(x)(|x|/‖x‖)^(p−1), 0 where ‖x‖ = 0 and,
      as PyTorch, at entries 0.
    * matrix ords (``axis`` a pair (rows, columns), or None with a 2-D x): 'fro'; 'nuc' = Σσᵢ (gradient
      U Vᵀ); 2 = σ_max and -2 = σ_min (gradient u vᵀ, tied singular values share it evenly, as PyTorch);
      1 / -1 = max / min column sum of |x|; inf / -inf = max / min row sum.

    Result: x's shape without the reduced axes (length 1 with ``keepdims``).
    """
    x = _as_tensor_arg(x, "norm")
    shape = _shape(x)
    nd = len(shape)
    keepdims = _keep(keepdims, "norm")
    kind = _ord_kind(ord)
    if kind is None:
        return _two_norm(x, _axes(axis, nd, "norm"), keepdims)
    if isinstance(kind, str) and kind not in ("fro", "nuc"):
        raise ParameterError(f"norm: ord must be None, a number, 'fro' or 'nuc', got {ord!r}")
    if axis is None:
        if nd > 2:
            raise ShapeError(f"norm: ord={ord!r} with axis=None needs a vector or a matrix, got shape {shape} "
                             "(give axis: an int for vector norms, a pair for matrix norms)")
        axis = tuple(range(nd)) if nd == 2 else (0 if nd == 1 else None)
    if isinstance(axis, numbers.Integral) or axis is None or len(tuple(axis)) == 1:
        if isinstance(kind, str):
            raise ParameterError(f"norm: ord {ord!r} is a matrix norm and needs a pair of axes, got axis {axis!r}")
        return _vector_norm(x, kind, _axes(axis, nd, "norm") if axis is not None else (), keepdims)
    pair = tuple(axis)
    if len(pair) != 2:
        raise ShapeError(f"norm: axis must be an int (vector norm) or a pair (matrix norm), got {axis!r}")
    if nd < 2:
        raise ShapeError(f"norm: a matrix norm needs 2 dimensions, got shape {shape}")
    pair = tuple(_axes(a, nd, "norm")[0] for a in pair)
    if pair[0] == pair[1]:
        raise ShapeError(f"norm: the two matrix axes must differ, got {axis!r}")
    return _matrix_norm(x, kind, pair, keepdims)


extend_namespace({"min": min, "prod": prod, "cumulative_sum": cumsum, "cumulative_prod": cumprod})
