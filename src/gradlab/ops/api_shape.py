"""Public functions over the shape rows (re-exported by ``gradlab``).

Axes and layout here; gathers, scatters, padding and sorting in
:mod:`gradlab.ops.api_shape_index` (re-exported from this module). Every
function takes a Tensor or an array-like, checks its arguments, and returns
Tensors; NumPy's names and argument conventions, PyTorch's where noted.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.errors import ParameterError, ShapeError
from ..core.tensor import Tensor, apply
from . import shape_more as M
from .api import _arg, _axes, _ndim, extend_namespace, getitem, transpose

__all__ = ["flip", "squeeze", "expand_dims", "unsqueeze", "moveaxis", "swapaxes", "permute", "split", "chunk",
           "tile", "tril", "triu"]


def _shape(x):
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def _int(v, op, name, low=None):
    """``v`` as an int (bools and floats refused), at least ``low``."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise ParameterError(f"{op}: {name} must be an int, got {v!r}")
    if low is not None and v < low:
        raise ParameterError(f"{op}: {name} must be at least {low}, got {v}")
    return int(v)


def _axis_list(axis, ndim, op, name="axis"):
    """``axis`` (an int or a sequence of ints) as a list of non-negative axes, in order, refusing repeats."""
    items = [axis] if isinstance(axis, numbers.Integral) and not isinstance(axis, bool) else list(axis)
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise ParameterError(f"{op}: {name} must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ShapeError(f"{op}: {name} {a} is out of range for an input with {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ParameterError(f"{op}: {name} {tuple(items)} repeats an axis")
    return out


def _one_axis(axis, ndim, op, name="axis"):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ParameterError(f"{op}: {name} must be an int, got {axis!r}")
    return _axis_list(axis, ndim, op, name)[0]


def flip(x, axis=None):
    """Reverse the order of the entries along ``axis`` (an int, a tuple, or None: every axis).

    Any shape; the result has x's shape. Gradient: g flipped back.
    """
    x = _arg(x, "flip")
    nd = _ndim(x)
    axes = tuple(range(nd)) if axis is None else tuple(_axis_list(axis, nd, "flip"))
    return apply(M.FLIP, x, axis=axes)


def squeeze(x, axis=None):
    """Remove axes of length 1: ``axis`` (an int or a tuple) or, with None, every one.

    x (..., 1, ...) → without those axes. An axis whose length is not 1 is refused (ShapeError), as NumPy.
    Gradient: g reshaped back to x's shape.
    """
    x = _arg(x, "squeeze")
    shape = _shape(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    else:
        axes = tuple(sorted(_axis_list(axis, len(shape), "squeeze")))
        for a in axes:
            if shape[a] != 1:
                raise ShapeError(f"squeeze: axis {a} has length {shape[a]}, but only axes of length 1 can be removed "
                                 f"(x has shape {shape})")
    return apply(M.SQUEEZE, x, axis=axes)


def expand_dims(x, axis):
    """Insert axes of length 1 at the positions ``axis`` (an int or a tuple) of the result.

    x of n dimensions → n + len(axis) dimensions; negative positions count from the result's end (NumPy).
    Gradient: g reshaped back to x's shape.
    """
    x = _arg(x, "expand_dims")
    items = [axis] if isinstance(axis, numbers.Integral) and not isinstance(axis, bool) else list(axis)
    axes = tuple(sorted(_axis_list(axis, _ndim(x) + len(items), "expand_dims")))
    return apply(M.EXPAND_DIMS, x, axis=axes)


def unsqueeze(x, dim):
    """PyTorch's unsqueeze: one axis of length 1 inserted at ``dim`` (an int) of the result (``expand_dims``)."""
    x = _arg(x, "unsqueeze")
    return expand_dims(x, _one_axis(dim, _ndim(x) + 1, "unsqueeze", "dim"))


def moveaxis(x, source, destination):
    """Move the axes ``source`` (an int or a tuple) to the positions ``destination``; the others keep their order.

    Any shape of at least that many dimensions. Gradient: g with the axes moved back.
    """
    x = _arg(x, "moveaxis")
    nd = _ndim(x)
    src, dst = _axis_list(source, nd, "moveaxis", "source"), _axis_list(destination, nd, "moveaxis", "destination")
    if len(src) != len(dst):
        raise ParameterError(f"moveaxis: source {source!r} and destination {destination!r} must have the same "
                             "number of axes")
    return apply(M.MOVEAXIS, x, source=tuple(src), destination=tuple(dst))


def swapaxes(x, axis1, axis2):
    """Swap the axes ``axis1`` and ``axis2``. Gradient: g with them swapped back."""
    x = _arg(x, "swapaxes")
    nd = _ndim(x)
    return apply(M.SWAPAXES, x, axis1=_one_axis(axis1, nd, "swapaxes", "axis1"),
                 axis2=_one_axis(axis2, nd, "swapaxes", "axis2"))


def permute(x, *dims):
    """PyTorch's permute: the axes in the order ``dims`` (separate ints or one tuple), a permutation of x's axes.

    Recorded as the ``transpose`` row (NumPy's ``transpose(x, axes)``). Gradient: g permuted back.
    """
    x = _arg(x, "permute")
    if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
        dims = tuple(dims[0])
    nd = _ndim(x)
    axes = _axis_list(dims, nd, "permute", "dims")
    if len(axes) != nd:
        raise ShapeError(f"permute: dims {tuple(dims)} must name each of the {nd} axes of x (shape {_shape(x)}) once")
    return transpose(x, tuple(axes))


def _pieces(x, bounds, axis):
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(a, b), Ellipsis)) for a, b in bounds]


