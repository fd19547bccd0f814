"""How the graph view writes the reduce rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`."""

from __future__ import annotations

from .notation import Op, Row, Sym, Text
from .opnotation import NOTATION, _axis_text, _count, call, frac, iverson, minus, power, times, transpose


def _over(A, *items):
    over = _axis_text(A)
    return Row(*items, *([over] if over else []))


def _min(A):
    x = A.ins[0]
    ties = frac(iverson(Row(x, Op("="), A.out)), Text("#ties"))
    return _over(A, call("min", x)), [ties]


def _prod(A):
    x = A.ins[0]
    return _over(A, call("prod", x)), [Text("product of the others")]


def _dof(A):
    c = A.params.get("correction", 1)
    n = _count(A)
    return Text(str(n - c if isinstance(c, int) else float(n - c)))


def _var(A):
    x = A.ins[0]
    dev = minus(x, call("mean", x))
    return _over(A, frac(Row(Text("Σ"), power(dev, Text("2"))), _dof(A))), [frac(times(Text("2"), dev), _dof(A))]


def _std(A):
    x = A.ins[0]
    dev = minus(x, call("mean", x))
    return _over(A, call("std", x)), [frac(dev, times(_dof(A), A.out))]


def _cumsum(A):
    x = A.ins[0]
    return call("cumsum", x), [call("reversed cumsum", Sym("g"))]


def _cumprod(A):
    x = A.ins[0]
    return call("cumprod", x), [Row(Text("Σ"), Sym("g", sub="k"), Text("(product of the others up to k)"))]


def _pnorm(A):
    x, p = A.ins[0], Text(f"{A.params.get('p', 3.0):g}")
    return _over(A, call("norm", x, Row(Text("p"), Op("="), p))), [times(call("sign", x), power(frac(call("abs", x), A.out), minus(p, Text("1"))))]


def _nuclear(A):
    x = A.ins[0]
    return call("nuclear norm", x), [Row(Sym("U"), transpose(Sym("V")))]


def _spectral(A):
    x = A.ins[0]
    low = A.params.get("smallest", False)
    name = "smallest singular value" if low else "largest singular value"
    return call(name, x), [Row(Sym("u"), transpose(Sym("v")))]


NOTATION.update({
    "min": _min, "prod": _prod, "var": _var, "std": _std, "cumsum": _cumsum, "cumprod": _cumprod,
    "pnorm": _pnorm, "nuclear_norm": _nuclear, "spectral_norm": _spectral,
})
