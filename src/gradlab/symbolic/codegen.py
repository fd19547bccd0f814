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
from ..ops.elementwise import sigmoid_array, softplus_array
from . import shapes as S

NUMPY_FN = {
    "exp": np.exp, "log": np.log, "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "sigmoid": sigmoid_array,
    "relu": lambda x: np.maximum(x, 0.0), "heaviside": lambda x: (x > 0).astype(np.float64),
    "abs": np.abs, "sign": np.sign, "softplus": softplus_array,
}


def _symbols(expr):
    found = {}
    for n in expr.walk():
        if n.op == "sym":
            found.setdefault(n.attrs[0], n.shape)
    return found


def _dims(expr):
    out = set()
    for n in expr.walk():
        out.update(d for d in n.shape if isinstance(d, str))
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
    return d if isinstance(d, int) else env["#dims"][d]


def _shape(shape, env):
    return (_size(shape[0], env), _size(shape[1], env))


# ------------------------------------------------------------ NumPy closures
def _np_node(e, kids):  # noqa: C901 - one case per op
    op = e.op
    if op == "sym":
        name = e.attrs[0]
        return lambda env: env[name]
    if op == "dim":
        d = e.attrs[0]
        return lambda env: np.full((1, 1), float(_size(d, env)))
    if op == "num":
        v = _as_float(e.attrs[0])
        return lambda env: np.full((1, 1), v)
    if op == "ones":
        return lambda env: np.ones(_shape(e.shape, env))
    if op == "eye":
        return lambda env: np.eye(_size(e.shape[0], env))
    if op == "zero":
        return lambda env: np.zeros(_shape(e.shape, env))
    if op == "diff":
        raise DerivationError("to_numpy: an expression with a differential dX cannot be evaluated")
    a = kids[0]
    b = kids[1] if len(kids) > 1 else None
    table = {
        "add": lambda env: a(env) + b(env),
        "scale": lambda env: a(env)[0, 0] * b(env),
        "matmul": lambda env: a(env) @ b(env),
        "had": lambda env: a(env) * b(env),
        "T": lambda env: a(env).T,
        "sum": lambda env: np.full((1, 1), np.sum(a(env))),
        "tr": lambda env: np.full((1, 1), np.trace(a(env))),
        "det": lambda env: np.full((1, 1), np.linalg.det(a(env))),
        "logdet": lambda env: np.full((1, 1), np.linalg.slogdet(a(env))[1]),
        "inv": lambda env: np.linalg.inv(a(env)),
        "diag": lambda env: np.diag(a(env)[:, 0]),
        "diagvec": lambda env: np.diag(a(env)).reshape(-1, 1).copy(),
        "norm2": lambda env: np.full((1, 1), np.linalg.norm(a(env))),
        "softmax": lambda env: _softmax(a(env)),
        "logsoftmax": lambda env: _logsoftmax(a(env)),
        "bcast": lambda env: np.full(_shape(e.shape, env), a(env)[0, 0]),
        "frob": lambda env: np.full((1, 1), np.sum(a(env) * b(env))),
    }
    if op == "fn":
        f = NUMPY_FN[e.attrs[0]]
        return lambda env: f(a(env))
    if op == "pow":
        p = _as_float(e.attrs[0])
        return lambda env: np.power(a(env), p)
    return table[op]


def _softmax(v):
    z = np.exp(v - np.max(v, axis=0, keepdims=True))
    return z / np.sum(z, axis=0, keepdims=True)


def _logsoftmax(v):
    m = np.max(v, axis=0, keepdims=True)
    return v - m - np.log(np.sum(np.exp(v - m), axis=0, keepdims=True))


def _compile(e, node_fn, memo):
    hit = memo.get(e)
    if hit is not None:
        return hit
    kids = [_compile(a, node_fn, memo) for a in e.args]
    out = node_fn(e, kids)
    memo[e] = out
    return out


def _wrap(expr, node_fn, owner):
    shapes = _symbols(expr)
    body = _compile(expr, node_fn, {})

    def run(*args, dims=None, **kwargs):
        arrays, sizes = bind(shapes, args, kwargs, owner, dims)
        missing = [d for d in _dims(expr) if d not in sizes]
        if missing:
            raise ShapeError(f"{owner}: no size for the dimension(s) {', '.join(sorted(missing))}; pass "
                             f"dims={{{missing[0]!r}: ...}}")
        env = dict(arrays)
        env["#dims"] = sizes
        return body(env)

    run.symbols = tuple(shapes)
    run.shapes = dict(shapes)
    run.__doc__ = f"{expr.to_text()} with symbols {', '.join(f'{k}: {S.fmt(v)}' for k, v in shapes.items())}"
    return run


def to_numpy(expr):
    """Compile ``expr`` to ``f(*arrays, dims=None, **arrays) -> ndarray`` (2-D).

    Arrays are matched to ``f.symbols`` (sorted by first appearance) or
    given by name; ``dims`` gives sizes of dimensions no symbol carries.
    """
    return _wrap(expr, _np_node, "to_numpy")


# ---------------------------------------------------------- gradlab closures
def _gl_node(e, kids):  # noqa: C901 - one case per op
    op = e.op
    if op in ("dim", "num", "ones", "eye", "zero"):
        const = _np_node(e, kids)
        return lambda env: tensor(const(env))
    if op == "sym":
        name = e.attrs[0]
        return lambda env: env[name]
    if op == "diff":
        raise DerivationError("to_gradlab: an expression with a differential dX cannot be evaluated")
    a = kids[0]
    b = kids[1] if len(kids) > 1 else None
    if op == "fn":
        name = e.attrs[0]
        if name == "sign":
            return lambda env: tensor(np.sign(a(env).data))
        f = getattr(gl, name)
        return lambda env: f(a(env))
    if op == "pow":
        p = _as_float(e.attrs[0])
        return lambda env: gl.pow(a(env), p)
    table = {
        "add": lambda env: a(env) + b(env),
        "scale": lambda env: a(env) * b(env),
        "matmul": lambda env: gl.matmul(a(env), b(env)),
        "had": lambda env: a(env) * b(env),
        "T": lambda env: gl.matrix_transpose(a(env)),
        "sum": lambda env: gl.reshape(gl.sum(a(env)), (1, 1)),
        "tr": lambda env: gl.reshape(gl.trace(a(env)), (1, 1)),
        "det": lambda env: gl.reshape(gl.det(a(env)), (1, 1)),
        "logdet": lambda env: gl.reshape(gl.logdet(a(env)), (1, 1)),
        "inv": lambda env: gl.inv(a(env)),
        "diag": lambda env: gl.diag(gl.reshape(a(env), (-1,))),
        "diagvec": lambda env: gl.reshape(gl.diag(a(env)), (-1, 1)),
        "norm2": lambda env: gl.reshape(gl.sqrt(gl.sum(a(env) * a(env))), (1, 1)),
        "softmax": lambda env: gl.softmax(a(env), axis=0),
        "logsoftmax": lambda env: gl.log_softmax(a(env), axis=0),
        "bcast": lambda env: a(env) * tensor(np.ones(_shape(e.shape, env))),
        "frob": lambda env: gl.reshape(gl.sum(a(env) * b(env)), (1, 1)),
    }
    return table[op]


def to_gradlab(expr):
    """Compile ``expr`` to a function over gradlab Tensors (for automatic differentiation)."""
    return _wrap(expr, _gl_node, "to_gradlab")
