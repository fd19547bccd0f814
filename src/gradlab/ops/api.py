"""Public functions over the rule tables, and the array namespace of Tensors.

Every function takes Tensors or array-likes and returns a Tensor; the
gradient flows to every Tensor argument that requires it. Shapes follow
NumPy broadcasting; each function's docstring says what it expects.
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from ..core.constraints import Satisfies, check
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.tensor import MODE, Tensor, _holds_tensor, _stack_list, apply, as_array
from . import elementwise as E
from . import linalg as LA
from . import nn as NN
from . import reduce as R
from . import shape as S


__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid",
    "relu", "leaky_relu", "heaviside", "step", "maximum", "minimum", "where", "clip", "softplus", "log_sigmoid",
    "sum", "mean", "max", "logsumexp", "softmax", "log_softmax", "matmul", "transpose", "matrix_transpose",
    "trace", "diag", "inv", "det", "logdet", "slogdet", "outer", "reshape", "broadcast_to", "getitem",
    "concatenate", "stack", "linear", "mse",
]


# --------------------------------------------------------------- helpers
def _ndim(x):
    return len(np.shape(x.data if isinstance(x, Tensor) else x))


def _axes(axis, ndim, op):
    """Normalise ``axis`` (None, int or sequence) to None or a sorted tuple.

    A 0-d input has one valid axis, 0 (or −1), which means the value itself, as in PyTorch: it gives ``()``
    (reduce nothing), so every reduction of a 0-d value is that 0-d value (sum, max...) or its 0-d result
    (softmax 1, log_softmax 0), with or without ``keepdims``.
    """
    if axis is None:
        return None
    try:
        items = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    except TypeError:
        items = (axis,)
    out = []
    for a in items:
        if not isinstance(a, numbers.Integral) or isinstance(a, bool):
            raise ParameterError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ShapeError(f"{op}: axis {a} is out of range for an input with {ndim} dimensions")
        out.append(int(a) % builtins.max(ndim, 1))
    if ndim == 0:
        return ()
    return tuple(sorted(set(out)))


def _one_axis(axis, ndim, op):
    """The one axis a normalisation runs along (softmax): an int, or () for a 0-d input."""
    axes = _axes(axis, ndim, op)
    if axes is None or len(axes) > 1 or (ndim and not axes):
        raise ParameterError(f"{op}: axis must be one int (the axis it normalises along), got {axis!r}")
    return axes[0] if axes else ()


def _keep(keepdims, op):
    """``keepdims`` checked: True or False (a reduction given 1 or 'yes' says so rather than guessing)."""
    if not isinstance(keepdims, (bool, np.bool_)):
        raise ParameterError(f"{op}: keepdims must be True or False, got {keepdims!r}")
    return bool(keepdims)


def _as_tensor_arg(x, op):
    if isinstance(x, Tensor):
        return x
    x = _arg(x, op)
    return x if isinstance(x, Tensor) else as_array(x, op=op)


def _arg(x, op):
    """``x``, or, for a list or tuple holding Tensors that require a gradient, their ``stack``: one Tensor
    in the graph (``apply`` does the same; the functions below that read the shape first need it earlier)."""
    if isinstance(x, (list, tuple)) and MODE.grad_enabled and _holds_tensor(x, True):
        return _stack_list(x, op)
    return x


# ------------------------------------------------------------ element-wise
def add(x, y):
    """x + y with broadcasting."""
    return apply(E.ADD, x, y)


def sub(x, y):
    """x − y with broadcasting."""
    return apply(E.SUB, x, y)


def mul(x, y):
    """x ⊙ y (element-wise, Hadamard) with broadcasting."""
    return apply(E.MUL, x, y)


def div(x, y):
    """x / y element-wise with broadcasting."""
    return apply(E.DIV, x, y)


def neg(x):
    """−x."""
    return apply(E.NEG, x)


def pow(x, p):  # noqa: A001 - mirrors the operator
    """x ** p element-wise; ``p`` a number or a tensor (then ∂/∂p = xᵖ ln x, for x > 0)."""
    return apply(E.POW, x, p)


def exp(x):
    """eˣ element-wise; d/dx = eˣ."""
    return apply(E.EXP, x)


def log(x):
    """Natural logarithm element-wise; d/dx = 1/x."""
    return apply(E.LOG, x)


def sqrt(x):
    """√x element-wise; d/dx = 1/(2√x)."""
    return apply(E.SQRT, x)


def abs(x):  # noqa: A001
    """|x| element-wise; the gradient at 0 is 0."""
    return apply(E.ABS, x)


def sin(x):
    """sin x element-wise."""
    return apply(E.SIN, x)


def cos(x):
    """cos x element-wise."""
    return apply(E.COS, x)


def tanh(x):
    """tanh x element-wise; d/dx = 1 − tanh²x."""
    return apply(E.TANH, x)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ) element-wise, stable for any x; σ′ = σ(1 − σ)."""
    return apply(E.SIGMOID, x)


