"""Symbolic matrix expressions: one immutable node type, keyed by ``op``.

Every node has a shape ``(rows, cols)`` (see :mod:`.shapes`). The ops:

===========  ==========================================  =====================
op           meaning                                     shape
===========  ==========================================  =====================
sym          a named symbol X                            declared
dim          the size of a named dimension, as a scalar  1×1
num          a rational constant (Fraction)              1×1
ones, eye    the ones vector 𝟏ₖ, the identity Iₖ         k×1, k×k
zero         the zero matrix                             any
add          A + B (same shapes)                         shape of A
scale        β A, β a 1×1 expression                     shape of A
matmul       A B                                         rows(A)×cols(B)
had          A ⊙ B (Hadamard)                            shape of A
T            Aᵀ                                          transposed
fn           f(A) element-wise (relu, exp, ...)          shape of A
pow          A^p element-wise, p a Fraction              shape of A
sum          the sum of all entries                      1×1
tr, det, logdet, inv                                     1×1, 1×1, 1×1, n×n
diag         Diag(v): vector → diagonal matrix           n×n
diagvec      the diagonal of a square matrix, a vector   n×1
norm2        ‖A‖ (Euclidean / Frobenius)                 1×1
softmax, logsoftmax  along axis 0 (each column) or 1 (each row)  shape of A
logsumexp    log Σ exp over all entries, or along an axis    1×1, 1×cols, rows×1
emax         max(A, B) / min(A, B) element-wise          shape of A
rmax         max(A) / min(A): over all entries or an axis    as logsumexp
amask        where the max / min of A is (a 0/1 mask, ties shared evenly)  shape of A
kron         A ⊗ B (Kronecker product)                   (ra·rb)×(ca·cb)
vec          vec(A): the columns of A stacked            (r·c)×1
comm         K: the commutation matrix, K vec(A) = vec(Aᵀ)   (r·c)×(r·c)
bcast        a scalar β repeated over a shape            any
frob         A : B = tr(AᵀB) (Frobenius product)         1×1
diff         the differential dA                         shape of A
===========  ==========================================  =====================

Build expressions with :func:`Matrix`, :func:`Vector`, :func:`Scalar` and the
operators ``+ - * / @ ** .T`` (``*`` between same-shape arrays is the
Hadamard product; a scalar times an array scales it). The element-wise
functions f are the rows of :mod:`.functions`, which also holds their
builders (``exp``, ``relu``, ...).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

from ..core.errors import ShapeError
from . import shapes as S

MAX_EXPONENT = 64


class Expr:
    """An immutable node of a matrix expression. ``shape`` is ``(rows, cols)``."""

    __slots__ = ("op", "args", "attrs", "shape", "_hash", "_syms")

    def __init__(self, op, args=(), attrs=(), shape=S.SCALAR):
        self.op = op
        self.args = tuple(args)
        self.attrs = tuple(attrs)
        self.shape = shape
        self._hash = hash((op, self.args, self.attrs, shape))
        self._syms = None

    # -- identity
    def key(self):
        return (self.op, self.args, self.attrs, self.shape)

    def __eq__(self, other):
        if self is other:
            return True
        return isinstance(other, Expr) and self._hash == other._hash and self.key() == other.key()

    def __hash__(self):
        return self._hash

    def __repr__(self):
        return f"Expr({self.to_text()!r}, shape={S.fmt(self.shape)})"

    def __str__(self):
        return self.to_text()

    def __bool__(self):
        return True

    def to_text(self, names=None):
        """Unicode text, e.g. ``(2/m)XᵀH(ŷ − y)``."""
        from .printing import to_text  # cycle: the printer draws Expr nodes

        return to_text(self, names)

    def to_latex(self, names=None):
        """LaTeX source (no surrounding ``$``)."""
        from .printing import to_latex  # cycle: the printer draws Expr nodes

        return to_latex(self, names)

    def _repr_latex_(self):
        """A notebook's view: the expression typeset."""
        return f"${self.to_latex()}$"

    # -- structure
    @property
    def name(self):
        return self.attrs[0] if self.op in ("sym", "dim", "fn") else None

    def symbols(self):
        """The set of symbol names this expression depends on."""
        if self._syms is None:
            if self.op == "sym":
                found = frozenset([self.attrs[0]])
            else:
                found = frozenset()
                for a in self.args:
                    found = found | a.symbols()
            self._syms = found
        return self._syms

    def depends_on(self, name) -> bool:
        return name in self.symbols()

    def walk(self):
        """Every node, children before parents."""
        for a in self.args:
            yield from a.walk()
        yield self

    def size(self) -> int:
        return 1 + sum(a.size() for a in self.args)

    @property
    def is_scalar(self):
        return self.shape == S.SCALAR

    # -- operators
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __neg__(self):
        return neg(self)

    def __pos__(self):
        return self

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __pow__(self, p):
        return power(self, p)

    @property
    def T(self):  # noqa: N802 - mirrors NumPy
        return transpose(self)


