"""The Tensor: an array, its gradient, and the node of the graph that made it.

A Tensor made by an operation remembers the :class:`~gradlab.core.primitive.Primitive`
that produced it (``_op``), its inputs (``_inputs``: Tensors or constants) and
the primitive's static parameters (``_params``). Nothing else is stored: the
output value is the tensor's own ``data``, which the VJP rules may reuse
(σ′ = σ(1 − σ) from σ).

Its operators (``x + y``, ``x @ W``, ``x[i]``, ``x.T``) and methods
(``x.exp()``, ``x.sum(axis)``) are defined in the class: each applies its
row through :func:`apply`, the row found by name in the registry
(:data:`~gradlab.core.primitive.PRIMITIVES`, complete once ``gradlab`` is
imported). Methods whose arguments need checking first (an axis, a shape)
call the public function of :mod:`gradlab.ops.api` that checks them.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from .constraints import BOOL, check
from .errors import GradlabError, GraphError, InputTypeError, NonFiniteError, ParameterError, ShapeError
from .primitive import PRIMITIVES


class _Mode:
    """Global switches: gradient recording and anomaly detection."""

    __slots__ = ("grad_enabled", "anomaly")

    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False


MODE = _Mode()

# creation order of recorded nodes: inputs are always created before outputs,
# so sorting reachable nodes by it gives a topological order
_next_seq = itertools.count().__next__

_FLOATS = (np.float64, np.float32, np.float16)
# integers and booleans hold indices, masks and counts: they never take a gradient
_EXACT = (np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_)
_DTYPES = {
    None: None,
    "float64": np.float64,
    "float32": np.float32,
    "float16": np.float16,
    "double": np.float64,
    "float": np.float32,
    "int64": np.int64,
    "long": np.int64,
    "int32": np.int32,
    "int": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
}


def _resolve_dtype(dtype, op="tensor"):
    """The NumPy scalar type a ``dtype`` argument names: a string ('float32', 'int64', 'bool'), a NumPy type or
    dtype, Python's ``float``/``int``/``bool``, or a torch dtype (``torch.float32``); None stays None."""
    if dtype is None or dtype in _FLOATS or dtype in _EXACT:
        return dtype
    if dtype is float:
        return np.float64
    if dtype is int:
        return np.int64
    if dtype is bool:
        return np.bool_
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    name = str(dtype)
    if name.startswith("torch.") and name[6:] in _DTYPES:  # torch.float32, torch.int64, torch.bool
        return _DTYPES[name[6:]]
    try:
        dt = np.dtype(dtype).type
    except TypeError:
        dt = None
    if dt in _FLOATS or dt in _EXACT:
        return dt
    raise InputTypeError(f"{op}: dtype {dtype!r} is not supported; use 'float64' (the default), 'float32', "
                         "or for indices and masks 'int64', 'int32', 'uint8' or 'bool'")


def is_float_dtype(dtype) -> bool:
    """Whether arrays of ``dtype`` can take a gradient (floating point)."""
    return np.dtype(dtype).kind == "f"


def as_array(data, dtype=None, op="tensor"):
    """Convert ``data`` (number, nested list, array, Tensor) to a float array.

    Integers and booleans become float64; float arrays keep their precision
    unless ``dtype`` says otherwise. Strings, None and other objects raise
    :class:`InputTypeError` naming ``op``, and so does a list or tuple holding
    a Tensor that requires a gradient while operations are recorded: one
    array of it would silently drop that gradient (``gl.stack`` keeps it).
    """
    if isinstance(data, (list, tuple)) and MODE.grad_enabled and _holds_tensor(data, True):
        raise InputTypeError(
            f"{op}: the {type(data).__name__} holds Tensors that require a gradient, and making one array of it "
            "would drop their gradient; use gl.stack(...) (or gl.concatenate) to keep them in the graph, or "
            ".detach() them"
        )
    return _convert(data, dtype, op)


