"""How the graph view writes each primitive: its forward formula and each input's local derivative.

One table, :data:`NOTATION`, keyed by primitive name (``t.op.name``). Each
entry takes an :class:`OpArgs` (notation nodes of the inputs, their values,
the op's parameters, the output's node) and returns ``(formula, locals)``:
the forward formula and one local derivative per input, all as notation
nodes of :mod:`gradlab.explainer.notation` (never LaTeX source), so every
renderer writes them properly::

    v6 = v5²          ∂v6/∂v5 = 2 v5
    v3 = σ(v2)        ∂v3/∂v2 = v3 (1 − v3)
    v7 = W3 v6        ∂v7/∂v6 = W3ᵀ (·)      ∂v7/∂W3 = (·) v6ᵀ

``(·)`` stands for the upstream gradient where a local derivative is a
linear map rather than a factor (matrix products, reshapes, slices).

The activation rows read their derivative from the catalog
(:data:`gradlab.ops.catalog.ACTIVATION_KINDS`), converted by
:func:`tree_node`; the loss rows read the catalog's loss formulas. A
primitive missing from the table is written ``name(x, y)`` with "local
Jacobian" for its derivatives (:func:`op_notation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ops.catalog import evaluate
from .notation import Call, Frac, Node, Num, Op, Paren, Row, Sup, Sym, Text, transpose
from ..ops.catalog import activation_kind
from ..ops.catalog import MSE
from ..ops.catalog import BCE
from ..ops.catalog import BCE_WITH_LOGITS as BWL
from ..ops.catalog import CROSS_ENTROPY as K

DOT = Paren(Op("·"))  # the upstream gradient, in a local derivative that is a linear map
ONES = Sym("𝟏")  # a vector of ones (LaTeX \mathbf{1})
MINUS, PLUS = Op("−"), Op("+")


# ---------------------------------------------------------------- numbers and precedence


def number_node(v):
    """A constant as a node: an integer-valued one as ``2`` (not ``2.0``), any other as :class:`Num`."""
    v = float(v)
    if np.isfinite(v) and v == int(v) and abs(v) < 1e15:
        k = int(v)
        return Text(str(k)) if k >= 0 else Row(MINUS, Text(str(-k)), tight=True)
    return Num(v, paren=True)


def _prec(node):
    """Binding strength: 0 conditional, 1 sum, 2 negation, 3 product or fraction, 9 atom."""
    if isinstance(node, Num):
        return 2 if node.value < 0 else 9
    if isinstance(node, Frac):
        return 3
    if not isinstance(node, Row) or len(node.items) < 2:
        return 9
    items = node.items
    if any(isinstance(i, Text) and i.text == "if" for i in items):
        return 0
    if any(isinstance(i, Op) and i.symbol in "+−-" for i in items[1:]):
        return 1
    if isinstance(items[0], Op) and items[0].symbol in "−-":
        return 2
    return 3


def wrap(node, min_prec):
    """``node`` in parentheses when it binds less strongly than ``min_prec``."""
    if _prec(node) >= min_prec:
        return node
    if isinstance(node, Num):
        return Num(node.value, paren=True)
    return Paren(node)


def plus(a, b):
    return Row(wrap(a, 1), PLUS, wrap(b, 3))


def minus(a, b):
    return Row(wrap(a, 1), MINUS, wrap(b, 3))


def times(a, b, op=None):
    """a b (juxtaposition) or ``a op b``."""
    left, right = wrap(a, 2), wrap(b, 3)
    return Row(left, op, right) if op is not None else Row(left, right)


def neg(a):
    if isinstance(a, Text) and a.text.isdigit():
        return Row(MINUS, a, tight=True)
    return Row(MINUS, wrap(a, 3), tight=True)


def frac(num, den):
    """num/den; a sum in the numerator gets parentheses (the text renderer writes ``num/den`` on one line)."""
    return Frac(wrap(num, 2), den)


def power(base, exponent):
    """base^exponent; a compound exponent is parenthesised so text reads ``x^(y − 1)``."""
    simple_number = isinstance(exponent, Row) and exponent.tight and all(
        isinstance(i, (Op, Text)) for i in exponent.items)
    if isinstance(exponent, Row) and not simple_number:
        exponent = Paren(exponent)
    return Sup(wrap(base, 9), exponent)


def call(fn, *args):
    """fn(arg, ...) with ``fn`` a name."""
    if len(args) == 1:
        return Call(Text(fn), args[0])
    items = [Row(a, Op(","), tight=True) for a in args[:-1]] + [args[-1]]
    return Call(Text(fn), Row(*items))


def iverson(node):
    """[condition]: 1 where it holds, 0 elsewhere."""
    return Paren(node, "[]")


# ---------------------------------------------------------------- formula trees of the catalog

_TREE_PREC = {"if": 0, ">": 0, "≥": 0, "+": 1, "-": 1, "neg": 2, "*": 3, "×": 3, "/": 3}


def _symbol(name):
    if name == "T":
        return Text("T")
    return Sym(name)


def _numeric(node):
    """True when ``node`` prints as a number (so juxtaposing it with another needs a ×)."""
    if isinstance(node, Num) or (isinstance(node, Text) and node.text.isdigit()):
        return True
    if isinstance(node, (Paren, Sup)):
        return _numeric(node.inner if isinstance(node, Paren) else node.base)
    return False


def tree_node(tree, subst=None, values=None):
    """A catalog formula tree (see :mod:`gradlab.ops.catalog`) as a notation node: the one converter.

    Args:
        tree: a number, a symbol name ('z', 'a', 'α', ...) or a tuple
            ``(op, *operands)``.
        subst: {symbol name: node or number} put in place of the symbols,
            e.g. ``{'z': Sym('v2'), 'a': Sym('v3'), 'α': 0.01}``; with numbers
            for every symbol it writes the worked-number line.
        values: {symbol name: number} to evaluate ``('val', tree)`` subtrees
            (one number: σ′ is worked as a × (1 − a) with 1 − a evaluated).
    """
    subst = subst or {}
    if isinstance(tree, tuple) and tree[0] == "val":
        return Num(float(evaluate(tree[1], values or {})))
    if isinstance(tree, tuple) and tree[0] in ("*", "×"):
        left, right = (tree_node(a, subst, values) for a in tree[1:])
        if tree[0] == "×" or (_numeric(left) and (_numeric(right) or isinstance(left, (Num, Paren)))):
            return times(left, right, Op("×"))  # numbers side by side need a ×
        right = wrap(right, 3)
        if isinstance(right, Paren):  # a(1 − a), as lectures write it
            return Row(wrap(left, 2), right, tight=True)
        return times(left, right)
    if isinstance(tree, (int, float)) and not isinstance(tree, bool):
        return number_node(tree)
    if isinstance(tree, str):
        node = subst.get(tree)
        if node is None:
            return _symbol(tree)
        return node if isinstance(node, Node) else number_node(node)
    op, *args = tree
    if op == "call":
        return call(args[0], *(tree_node(a, subst, values) for a in args[1:]))
    kids = [tree_node(a, subst, values) for a in args]
    if op in ("+", "-"):
        return (plus if op == "+" else minus)(*kids)
    if op == "*":
        return times(*kids)
    if op == "/":
        return frac(*kids)
    if op == "neg":
        return neg(kids[0])
    if op == "^":
        return transpose(wrap(kids[0], 9)) if args[1] == "T" else power(*kids)
    if op in (">", "≥"):
        return Row(kids[0], Op(op), kids[1])
    if op == "if":
        return Row(kids[0], Text("if"), kids[1], Text("else"), kids[2])
    raise ValueError(f"tree_node: unknown operator {op!r}")


# ---------------------------------------------------------------- the arguments of a row


@dataclass
class OpArgs:
    """What a row of :data:`NOTATION` reads.

    ins: one notation node per input (None where the input is None, e.g.
        linear without bias); values: the input arrays (NumPy, any shapes;
        None where absent); params: the op's keyword parameters
        (``t._params``); out: the output's node (its name); numbers: for
        each input, its value when it is a number written inline, else None.
    """

    ins: list
    values: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    out: Node = field(default_factory=lambda: Sym("out"))
    numbers: list = field(default_factory=list)

    def shape(self, i):
        """The shape of input ``i`` (() when unknown)."""
        if i < len(self.values) and self.values[i] is not None:
            return tuple(np.shape(self.values[i]))
        return ()

    def number(self, i):
        """Input ``i``'s value when it is a number written inline, else None."""
        return self.numbers[i] if i < len(self.numbers) else None

    def scalar(self, i):
        return int(np.prod(self.shape(i))) == 1


