"""Shape rows that move values by integer indices along an axis.

take_along_axis, gather, scatter_add_along, repeat, pad, sort and topk. The
indices are parameters (NumPy integer arrays, checked by the public
functions), never inputs: they get no gradient. Every gather's VJP is a
scatter-add (repeated indices accumulate) and every scatter-add's VJP a
gather, so the rows differentiate each other to any order.

The array API standard has gathers (``take``, ``take_along_axis``) but no
scatter-add: on NumPy it is ``np.add.at``; on another namespace it is a
one-hot sum (``where(index == j, src, 0)`` summed), exact but of size
``index.size × n``.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ShapeError
from ..core.primitive import namespace, register
from ..core.tensor import Tensor, apply


def _idx(xp, index):
    """``index`` (a NumPy integer array) as an array of namespace ``xp``."""
    return index if xp is np else xp.asarray(index)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _full_index(index, axis):
    """The tuple of index arrays that addresses ``index`` along ``axis`` (``np.add.at``'s form)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[axis] = index
    return tuple(grid)


# ---------------------------------------------------------------- scatter-add along an axis
def scatter_along_fwd(x, src, index=None, axis=0):
    """``x`` with ``src`` added at ``index`` along ``axis`` (index and src of one shape)."""
    xp = namespace(x)
    if xp is np:
        out = np.array(x, dtype=np.result_type(x, src), copy=True)
        np.add.at(out, _full_index(index, axis), src)
        return out
    idx = xp.asarray(index)
    n = x.shape[axis]
    if any(idx.shape[d] != x.shape[d] for d in range(len(x.shape)) if d != axis):
        raise ShapeError(f"scatter_add_along: on {xp.__name__} arrays the index must match x's shape outside axis "
                         f"{axis}, got {tuple(idx.shape)} and {tuple(x.shape)}")
    moved = xp.moveaxis(src, axis, -1)
    hit = xp.expand_dims(xp.moveaxis(idx, axis, -1), axis=-1) == xp.arange(n, dtype=idx.dtype)  # (..., m, n)
    zero = xp.zeros((), dtype=moved.dtype)
    add = xp.sum(xp.where(hit, xp.expand_dims(moved, axis=-1), zero), axis=-2)
    return x + xp.moveaxis(add, -1, axis)


def scatter_along_dx(g, out, x, src, index=None, axis=0):
    return g


def scatter_along_dsrc(g, out, x, src, index=None, axis=0):
    return gather_of(g, index, axis)


def scatter_sum(g, index, axis, n):
    """Zeros with ``n`` entries along ``axis`` (g's shape elsewhere), ``g`` added at ``index``.

    ``index`` broadcasts to ``g``'s shape. On a Tensor ``g`` the scatter is recorded (a row), so the
    result stays differentiable.
    """
    gd = _data(g)
    xp = namespace(gd)
    shape = tuple(gd.shape[:axis]) + (n,) + tuple(gd.shape[axis + 1:])
    bshape = tuple(gd.shape)
    index = np.broadcast_to(index, bshape) if isinstance(index, np.ndarray) else xp.broadcast_to(index, bshape)
    zeros = xp.zeros(shape, dtype=gd.dtype)
    if isinstance(g, Tensor):
        return apply(SCATTER_ALONG, zeros, g, index=index, axis=axis)
    return scatter_along_fwd(zeros, g, index=index, axis=axis)


def scatter_into(g, index, axis, shape):
    """Zeros of ``shape`` with ``g`` (index's shape, which fits in ``shape``) added at ``index`` along ``axis``."""
    gd = _data(g)
    zeros = namespace(gd).zeros(tuple(shape), dtype=gd.dtype)
    if isinstance(g, Tensor):
        return apply(SCATTER_ALONG, zeros, g, index=index, axis=axis)
    return scatter_along_fwd(zeros, g, index=index, axis=axis)


# ---------------------------------------------------------------- take_along_axis and gather
def take_along_axis_fwd(x, indices=None, axis=-1):
    xp = namespace(x)
    return xp.take_along_axis(x, _idx(xp, indices), axis=axis)


def take_along_axis_dx(g, out, x, indices=None, axis=-1):
    # g has the broadcast shape of x and indices outside axis; the engine sums the broadcast axes away
    return scatter_sum(g, indices, axis, x.shape[axis])


def gather_of(x, index, axis):
    """PyTorch's gather: ``x`` cut to ``index``'s extent outside ``axis``, then taken along ``axis``."""
    if isinstance(x, Tensor):
        return apply(GATHER, x, index=index, axis=axis)
    return gather_fwd(x, index=index, axis=axis)


def gather_fwd(x, index=None, axis=0):
    xp = namespace(x)
    cut = tuple(slice(None) if d == axis else slice(0, m) for d, m in enumerate(index.shape))
    part = x[cut] if any(index.shape[d] != x.shape[d] for d in range(len(x.shape)) if d != axis) else x
    return xp.take_along_axis(part, _idx(xp, index), axis=axis)


def gather_dx(g, out, x, index=None, axis=0):
    return scatter_into(g, index, axis, tuple(x.shape))


# ---------------------------------------------------------------- repeat and pad: a take per axis
def repeat_index(n, repeats):
    """The source index of each output entry of NumPy's ``repeat`` along an axis of length ``n``."""
    return np.repeat(np.arange(n), repeats)


def repeat_fwd(x, repeats=1, axis=None):
    xp = namespace(x)
    if axis is None:
        x, axis = xp.reshape(x, (-1,)), 0
    return xp.take(x, _idx(xp, repeat_index(x.shape[axis], repeats)), axis=axis)


def repeat_dx(g, out, x, repeats=1, axis=None):
    xp = namespace(g)
    shape = tuple(x.shape)
    n = int(np.prod(shape)) if axis is None else shape[axis]
    index = repeat_index(n, repeats)
    ax = 0 if axis is None else axis
    index = index.reshape((-1,) + (1,) * (len(_data(g).shape) - ax - 1))
    summed = scatter_sum(g, index, ax, n)
    return xp.reshape(summed, shape) if axis is None else summed


def pad_index(n, before, after, mode):
    """The source index of each output entry along an axis of length ``n`` (NumPy's ``pad`` on 0..n-1)."""
    return np.pad(np.arange(n), (before, after), mode=mode)


def pad_fwd(x, pad_width=(), mode="constant", constant_values=0):
    xp = namespace(x)
    for axis, (before, after) in enumerate(pad_width):
        if not before and not after:
            continue
        if mode == "constant":
            shape = list(x.shape)
            blocks = []
            for width in (before, after):
                shape[axis] = width
                blocks.append(xp.full(tuple(shape), constant_values, dtype=x.dtype))
            x = xp.concat([blocks[0], x, blocks[1]], axis=axis)
        else:
            x = xp.take(x, _idx(xp, pad_index(x.shape[axis], before, after, mode)), axis=axis)
    return x


def pad_dx(g, out, x, pad_width=(), mode="constant", constant_values=0):
    shape = tuple(x.shape)
    if mode == "constant":
        return g[tuple(slice(b, b + n) for (b, _), n in zip(pad_width, shape))]
    for axis in reversed(range(len(shape))):
        before, after = pad_width[axis]
        if before or after:
            index = pad_index(shape[axis], before, after, mode)
            g = scatter_sum(g, index.reshape((-1,) + (1,) * (len(shape) - axis - 1)), axis, shape[axis])
    return g


# ---------------------------------------------------------------- sort and topk
def sort_order(x, axis, descending):
    """The stable sorting permutation along ``axis`` (equal values keep their order, as NumPy's and PyTorch's
    stable sorts; NaN sorts as the largest value), in ``x``'s namespace."""
    xp = namespace(x)
    if xp is np:
        if descending and x.dtype.kind == "f" and np.isnan(x).any():  # NaN is the largest (first), as PyTorch
            return np.lexsort((-x, ~np.isnan(x)), axis=axis)
        return np.argsort(-x if descending else x, axis=axis, kind="stable")
    return xp.argsort(x, axis=axis, descending=descending, stable=True)


def sort_fwd(x, axis=-1, descending=False):
    xp = namespace(x)
    return xp.take_along_axis(x, sort_order(x, axis, descending), axis=axis)


def sort_dx(g, out, x, axis=-1, descending=False):
    xd = _data(x)
    order = sort_order(xd, axis, descending)
    back = namespace(order).argsort(order, axis=axis)  # the inverse permutation: where each entry went
    if isinstance(g, Tensor):
        return apply(TAKE_ALONG_AXIS, g, indices=back, axis=axis)
    return namespace(g).take_along_axis(g, back, axis=axis)


def topk_index(x, k, axis, largest, sorted):  # noqa: A002 - PyTorch's name
    """The indices topk selects: the first k of the stable sort (ties: the lower index first); with
    ``sorted=False`` in increasing index order."""
    xp = namespace(x)
    order = sort_order(x, axis, largest)
    n = x.shape[axis]
    first = order[tuple(slice(None) if d != axis else slice(0, k) for d in range(len(x.shape)))] if k < n else order
    return first if sorted else xp.sort(first, axis=axis)


def topk_fwd(x, k=1, axis=-1, largest=True, sorted=True):  # noqa: A002
    xp = namespace(x)
    return xp.take_along_axis(x, topk_index(x, k, axis, largest, sorted), axis=axis)


def topk_dx(g, out, x, k=1, axis=-1, largest=True, sorted=True):  # noqa: A002
    xd = _data(x)
    index = topk_index(xd, k, axis, largest, sorted)
    return scatter_sum(g, index, axis, xd.shape[axis])


_GATHER_DOC = "Gradient: scatter-add of g into the gathered places (repeated indices accumulate)."
SCATTER_ALONG = register(
    "scatter_add_along", scatter_along_fwd, (scatter_along_dx, scatter_along_dsrc),
    latex=r"$x + \operatorname{scatter}($y)", dlatex=("1", r"\operatorname{gather}"), argnames=("x", "y"),
    doc="x with src added at index along an axis (PyTorch's scatter_add). Gradient: g to x, gather of g at index to src.")
TAKE_ALONG_AXIS = register("take_along_axis", take_along_axis_fwd, (take_along_axis_dx,),
                           latex=r"\operatorname{take}($x)", dlatex=(r"\text{scatter-add}",), doc=_GATHER_DOC)
GATHER = register("gather", gather_fwd, (gather_dx,), latex=r"\operatorname{gather}($x)",
                  dlatex=(r"\text{scatter-add}",), doc=_GATHER_DOC)
REPEAT = register("repeat", repeat_fwd, (repeat_dx,), latex=r"\operatorname{repeat}($x)",
                  dlatex=(r"\sum_{\text{copies}}",), doc="Repeats each entry; the gradient sums each entry's copies.")
PAD = register("pad", pad_fwd, (pad_dx,), latex=r"\operatorname{pad}($x)", dlatex=(r"\sum_{\text{copies}}",),
               doc="Pads each axis (constant, edge, reflect, symmetric, wrap). The gradient is g's inner block, plus, "
                   "for the copying modes, g at every padded copy summed back onto the entry it copies.")
SORT = register("sort", sort_fwd, (sort_dx,), latex=r"\operatorname{sort}($x)", dlatex=(r"\operatorname{unsort}",),
                doc="Sorted values (stable: equal values keep their order). The gradient goes back through the "
                    "permutation; at ties each value gets the gradient of the position the stable sort gave it.")
TOPK = register("topk", topk_fwd, (topk_dx,), latex=r"\operatorname{topk}($x)", dlatex=(r"\text{scatter}",),
                doc="The k largest (or smallest) values; ties go to the lower index (stable sort). The gradient "
                    "reaches the selected entries only, 0 elsewhere.")