def _holds_tensor(items, needing_grad=False):
    """Whether the list or tuple ``items`` holds a Tensor (one that requires a gradient) at any depth."""
    for i in items:
        ti = type(i)
        if ti is float or ti is int:
            continue
        if isinstance(i, Tensor):
            if i.requires_grad or not needing_grad:
                return True
        elif isinstance(i, (list, tuple)) and _holds_tensor(i, needing_grad):
            return True
    return False


def _convert(data, dtype, op):
    """:func:`as_array` without the check for Tensors in lists."""
    dtype = _resolve_dtype(dtype, op)
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)) or data is None:
        raise InputTypeError(f"{op}: expected numbers (a number, a nested list or an array), got {type(data).__name__} {data!r}")
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(f"{op}: could not read {type(data).__name__} as a numeric array ({exc})") from None
    if dtype is not None and dtype in _EXACT and arr.dtype.kind in "biuf":
        return _exact(arr, dtype, op)
    if arr.dtype.kind == "f":
        if dtype is not None and arr.dtype.type is not dtype:
            arr = arr.astype(dtype)
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(dtype or np.float64)
    if arr.dtype.kind == "c":
        raise InputTypeError(f"{op}: complex numbers are not supported (got dtype {arr.dtype})")
    raise InputTypeError(
        f"{op}: expected numbers, got an array of dtype {arr.dtype}"
        + (" (ragged nested lists?)" if arr.dtype == object else "")
    )


def _exact(arr, dtype, op):
    """``arr`` as integers or booleans, refused where that would change a value (1.5 as an int, 2 as a bool)."""
    if arr.dtype.type is dtype:
        return arr
    with np.errstate(invalid="ignore"):
        out = arr.astype(dtype)
        lost = out.astype(arr.dtype) != arr
    if np.any(lost):
        bad = arr[lost].flat[0]
        raise InputTypeError(f"{op}: {bad.item()!r} cannot be held exactly as {np.dtype(dtype).name}; "
                             + ("booleans are 0 or 1" if dtype is np.bool_ else "give integers in the type's range"))
    return out