def _one():
    return Text("1")


# ---------------------------------------------------------------- element-wise rows


def _add(A):
    x, y = A.ins
    return plus(x, y), [_one(), _one()]


def _sub(A):
    x, y = A.ins
    return minus(x, y), [_one(), neg(_one())]


def _mul(A):
    x, y = A.ins
    op = Op("·") if A.scalar(0) or A.scalar(1) else Op("⊙")
    return times(x, y, op), [y, x]


def _div(A):
    x, y = A.ins
    return frac(x, y), [frac(_one(), y), neg(frac(x, power(y, Text("2"))))]


def _neg(A):
    return neg(A.ins[0]), [neg(_one())]


def _pow(A):
    x, p = A.ins
    dp = times(power(x, p), call("ln", x))
    c = A.number(1)
    if c is None:  # a tensor exponent: p x^(p − 1)
        return power(x, p), [times(p, power(x, minus(p, _one()))), dp]
    e = c - 1.0
    core = number_node(1.0) if e == 0 else (x if e == 1 else power(x, number_node(e)))
    if e == 0:
        dx = number_node(c)
    elif c == 1:
        dx = core
    elif c == -1:
        dx = neg(core)
    else:
        dx = times(number_node(c), core)
    return power(x, number_node(c)), [dx, dp]