def split(x, indices_or_sections, axis=0):
    """NumPy's split: a list of Tensors, each a slice of x along ``axis`` (a ``getitem`` node each).

    ``indices_or_sections``: an int N (N equal parts; the axis length must divide by N) or a sorted sequence
    of split points [i0, i1, ...] giving x[:i0], x[i0:i1], ..., x[ik:] (empty where the points pass the end).
    Gradient: each part's gradient lands in its slice.
    """
    x = _arg(x, "split")
    shape = _shape(x)
    ax = _one_axis(axis, max(len(shape), 1), "split")
    if not shape:
        raise ShapeError("split: x must have at least one dimension, got a 0-d input")
    n = shape[ax]
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(indices_or_sections, bool):
        parts = _int(indices_or_sections, "split", "the number of sections", 1)
        if n % parts:
            raise ShapeError(f"split: axis {ax} of length {n} cannot be split into {parts} equal parts "
                             "(use a list of split points, or chunk)")
        size = n // parts
        bounds = [(i * size, (i + 1) * size) for i in range(parts)]
    else:
        points = [_int(p, "split", "each split point") for p in indices_or_sections]
        edges = [0] + points + [n]
        bounds = list(zip(edges[:-1], edges[1:]))
        bounds[-1] = (bounds[-1][0], None)
    return _pieces(x, bounds, ax)


def chunk(x, chunks, axis=0):
    """PyTorch's chunk: a list of slices of size ceil(n / chunks) along ``axis`` (the last may be smaller,
    and there may be fewer than ``chunks`` of them). Gradient: each part's gradient lands in its slice."""
    x = _arg(x, "chunk")
    shape = _shape(x)
    chunks = _int(chunks, "chunk", "chunks", 1)
    if not shape:
        raise ShapeError("chunk: x must have at least one dimension, got a 0-d input")
    ax = _one_axis(axis, len(shape), "chunk")
    n = shape[ax]
    size = max(math.ceil(n / chunks), 1)
    return _pieces(x, [(a, min(a + size, n)) for a in range(0, max(n, 1), size)], ax)


def tile(x, reps):
    """NumPy's tile: x repeated ``reps`` times along each axis (an int or a sequence of non-negative ints).

    x (n0, ..., nd) → (r0·n0, ..., rd·nd), shorter of x's shape and reps padded with leading 1s.
    Gradient: the sum of g over the copies.
    """
    x = _arg(x, "tile")
    items = [reps] if isinstance(reps, numbers.Integral) and not isinstance(reps, bool) else list(reps)
    reps = tuple(_int(r, "tile", "each repetition count", 0) for r in items)
    nd = _ndim(x)
    reps = (1,) * (nd - len(reps)) + reps
    return apply(M.TILE, x, reps=reps)


def _triangle(row, name, x, k):
    x = _arg(x, name)
    if _ndim(x) < 2:
        raise ShapeError(f"{name}: x must be a matrix (..., m, n), got shape {_shape(x)}")
    return apply(row, x, k=_int(k, name, "k"))


def tril(x, k=0):
    """Lower triangle of a matrix (..., m, n): entries with j ≤ i + k kept, the rest 0.
    Gradient: the same triangle of g."""
    return _triangle(M.TRIL, "tril", x, k)


def triu(x, k=0):
    """Upper triangle of a matrix (..., m, n): entries with j ≥ i + k kept, the rest 0.
    Gradient: the same triangle of g."""
    return _triangle(M.TRIU, "triu", x, k)


from .api_shape_index import *  # noqa: E402,F401,F403
from .api_shape_index import __all__ as _index_all  # noqa: E402

__all__ += _index_all

extend_namespace({"flip": flip, "squeeze": squeeze, "expand_dims": expand_dims, "moveaxis": moveaxis,
                  "tile": tile, "tril": tril, "triu": triu})
