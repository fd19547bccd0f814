"""Parsing expressions from text with Python's ``ast`` against a whitelist — never ``eval``.

Syntax is Python's: ``+ - * / @ **``, ``.T``, calls of the functions
(:func:`functions`: the element-wise rows of :mod:`.functions` and
:data:`OTHER_FUNCTIONS`), numbers, the declared symbols and the dimension names
(a dimension used as a value is its size, as in ``/ m``). Everything else —
attributes other than ``.T``, subscripts, lambdas, keywords, strings,
comparisons, ``__import__('os')`` — is rejected with a :class:`ParseError`
that shows the expression with a caret under the offending place.
"""

from __future__ import annotations

import ast

from ..core.errors import ParseError, ShapeError
from . import expr as E
from . import shapes as S
from .functions import builder, parse_names

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 600
MAX_NUMBER = 1e9

OTHER_FUNCTIONS = {  # the functions that are not element-wise rows of .functions
    "sqrt": E.sqrt, "sum": E.total, "mean": E.mean, "tr": E.trace, "trace": E.trace, "det": E.det,
    "logdet": E.logdet, "inv": E.inv, "diag": E.diag, "Diag": E.diag, "norm2": E.norm2, "norm": E.norm2,
    "softmax": E.softmax, "log_softmax": E.logsoftmax, "transpose": E.transpose, "logsumexp": E.logsumexp,
    "max": E.maximum, "min": E.minimum,
}
AXIS_FUNCTIONS = ("softmax", "log_softmax", "logsumexp", "max", "min")  # take axis=0 or axis=1
PAIR_FUNCTIONS = ("max", "min")  # max(A, B): element-wise of two expressions
DIM_FUNCTIONS = {"ones": E.ones, "eye": E.eye}


def functions():
    """{name: builder} of the functions of one argument :func:`parse` accepts (registered rows included)."""
    out = {name: builder(f.name) for name, f in parse_names().items()}
    out.update(OTHER_FUNCTIONS)
    return out


def caret(text, col, message):
    """``message`` followed by the expression and a caret under column ``col``."""
    col = max(0, min(col, len(text)))
    return f"{message}\n  {text}\n  {' ' * col}^"


def _paren_depth(text):
    depth = best = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > best:
                best = depth
            if depth > MAX_DEPTH:
                return depth, i
        elif ch in ")]}":
            depth -= 1
    return best, -1


def norm_shapes(shapes):
    """Validate ``{name: shape}``; returns ``{name: (rows, cols)}``."""
    if shapes is None:
        return {}
    if not isinstance(shapes, dict):
        raise ShapeError(f"parse: shapes must be a dict name → shape, got {type(shapes).__name__}")
    out = {}
    calls = functions()
    for name, shp in shapes.items():
        if not isinstance(name, str) or not name.isidentifier() or name in calls or name in DIM_FUNCTIONS:
            raise ShapeError(f"parse: {name!r} cannot be a symbol name (use an identifier that is not a function)")
        out[name] = S.norm_shape(shp, f"the shape of {name}")
    return out


def parse(text, shapes=None):
    """Parse ``text`` into an :class:`~gradlab.symbolic.expr.Expr`.

    ``shapes`` maps each symbol to its shape: ``{'X': ('m', 'n'), 'w': 'n,1',
    'b': 1}`` (``1`` or ``()`` is a scalar, ``'n'`` or ``('n',)`` a column).
    Raises ParseError (syntax, unknown names, forbidden constructs, with a
    caret) or ShapeError (operands that do not fit, with a caret).
    """
    if not isinstance(text, str):
        raise ParseError(f"parse: expected the expression as a string, got {type(text).__name__}")
    shp = norm_shapes(shapes)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"parse: the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed")
    if "\x00" in text:
        raise ParseError(caret(text.replace("\x00", "?"), text.index("\x00"), "parse: a NUL character"))
    if "\n" in text or "\r" in text:
        raise ParseError("parse: the expression must be on a single line")
    depth, where = _paren_depth(text)
    if depth > MAX_DEPTH:
        raise ParseError(caret(text, where, f"parse: parentheses nested more than {MAX_DEPTH} deep"))
    stripped = text.strip()
    if not stripped:
        raise ParseError("parse: the expression is empty; expected something like 'sum((X @ w - y)**2)'")
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        col = lead + max(0, (exc.offset or 1) - 1)
        raise ParseError(caret(text, col, f"parse: invalid syntax ({exc.msg}); expected an expression like "
                                          "'norm2(X @ w - y)**2'")) from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ParseError(f"parse: cannot parse the expression ({type(exc).__name__})") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ParseError(f"parse: the expression has {count} syntax nodes; at most {MAX_NODES} are allowed")
    return _Builder(text, lead, shp).build(tree.body, 0)