def _unary(fn, dfn):
    """A row f(x) with local derivative dfn(x, A)."""
    def row(A):
        x = A.ins[0]
        return fn(x), [dfn(x, A)]
    return row


def _activation(name, symbol=None, entry=None):
    """An activation row: f(x) by its catalog symbol, f′ from the catalog's derivative tree (of ``entry`` when
    the row has several, as GELU's tanh form)."""
    def row(A):

        kind = entry or activation_kind(name)
        x = A.ins[0]
        subst = {"z": x, "a": A.out, "e": Sym("e")}
        # each parameter's symbol (α, θ, lo, ...) from the catalog entry, given this call's value (row keywords)
        subst.update({sym: Num(v) for sym, v in kind.param_values(A.params, by="row").items()})
        return call(symbol or kind.symbol, x), [tree_node(kind.derivative, subst)]
    return row


def _maximum(A, name="max", rel=">"):
    x, y = A.ins
    tie = times(Frac(_one(), Text("2")), iverson(Row(x, Op("="), y)))  # a tie splits the gradient evenly
    return call(name, x, y), [plus(iverson(Row(x, Op(rel), y)), tie), plus(iverson(Row(y, Op(rel), x)), tie)]


def _where(A):
    c, x, y = A.ins
    return Row(x, Text("if"), c, Text("else"), y), [Text("0"), iverson(c), iverson(Row(Text("not"), c))]


def _clip(A):
    x = A.ins[0]
    lo, hi = A.params.get("min"), A.params.get("max")
    bounds = [Num(b) if b is not None else Text(name) for b, name in ((lo, "−inf"), (hi, "inf"))]
    parts = []
    if lo is not None:
        parts.append(iverson(Row(x, Op("≥"), Num(lo))))
    if hi is not None:
        parts.append(iverson(Row(Num(hi), Op("≥"), x)))
    local = Row(*parts) if parts else _one()
    return call("clip", x, *bounds), [local]


# ---------------------------------------------------------------- reductions


def _axis_text(A):
    axis = A.params.get("axis")
    if axis is None:
        return None
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return Text(f"over axis {axes[0]}" if len(axes) == 1 else f"over axes {axes}")


def _count(A):
    shape, axis = A.shape(0), A.params.get("axis")
    if axis is None:
        return int(np.prod(shape))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return int(np.prod([shape[a] for a in axes])) if shape else 1


def _sum(A):
    over = _axis_text(A)
    body = Row(Text("Σ"), A.ins[0], *([over] if over else []))
    return body, [ONES]


def _mean(A):
    over = _axis_text(A)
    scale = Frac(_one(), Text(str(_count(A))))
    return Row(scale, Text("Σ"), A.ins[0], *([over] if over else [])), [scale]


