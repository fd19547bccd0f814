"""Shape primitives: reshape, broadcast_to, indexing, concatenate, stack.

Their VJPs move ``g`` back where the values came from: reshape back, sum
broadcast axes away, scatter-add into the indexed places (repeated indices
accumulate), and slice a concatenation or stack apart.
"""

from __future__ import annotations

import numpy as np

from ..core.primitive import Variadic, namespace, register
from ..core.tensor import apply


def reshape_fwd(x, shape=None):
    return namespace(x).reshape(x, shape)


def reshape_dx(g, out, x, shape=None):
    return namespace(g).reshape(g, tuple(x.shape))


def broadcast_to_fwd(x, shape=None):
    return namespace(x).broadcast_to(x, shape)


def broadcast_to_dx(g, out, x, shape=None):
    return g  # the engine sums the broadcast axes back to x's shape


def is_basic(index) -> bool:
    """True when ``index`` uses only ints, slices, None and Ellipsis (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)


def getitem_fwd(x, index=None):
    return x[index]


def getitem_dx(g, out, x, index=None):
    return scatter_add(g, index, tuple(x.shape))


def scatter_add(g, index, shape):
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices accumulate)."""
    if hasattr(g, "_op"):  # a Tensor: stay differentiable

        return apply(SCATTER_ADD, g, index=index, shape=shape)
    return scatter_add_fwd(g, index=index, shape=shape)


def scatter_add_fwd(g, index=None, shape=None):
    xp = namespace(g)
    z = xp.zeros(shape, dtype=g.dtype)
    if xp is np and not is_basic(index):
        np.add.at(z, index, g)
    else:
        z[index] = g
    return z


def scatter_add_dg(g2, out, g, index=None, shape=None):
    return g2[index]


def concatenate_fwd(*xs, axis=0):
    return namespace(xs[0]).concat(xs, axis=axis)


def concatenate_dx(i, g, out, *xs, axis=0):
    start = sum(x.shape[axis] for x in xs[:i])
    stop = start + xs[i].shape[axis]
    ax = axis % len(g.shape)
    return g[(slice(None),) * ax + (slice(start, stop), Ellipsis)]


def stack_fwd(*xs, axis=0):
    return namespace(xs[0]).stack(xs, axis=axis)


def stack_dx(i, g, out, *xs, axis=0):
    ax = axis % len(g.shape)
    return g[(slice(None),) * ax + (i, Ellipsis)]


RESHAPE = register("reshape", reshape_fwd, (reshape_dx,), latex=r"\operatorname{reshape}($x)",
                   dlatex=(r"\operatorname{reshape}^{-1}",))
BROADCAST_TO = register("broadcast_to", broadcast_to_fwd, (broadcast_to_dx,), latex=r"\operatorname{broadcast}($x)",
                        dlatex=(r"\sum_{\text{broadcast axes}}",))
GETITEM = register("getitem", getitem_fwd, (getitem_dx,), latex="$x[i]", dlatex=(r"\text{scatter-add}",),
                   doc="Gradient scatter-adds into the indexed places; repeated indices accumulate.")
SCATTER_ADD = register("scatter_add", scatter_add_fwd, (scatter_add_dg,), latex=r"\text{scatter}($x)",
                       dlatex=(r"(\cdot)[i]",))
CONCATENATE = register("concatenate", concatenate_fwd, Variadic(concatenate_dx), latex=r"[$x, \dots]",
                       dlatex=(r"\text{slice}",))
STACK = register("stack", stack_fwd, Variadic(stack_dx), latex=r"\operatorname{stack}($x, \dots)", dlatex=(r"\text{select}",))

# the rows added for the core's vocabulary (axes and layout; gathers, scatters, sorting): registered with these
from . import shape_index, shape_more  # noqa: E402,F401