def relu(x):
    """max(0, x) element-wise; the gradient is H(x) (0 at x = 0)."""
    return apply(E.RELU, x)


SLOPE = Satisfies(lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool),
                  "a real number (a float such as 0.01)", invalid=("0.01", None, True))


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope·x otherwise."""
    check("leaky_relu", "negative_slope", negative_slope, SLOPE)
    return apply(E.LEAKY_RELU, x, negative_slope=float(negative_slope))


def heaviside(x):
    """The unit step H(x) = 1 for x > 0, else 0. Its gradient is zero everywhere."""
    return apply(E.HEAVISIDE, x)


step = heaviside


def maximum(x, y):
    """Element-wise maximum; at ties the gradient is split half and half."""
    return apply(E.MAXIMUM, x, y)


def minimum(x, y):
    """Element-wise minimum; at ties the gradient is split half and half."""
    return apply(E.MINIMUM, x, y)


def where(condition, x, y):
    """x where ``condition`` (boolean, broadcastable) holds, else y."""
    c = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if getattr(c, "dtype", None) is not None and c.dtype != bool:
        c = c.astype(bool)
    return apply(E.WHERE, c, x, y)


def clip(x, min=None, max=None):  # noqa: A002
    """x limited to [min, max]; gradient 1 inside (bounds included), 0 outside."""
    if min is not None and max is not None and min > max:
        raise ParameterError(f"clip: min {min} is greater than max {max}")
    return apply(E.CLIP, x, min=min, max=max)


def softplus(x):
    """ln(1 + eˣ), stable for any x (no overflow at ±1e4); d/dx = σ(x)."""
    return apply(E.SOFTPLUS, x)


def log_sigmoid(x):
    """ln σ(x) = −softplus(−x), stable for any x; d/dx = 1 − σ(x)."""
    return apply(E.LOG_SIGMOID, x)


# -------------------------------------------------------------- reductions
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (None: all). Gradient: g broadcast back (a row of ones).
    Result: x's shape without the reduced axes (kept with length 1 when ``keepdims``); a 0-d x stays 0-d."""
    x = _arg(x, "sum")
    return apply(R.SUM, x, axis=_axes(axis, _ndim(x), "sum"), keepdims=_keep(keepdims, "sum"))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (None: all). Gradient: g/n broadcast back.
    Result: x's shape without the reduced axes (kept with length 1 when ``keepdims``); a 0-d x stays 0-d."""
    x = _arg(x, "mean")
    return apply(R.MEAN, x, axis=_axes(axis, _ndim(x), "mean"), keepdims=_keep(keepdims, "mean"))


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis`` (None: all). Ties share the gradient evenly (k equal maxima get g/k each, as
    PyTorch's amax; torch.max(x, dim) gives it to one index).
    Result: x's shape without the reduced axes (kept with length 1 when ``keepdims``); a 0-d x stays 0-d."""
    x = _arg(x, "max")
    return apply(R.MAX, x, axis=_axes(axis, _ndim(x), "max"), keepdims=_keep(keepdims, "max"))


def logsumexp(x, axis=None, keepdims=False):
    """ln Σ eˣ over ``axis``, stable for any input; gradient softmax(x).
    Result: x's shape without the reduced axes (kept with length 1 when ``keepdims``); a 0-d x stays 0-d."""
    x = _arg(x, "logsumexp")
    return apply(R.LOGSUMEXP, x, axis=_axes(axis, _ndim(x), "logsumexp"), keepdims=_keep(keepdims, "logsumexp"))


def softmax(x, axis=-1):
    """softmax along one ``axis`` (default the last), stable for any input; same shape as ``x``.

    A 0-d value gives 1 (gradient 0)."""
    x = _arg(x, "softmax")
    return apply(R.SOFTMAX, x, axis=_one_axis(axis, _ndim(x), "softmax"))


def log_softmax(x, axis=-1):
    """ln softmax(x) along one ``axis``, stable and accurate: (x − max x) − ln Σ e^{x − max x}; same shape
    as ``x``. A 0-d value gives 0 (gradient 0)."""
    x = _arg(x, "log_softmax")
    return apply(R.LOG_SOFTMAX, x, axis=_one_axis(axis, _ndim(x), "log_softmax"))


# ----------------------------------------------------------- linear algebra
def matmul(a, b):
    """Matrix product ``a @ b``: vector·vector → scalar, (m,k)@(k,) → (m,),
    (k,)@(k,n) → (n,), (m,k)@(k,n) → (m,n), and batched (..., m, k) @ (..., k, n)."""
    return apply(LA.MATMUL, a, b)


def transpose(x, axes=None):
    """Permute axes (default: reverse them; for a matrix, Aᵀ)."""
    x = _arg(x, "transpose")
    nd = _ndim(x)
    if axes is not None:
        for a in axes:
            if isinstance(a, bool) or not isinstance(a, numbers.Integral) or not -nd <= a < nd:
                raise ShapeError(f"transpose: axis {a!r} is out of range for an input with {nd} dimensions")
    axes = tuple(range(nd))[::-1] if axes is None else tuple(int(a) % nd for a in axes)
    if sorted(axes) != list(range(nd)):
        raise ShapeError(f"transpose: axes {axes} are not a permutation of {tuple(range(nd))}")
    return apply(LA.TRANSPOSE, x, axes=axes)


def matrix_transpose(x):
    """Swap the last two axes (``x.mT``)."""
    x = _arg(x, "matrix_transpose")
    nd = _ndim(x)
    if nd < 2:
        raise ShapeError(f"matrix_transpose: needs at least 2 dimensions, got shape {np.shape(getattr(x, 'data', x))}")
    axes = tuple(range(nd - 2)) + (nd - 1, nd - 2)
    return apply(LA.TRANSPOSE, x, axes=axes)


def _square(x, op):
    shp = tuple(np.shape(x.data if isinstance(x, Tensor) else x))
    if len(shp) < 2 or shp[-1] != shp[-2]:
        raise ShapeError(f"{op}: expected a square matrix (n, n), got shape {shp}")


def trace(x):
    """tr X for a square matrix (n, n); gradient g·I."""
    x = _arg(x, "trace")
    _square(x, "trace")
    return apply(LA.TRACE, x)


def diag(x):
    """Vector (n,) → diagonal matrix Diag(x) (n, n); square matrix (n, n) → its diagonal (n,)."""
    x = _arg(x, "diag")
    nd = _ndim(x)
    if nd == 1:
        return apply(LA.DIAG, x)
    _square(x, "diag")
    return apply(LA.DIAGONAL, x)


def inv(x):
    """Inverse of a square matrix (n, n) (batched: (..., n, n)); gradient −X⁻ᵀ G X⁻ᵀ."""
    x = _arg(x, "inv")
    _square(x, "inv")
    return apply(LA.INV, x)


def det(x):
    """Determinant of a square matrix (n, n); gradient g det(X) X⁻ᵀ."""
    x = _arg(x, "det")
    _square(x, "det")
    return apply(LA.DET, x)


def logdet(x):
    """ln |det X| of a square matrix (n, n); gradient g X⁻ᵀ."""
    x = _arg(x, "logdet")
    _square(x, "logdet")
    return apply(LA.LOGDET, x)


def slogdet(x):
    """(sign, ln|det X|): the sign as a plain array, the log-magnitude as a Tensor."""
    x = _arg(x, "slogdet")
    data = x.data if isinstance(x, Tensor) else as_array(x)
    return np.sign(np.linalg.det(data)), logdet(x)


def outer(a, b):
    """Outer product a bᵀ of two vectors (m,), (n,) → (m, n)."""
    a, b = _arg(a, "outer"), _arg(b, "outer")
    if _ndim(a) != 1 or _ndim(b) != 1:
        raise ShapeError(f"outer: expected two vectors, got shapes {np.shape(getattr(a, 'data', a))} and "
                         f"{np.shape(getattr(b, 'data', b))}")
    return apply(LA.OUTER, a, b)


# ------------------------------------------------------------------- shape
def reshape(x, shape):
    """The same values in a new ``shape`` (one entry may be −1)."""
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    x = _arg(x, "reshape")
    old = tuple(np.shape(x.data if isinstance(x, Tensor) else x))
    n_old = int(np.prod(old))
    known = int(np.prod([s for s in shape if s != -1])) if shape else 1
    if shape.count(-1) > 1 or (-1 not in shape and known != n_old) or (-1 in shape and (known == 0 or n_old % known)):
        raise ShapeError(f"reshape: cannot reshape {old} ({n_old} values) into {shape}")
    if -1 in shape:
        shape = tuple(n_old // known if s == -1 else s for s in shape)
    return apply(S.RESHAPE, x, shape=shape)


def broadcast_to(x, shape):
    """Repeat ``x`` along new or length-1 axes to ``shape``; the gradient sums them back."""
    shape = tuple(int(s) for s in shape)
    x = _arg(x, "broadcast_to")
    old = tuple(np.shape(x.data if isinstance(x, Tensor) else x))
    try:
        np.broadcast_shapes(old, shape)
        ok = np.broadcast_shapes(old, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {old} to {shape}")
    return apply(S.BROADCAST_TO, x, shape=shape)


def _index(index):
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, Tensor):
            i = i.data
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype.kind == "f":
            raise InputTypeError(f"getitem: indices must be integers or booleans, got an array of dtype {i.dtype}")
        out.append(i)
    return tuple(out) if isinstance(index, tuple) else out[0]


def getitem(x, index):
    """``x[index]`` with NumPy indexing; the gradient scatter-adds (repeated indices accumulate)."""
    index = _index(index)
    x = _arg(x, "getitem")
    try:
        return apply(S.GETITEM, x, index=index)
    except ShapeError as exc:
        raise ShapeError(f"getitem: index {index!r} does not fit shape {tuple(np.shape(x.data))}: {exc}") from None


def concatenate(tensors, axis=0):
    """Join tensors along an existing ``axis``; shapes must agree elsewhere."""
    tensors = [_arg(t, "concatenate") for t in tensors]
    if not tensors:
        raise ParameterError("concatenate: needs at least one tensor")
    shapes = [tuple(np.shape(t.data if isinstance(t, Tensor) else t)) for t in tensors]
    nd = len(shapes[0])
    ax = _axes(axis, nd, "concatenate")[0]
    for s in shapes[1:]:
        if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
            raise ShapeError(f"concatenate: shapes {shapes} differ outside axis {ax}")
    return apply(S.CONCATENATE, *tensors, axis=ax)


def stack(tensors, axis=0):
    """Stack same-shape tensors along a new ``axis``."""
    tensors = [_arg(t, "stack") for t in tensors]
    if not tensors:
        raise ParameterError("stack: needs at least one tensor")
    shapes = [tuple(np.shape(t.data if isinstance(t, Tensor) else t)) for t in tensors]
    if len(set(shapes)) != 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {shapes}")
    ax = _axes(axis, len(shapes[0]) + 1, "stack")[0]
    return apply(S.STACK, *tensors, axis=ax)


# ------------------------------------------------------------------- fused
def linear(x, weight, bias=None):
    """x Wᵀ + b: x (..., in), weight (out, in), bias (out,) or None → (..., out)."""
    return apply(NN.LINEAR, x, weight, bias)


# ------------------------------------------------------- derived (no rows)
def mse(prediction, target):
    """Mean squared error (1/N)Σ(ŷ − y)², built from primitives."""
    d = sub(prediction, target)
    return mean(mul(d, d))


def _norm_scale(data, axes):
    """2^k with k the exponent of max|data| over ``axes`` (kept as length-1 axes), k no less than
    min_exp/2 − mantissa bits (−563 for float64, −86 for float32): then (x/2^k)² neither overflows nor, for
    any non-zero x down to the smallest subnormal, underflows. 1/2 for a zero, inf or NaN maximum."""
    dtype = data.dtype if data.dtype.kind == "f" else np.dtype(np.float64)
    biggest = np.max(np.abs(data), axis=axes, keepdims=True, initial=0).astype(dtype)
    info = np.finfo(dtype)
    _, exponent = np.frexp(biggest)  # biggest = f·2^exponent, f in [0.5, 1)
    lowest = info.minexp // 2 - info.nmant
    return np.ldexp(np.ones_like(biggest), np.maximum(exponent - 1, lowest))


# ---------------------------------------------------- the Tensor namespace
class _Linalg:
    """``xp.linalg`` for Tensors."""

    inv = staticmethod(inv)
    det = staticmethod(det)
    diagonal = staticmethod(diag)
    trace = staticmethod(trace)

    @staticmethod
    def slogdet(x):
        return slogdet(x)


class _Namespace:
    """The array namespace of gradlab Tensors (``Tensor.__array_namespace__``).

    The VJP rules call ``namespace(x).exp(x)`` and friends; when they are
    given Tensors (``create_graph=True``) this namespace records the backward
    pass itself, which is how Hessians and forward-mode products work.
    Constants it creates (zeros, eye) are plain NumPy arrays.
    """

    linalg = _Linalg()
    exp = staticmethod(exp)
    log = staticmethod(log)
    sqrt = staticmethod(sqrt)
    abs = staticmethod(abs)
    sin = staticmethod(sin)
    cos = staticmethod(cos)
    tanh = staticmethod(tanh)
    maximum = staticmethod(maximum)
    minimum = staticmethod(minimum)
    where = staticmethod(where)
    clip = staticmethod(clip)
    sum = staticmethod(sum)
    mean = staticmethod(mean)
    max = staticmethod(max)
    reshape = staticmethod(reshape)
    broadcast_to = staticmethod(broadcast_to)
    matmul = staticmethod(matmul)
    permute_dims = staticmethod(transpose)
    concat = staticmethod(concatenate)
    stack = staticmethod(stack)

    @staticmethod
    def log1p(x):
        return log(1 + x)

    @staticmethod
    def sign(x):
        return Tensor.wrap(np.sign(x.data if isinstance(x, Tensor) else x))

    @staticmethod
    def isfinite(x):
        return Tensor.wrap(np.isfinite(x.data if isinstance(x, Tensor) else x))

    @staticmethod
    def logical_and(x, y):
        x, y = (a.data if isinstance(a, Tensor) else a for a in (x, y))
        return Tensor.wrap(np.logical_and(x, y))

    @staticmethod
    def logical_or(x, y):
        x, y = (a.data if isinstance(a, Tensor) else a for a in (x, y))
        return Tensor.wrap(np.logical_or(x, y))

    @staticmethod
    def astype(x, dtype):
        return Tensor.wrap(np.asarray(x.data if isinstance(x, Tensor) else x).astype(dtype))

    @staticmethod
    def zeros(shape, dtype=None):
        return np.zeros(shape, dtype=dtype or np.float64)

    @staticmethod
    def eye(n, m=None, dtype=None):
        return np.eye(n, m, dtype=dtype or np.float64)

    @staticmethod
    def asarray(x, dtype=None):
        return Tensor(x, dtype=dtype)


XP = _Namespace()


def extend_namespace(functions, linalg=False, replace=False):
    """Add public functions to the Tensor namespace :data:`XP` (to ``XP.linalg`` with ``linalg=True``).

    A family module of rows (``ops/mathfn.py``…) calls this once for the functions its VJPs reach through
    ``namespace(x)``, so the same VJPs run on Tensors and second derivatives work. ``functions`` maps a
    name to the public function; a name already there is refused unless ``replace`` (a derived stand-in
    such as ``log1p`` giving way to its own row).
    """
    target = _Linalg if linalg else _Namespace
    for name, fn in functions.items():
        if hasattr(target, name) and not replace:
            raise ValueError(f"extend_namespace: {name!r} is already in the Tensor namespace")
        setattr(target, name, staticmethod(fn))