def _max(A):
    x = A.ins[0]
    over = _axis_text(A)
    ties = Frac(iverson(Row(x, Op("="), A.out)), Text("#ties"))
    return Row(call("max", x), *([over] if over else [])), [ties]


def _logsumexp(A):
    x = A.ins[0]
    return call("ln", Row(Text("Σ"), power(Sym("e"), x))), [call("softmax", x)]


def _log_softmax(A):
    x = A.ins[0]
    return call("ln", call("softmax", x)), [minus(Sym("I"), Row(ONES, transpose(call("softmax", x))))]


# ---------------------------------------------------------------- linear algebra


def _matmul(A):
    x, y = A.ins
    if len(A.shape(0)) == 1 and len(A.shape(1)) == 1:  # a dot product
        return times(x, y, Op("·")), [y, x]
    return Row(x, y), [Row(DOT, transpose(y)), Row(transpose(x), DOT)]


def _transpose(A):
    axes = tuple(A.params.get("axes") or ())
    x, n = A.ins[0], len(axes)
    if n > 2 and axes != tuple(range(n - 2)) + (n - 1, n - 2):  # not a swap of the last two axes
        return call("permute", x, Text(str(axes))), [call("permute back", DOT)]
    return transpose(x), [transpose(DOT)]


def _inverse_transpose(x):
    return Sup(wrap(x, 9), Row(MINUS, Text("T"), tight=True))


def _inv(A):
    x = A.ins[0]
    return Sup(wrap(x, 9), Row(MINUS, Text("1"), tight=True)), [
        neg(Row(_inverse_transpose(x), DOT, _inverse_transpose(x)))]


def _det(A):
    x = A.ins[0]
    return call("det", x), [Row(call("det", x), _inverse_transpose(x))]


def _logdet(A):
    x = A.ins[0]
    return call("ln", call("abs", call("det", x))), [_inverse_transpose(x)]


def _outer(A):
    x, y = A.ins
    return Row(x, transpose(y)), [Row(DOT, y), Row(transpose(DOT), x)]


# ---------------------------------------------------------------- shapes