# ---------------------------------------------------------------- leaves
def Matrix(name, rows, cols):  # noqa: N802 - reads like the maths
    """A matrix symbol ``name`` of shape rows × cols (names or ints)."""
    return sym(name, (rows, cols))


def Vector(name, n):  # noqa: N802
    """A column-vector symbol ``name`` of shape n × 1."""
    return sym(name, (n, 1))


def Scalar(name):  # noqa: N802
    """A scalar symbol ``name`` (1 × 1)."""
    return sym(name, S.SCALAR)


def Dim(name):  # noqa: N802
    """The size of dimension ``name`` as a scalar (e.g. the m in ``/ m``)."""
    return Expr("dim", (), (S.norm_dim(name, "Dim"),), S.SCALAR)


def sym(name, shape):
    """A symbol with a declared shape, e.g. ``sym('X', ('m', 'n'))``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ShapeError(f"symbol: a name must be an identifier like 'X' or 'W1', got {name!r}")
    return Expr("sym", (), (name,), S.norm_shape(shape, f"symbol {name}"))


def num(value):
    """A rational constant."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ShapeError(f"constant: expected a number, got {value!r}")
    if not isinstance(value, (int, Fraction)) and not math.isfinite(value):
        raise ShapeError(f"constant: expected a finite number, got {value!r}")
    frac = Fraction(value) if isinstance(value, (int, Fraction)) else Fraction(float(value)).limit_denominator(10**9)
    return Expr("num", (), (frac,), S.SCALAR)


def dim_value(d):
    """A dimension as a scalar expression: a ``dim`` node or a number."""
    return num(d) if isinstance(d, int) else Expr("dim", (), (d,), S.SCALAR)


def ones(k):
    """The ones vector 𝟏 of length k (k × 1)."""
    return Expr("ones", (), (), (S.norm_dim(k, "ones"), 1))


def eye(k):
    """The identity matrix I of size k × k."""
    k = S.norm_dim(k, "eye")
    return Expr("eye", (), (), (k, k))


def zero(shape):
    return Expr("zero", (), (), shape)


def diff(e):
    """The differential dE (internal: used in derivations)."""
    return Expr("diff", (e,), (), e.shape)


def as_expr(x):
    return x if isinstance(x, Expr) else num(x)


# ------------------------------------------------------------- operations
def _desc(e):
    return f"{e.to_text()} is {S.fmt(e.shape)}"


def _same(op, a, b):
    if a.shape != b.shape:
        raise ShapeError(f"{a.to_text()} {op} {b.to_text()}: {_desc(a)}, {_desc(b)} — shapes differ "
                         f"({op} needs equal shapes; a scalar may be combined with anything)")


def bcast(s, shape):
    """The scalar s repeated over ``shape``."""
    return Expr("bcast", (s,), (), shape)


def _spread(v, shape):
    """A 1×k row repeated over N rows (𝟏v) or an N×1 column over k columns (v𝟏ᵀ), as NumPy broadcasts."""
    rows, cols = shape
    if v.shape == (1, cols) and rows != 1:
        return matmul(ones(rows), v)
    if v.shape == (rows, 1) and cols != 1:
        return matmul(v, transpose(ones(cols)))
    return None


