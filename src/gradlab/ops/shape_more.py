"""Shape rows that rearrange axes: flip, squeeze, expand_dims, moveaxis, swapaxes, tile, tril, triu.

Each is linear in its input, so each VJP is the adjoint rearrangement of
``g`` (flip back, reshape back, the inverse permutation, the sum of the
tiled copies, the same triangle). Parameters arrive normalised by the public
functions (:mod:`gradlab.ops.api_shape`): axes as non-negative ints.
"""

from __future__ import annotations

from ..core.primitive import namespace, register


def _inverse(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


# ---------------------------------------------------------------- flip
def flip_fwd(x, axis=None):
    return namespace(x).flip(x, axis=axis)


def flip_dx(g, out, x, axis=None):
    return namespace(g).flip(g, axis=axis)


# ---------------------------------------------------------------- squeeze / expand_dims
def squeezed_shape(shape, axis):
    return tuple(n for i, n in enumerate(shape) if i not in axis)


def expanded_shape(shape, axis):
    """``shape`` with length-1 axes inserted at the (non-negative, sorted) positions ``axis`` of the result."""
    out, it = [], iter(shape)
    for i in range(len(shape) + len(axis)):
        out.append(1 if i in axis else next(it))
    return tuple(out)


def squeeze_fwd(x, axis=()):
    return namespace(x).reshape(x, squeezed_shape(tuple(x.shape), axis))


def expand_dims_fwd(x, axis=()):
    return namespace(x).reshape(x, expanded_shape(tuple(x.shape), axis))


def reshape_back(g, out, x, **params):
    return namespace(g).reshape(g, tuple(x.shape))


# ---------------------------------------------------------------- moveaxis / swapaxes
def moveaxis_perm(ndim, source, destination):
    """The permutation ``permute_dims`` takes for ``moveaxis(source, destination)`` (NumPy's rule)."""
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return tuple(order)


def swap_perm(ndim, axis1, axis2):
    perm = list(range(ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tuple(perm)


def moveaxis_fwd(x, source=(), destination=()):
    return namespace(x).permute_dims(x, moveaxis_perm(len(x.shape), source, destination))


def moveaxis_dx(g, out, x, source=(), destination=()):
    return namespace(g).permute_dims(g, _inverse(moveaxis_perm(len(x.shape), source, destination)))


def swapaxes_fwd(x, axis1=0, axis2=0):
    return namespace(x).permute_dims(x, swap_perm(len(x.shape), axis1, axis2))


def swapaxes_dx(g, out, x, axis1=0, axis2=0):
    return namespace(g).permute_dims(g, swap_perm(len(x.shape), axis1, axis2))


# ---------------------------------------------------------------- tile
def _tile_shapes(shape, reps):
    """(x's shape with leading 1s to len(reps), interleaved (1, n0, 1, n1, ...), (r0, n0, r1, n1, ...))."""
    padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
    inter = tuple(v for n in padded for v in (1, n))
    big = tuple(v for r, n in zip(reps, padded) for v in (r, n))
    return padded, inter, big


def tile_fwd(x, reps=()):
    """``reps`` has at least ``x.ndim`` entries (the public function pads it with leading 1s)."""
    xp = namespace(x)
    padded, inter, big = _tile_shapes(tuple(x.shape), reps)
    out = tuple(r * n for r, n in zip(reps, padded))
    return xp.reshape(xp.broadcast_to(xp.reshape(x, inter), big), out)


def tile_dx(g, out, x, reps=()):
    xp = namespace(g)
    _, _, big = _tile_shapes(tuple(x.shape), reps)
    summed = xp.sum(xp.reshape(g, big), axis=tuple(range(0, len(big), 2)))
    return xp.reshape(summed, tuple(x.shape))


# ---------------------------------------------------------------- tril / triu
def tril_fwd(x, k=0):
    return namespace(x).tril(x, k=k)


def tril_dx(g, out, x, k=0):
    return namespace(g).tril(g, k=k)


def triu_fwd(x, k=0):
    return namespace(x).triu(x, k=k)


def triu_dx(g, out, x, k=0):
    return namespace(g).triu(g, k=k)


FLIP = register("flip", flip_fwd, (flip_dx,), latex=r"\operatorname{flip}($x)", dlatex=(r"\operatorname{flip}",),
                doc="Reverses the order along the axes; the gradient is the upstream gradient flipped back.")
SQUEEZE = register("squeeze", squeeze_fwd, (reshape_back,), latex=r"\operatorname{squeeze}($x)",
                   dlatex=(r"\operatorname{reshape}^{-1}",), doc="Drops axes of length 1; the gradient is reshaped back.")
EXPAND_DIMS = register("expand_dims", expand_dims_fwd, (reshape_back,), latex=r"\operatorname{expand\_dims}($x)",
                       dlatex=(r"\operatorname{reshape}^{-1}",),
                       doc="Inserts axes of length 1; the gradient is reshaped back.")
MOVEAXIS = register("moveaxis", moveaxis_fwd, (moveaxis_dx,), latex=r"\operatorname{moveaxis}($x)",
                    dlatex=(r"\operatorname{moveaxis}^{-1}",),
                    doc="Moves axes to new positions; the gradient is permuted back.")
SWAPAXES = register("swapaxes", swapaxes_fwd, (swapaxes_dx,), latex=r"\operatorname{swapaxes}($x)",
                    dlatex=(r"\operatorname{swapaxes}",), doc="Swaps two axes; the gradient is swapped back.")
TILE = register("tile", tile_fwd, (tile_dx,), latex=r"\operatorname{tile}($x)", dlatex=(r"\sum_{\text{copies}}",),
                doc="Repeats the whole array along each axis; the gradient sums the copies.")
TRIL = register("tril", tril_fwd, (tril_dx,), latex=r"\operatorname{tril}($x)", dlatex=(r"\operatorname{tril}",),
                doc="Keeps the lower triangle (j <= i + k); the gradient is the same triangle of g, 0 elsewhere.")
TRIU = register("triu", triu_fwd, (triu_dx,), latex=r"\operatorname{triu}($x)", dlatex=(r"\operatorname{triu}",),
                doc="Keeps the upper triangle (j >= i + k); the gradient is the same triangle of g, 0 elsewhere.")
