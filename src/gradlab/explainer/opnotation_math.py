"""How the graph view writes the math rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`."""

from __future__ import annotations

from .notation import Row, Sym, Text
from .opnotation import NOTATION, _unary, call, frac, minus, neg, plus, power, times


def _n(k):
    return Text(str(k))


def _sq(x):
    return power(x, _n(2))


def _ln(k):
    return Row(Text("ln"), _n(k))


def _zero(name):
    return _unary(lambda x: call(name, x), lambda x, A: _n(0))


def _arctan2(A):
    y, x = A.ins
    den = plus(_sq(x), _sq(y))
    return call("atan2", y, x), [frac(x, den), neg(frac(y, den))]


def _round(A):
    x = A.ins[0]
    d = A.params.get("decimals", 0)
    formula = call("round", x) if not d else call("round", x, Text(str(d)) if d > 0 else neg(_n(-d)))
    return formula, [_n(0)]


def _mod(A):
    x, y = A.ins
    return Row(x, Text("mod"), y), [_n(1), neg(call("floor", frac(x, y)))]


_E = Sym("e")

NOTATION.update({
    "tan": _unary(lambda x: call("tan", x), lambda x, A: plus(_n(1), _sq(call("tan", x)))),
    "arcsin": _unary(lambda x: call("arcsin", x), lambda x, A: frac(_n(1), call("sqrt", minus(_n(1), _sq(x))))),
    "arccos": _unary(lambda x: call("arccos", x),
                     lambda x, A: neg(frac(_n(1), call("sqrt", minus(_n(1), _sq(x)))))),
    "arctan": _unary(lambda x: call("arctan", x), lambda x, A: frac(_n(1), plus(_n(1), _sq(x)))),
    "arctan2": _arctan2,
    "sinh": _unary(lambda x: call("sinh", x), lambda x, A: call("cosh", x)),
    "cosh": _unary(lambda x: call("cosh", x), lambda x, A: call("sinh", x)),
    "arcsinh": _unary(lambda x: call("arsinh", x), lambda x, A: frac(_n(1), call("sqrt", plus(_sq(x), _n(1))))),
    "arccosh": _unary(lambda x: call("arcosh", x), lambda x, A: frac(_n(1), call("sqrt", minus(_sq(x), _n(1))))),
    "arctanh": _unary(lambda x: call("artanh", x), lambda x, A: frac(_n(1), minus(_n(1), _sq(x)))),
    "log1p": _unary(lambda x: call("ln", plus(_n(1), x)), lambda x, A: frac(_n(1), plus(_n(1), x))),
    "expm1": _unary(lambda x: minus(power(_E, x), _n(1)), lambda x, A: power(_E, x)),
    "log2": _unary(lambda x: call("log2", x), lambda x, A: frac(_n(1), times(x, _ln(2)))),
    "log10": _unary(lambda x: call("log10", x), lambda x, A: frac(_n(1), times(x, _ln(10)))),
    "exp2": _unary(lambda x: power(_n(2), x), lambda x, A: times(power(_n(2), x), _ln(2))),
    "square": _unary(_sq, lambda x, A: times(_n(2), x)),
    "reciprocal": _unary(lambda x: frac(_n(1), x), lambda x, A: neg(frac(_n(1), _sq(x)))),
    "sign": _zero("sign"), "floor": _zero("floor"), "ceil": _zero("ceil"), "trunc": _zero("trunc"),
    "round": _round,
    "mod": _mod,
    "erf": _unary(lambda x: call("erf", x),
                  lambda x, A: times(frac(_n(2), call("sqrt", Sym("π"))), power(_E, neg(_sq(x))))),
})
