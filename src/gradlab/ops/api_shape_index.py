"""Public functions over the index rows: gathers, scatters, repeat, pad, sort and topk (re-exported by
``gradlab`` through :mod:`gradlab.ops.api_shape`).

Index arguments may be NumPy integer arrays, nested lists of ints, or Tensors holding integers; a float
index is refused (InputTypeError), and so is an index out of range (ParameterError).
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.tensor import Tensor, apply
from . import shape_index as I
from .api import _arg, _ndim, extend_namespace, getitem
from .api_shape import _int, _one_axis, _shape

SortResult = namedtuple("SortResult", "values indices")  # as PyTorch's torch.return_types.sort
TopKResult = namedtuple("TopKResult", "values indices")

__all__ = ["take_along_axis", "gather", "scatter_add", "repeat", "pad", "sort", "topk"]

PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def _index_array(index, op, name="index"):
    """``index`` as a NumPy integer array; floats, booleans and other kinds refused."""
    data = index.data if isinstance(index, Tensor) else index
    arr = np.asarray(data)
    if arr.dtype.kind not in "iu":
        hint = " (make it with dtype='int64', or .astype(int))" if arr.dtype.kind == "f" else ""
        raise InputTypeError(f"{op}: {name} must hold integers, got an array of dtype {arr.dtype}{hint}")
    return arr.astype(np.intp, copy=False)


def _in_range(index, n, op, negative_ok, name="index"):
    low = -n if negative_ok else 0
    if index.size and (index.min() < low or index.max() >= n):
        bad = index[(index < low) | (index >= n)].flat[0]
        allowed = f"[{-n}, {n})" if negative_ok else f"[0, {n})"
        raise ParameterError(f"{op}: {name} value {bad} is out of range {allowed} for an axis of length {n}")
    return index % n if negative_ok and n else index


def take_along_axis(x, indices, axis=-1):
    """NumPy's take_along_axis: out[..., j, ...] = x[..., indices[..., j, ...], ...] along ``axis``.

    x and indices have the same number of dimensions and broadcast outside ``axis``; the result has their
    broadcast shape with indices' length along ``axis``. Negative indices count from the end (NumPy).
    ``axis=None`` reads x flattened (indices 1-D). Gradient: g scatter-added into x's shape (repeated
    indices accumulate).
    """
    x = _arg(x, "take_along_axis")
    idx = _index_array(indices, "take_along_axis", "indices")
    if axis is None:
        x = x.reshape(-1) if isinstance(x, Tensor) else np.reshape(np.asarray(x, dtype=float), (-1,))
        axis = 0
    shape = _shape(x)
    if idx.ndim != len(shape):
        raise ShapeError(f"take_along_axis: indices must have as many dimensions as x, got shapes {idx.shape} "
                         f"and {shape}")
    ax = _one_axis(axis, max(len(shape), 1), "take_along_axis")
    others = [(a, b) for d, (a, b) in enumerate(zip(idx.shape, shape)) if d != ax]
    if any(a != b and 1 not in (a, b) for a, b in others):
        raise ShapeError(f"take_along_axis: indices of shape {idx.shape} and x of shape {shape} do not broadcast "
                         f"outside axis {ax}")
    idx = _in_range(idx, shape[ax], "take_along_axis", True, "indices")
    return apply(I.TAKE_ALONG_AXIS, x, indices=idx, axis=ax)


def _torch_index(x_shape, idx, dim, op):
    if idx.ndim != len(x_shape):
        raise ShapeError(f"{op}: index must have as many dimensions as x, got shapes {idx.shape} and {x_shape}")
    if any(m > n for d, (m, n) in enumerate(zip(idx.shape, x_shape)) if d != dim):
        raise ShapeError(f"{op}: index of shape {idx.shape} is larger than x of shape {x_shape} outside dim {dim}")
    return _in_range(idx, x_shape[dim] if x_shape else 1, op, False)


def gather(x, dim, index):
    """PyTorch's gather: out[i][j][k] = x[index[i][j][k]][j][k] for dim = 0 (likewise for other dims).

    index has x's number of dimensions, no larger than x outside ``dim``, entries in [0, x.shape[dim]);
    the result has index's shape. Gradient: g scatter-added into x's shape (repeated indices accumulate).
    """
    x = _arg(x, "gather")
    idx = _index_array(index, "gather")
    shape = _shape(x)
    ax = _one_axis(dim, max(len(shape), 1), "gather", "dim")
    if not shape:  # a 0-d value: index 0 (0-d too) reads it, as PyTorch's
        if np.ndim(idx) != 0:
            raise ShapeError(f"gather: x is 0-d, so index must be 0-d too, got shape {np.shape(idx)}")
        return getitem(apply(I.GATHER, getitem(x, None), index=_torch_index((1,), idx.reshape(1), 0, "gather"),
                             axis=0), 0)
    return apply(I.GATHER, x, index=_torch_index(shape, idx, ax, "gather"), axis=ax)


def scatter_add(x, dim, index, src):
    """PyTorch's Tensor.scatter_add: x with src[i][j][k] added at [index[i][j][k]][j][k] (dim = 0; likewise
    for other dims); repeated indices accumulate.

    x (any shape), index of x's number of dimensions, no larger than src anywhere and than x outside ``dim``,
    entries in [0, x.shape[dim]); src's entries beyond index's shape are unused. The result has x's shape.
    Gradient: g to x; g gathered at index to src (0 for the unused entries).
    """
    x, src = _arg(x, "scatter_add"), _arg(src, "scatter_add")
    idx = _index_array(index, "scatter_add")
    shape, sshape = _shape(x), _shape(src)
    ax = _one_axis(dim, max(len(shape), 1), "scatter_add", "dim")
    idx = _torch_index(shape, idx, ax, "scatter_add")
    if len(sshape) != idx.ndim or any(m > n for m, n in zip(idx.shape, sshape)):
        raise ShapeError(f"scatter_add: index of shape {idx.shape} must be no larger than src of shape {sshape}")
    if sshape != idx.shape:
        src = getitem(src, tuple(slice(0, m) for m in idx.shape))
    return apply(I.SCATTER_ALONG, x, src, index=idx, axis=ax)


def repeat(x, repeats, axis=None):
    """NumPy's repeat: each entry repeated ``repeats`` times along ``axis`` (None: x flattened first).

    ``repeats``: a non-negative int, or one per entry along the axis. x (..., n, ...) → (..., Σ repeats, ...).
    Gradient: the sum of g over each entry's copies.
    """
    x = _arg(x, "repeat")
    shape = _shape(x)
    n = int(np.prod(shape)) if axis is None else None
    ax = None if axis is None else _one_axis(axis, max(len(shape), 1), "repeat")
    if ax is not None:
        if not shape:
            raise ShapeError("repeat: a 0-d input has no axis 0; use axis=None")
        n = shape[ax]
    if isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        reps = _int(repeats, "repeat", "repeats", 0)
    else:
        reps = tuple(_int(r, "repeat", "each entry of repeats", 0) for r in np.asarray(repeats).reshape(-1).tolist())
        if len(reps) == 1:
            reps = reps[0]
        elif len(reps) != n:
            raise ShapeError(f"repeat: repeats has {len(reps)} entries, but the axis has {n}")
    return apply(I.REPEAT, x, repeats=reps, axis=ax)


def _pad_width(pad_width, ndim):
    try:
        arr = np.asarray(pad_width)
        ok = arr.dtype.kind in "iu"
        arr = np.broadcast_to(arr, (ndim, 2)) if ok else None
    except ValueError:
        arr = None
    if arr is None:
        raise ParameterError(f"pad: pad_width must be an int, (before, after) or one (before, after) per axis of "
                             f"the {ndim} axes, got {pad_width!r}")
    if (arr < 0).any():
        raise ParameterError(f"pad: pad_width must not be negative, got {pad_width!r}")
    return tuple((int(b), int(a)) for b, a in arr.tolist())


def pad(x, pad_width, mode="constant", constant_values=0):
    """NumPy's pad: x widened by ``pad_width`` (an int, (before, after), or one pair per axis).

    Modes: 'constant' (``constant_values``, a number), 'edge' (the edge value repeated), 'reflect' (mirrored
    without the edge), 'symmetric' (mirrored with the edge), 'wrap' (periodic); pads wider than the axis
    repeat the reflection as NumPy. x (n0, ...) → (b0 + n0 + a0, ...). Gradient: g's inner block, plus, for
    the copying modes, every padded copy's gradient summed back onto the entry it copies.
    """
    x = _arg(x, "pad")
    shape = _shape(x)
    if mode not in PAD_MODES:
        raise ParameterError(f"pad: mode must be one of {', '.join(PAD_MODES)}, got {mode!r}")
    width = _pad_width(pad_width, len(shape))
    if mode == "constant":
        if isinstance(constant_values, bool) or not isinstance(constant_values, numbers.Real):
            raise ParameterError(f"pad: constant_values must be a number, got {constant_values!r}")
    elif constant_values != 0:
        raise ParameterError(f"pad: constant_values is only for mode 'constant', not {mode!r}")
    for n, (b, a) in zip(shape, width):
        if mode != "constant" and n == 0 and (b or a):
            raise ShapeError(f"pad: mode {mode!r} cannot pad an empty axis (x has shape {shape})")
    return apply(I.PAD, x, pad_width=width, mode=mode, constant_values=float(constant_values))


def _sort_axis(x, axis, op):
    shape = _shape(x)
    if not shape:
        raise ShapeError(f"{op}: x must have at least one dimension, got a 0-d input")
    return shape, _one_axis(axis, len(shape), op)


def sort(x, axis=-1, descending=False):
    """Sorted values along ``axis`` and the indices that sort: ``(values, indices)`` (a named tuple, as
    PyTorch's), both of x's shape. NaN counts as the largest value (last ascending, first descending).

    Stable: equal values keep their order (NumPy's kind='stable', PyTorch's stable=True), also descending.
    ``indices`` is a Tensor of int64 (no gradient). Gradient: g sent back through the permutation.
    """
    x = _arg(x, "sort")
    _, ax = _sort_axis(x, axis, "sort")
    values = apply(I.SORT, x, axis=ax, descending=bool(descending))
    data = np.asarray(x.data if isinstance(x, Tensor) else x)
    return SortResult(values, Tensor.wrap(I.sort_order(data, ax, bool(descending)).astype(np.int64)))


def topk(x, k, axis=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """PyTorch's topk: the ``k`` largest (``largest=False``: smallest) values along ``axis`` and their indices.

    x (..., n, ...) → ``(values, indices)`` (a named tuple), int64 indices (..., k, ...); NaN counts as the
    largest value, as PyTorch's. ``sorted=True``: best first; ``sorted=False``:
    in their order in x. Ties go to the lower index (a stable sort). Gradient: g to the selected entries, 0
    elsewhere.
    """
    x = _arg(x, "topk")
    shape, ax = _sort_axis(x, axis, "topk")
    k = _int(k, "topk", "k", 0)
    if k > shape[ax]:
        raise ParameterError(f"topk: k = {k} is larger than the axis length {shape[ax]} (x has shape {shape})")
    values = apply(I.TOPK, x, k=k, axis=ax, largest=bool(largest), sorted=bool(sorted))
    data = np.asarray(x.data if isinstance(x, Tensor) else x)
    return TopKResult(values, Tensor.wrap(I.topk_index(data, k, ax, bool(largest), bool(sorted)).astype(np.int64)))


extend_namespace({"take_along_axis": take_along_axis, "repeat": repeat})
