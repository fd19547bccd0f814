"""Compiling expressions to Python functions: closures built from the tree (no eval, no exec).

``to_numpy(expr)`` gives ``f(**arrays) -> ndarray`` over NumPy arrays;
``to_gradlab(expr)`` gives the same function over gradlab Tensors, so
automatic differentiation can check a derived gradient. Both check shapes:
every symbol must have its declared shape, and each named dimension one
size throughout (a 1-D array of length n is accepted for an n×1 vector, a
number for a 1×1 scalar). Results are 2-D arrays (1×1 for scalars).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DerivationError, ShapeError
from ..core.tensor import tensor
from ..ops import api as gl  # the gradlab operations the compiled closures call
from . import shapes as S
from .functions import FUNCTIONS
from .structured import compile_structured, diag_plus_low_rank


def _symbols(expr):
    found = {}
    for n in expr.walk():
        if n.op == "sym":
            found.setdefault(n.attrs[0], n.shape)
    return found


def _dims(expr):
    out = set()
    for n in expr.walk():
        out.update(S.dims_of(n.shape))
        if n.op == "dim":
            out.add(n.attrs[0])
    return out


def bind(shapes, args, kwargs, owner="to_numpy", dims=None):
    """Check the arrays against the declared shapes; returns (arrays, dims)."""
    names = list(shapes)
    if len(args) > len(names):
        raise ShapeError(f"{owner}: got {len(args)} positional arrays for the symbols {', '.join(names)}")
    given = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in shapes:
            raise ShapeError(f"{owner}: unknown symbol {k!r}; the symbols are {', '.join(names) or 'none'}")
        given[k] = v
    missing = [n for n in names if n not in given]
    if missing:
        raise ShapeError(f"{owner}: no value for {', '.join(missing)}")
    sizes = dict(dims or {})
    where = {}
    arrays = {}
    for name in names:
        value = given[name]
        raw = value.data if hasattr(value, "data") and not isinstance(value, np.ndarray) else value
        arr = np.asarray(raw, dtype=np.float64) if not hasattr(value, "requires_grad") else None
        shape = shapes[name]
        actual = np.shape(raw)
        if len(actual) == 0 and shape == S.SCALAR:
            actual = (1, 1)
        elif len(actual) == 1 and shape[1] == 1:
            actual = (actual[0], 1)
        if len(actual) != 2:
            raise ShapeError(f"{owner}: {name} must be {S.fmt(shape)}, got an array of shape {np.shape(raw)}")
        for want, got in zip(shape, actual):
            if isinstance(want, int):
                if want != got:
                    raise ShapeError(f"{owner}: {name} must be {S.fmt(shape)}, got shape {tuple(np.shape(raw))}")
            elif want in sizes and sizes[want] != got:
                raise ShapeError(f"{owner}: {name} is {S.fmt(shape)} so {want} = {got}, but {want} = {sizes[want]} "
                                 f"from {where.get(want, 'the given sizes')}")
            else:
                sizes[want] = got
                where.setdefault(want, name)
        if arr is not None:
            arrays[name] = arr.reshape(actual)
        else:
            arrays[name] = value if tuple(value.shape) == actual else value.reshape(actual)
    return arrays, sizes


def _as_float(f):
    """A Fraction as a float; ±inf beyond the float range (evaluation then reports a non-finite value)."""
    try:
        return float(f)
    except OverflowError:
        return float("inf") if f > 0 else float("-inf")


def _size(d, env):
    return S.size(d, env["#dims"])


def _shape(shape, env):
    return (_size(shape[0], env), _size(shape[1], env))


# ------------------------------------------------------------ NumPy closures
# One row per op: (node, a, b) -> a function of the environment, where a and b are the compiled operands (None
# where the node has fewer). An element-wise function compiles to its row's ``numpy`` (see .functions).
def _symbol(e, a, b):
    name = e.attrs[0]
    return lambda env: env[name]


def _np_dim(e, a, b):
    d = e.attrs[0]
    return lambda env: np.full((1, 1), float(_size(d, env)))


def _np_num(e, a, b):
    v = _as_float(e.attrs[0])
    return lambda env: np.full((1, 1), v)


def _np_fn(e, a, b):
    f, params = FUNCTIONS[e.attrs[0]].numpy, e.attrs[1:]
    if params:
        return lambda env: f(a(env), *params)
    return lambda env: f(a(env))


def _np_scale(e, a, b):
    c = e.args[0]
    if c.op == "num" and c.attrs[0] == -1:
        return lambda env: np.negative(b(env))
    return lambda env: a(env)[0, 0] * b(env)


def _np_pow(e, a, b):
    p = _as_float(e.attrs[0])
    return lambda env: np.power(a(env), p)


def _refuse_differential(owner):
    def refuse(e, a, b):
        raise DerivationError(f"{owner}: an expression with a differential dX cannot be evaluated")

    return refuse


NUMPY = {
    "sym": _symbol,
    "dim": _np_dim,
    "num": _np_num,
    "ones": lambda e, a, b: lambda env: np.ones(_shape(e.shape, env)),
    "eye": lambda e, a, b: lambda env: np.eye(_size(e.shape[0], env)),
    "zero": lambda e, a, b: lambda env: np.zeros(_shape(e.shape, env)),
    "diff": _refuse_differential("to_numpy"),
    "add": lambda e, a, b: lambda env: a(env) + b(env),
    "scale": lambda e, a, b: _np_scale(e, a, b),
    "matmul": lambda e, a, b: (lambda env: a(env) * b(env)) if e.args[0].shape[1] == 1 else (
        lambda env: a(env) @ b(env)),  # an outer product uvᵀ (inner size 1) is one broadcast multiply, not a GEMM
    "had": lambda e, a, b: lambda env: a(env) * b(env),
    "T": lambda e, a, b: lambda env: a(env).T,
    "fn": _np_fn,
    "pow": _np_pow,
    "sum": lambda e, a, b: lambda env: np.full((1, 1), np.sum(a(env))),
    "tr": lambda e, a, b: lambda env: np.full((1, 1), np.trace(a(env))),
    "det": lambda e, a, b: lambda env: np.full((1, 1), np.linalg.det(a(env))),
    "logdet": lambda e, a, b: lambda env: np.full((1, 1), np.linalg.slogdet(a(env))[1]),
    "inv": lambda e, a, b: lambda env: np.linalg.inv(a(env)),
    "diag": lambda e, a, b: lambda env: np.diag(a(env)[:, 0]),
    "diagvec": lambda e, a, b: lambda env: np.diag(a(env)).reshape(-1, 1).copy(),
    "norm2": lambda e, a, b: lambda env: np.full((1, 1), np.linalg.norm(a(env))),
    "softmax": lambda e, a, b: lambda env: _softmax(a(env), e.attrs[0]),
    "logsoftmax": lambda e, a, b: lambda env: _logsoftmax(a(env), e.attrs[0]),
    "logsumexp": lambda e, a, b: lambda env: _logsumexp(a(env), e.attrs[0]),
    "rmax": lambda e, a, b: lambda env: _extremum(e.attrs[0], a(env), e.attrs[1]),
    "amask": lambda e, a, b: lambda env: _mask(e.attrs[0], a(env), e.attrs[1]),
    "emax": lambda e, a, b: (lambda env: np.maximum(a(env), b(env))) if e.attrs[0] == "max" else (
        lambda env: np.minimum(a(env), b(env))),
    "kron": lambda e, a, b: lambda env: np.kron(a(env), b(env)),
    "vec": lambda e, a, b: lambda env: a(env).reshape(-1, 1, order="F"),
    "comm": lambda e, a, b: lambda env: commutation_matrix(_size(e.attrs[0], env), _size(e.attrs[1], env)),
    "bcast": lambda e, a, b: lambda env: np.full(_shape(e.shape, env), a(env)[0, 0]),
    "frob": lambda e, a, b: lambda env: np.full((1, 1), np.sum(a(env) * b(env))),
}


def _operands(kids):
    return (kids[0] if kids else None), (kids[1] if len(kids) > 1 else None)


def _np_node(e, kids):
    """The NumPy closure of one node, given its operands' closures."""
    return NUMPY[e.op](e, *_operands(kids))