class _Builder:
    def __init__(self, text, lead, shapes):
        self.text, self.lead, self.shapes = text, lead, shapes
        self.dims = {d for s in shapes.values() for d in s if isinstance(d, str)}

    def fail(self, node, message, col=None):
        c = self.lead + (node.col_offset if col is None else col)
        raise ParseError(caret(self.text, c, "parse: " + message))

    def shape_fail(self, col, exc):
        raise ShapeError(caret(self.text, self.lead + col, str(exc))) from None

    def build(self, node, depth):
        if depth > MAX_DEPTH:
            self.fail(node, f"the expression is nested more than {MAX_DEPTH} levels deep")
        method = getattr(self, "n_" + type(node).__name__, None)
        if method is None:
            self.fail(node, f"{_describe(node)} is not allowed; expected symbols, numbers, + - * / @ **, .T "
                            f"and the functions {_function_list()}")
        return method(node, depth + 1)

    def _op_col(self, node, chars):
        start = node.left.end_col_offset or 0
        seg = self.text[self.lead:]
        i = seg.find(chars, start)
        return i if i >= 0 else node.col_offset

    def n_BinOp(self, node, depth):  # noqa: N802
        ops = {ast.Add: ("+", E.add), ast.Sub: ("-", E.sub), ast.Mult: ("*", E.mul), ast.Div: ("/", E.div),
               ast.MatMult: ("@", E.matmul), ast.Pow: ("**", None)}
        kind = ops.get(type(node.op))
        if kind is None:
            self.fail(node, f"the operator {type(node.op).__name__} is not allowed; use + - * / @ **",
                      col=self._op_col(node, ""))
        sym, fn = kind
        left = self.build(node.left, depth)
        if sym == "**":
            p = self.constant(node.right)
            if abs(p) > E.MAX_EXPONENT:
                self.fail(node.right, f"the exponent {p:g} is too large (|p| <= {E.MAX_EXPONENT} allowed)")
            try:
                return E.power(left, p)
            except (ShapeError, ValueError, OverflowError) as exc:
                self.shape_fail(self._op_col(node, "**"), exc)
        right = self.build(node.right, depth)
        try:
            return fn(left, right)
        except ShapeError as exc:
            self.shape_fail(self._op_col(node, sym), exc)

    def constant(self, node, depth=0):
        """A numeric constant expression (for exponents): numbers, unary minus, + - * /."""
        if depth > 10:
            self.fail(node, "the exponent is nested too deeply")
        if isinstance(node, ast.Constant) and _is_number(node.value):
            return self.number(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.constant(node.operand, depth + 1)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = self.constant(node.left, depth + 1), self.constant(node.right, depth + 1)
            if isinstance(node.op, ast.Div) and b == 0:
                self.fail(node, "division by zero in the exponent")
            v = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}.get(type(node.op)) \
                if not isinstance(node.op, ast.Div) else a / b
            if abs(v) > MAX_NUMBER:
                self.fail(node, "the exponent is too large")
            return v
        self.fail(node, "the exponent must be a constant number (element-wise power A ** p)")

    def number(self, node):
        v = node.value
        if not abs(v) <= MAX_NUMBER:  # compares a huge int exactly, and is false for NaN and inf
            text = repr(v) if len(repr(v)) <= 24 else f"{repr(v)[:12]}… ({len(repr(v))} digits)"
            self.fail(node, f"the number {text} is out of range (|x| <= {MAX_NUMBER:g})")
        return v

    def n_Constant(self, node, depth):  # noqa: N802
        if not _is_number(node.value):
            self.fail(node, f"{_describe(node)} is not allowed; only numbers are constants")
        return E.num(self.number(node))

    def n_UnaryOp(self, node, depth):  # noqa: N802
        if isinstance(node.op, ast.USub):
            return E.neg(self.build(node.operand, depth))
        if isinstance(node.op, ast.UAdd):
            return self.build(node.operand, depth)
        self.fail(node, f"the operator {type(node.op).__name__} is not allowed")

    def n_Name(self, node, depth):  # noqa: N802
        name = node.id
        if name in self.shapes:
            return E.sym(name, self.shapes[name])
        if name in self.dims:
            return E.Dim(name)
        if name in functions() or name in DIM_FUNCTIONS:
            self.fail(node, f"{name} is a function; call it, e.g. {name}(x)")
        declared = ", ".join(sorted(self.shapes)) or "none"
        self.fail(node, f"unknown name {name!r}: declare its shape (e.g. --shape {name}=m,1); declared symbols: "
                        f"{declared}")

    def n_Attribute(self, node, depth):  # noqa: N802
        if node.attr != "T":
            col = (node.value.end_col_offset or node.col_offset)
            self.fail(node, f"attribute access .{node.attr} is not allowed; only .T (transpose) is", col=col)
        return E.transpose(self.build(node.value, depth))

    def n_Call(self, node, depth):  # noqa: N802
        if not isinstance(node.func, ast.Name):
            self.fail(node, "only calls of the whitelisted functions by name are allowed, e.g. relu(z)")
        name = node.func.id
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            self.fail(node, f"{name}(...): * and ** arguments are not allowed")
        if name in DIM_FUNCTIONS:
            if node.keywords:
                self.fail(node, f"{name}(k) takes no keyword arguments")
            return self.dim_call(node, name)
        calls = functions()
        if name not in calls:
            self.fail(node, f"unknown function {name!r}; the functions are {_function_list()}")
        rows = parse_names()
        params = tuple(p[0] for p in rows[name].params) if name in rows else ()
        allowed = params + (("axis",) if name in AXIS_FUNCTIONS else ())
        keywords = {}
        for k in node.keywords:
            if k.arg not in allowed or k.arg in keywords:
                what = f"takes the keyword {' or '.join(allowed)}" if allowed else "takes no keyword arguments"
                self.fail(node, f"{name}(...) {what}, not {k.arg}=")
            keywords[k.arg] = self.constant(k.value)
        most = 1 + len(params) + (1 if name in PAIR_FUNCTIONS else 0)
        if not 1 <= len(node.args) <= most:
            extra = f" and its {', '.join(params)}" if params else " (or two for element-wise max/min)" \
                if name in PAIR_FUNCTIONS else ""
            self.fail(node, f"{name} takes exactly one argument{extra}, got {len(node.args)}")
        arg = self.build(node.args[0], depth)
        try:
            if params:
                given = [self.constant(a) for a in node.args[1:]]
                for p in params[len(given):]:
                    if p in keywords:
                        given.append(keywords[p])
                return calls[name](arg, *given)
            if name in PAIR_FUNCTIONS and len(node.args) == 2:
                if "axis" in keywords:
                    self.fail(node, f"{name}(A, B) is element-wise and takes no axis")
                return calls[name](arg, self.build(node.args[1], depth))
            if "axis" in keywords:
                return calls[name](arg, axis=keywords["axis"])
            return calls[name](arg)
        except ShapeError as exc:
            self.shape_fail(node.col_offset, exc)

    def dim_call(self, node, name):
        if len(node.args) != 1:
            self.fail(node, f"{name} takes exactly one argument (a dimension), got {len(node.args)}")
        a = node.args[0]
        if isinstance(a, ast.Name) and a.id in self.dims:
            return DIM_FUNCTIONS[name](a.id)
        if isinstance(a, ast.Constant) and isinstance(a.value, int) and not isinstance(a.value, bool) \
                and 1 <= a.value <= 10**6:
            return DIM_FUNCTIONS[name](a.value)
        self.fail(a, f"{name}(k): k must be a dimension name used in a shape ({', '.join(sorted(self.dims)) or 'none'})"
                     " or a positive integer")


def _function_list():
    return ", ".join(sorted(functions()) + sorted(DIM_FUNCTIONS))


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _describe(node):
    kinds = {"Lambda": "a lambda", "Subscript": "indexing", "Compare": "a comparison", "BoolOp": "and/or",
             "IfExp": "an if-expression", "ListComp": "a comprehension", "GeneratorExp": "a generator",
             "List": "a list", "Tuple": "a tuple", "Dict": "a dict", "Set": "a set", "JoinedStr": "an f-string",
             "NamedExpr": "an assignment (:=)", "Await": "await", "Yield": "yield", "Starred": "a * argument",
             "Slice": "a slice"}
    name = type(node).__name__
    if name == "Constant":
        return f"the constant {node.value!r}"[:60]
    return kinds.get(name, f"the construct {name}")