class Tensor:
    """An array that can record the operations applied to it and backpropagate.

    Attributes:
        data: the values, a NumPy (or array-API) array of any shape.
        grad: the accumulated gradient, same shape as ``data`` (denominator
            layout), or None before the first ``backward``.
        requires_grad: whether operations on this tensor are recorded.
    """

    __slots__ = ("data", "grad", "requires_grad", "_op", "_inputs", "_datas", "_params", "_saved", "_seq", "name",
                 "_kept", "_optimized", "__weakref__")

    # NumPy defers binary operators to Tensor (ndarray + Tensor -> Tensor.__radd__)
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if requires_grad is not False and requires_grad is not True:
            _check_flag("Tensor", requires_grad)
        self.data = as_array(data, dtype) if not (type(data) is np.ndarray and dtype is None and data.dtype.kind == "f") else data
        self.grad = None
        if requires_grad and self.data.dtype.kind != "f":
            _refuse_grad(self.data.dtype, "tensor")
        self.requires_grad = bool(requires_grad)
        self._op = None
        self._inputs = None
        self._datas = None
        self._params = None
        self._saved = None
        self.name = name

    @classmethod
    def wrap(cls, data) -> "Tensor":
        """A leaf tensor around ``data`` as is (no conversion: booleans stay boolean)."""
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = False
        t._op = t._inputs = t._datas = t._params = t._saved = t.name = None
        return t

    # ------------------------------------------------------------------ info
    @property
    def shape(self) -> tuple:
        """Shape of ``data``."""
        return tuple(self.data.shape)

    @property
    def dtype(self):
        """dtype of ``data`` (float64 unless float32 was asked for)."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return len(self.data.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.data.shape))

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an operation."""
        return self._op is None

    @property
    def op(self):
        """The primitive that made this tensor (None for leaves)."""
        return self._op

    @property
    def inputs(self) -> tuple:
        """The inputs of the operation that made this tensor (empty for leaves)."""
        return self._inputs or ()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (no copy, no graph)."""
        return np.asarray(self.data)

    def item(self):
        """The value of a one-element tensor as a Python number (a float; an int or bool for those dtypes)."""
        if self.size != 1:
            raise ShapeError(f"item: only a tensor with one element can be converted to a number, got shape {self.shape}")
        return np.asarray(self.data).reshape(()).item()

    def tolist(self):
        return np.asarray(self.data).tolist()

    def detach(self) -> "Tensor":
        """A new leaf tensor sharing ``data``, cut from the graph."""
        return Tensor(self.data, requires_grad=False)

    def requires_grad_(self, flag=True) -> "Tensor":
        if flag is not False and flag is not True:
            _check_flag("requires_grad_", flag, "flag")
        if flag and self.data.dtype.kind != "f":
            _refuse_grad(self.data.dtype, "requires_grad_")
        self.requires_grad = bool(flag)
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.data)
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if not self.data.shape:
            raise InputTypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __float__(self):
        return self.item()

    def __bool__(self):
        if self.size != 1:
            raise ShapeError(f"the truth value of a tensor with shape {self.shape} is ambiguous; use .any() or .all() on .data")
        return bool(np.asarray(self.data).reshape(()))

    def __repr__(self):
        body = np.array2string(np.asarray(self.data), precision=4, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._op is not None:
            extra += f", op={self._op.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def _repr_html_(self):
        """A notebook's view: shape, dtype, how the tensor was made, its values and its gradient."""
        from .notebook import tensor_html  # cycle: the notebook helpers read Tensors

        return tensor_html(self)

    # ------------------------------------------------------------- autodiff
    def backward(self, gradient=None, retain_graph=False, create_graph=False):
        """Backpropagate from this tensor, accumulating into ``.grad`` of leaves.

        Args:
            gradient: upstream gradient, shape of this tensor. May be omitted
                only for a one-element output (it is then 1).
            retain_graph: keep the graph so ``backward`` can run through it again.
            create_graph: record the backward pass itself, for higher derivatives.
        """
        _graph_backward(self, gradient, retain_graph, create_graph)

    # ------------------------------------------------------------ operators
    # Each applies the row of that name (ops/elementwise.py, ops/linalg.py); a reflected operator
    # (other + self, other @ self) puts the other operand first where the order matters.
    def __add__(self, other):
        return apply(PRIMITIVES["add"], self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return apply(PRIMITIVES["sub"], self, other)

    def __rsub__(self, other):
        return apply(PRIMITIVES["sub"], other, self)

    def __mul__(self, other):
        return apply(PRIMITIVES["mul"], self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return apply(PRIMITIVES["div"], self, other)

    def __rtruediv__(self, other):
        return apply(PRIMITIVES["div"], other, self)

    def __pow__(self, other):
        return apply(PRIMITIVES["pow"], self, other)

    def __rpow__(self, other):
        return apply(PRIMITIVES["pow"], other, self)

    def __matmul__(self, other):
        return apply(PRIMITIVES["matmul"], self, other)

    def __rmatmul__(self, other):
        return apply(PRIMITIVES["matmul"], other, self)

    def __neg__(self):
        return apply(PRIMITIVES["neg"], self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply(PRIMITIVES["abs"], self)

    def __getitem__(self, index):
        """``x[index]`` with NumPy indexing (``gl.getitem``); the gradient scatter-adds."""
        return _api().getitem(self, index)

    # Comparisons and logical operators give boolean tensors outside the graph (they have no gradient).
    def __lt__(self, other):
        return Tensor.wrap(np.less(self.data, _value(other)))

    def __le__(self, other):
        return Tensor.wrap(np.less_equal(self.data, _value(other)))

    def __gt__(self, other):
        return Tensor.wrap(np.greater(self.data, _value(other)))

    def __ge__(self, other):
        return Tensor.wrap(np.greater_equal(self.data, _value(other)))

    def __eq__(self, other):
        return Tensor.wrap(np.equal(self.data, _value(other)))

    def __ne__(self, other):
        return Tensor.wrap(np.not_equal(self.data, _value(other)))

    def __and__(self, other):
        return Tensor.wrap(np.logical_and(self.data, _value(other)))

    def __or__(self, other):
        return Tensor.wrap(np.logical_or(self.data, _value(other)))

    def __invert__(self):
        return Tensor.wrap(np.logical_not(self.data))

    __hash__ = object.__hash__  # by identity (defining __eq__ would otherwise remove it)

    # -------------------------------------------------------------- methods
    # Element-wise functions: the row of that name applied to this tensor.
    def exp(self):
        """eˣ element-wise (``gl.exp``)."""
        return apply(PRIMITIVES["exp"], self)

    def log(self):
        """ln x element-wise (``gl.log``)."""
        return apply(PRIMITIVES["log"], self)

    def sqrt(self):
        """√x element-wise (``gl.sqrt``)."""
        return apply(PRIMITIVES["sqrt"], self)

    def abs(self):
        """|x| element-wise (``gl.abs``)."""
        return apply(PRIMITIVES["abs"], self)

    def sin(self):
        """sin x element-wise (``gl.sin``)."""
        return apply(PRIMITIVES["sin"], self)

    def cos(self):
        """cos x element-wise (``gl.cos``)."""
        return apply(PRIMITIVES["cos"], self)

    def tanh(self):
        """tanh x element-wise (``gl.tanh``)."""
        return apply(PRIMITIVES["tanh"], self)

    def sigmoid(self):
        """σ(x) element-wise (``gl.sigmoid``)."""
        return apply(PRIMITIVES["sigmoid"], self)

    def relu(self):
        """max(0, x) element-wise (``gl.relu``)."""
        return apply(PRIMITIVES["relu"], self)

    def softplus(self):
        """ln(1 + eˣ) element-wise (``gl.softplus``)."""
        return apply(PRIMITIVES["softplus"], self)

    def log_sigmoid(self):
        """ln σ(x) element-wise (``gl.log_sigmoid``)."""
        return apply(PRIMITIVES["log_sigmoid"], self)

    def heaviside(self):
        """The unit step H(x) (``gl.heaviside``)."""
        return apply(PRIMITIVES["heaviside"], self)

    def square(self):
        """x² element-wise (``gl.square``)."""
        return apply(PRIMITIVES["square"], self)

    # Functions with arguments to check first: the public function of that name (gradlab.ops.api).
    def leaky_relu(self, negative_slope=0.01):
        """x for x > 0, negative_slope·x otherwise (``gl.leaky_relu``)."""
        return _api().leaky_relu(self, negative_slope)

    def clip(self, min=None, max=None):  # noqa: A002
        """x limited to [min, max] (``gl.clip``)."""
        return _api().clip(self, min, max)

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Sum over ``axis`` (None: all) (``gl.sum``); PyTorch's ``dim=``/``keepdim=`` are the same."""
        axis, keepdims = _torch_axis("sum", axis, keepdims, dim, keepdim)
        return _api().sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Mean over ``axis`` (None: all) (``gl.mean``); PyTorch's ``dim=``/``keepdim=`` are the same."""
        axis, keepdims = _torch_axis("mean", axis, keepdims, dim, keepdim)
        return _api().mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Maximum over ``axis`` (``gl.max``; ties share the gradient evenly).

        With PyTorch's ``dim=`` the result is PyTorch's pair ``(values, indices)`` (``.values``, ``.indices``;
        the first index on ties); with ``axis=`` (NumPy's name) the values alone.
        """
        return self._extreme("max", axis, keepdims, dim, keepdim)

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Minimum over ``axis`` (``gl.min``); with ``dim=``, PyTorch's pair ``(values, indices)``."""
        return self._extreme("min", axis, keepdims, dim, keepdim)

    def _extreme(self, op, axis, keepdims, dim, keepdim):
        pair = dim is not None
        axis, keepdims = _torch_axis(op, axis, keepdims, dim, keepdim)
        values = getattr(_api(), op)(self, axis, keepdims)
        if not pair:
            return values
        return MinMax(values, getattr(_api(), "arg" + op)(self, axis, keepdims=keepdims))

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the maximum over ``axis`` (None: of the flattened tensor), int64, no gradient (``gl.argmax``)."""
        axis, keepdims = _torch_axis("argmax", axis, keepdims, dim, keepdim)
        return _api().argmax(self, axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Index of the minimum over ``axis``, int64, no gradient (``gl.argmin``)."""
        axis, keepdims = _torch_axis("argmin", axis, keepdims, dim, keepdim)
        return _api().argmin(self, axis, keepdims=keepdims)

    def logsumexp(self, axis=None, keepdims=False):
        """ln Σ eˣ over ``axis`` (``gl.logsumexp``)."""
        return _api().logsumexp(self, axis, keepdims)

    def softmax(self, axis=-1):
        """softmax along ``axis`` (``gl.softmax``)."""
        return _api().softmax(self, axis)

    def log_softmax(self, axis=-1):
        """ln softmax along ``axis`` (``gl.log_softmax``)."""
        return _api().log_softmax(self, axis)

    def norm(self, ord=None, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A002
        """Vector or matrix norm (``gl.norm``; √Σx² over ``axis`` by default); PyTorch's ``dim``/``keepdim`` too."""
        axis, keepdims = _torch_axis("norm", axis, keepdims, dim, keepdim)
        return _api().norm(self, ord=ord, axis=axis, keepdims=keepdims)

    def reshape(self, *shape, **kw):
        """The same values in a new shape, given as ints, one tuple or ``shape=``; one entry may be −1
        (``gl.reshape``)."""
        return _api().reshape(self, _shape_args(_keyword_or_args("reshape", "shape", shape, kw)))

    def view(self, *shape):
        """PyTorch's name for :meth:`reshape` (the result is a new node of the graph; its data may share memory)."""
        return _api().reshape(self, _shape_args(shape))

    def flatten(self, start_dim=0, end_dim=-1):
        """Axes ``start_dim``…``end_dim`` (inclusive) merged into one, as PyTorch's ``flatten`` (all by default)."""
        nd = max(self.ndim, 1)
        for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not -nd <= d < nd:
                raise ShapeError(f"flatten: {name} {d!r} is out of range for a tensor with {self.ndim} dimensions")
        if self.ndim == 0:
            return _api().reshape(self, (1,))
        a, b = start_dim % nd, end_dim % nd
        if a > b:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        return _api().reshape(self, shape[:a] + (int(np.prod(shape[a:b + 1])),) + shape[b + 1:])

    def squeeze(self, axis=None, *, dim=None):
        """Axes of length 1 removed: all, or ``axis`` (PyTorch's ``dim``) (``gl.squeeze``)."""
        return _api().squeeze(self, _one_of("squeeze", axis, dim))

    def unsqueeze(self, dim):
        """A new axis of length 1 at ``dim`` (``gl.unsqueeze``)."""
        return _api().unsqueeze(self, dim)

    def transpose(self, *axes, **kw):
        """Axes permuted: ``x.transpose()`` reverses them (Aᵀ), ``x.transpose((2, 0, 1))`` or
        ``x.transpose(2, 0, 1)`` (or ``axes=``) permutes them as NumPy, and two ints ``x.transpose(a, b)`` swap
        those two axes, as PyTorch (for a matrix both read Aᵀ)."""
        if kw:
            return _api().transpose(self, _keyword_or_args("transpose", "axes", axes, kw))
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            return _api().transpose(self, axes[0])
        if len(axes) == 2 and self.ndim != 2:
            return _api().swapaxes(self, axes[0], axes[1])
        if len(axes) == 2 and self.ndim == 2:
            for a in axes:
                if isinstance(a, bool) or not isinstance(a, numbers.Integral) or not -2 <= a < 2:
                    raise ShapeError(f"transpose: axis {a!r} is out of range for a matrix")
            return _api().transpose(self) if axes[0] % 2 != axes[1] % 2 else _api().reshape(self, self.shape)
        return _api().transpose(self, axes or None)

    def permute(self, *dims):
        """Axes in the order ``dims`` (ints or one tuple), as PyTorch's ``permute`` (``gl.permute``)."""
        return _api().permute(self, *dims)

    def t(self):
        """The transpose of a matrix (a vector or 0-d tensor unchanged), as PyTorch's ``t()``."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a matrix or a vector, got shape {self.shape}; use .mT or .transpose(a, b)")
        return _api().transpose(self) if self.ndim == 2 else self

    def to(self, dtype):
        """This tensor in ``dtype`` ('float32', 'float64', 'int64', …; a torch dtype too), as ``gl.astype``.

        The device 'cpu' is accepted and changes nothing (gradlab computes on the CPU).
        """
        if isinstance(dtype, str) and dtype.split(":")[0] == "cpu" or str(dtype) == "cpu":
            return self
        if isinstance(dtype, str) and dtype.split(":")[0] in ("cuda", "mps", "xpu"):
            raise InputTypeError(f"to: gradlab computes on the CPU; device {dtype!r} is not available")
        if np.dtype(_resolve_dtype(dtype, "to") or np.float64) == self.data.dtype:
            return self
        return _api().astype(self, dtype)

    def astype(self, dtype):
        """A copy in ``dtype`` (``gl.astype``): between float dtypes the gradient flows."""
        return _api().astype(self, dtype)

    def clone(self):
        """A copy in the graph (the gradient flows through it unchanged), as PyTorch's ``clone``."""
        return _api().astype(self, self.data.dtype) if self.data.dtype.kind == "f" else Tensor.wrap(self.data.copy())

    @property
    def T(self):
        """Reversed axes (Aᵀ for a matrix)."""
        return _api().transpose(self)

    @property
    def mT(self):
        """The last two axes swapped."""
        return _api().matrix_transpose(self)

    def trace(self):
        """tr X of a square matrix (``gl.trace``)."""
        return _api().trace(self)

    def inv(self):
        """X⁻¹ of a square matrix (``gl.inv``)."""
        return _api().inv(self)

    def det(self):
        """det X of a square matrix (``gl.det``)."""
        return _api().det(self)

    def logdet(self):
        """ln |det X| of a square matrix (``gl.logdet``)."""
        return _api().logdet(self)

    def __array_namespace__(self, api_version=None):
        """The array namespace of Tensors (``gradlab.ops.api.XP``): rules called on Tensors record their graph."""
        return _api().XP


class MinMax(tuple):
    """PyTorch's result of ``x.max(dim=…)``/``x.min(dim=…)``: ``(values, indices)``, also as attributes."""

    __slots__ = ()

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _one_of(op, axis, dim):
    if axis is not None and dim is not None:
        raise InputTypeError(f"{op}: give axis (NumPy's name) or dim (PyTorch's), not both; got {axis} and {dim}")
    return axis if dim is None else dim


def _torch_axis(op, axis, keepdims, dim, keepdim):
    """(axis, keepdims) from NumPy's names or PyTorch's ``dim``/``keepdim`` (both of a pair refused)."""
    if keepdim is not None and keepdims is not False:
        raise InputTypeError(f"{op}: give keepdims (NumPy's name) or keepdim (PyTorch's), not both")
    return _one_of(op, axis, dim), (keepdims if keepdim is None else keepdim)


def _keyword_or_args(op, name, args, kw):
    """The positional ``args``, or the one keyword ``name`` (NumPy's spelling), not both."""
    extra = sorted(set(kw) - {name})
    if extra:
        raise InputTypeError(f"{op}: unexpected keyword argument {extra[0]!r}")
    if name in kw:
        if args:
            raise InputTypeError(f"{op}: give the {name} positionally or as {name}=, not both")
        return kw[name] if isinstance(kw[name], (tuple, list)) or kw[name] is None else (kw[name],)
    return args


def _shape_args(shape):
    """``(2, 3)`` from ``reshape(2, 3)`` or ``reshape((2, 3))``."""
    return shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list, numbers.Integral)) else shape


def _value(other):
    return other.data if isinstance(other, Tensor) else other


_API = None  # gradlab.ops.api, once a method has needed it


def _api():
    """:mod:`gradlab.ops` (every family's public functions), whose functions check a method's arguments before applying its row."""
    global _API
    if _API is None:
        from .. import ops  # layering: ops is built on this module, so Tensor's methods reach it at call time

        _API = ops
    return _API


def _graph_backward(*args, **kwargs):
    global _graph_backward
    from .graph import backward  # cycle: the engine walks Tensors; bound once, later calls skip the import

    _graph_backward = backward
    return backward(*args, **kwargs)


def apply(prim, *args, **params):
    """Run ``prim`` forward on ``args`` and record the node when needed.

    ``args`` are Tensors or constants (Python numbers, arrays). The result is
    a Tensor; it is part of the graph when gradient recording is on and any
    Tensor argument requires a gradient.
    """
    datas = []
    append = datas.append
    needs = False
    try:
        for a in args:
            if type(a) is Tensor:
                d = a.data
                if d.dtype.kind != "f" and d.dtype.itemsize < 4:  # bool, (u)int8/16: as int64, so float functions
                    d = d.astype(np.int64)  # of them give float64 as for int32/int64 (NumPy would give float16)
                append(d)
                if a.requires_grad:
                    needs = True
            else:
                append(_constant(a, prim))
    except _HoldsTensors:  # a list holding Tensors: stacked into the graph, then applied again
        return apply(prim, *_stack_lists(args, prim.name), **params)
    record = needs and MODE.grad_enabled
    saved = None
    try:
        if record and prim.forward_saving is not None:
            out, saved = prim.forward_saving(*datas, **params)
        else:
            out = prim.forward(*datas, **params)
    except GradlabError:
        raise
    except (ValueError, TypeError, IndexError) as exc:
        raise _forward_error(prim, datas, params, exc) from None
    t = Tensor.__new__(Tensor)
    t.data = out
    t.grad = None
    t.name = None
    if record:
        t.requires_grad = True
        t._saved = saved
        t._op = prim
        t._inputs = args
        t._datas = datas  # the input values as the forward saw them, for the VJPs
        t._params = params
        t._seq = _next_seq()
    else:
        t.requires_grad = False
        t._op = None
        t._inputs = None
        t._datas = None
        t._params = None
        t._saved = None
    if MODE.anomaly:
        check_finite(prim.name, "forward", out)
    return t


def _constant(a, prim):
    ta = type(a)
    if ta is float or ta is int or ta is np.ndarray or ta is bool:
        return a
    if a is None:
        if prim.optional:  # a missing bias
            return a
        raise InputTypeError(f"{prim.name}: expected a Tensor, a number or an array, got None")
    if isinstance(a, Tensor):  # subclass
        return a.data
    if isinstance(a, numbers.Number):
        if isinstance(a, complex):
            raise InputTypeError(f"{prim.name}: complex numbers are not supported, got {a!r}")
        return a
    if isinstance(a, (list, tuple)):
        if MODE.grad_enabled and _holds_tensor(a, True):
            raise _HoldsTensors
        return _convert(a, None, prim.name)
    if hasattr(a, "__array_namespace__"):
        return a
    raise InputTypeError(f"{prim.name}: expected a Tensor, a number or an array, got {type(a).__name__} {a!r}")


class _HoldsTensors(Exception):
    """_constant's signal to apply: this list holds Tensors that require a gradient (stack it)."""


def _stack_lists(args, op):
    """``args`` with each list or tuple that holds a Tensor requiring a gradient stacked into one Tensor."""
    return tuple(_stack_list(a, op) if isinstance(a, (list, tuple)) and _holds_tensor(a, True) else a for a in args)


def _stack_list(items, op):
    """``gl.stack`` of the items (Tensors, numbers, arrays, nested lists), so gradients reach the Tensors.

    Items that are not Tensors become constants of the Tensors' dtype (a Python number does not widen a
    float32 Tensor, as NumPy's rules for Python scalars).
    """
    parts = [_stack_list(i, op) if isinstance(i, (list, tuple)) and _holds_tensor(i) else i for i in items]
    dtype = np.result_type(*(p.data.dtype if isinstance(p, Tensor) else p for p in parts
                             if isinstance(p, (Tensor, np.ndarray, np.generic, numbers.Real))))
    parts = [p if isinstance(p, Tensor) else _convert(p, dtype if dtype.kind == "f" else None, op) for p in parts]
    shapes = [tuple(np.shape(p.data if isinstance(p, Tensor) else p)) for p in parts]
    if len(set(shapes)) != 1:
        raise ShapeError(f"{op}: a list holding Tensors is stacked into one array (gl.stack) so that their "
                         f"gradients flow, but its items have different shapes {shapes}")
    return _api().stack(parts)


def _refuse_grad(dtype, op):
    raise InputTypeError(f"{op}: a tensor of dtype {np.dtype(dtype).name} cannot require a gradient: integers and "
                         "booleans hold indices, masks and counts, which are not differentiable; use a floating-point "
                         "dtype ('float64', the default, or 'float32') for values to differentiate")


def _check_flag(owner, value, name="requires_grad"):
    """Refuse a ``requires_grad`` that is not a bool (a string such as 'yes' would count as True)."""
    check(owner, name, value, BOOL)


def check_finite(opname, stage, value):
    """Raise :class:`NonFiniteError` when ``value`` holds NaN or inf (anomaly mode)."""
    arr = np.asarray(value.data if isinstance(value, Tensor) else value)
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise NonFiniteError(f"detect_anomaly: the {stage} pass of '{opname}' produced {bad} (shape {arr.shape})")


def _shape_of(d):
    return tuple(np.shape(d)) if d is not None else None


def _forward_error(prim, datas, params, exc):
    """The GradlabError for a forward pass that failed on its inputs: the row's own hint, else the shapes."""
    hint = prim.hint
    if hint is not None:
        msg = hint(datas, params)
        if msg:
            return ShapeError(msg)
    shapes = " and ".join(str(_shape_of(d)) for d in datas if d is not None and hasattr(d, "shape") or isinstance(d, (int, float)))
    text = str(exc)
    if "broadcast" in text:
        return ShapeError(f"{prim.name}: shapes {shapes} cannot be broadcast together (each axis must match or be 1)")
    if isinstance(exc, TypeError):
        return InputTypeError(f"{prim.name}: {text}")
    if isinstance(exc, np.linalg.LinAlgError):
        if "singular" in text.lower():
            return ParameterError(f"{prim.name}: the matrix (shape {shapes}) is singular; it has no inverse")
        if any(d is not None and hasattr(d, "dtype") and d.dtype.kind == "f" and not np.all(np.isfinite(d))
               for d in datas):
            return NonFiniteError(f"{prim.name}: the input (shape {shapes}) holds NaN or inf, and LAPACK says: "
                                  f"{text}")
        return ParameterError(f"{prim.name}: LAPACK could not compute it for the input of shape {shapes}: {text}")
    if "negative integer powers" in text:
        return ParameterError(f"{prim.name}: an integer base to a negative integer power is not an integer; "
                              "make the base a float (dtype 'float64') for a fractional result")
    return ShapeError(f"{prim.name}: inputs of shapes {shapes}: {text}")


def tensor(data, requires_grad=False, dtype=None, name=None) -> Tensor:
    """Make a leaf :class:`Tensor`.

    Args:
        data: a number, nested list or array of any shape.
        requires_grad: record operations for ``backward``.
        dtype: None (float64 for numbers, integers and booleans; float arrays
            keep their precision), 'float64' or 'float32'; for indices and
            masks (never differentiated) 'int64', 'int32', 'int16', 'int8',
            'uint8' or 'bool' (values that do not fit exactly are refused).
            NumPy and torch dtypes and Python's float/int/bool are accepted.

    Raises:
        InputTypeError: a dtype that cannot hold the values, or
            ``requires_grad=True`` with an integer or boolean dtype.
    """
    if requires_grad is not False and requires_grad is not True:
        _check_flag("tensor", requires_grad)
    return Tensor(as_array(data, dtype), requires_grad=requires_grad, dtype=dtype, name=name)


def _check_graph_alive(t):
    if t._op is not None and t._inputs is None:
        raise GraphError(
            f"backward: the graph through '{t._op.name}' was already freed by an earlier backward(); "
            "pass retain_graph=True to the first backward() to backpropagate twice"
        )