def _softmax(v, axis=0):
    z = np.exp(v - np.max(v, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def _logsoftmax(v, axis=0):
    m = np.max(v, axis=axis, keepdims=True)
    return v - m - np.log(np.sum(np.exp(v - m), axis=axis, keepdims=True))


def _logsumexp(v, axis):
    """log Σ exp over ``axis`` (None: all entries), kept 2-D."""
    m = np.max(v, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(v - m), axis=axis, keepdims=True))
    return out.reshape(1, 1) if axis is None else out


def _extremum(kind, v, axis):
    out = (np.max if kind == "max" else np.min)(v, axis=axis, keepdims=True)
    return out.reshape(1, 1) if axis is None else out


def _mask(kind, v, axis):
    """1 where the max (min) along ``axis`` is, shared evenly between ties."""
    hit = (v == _extremum(kind, v, axis)).astype(np.float64)
    return hit / np.sum(hit, axis=axis, keepdims=True)


def commutation_matrix(rows, cols):
    """K (rows·cols × rows·cols) with K vec(A) = vec(Aᵀ) for an rows×cols A, vec stacking columns."""
    k = np.zeros((rows * cols, rows * cols))
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    k[(i * cols + j).ravel(), (j * rows + i).ravel()] = 1.0
    return k


def _shared(expr):
    """The sub-expressions used by more than one parent (softmax(z) in Diag(s) − s sᵀ): computed once per call."""
    uses, seen, stack = {}, set(), [expr]
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        for a in e.args:
            uses[a] = uses.get(a, 0) + 1
            stack.append(a)
    return {e for e, n in uses.items() if n > 1 and e.args}


def _compile(e, node_fn, memo, shared=frozenset()):
    hit = memo.get(e)
    if hit is not None:
        return hit
    kids = [_compile(a, node_fn, memo, shared) for a in e.args]
    out = node_fn(e, kids)
    if e in shared:
        out = _once(out, len(memo))
    memo[e] = out
    return out


def _once(fn, key):
    """``fn`` evaluated at most once per call of the compiled function (its value kept in the call's env)."""
    slot = ("#value", key)

    def run(env):
        value = env.get(slot)
        if value is None:
            value = env[slot] = fn(env)
        return value

    return run


def _wrap(expr, node_fn, owner, structured=False):
    shapes = _symbols(expr)
    memo, shared = {}, _shared(expr)
    terms = diag_plus_low_rank(expr) if node_fn is _np_node else None
    if terms is not None:  # Diag(d) + U Vᵀ: only the vectors are computed (the dense array from them in one pass)
        parts = compile_structured(terms, lambda e: _compile(e, node_fn, memo, shared))

        def body(env):
            H = parts(env, _size(expr.shape[0], env))
            return H if structured else H.toarray()
    else:
        body = _compile(expr, node_fn, memo, shared)

    needed = _dims(expr)  # walked once, not per call

    def run(*args, dims=None, **kwargs):
        arrays, sizes = bind(shapes, args, kwargs, owner, dims)
        missing = [d for d in needed if d not in sizes]
        if missing:
            raise ShapeError(f"{owner}: no size for the dimension(s) {', '.join(sorted(missing))}; pass "
                             f"dims={{{missing[0]!r}: ...}}")
        env = dict(arrays)
        env["#dims"] = sizes
        return body(env)

    run.symbols = tuple(shapes)
    run.shapes = dict(shapes)
    run.structured = structured and terms is not None
    run.__doc__ = f"{expr.to_text()} with symbols {', '.join(f'{k}: {S.fmt(v)}' for k, v in shapes.items())}"
    return run


def to_numpy(expr, structured=False):
    """Compile ``expr`` to ``f(*arrays, dims=None, **arrays) -> ndarray`` (2-D).

    Arrays are matched to ``f.symbols`` (sorted by first appearance) or
    given by name; ``dims`` gives sizes of dimensions no symbol carries.
    A sub-expression used more than once is computed once per call.

    With ``structured=True``, a square result that is a sum of scaled Diag(v), I and outer products u wᵀ
    (the Hessian Diag(p) − ppᵀ of softmax cross-entropy) comes back as a
    :class:`~gradlab.symbolic.structured.DiagPlusLowRank` — the same matrix held as d, U, V, computed in
    O(n·k) — and ``f.structured`` is True; any other result is the dense array (``f.structured`` False).
    """
    return _wrap(expr, _np_node, "to_numpy", structured=bool(structured))


# ---------------------------------------------------------- gradlab closures
# The same, over gradlab Tensors; constants are the NumPy closures' values as Tensors.
def _gl_constant(e, a, b):
    const = _np_node(e, [])
    return lambda env: tensor(const(env))


def _gl_fn(e, a, b):
    f, params = FUNCTIONS[e.attrs[0]].gradlab, e.attrs[1:]
    return lambda env: f(a(env), *params)


def _gl_extremum(e, a, b):
    kind, axis = e.attrs
    if kind == "max":
        return lambda env: gl.reshape(gl.max(a(env), axis=axis, keepdims=True), _shape(e.shape, env))
    return lambda env: gl.neg(gl.reshape(gl.max(gl.neg(a(env)), axis=axis, keepdims=True), _shape(e.shape, env)))


def _gl_kron(e, a, b):
    def run(env):
        x, y = a(env), b(env)
        (p, q), (r, s) = x.shape, y.shape
        return gl.reshape(gl.reshape(x, (p, 1, q, 1)) * gl.reshape(y, (1, r, 1, s)), (p * r, q * s))

    return run


def _gl_pow(e, a, b):
    p = _as_float(e.attrs[0])
    return lambda env: gl.pow(a(env), p)


GRADLAB = {
    "sym": _symbol,
    "dim": _gl_constant,
    "num": _gl_constant,
    "ones": _gl_constant,
    "eye": _gl_constant,
    "zero": _gl_constant,
    "diff": _refuse_differential("to_gradlab"),
    "add": lambda e, a, b: lambda env: a(env) + b(env),
    "scale": lambda e, a, b: lambda env: a(env) * b(env),
    "matmul": lambda e, a, b: lambda env: gl.matmul(a(env), b(env)),
    "had": lambda e, a, b: lambda env: a(env) * b(env),
    "T": lambda e, a, b: lambda env: gl.matrix_transpose(a(env)),
    "fn": _gl_fn,
    "pow": _gl_pow,
    "sum": lambda e, a, b: lambda env: gl.reshape(gl.sum(a(env)), (1, 1)),
    "tr": lambda e, a, b: lambda env: gl.reshape(gl.trace(a(env)), (1, 1)),
    "det": lambda e, a, b: lambda env: gl.reshape(gl.det(a(env)), (1, 1)),
    "logdet": lambda e, a, b: lambda env: gl.reshape(gl.logdet(a(env)), (1, 1)),
    "inv": lambda e, a, b: lambda env: gl.inv(a(env)),
    "diag": lambda e, a, b: lambda env: gl.diag(gl.reshape(a(env), (-1,))),
    "diagvec": lambda e, a, b: lambda env: gl.reshape(gl.diag(a(env)), (-1, 1)),
    "norm2": lambda e, a, b: lambda env: gl.reshape(gl.sqrt(gl.sum(a(env) * a(env))), (1, 1)),
    "softmax": lambda e, a, b: lambda env: gl.softmax(a(env), axis=e.attrs[0]),
    "logsoftmax": lambda e, a, b: lambda env: gl.log_softmax(a(env), axis=e.attrs[0]),
    "logsumexp": lambda e, a, b: lambda env: gl.reshape(gl.logsumexp(a(env), axis=e.attrs[0], keepdims=True),
                                                        _shape(e.shape, env)),
    "rmax": _gl_extremum,
    "amask": lambda e, a, b: lambda env: tensor(_mask(e.attrs[0], a(env).data, e.attrs[1])),
    "emax": lambda e, a, b: (lambda env: gl.maximum(a(env), b(env))) if e.attrs[0] == "max" else (
        lambda env: gl.minimum(a(env), b(env))),
    "kron": _gl_kron,
    "vec": lambda e, a, b: lambda env: gl.reshape(gl.matrix_transpose(a(env)), (-1, 1)),
    "comm": _gl_constant,
    "bcast": lambda e, a, b: lambda env: a(env) * tensor(np.ones(_shape(e.shape, env))),
    "frob": lambda e, a, b: lambda env: gl.reshape(gl.sum(a(env) * b(env)), (1, 1)),
}


def _gl_node(e, kids):
    """The gradlab closure of one node, given its operands' closures."""
    return GRADLAB[e.op](e, *_operands(kids))


def to_gradlab(expr):
    """Compile ``expr`` to a function over gradlab Tensors (for automatic differentiation)."""
    return _wrap(expr, _gl_node, "to_gradlab")