def broadcast(op, a, b):
    """(A, B) with a row or column vector spread to the other operand's shape, like NumPy; else ShapeError."""
    if a.shape == b.shape:
        return a, b
    wide_b = _spread(b, a.shape)
    if wide_b is not None:
        return a, wide_b
    wide_a = _spread(a, b.shape)
    if wide_a is not None:
        return wide_a, b
    _same(op, a, b)


def add(a, b):
    """A + B (equal shapes; a scalar is broadcast over the other operand, a 1×k row over the N rows of an
    N×k matrix (A + 𝟏b) and an N×1 column over its k columns (A + c𝟏ᵀ), as in NumPy)."""
    a, b = spread_pair("+", as_expr(a), as_expr(b))
    return Expr("add", (a, b), (), a.shape)


def spread_pair(op, a, b):
    """(A, B) brought to one shape: a scalar repeated over the other operand, a row or column broadcast."""
    if a.shape != b.shape:
        if a.is_scalar:
            a = bcast(a, b.shape)
        elif b.is_scalar:
            b = bcast(b, a.shape)
        else:
            a, b = broadcast(op, a, b)
    return a, b


def neg(a):
    return scale(num(-1), as_expr(a))


def sub(a, b):
    """A − B."""
    a, b = as_expr(a), as_expr(b)
    if a.shape != b.shape and not (a.is_scalar or b.is_scalar):
        a, b = broadcast("-", a, b)
    return add(a, neg(b))


def scale(c, a):
    """β A with β a scalar expression."""
    c, a = as_expr(c), as_expr(a)
    if not c.is_scalar:
        raise ShapeError(f"scale: the factor {c.to_text()} must be a scalar, it is {S.fmt(c.shape)}")
    return Expr("scale", (c, a), (), a.shape)


def mul(a, b):
    """``*``: scalar times array, or the Hadamard product of equal shapes."""
    a, b = as_expr(a), as_expr(b)
    if a.is_scalar:
        return scale(a, b)
    if b.is_scalar:
        return scale(b, a)
    a, b = broadcast("*", a, b)
    return Expr("had", (a, b), (), a.shape)


def hadamard(a, b):
    """A ⊙ B, equal shapes."""
    a, b = as_expr(a), as_expr(b)
    _same("⊙", a, b)
    return Expr("had", (a, b), (), a.shape)


def div(a, b):
    """``/``: by a scalar, or element-wise between equal shapes."""
    a, b = as_expr(a), as_expr(b)
    if b.is_scalar:
        return scale(power(b, -1), a)
    if a.is_scalar:
        return scale(a, power(b, -1))
    a, b = broadcast("/", a, b)
    return Expr("had", (a, power(b, -1)), (), a.shape)


def matmul(a, b):
    """A @ B, inner dimensions must agree."""
    a, b = as_expr(a), as_expr(b)
    if a.shape[1] != b.shape[0]:
        raise ShapeError(f"{a.to_text()} @ {b.to_text()}: {_desc(a)}, {_desc(b)} — inner dimensions "
                         f"{a.shape[1]} and {b.shape[0]} differ")
    return Expr("matmul", (a, b), (), (a.shape[0], b.shape[1]))


def transpose(a):
    """Aᵀ."""
    a = as_expr(a)
    return Expr("T", (a,), (), S.transpose(a.shape))


def power(a, p):
    """A ** p element-wise, p a number with |p| <= 64."""
    a = as_expr(a)
    if isinstance(p, Expr):
        if p.op == "num":
            p = p.attrs[0]
        else:
            raise ShapeError(f"{a.to_text()} ** {p.to_text()}: the exponent must be a constant number")
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise ShapeError(f"power: the exponent must be a number, got {p!r}")
    if not isinstance(p, (int, Fraction)) and not math.isfinite(p):
        raise ShapeError(f"power: the exponent must be a finite number, got {p!r}")
    p = Fraction(p) if isinstance(p, (int, Fraction)) else Fraction(float(p)).limit_denominator(1000)
    if abs(p) > MAX_EXPONENT:
        raise ShapeError(f"power: the exponent {p} is too large (|p| <= {MAX_EXPONENT} allowed)")
    return Expr("pow", (a,), (p,), a.shape)


