"""How the graph view writes the linalg rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`."""

from __future__ import annotations

from .notation import Op, Row, Sup, Sym, Text
from .opnotation import DOT, MINUS, NOTATION, call, neg, transpose, wrap


def _inv_t(x):
    return Sup(wrap(x, 9), Row(MINUS, Text("T"), tight=True))


def _inv(x):
    return Sup(wrap(x, 9), Row(MINUS, Text("1"), tight=True))


def _solve(A):
    a, b = A.ins
    return Row(_inv(a), b), [neg(Row(_inv_t(a), DOT, transpose(A.out))), Row(_inv_t(a), DOT)]


def _cholesky(A):
    x = A.ins[0]
    L = Sym("L")
    return call("chol", x), [call("sym", Row(_inv_t(L), call("Phi", Row(transpose(L), DOT)), _inv(L)))]


def _eigh(A):
    x = A.ins[0]
    V = Sym("V")
    return call("eigh", x), [Row(V, call("F", transpose(V), DOT), transpose(V))]


def _svd(A):
    x = A.ins[0]
    return call("svd", x), [Row(Sym("U"), call("F", DOT), transpose(Sym("V")))]


def _qr(A):
    x = A.ins[0]
    return call("qr", x), [Row(call("F", Sym("Q"), DOT), _inv_t(Sym("R")))]


def _pinv(A):
    x = A.ins[0]
    return Sup(wrap(x, 9), Text("+")), [call("pinv backward", DOT)]


def _matrix_power(A):
    x = A.ins[0]
    n = A.params.get("n", "n")
    k = Text(str(n)) if not isinstance(n, int) or n >= 0 else Row(MINUS, Text(str(-n)), tight=True)
    return Sup(wrap(x, 9), k), [Row(Text("Σ"), Sup(wrap(transpose(x), 9), Text("i")), DOT,
                                    Sup(wrap(transpose(x), 9), Text("n−1−i")))]


def _kron(A):
    x, y = A.ins
    return call("kron", x, y), [call("Σ", Row(DOT, Op("⊙"), y)), call("Σ", Row(DOT, Op("⊙"), x))]


def _einsum(A):
    subs = str(A.params.get("subscripts", "..."))
    ins = [i for i in A.ins if i is not None]
    return call("einsum", Text(repr(subs)), *ins), [call("einsum", DOT, Text("others")) for _ in ins]


NOTATION.update({
    "solve": _solve, "cholesky": _cholesky, "eigh": _eigh, "svd": _svd, "qr": _qr, "pinv": _pinv,
    "matrix_power": _matrix_power, "kron": _kron, "einsum": _einsum,
})