def _index_text(index):
    """A NumPy index as Python writes it: ``0``, ``1:3``, ``:, 2``, ``[0, 2]``."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for i in items:
        if isinstance(i, slice):
            s = ("" if i.start is None else str(i.start)) + ":" + ("" if i.stop is None else str(i.stop))
            out.append(s + (f":{i.step}" if i.step is not None else ""))
        elif i is None:
            out.append("None")
        elif i is Ellipsis:
            out.append("...")
        elif isinstance(i, np.ndarray):
            out.append(str(i.tolist()) if i.size <= 8 else f"array of shape {i.shape}")
        else:
            out.append(str(i))
    return ", ".join(out)


def _at(node, index_text):
    return Row(node, Paren(Text(index_text), "[]"), tight=True)


def _reshape(A):
    x = A.ins[0]
    return call("reshape", x, Text(str(tuple(A.params.get("shape") or ())))), [
        call("reshape", DOT, Text(str(A.shape(0))))]


def _broadcast_to(A):
    x = A.ins[0]
    return call("broadcast", x, Text(str(tuple(A.params.get("shape") or ())))), [
        Row(Text("Σ"), DOT, Text("over the broadcast axes"))]


def _getitem(A):
    text = _index_text(A.params.get("index"))
    return _at(A.ins[0], text), [Row(Text("scatter-add"), DOT, Text(f"into [{text}]"))]


def _scatter_add(A):
    text = _index_text(A.params.get("index"))
    shape = tuple(A.params.get("shape") or ())
    return call("scatter", A.ins[0], Text(f"[{text}]"), Text(str(shape))), [_at(DOT, text)]


def _concatenate(A):
    ndim = max(1, len(A.shape(0)))
    axis = A.params.get("axis", 0) % ndim
    start, locals_ = 0, []
    for i in range(len(A.ins)):
        n = A.shape(i)[axis] if len(A.shape(i)) > axis else 1
        locals_.append(_at(DOT, ":, " * axis + f"{start}:{start + n}"))
        start += n
    return call("concat", *A.ins), locals_


def _stack(A):
    axis = A.params.get("axis", 0) % (len(A.shape(0)) + 1)
    return call("stack", *A.ins), [_at(DOT, ":, " * axis + str(i)) for i in range(len(A.ins))]


# ---------------------------------------------------------------- fused rows


def _linear(A):
    x, W, b = (list(A.ins) + [None])[:3]
    z = Row(x, transpose(W))
    dW = Row(DOT, transpose(x)) if len(A.shape(0)) <= 1 else Row(transpose(DOT), x)
    db = _one() if len(A.shape(0)) <= 1 else Row(transpose(ONES), DOT)
    return (plus(z, b) if b is not None else z), [Row(DOT, W), dW, db]


def _scale(reduction, n):
    """(1/n as a node, or None), for a loss reduced by 'mean' over n entries."""
    return Frac(_one(), Text(str(n))) if reduction == "mean" else None


def _mse_loss(A):

    x, y = A.ins
    red = A.params.get("reduction", "mean")
    n = int(np.prod(np.broadcast_shapes(A.shape(0), A.shape(1))))
    per = tree_node(MSE.formula, {"ŷ": x, "y": y})
    dper = tree_node(MSE.dformula, {"ŷ": x, "y": y})
    if red == "none":
        return per, [dper, neg(dper)]
    c = _scale(red, n)
    total = Row(Text("Σ"), per)
    d = times(Frac(Text("2"), Text(str(n))), Paren(minus(x, y))) if c is not None else dper
    return (Row(c, total) if c is not None else total), [d, neg(d)]


def _bce(A):

    p, y = A.ins
    sub = {"ŷ": p, "y": y}
    dp = frac(minus(p, y), times(p, Paren(minus(_one(), p))))  # the catalog's −y/ŷ + (1 − y)/(1 − ŷ), combined
    return tree_node(BCE.formula, sub), [dp, minus(call("ln", minus(_one(), p)), call("ln", p))]


def _bce_with_logits(A):

    z, y = A.ins
    sub = {"p": call("σ", z), "y": y}
    return tree_node(BWL.formula, sub), [tree_node(BWL.simplified, sub), neg(z)]


def _softmax_ce(A, reduced=False):

    z, target = A.ins
    sub = {"p": call("softmax", z), "y": target}
    f, dz, dt = tree_node(K.formula, sub), tree_node(K.simplified, sub), neg(call("ln", call("softmax", z)))
    t = A.values[1] if len(A.values) > 1 else None
    if t is not None and not np.allclose(np.sum(t, axis=-1), 1.0):  # target rows not probabilities
        dz = minus(Row(call("softmax", z), Text("Σ"), target), target)
    if reduced and A.params.get("reduction", "mean") == "mean":
        n = int(np.prod(A.shape(0)[:-1])) if A.shape(0) else 1
        c = Frac(_one(), Text(str(n)))
        return Row(c, Text("Σ"), wrap(f, 3)), [times(c, Paren(dz)), times(c, dt)]
    if reduced:
        return Row(Text("Σ"), wrap(f, 3)), [dz, dt]
    return f, [dz, dt]


def _l1(A):

    d = minus(*A.ins)
    return call("abs", d), [call("sign", d), neg(call("sign", d))]


def _huber(A, threshold="δ", name="huber"):

    d, t = minus(*A.ins), Sym(threshold)
    g = call("clip", d if threshold == "δ" else frac(d, t), neg(t) if threshold == "δ" else neg(_one()),
             t if threshold == "δ" else _one())
    return call(name, d, t), [g, neg(g)]


def _kl_div(A):

    x, y = A.ins
    if A.params.get("log_target", False):
        e = power(Sym("e"), y)
        return times(e, Paren(minus(y, x))), [neg(e), times(e, Paren(plus(minus(y, x), _one())))]
    return times(y, Paren(minus(call("ln", y), x))), [neg(y), minus(plus(call("ln", y), _one()), x)]


def _nll(A):

    x, w = A.ins
    return neg(Row(Text("Σ"), times(w, x))), [neg(w), neg(x)]


def _dense_stack(A):

    acts = A.params.get("activations", ())
    x, rest = A.ins[0], A.ins[1:]
    node, locals_ = x, [Row(Sym("δ", sup="(1)"), rest[0] if rest else Sym("W"))]
    for k, act in enumerate(acts):
        W, b = rest[2 * k], rest[2 * k + 1]
        z = Row(wrap(node, 3), transpose(W))
        z = plus(z, b) if b is not None else z
        kind = activation_kind(act)
        node = z if kind.row is None else Call(Text(kind.symbol), z)
        prev = x if k == 0 else Sym("a", sup=f"({k})")
        delta = Sym("δ", sup=f"({k + 1})")
        locals_ += [Row(transpose(delta), prev), Row(transpose(ONES), delta)]
    return node, locals_


# ---------------------------------------------------------------- the table

NOTATION = {
    "add": _add, "sub": _sub, "mul": _mul, "div": _div, "neg": _neg, "pow": _pow,
    "exp": _unary(lambda x: power(Sym("e"), x), lambda x, A: power(Sym("e"), x)),
    "log": _unary(lambda x: call("ln", x), lambda x, A: frac(_one(), x)),
    "sqrt": _unary(lambda x: call("sqrt", x), lambda x, A: Frac(_one(), Row(Text("2"), call("sqrt", x)))),
    "abs": _unary(lambda x: call("abs", x), lambda x, A: call("sign", x)),
    "sin": _unary(lambda x: call("sin", x), lambda x, A: call("cos", x)),
    "cos": _unary(lambda x: call("cos", x), lambda x, A: neg(call("sin", x))),
    "tanh": _activation("tanh"), "sigmoid": _activation("sigmoid"), "relu": _activation("relu"),
    "leaky_relu": _activation("leaky_relu"), "heaviside": _activation("heaviside", "𝓗"),
    "softplus": _activation("softplus"), "softmax": _activation("softmax"),
    "astype": lambda A: (call("astype", A.ins[0], Text(np.dtype(A.params.get("dtype", "float64")).name)), [_one()]),
    "maximum": _maximum, "minimum": lambda A: _maximum(A, "min", "<"), "where": _where, "clip": _clip,
    "log_sigmoid": _unary(lambda x: call("ln", call("σ", x)), lambda x, A: minus(_one(), call("σ", x))),
    "sum": _sum, "mean": _mean, "max": _max, "logsumexp": _logsumexp, "log_softmax": _log_softmax,
    "matmul": _matmul, "transpose": _transpose,
    "trace": _unary(lambda x: call("tr", x), lambda x, A: Sym("I")),
    "diag": _unary(lambda x: call("Diag", x), lambda x, A: call("diag", DOT)),
    "diagonal": _unary(lambda x: call("diag", x), lambda x, A: call("Diag", DOT)),
    "inv": _inv, "det": _det, "logdet": _logdet, "outer": _outer,
    "reshape": _reshape, "broadcast_to": _broadcast_to, "getitem": _getitem, "scatter_add": _scatter_add,
    "concatenate": _concatenate, "stack": _stack,
    "linear": _linear, "mse_loss": _mse_loss, "binary_cross_entropy": _bce, "bce_with_logits": _bce_with_logits,
    "softmax_cross_entropy": _softmax_ce, "cross_entropy_loss": lambda A: _softmax_ce(A, reduced=True),
    "dense_stack": _dense_stack, "l1_loss": _l1, "huber_loss": _huber,
    "smooth_l1_loss": lambda A: _huber(A, "β", "smooth_l1"), "kl_div": _kl_div, "nll_loss": _nll,
}

LOCAL_JACOBIAN = "local Jacobian"


def op_notation(name, args):
    """``(formula, locals)`` of primitive ``name`` applied to ``args`` (an :class:`OpArgs`).

    ``locals`` has one node per input (None for an absent input). A name
    missing from :data:`NOTATION` gives ``name(x, y)`` and "local Jacobian".
    """
    row = NOTATION.get(name)
    present = [i for i in args.ins if i is not None]
    if row is None:
        return call(name, *present), [Text(LOCAL_JACOBIAN) if i is not None else None for i in args.ins]
    formula, locals_ = row(args)
    locals_ = list(locals_) + [Text(LOCAL_JACOBIAN)] * (len(args.ins) - len(locals_))
    return formula, [loc if i is not None else None for i, loc in zip(args.ins, locals_)]


# the families' entries (each module adds its rows to NOTATION; imported last, as they read the helpers above)
from . import opnotation_activations, opnotation_conv, opnotation_linalg, opnotation_math  # noqa: E402,F401,I001
from . import opnotation_reduce, opnotation_shape  # noqa: E402,F401,I001