def fn(name, a, *params):
    """An element-wise function f(A), f a row of :data:`.functions.FUNCTIONS` (its builders: ``functions.exp``, ...);
    ``params``: the row's numeric parameters (leaky_relu's slope), its defaults where left out."""
    from .functions import FUNCTIONS  # cycle: the table's derivatives are built from these constructors

    a = as_expr(a)
    if name not in FUNCTIONS:
        raise ShapeError(f"unknown element-wise function {name!r}")
    row = FUNCTIONS[name]
    if len(params) > len(row.params):
        raise ShapeError(f"{name} takes {len(row.params)} parameter(s) after its argument, got {len(params)}")
    values = []
    for i, (pname, default, low, high) in enumerate(row.params):
        v = params[i] if i < len(params) else default
        v = v.attrs[0] if isinstance(v, Expr) and v.op == "num" else v
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or not low <= v <= high:
            raise ShapeError(f"{name}: the {pname} must be a number in [{low}, {high}], got {v!r}")
        values.append(Fraction(v) if isinstance(v, (int, Fraction)) else Fraction(float(v)).limit_denominator(10**6))
    return Expr("fn", (a,), (name, *values), a.shape)


def _square(op, a):
    if a.shape[0] != a.shape[1]:
        raise ShapeError(f"{op}({a.to_text()}): {_desc(a)} — {op} needs a square matrix")


def _column(op, a):
    if a.shape[1] != 1:
        raise ShapeError(f"{op}({a.to_text()}): {_desc(a)} — {op} needs a column vector (n×1)")


def total(a):
    """The sum of all entries (1 × 1)."""
    return Expr("sum", (as_expr(a),), (), S.SCALAR)


def mean(a):
    """The mean of all entries: sum(A) / (rows · cols)."""
    a = as_expr(a)
    count = scale(dim_value(a.shape[0]), dim_value(a.shape[1]))
    return scale(power(count, -1), total(a))


def trace(a):
    a = as_expr(a)
    _square("tr", a)
    return Expr("tr", (a,), (), S.SCALAR)


def det(a):
    a = as_expr(a)
    _square("det", a)
    return Expr("det", (a,), (), S.SCALAR)


def logdet(a):
    a = as_expr(a)
    _square("logdet", a)
    return Expr("logdet", (a,), (), S.SCALAR)


def inv(a):
    a = as_expr(a)
    _square("inv", a)
    return Expr("inv", (a,), (), a.shape)


def diag(v):
    """Diag(v): a column vector n×1 → the n×n diagonal matrix."""
    v = as_expr(v)
    _column("Diag", v)
    return Expr("diag", (v,), (), (v.shape[0], v.shape[0]))


def diagvec(a):
    """The diagonal of a square matrix as a column vector."""
    a = as_expr(a)
    _square("diagvec", a)
    return Expr("diagvec", (a,), (), (a.shape[0], 1))


def norm2(a):
    """‖A‖: Euclidean norm of a vector, Frobenius norm of a matrix."""
    return Expr("norm2", (as_expr(a),), (), S.SCALAR)


AXES = {0: "each column", 1: "each row"}


def _axis(op, a, axis, default):
    """The axis of a row-wise function: 0 (along each column) or 1 (along each row); ``None`` gives ``default``
    (a column vector always 0, a row vector 1). ShapeError for any other axis, or an axis whose slices have one
    entry each (softmax along the rows of a column vector is all ones: say axis=0)."""
    if axis is None:
        if a.shape[1] == 1:
            return 0 if default is not None else None
        if a.shape[0] == 1:
            return 1 if default is not None else None
        return default
    if isinstance(axis, Expr) and axis.op == "num" and axis.attrs[0].denominator == 1:
        axis = int(axis.attrs[0])
    if isinstance(axis, bool) or axis not in (0, 1, -1, -2):
        raise ShapeError(f"{op}: axis must be 0 (along each column) or 1 (along each row), got {axis!r}")
    axis = axis % 2
    if a.shape[axis] == 1 and a.shape[1 - axis] != 1:
        other = 1 - axis
        raise ShapeError(f"{op}({a.to_text()}, axis={axis}): {_desc(a)} — along axis {axis} every slice has one "
                         f"entry; use axis={other} ({AXES[other]})")
    return axis


def softmax(v, axis=None):
    """softmax along ``axis``: 0 normalises each column, 1 each row (the default for a matrix, one sample per row, as
    in NumPy's and PyTorch's last axis); a vector along its entries. Shape of the argument."""
    v = as_expr(v)
    return Expr("softmax", (v,), (_axis("softmax", v, axis, 1),), v.shape)


def logsoftmax(v, axis=None):
    """log softmax along ``axis`` (as :func:`softmax`): Z − logsumexp(Z) of each row or column."""
    v = as_expr(v)
    return Expr("logsoftmax", (v,), (_axis("log_softmax", v, axis, 1),), v.shape)


def _reduced(a, axis):
    return S.SCALAR if axis is None else ((1, a.shape[1]) if axis == 0 else (a.shape[0], 1))


def logsumexp(a, axis=None):
    """log Σ exp(A): over all entries (``axis=None``, 1×1), or along axis 0 (1×cols) or 1 (rows×1)."""
    a = as_expr(a)
    axis = _axis("logsumexp", a, axis, None)
    if axis is not None and _reduced(a, axis) == S.SCALAR:
        axis = None
    return Expr("logsumexp", (a,), (axis,), _reduced(a, axis))


def _extremum(kind, a, b=None, axis=None):
    a = as_expr(a)
    if b is None:
        axis = _axis(kind, a, axis, None)
        if axis is not None and _reduced(a, axis) == S.SCALAR:
            axis = None
        return Expr("rmax", (a,), (kind, axis), _reduced(a, axis))
    if axis is not None:
        raise ShapeError(f"{kind}(A, B) is element-wise: it takes no axis")
    a, b = spread_pair(kind, a, as_expr(b))
    return Expr("emax", (a, b), (kind,), a.shape)


def maximum(a, b=None, axis=None):
    """``max(A, B)`` element-wise (a scalar or a row/column broadcast as for +); ``max(A)`` the largest entry, or
    along ``axis`` 0 (1×cols) or 1 (rows×1). Differentiable wherever the maximum is unique."""
    return _extremum("max", a, b, axis)


def minimum(a, b=None, axis=None):
    """``min(A, B)`` element-wise, ``min(A)`` the smallest entry (or along ``axis``), as :func:`maximum`."""
    return _extremum("min", a, b, axis)


def argmask(kind, a, axis=None):
    """The 0/1 mask of where max(A) (``kind='max'``) or min(A) is attained, over all entries or along ``axis``
    (ties share it evenly); shape of A. It is the derivative of the reduction: d max(A) = mask : dA."""
    a = as_expr(a)
    return Expr("amask", (a,), (kind, axis), a.shape)


def kron(a, b):
    """A ⊗ B, the Kronecker product: (rows(A)·rows(B)) × (cols(A)·cols(B))."""
    a, b = as_expr(a), as_expr(b)
    return Expr("kron", (a, b), (), (S.mul_dims(a.shape[0], b.shape[0]), S.mul_dims(a.shape[1], b.shape[1])))


def vec(a):
    """vec(A): the columns of A stacked into one column, (rows·cols) × 1 (column stacking)."""
    a = as_expr(a)
    if a.shape[1] == 1:
        return a
    return Expr("vec", (a,), (), (S.mul_dims(a.shape[0], a.shape[1]), 1))


def commutation(rows, cols):
    """K, the commutation matrix of an rows×cols matrix: K vec(A) = vec(Aᵀ); (rows·cols) × (rows·cols)."""
    rows, cols = S.norm_dim(rows, "commutation"), S.norm_dim(cols, "commutation")
    n = S.mul_dims(rows, cols)
    return Expr("comm", (), (rows, cols), (n, n))


def frob(a, b):
    """A : B = tr(AᵀB), equal shapes."""
    a, b = as_expr(a), as_expr(b)
    _same(":", a, b)
    return Expr("frob", (a, b), (), S.SCALAR)


def sqrt(a):
    """√A element-wise (A^(1/2))."""
    return power(a, Fraction(1, 2))
