"""Reading a matrix off a linear differential: vec form with Kronecker products, and the index form.

vec(A) stacks the columns of A (column stacking, as in Magnus & Neudecker): vec(A) = [a₁; a₂; …] for the
columns aⱼ. With it every term of a differential dF that is linear in dX becomes a matrix times vec(dX):

* vec(A dX B) = (Bᵀ ⊗ A) vec(dX)   (A or B absent: an identity)
* vec(dXᵀ) = K vec(dX)             (K the commutation matrix of dX's shape)
* vec(H ⊙ dX) = Diag(vec H) vec(dX)
* vec(s𝟏𝟏ᵀ) = 𝟏 s, and a scalar A : dX = vec(A)ᵀ vec(dX), sum(dX) = 𝟏ᵀvec(dX), tr(dX) = vec(I)ᵀvec(dX)
* vec(Diag(dv)) = Diag(vec I)(𝟏 ⊗ I) dv (dv repeated in every column, kept on the diagonal)

so ∂vec(F)/∂vec(X) = the sum of those matrices, (size of F) × (size of X) — the matrix form of a third- or
fourth-order derivative. :func:`index_form` writes the same derivative entry by entry (∂zᵢ/∂Xⱼₖ = δᵢⱼ wₖ).
"""

from __future__ import annotations

from ..core.errors import DerivationError
from . import expr as E
from . import shapes as S
from .factors import factor, flatten, mm_shape, nest
from .simplify import simplify

VEC_CONVENTION = "vec stacks the columns (column stacking): vec(X) = [x₁; x₂; …] for the columns x₁, x₂, … of X"
RULES = "vec(A dX B) = (Bᵀ ⊗ A) vec(dX), vec(dXᵀ) = K vec(dX), vec(H ⊙ dX) = Diag(vec H) vec(dX)"


def _has_diff(e):
    return any(n.op == "diff" for n in e.walk())


def _eye(n):
    return E.num(1) if n == 1 else E.eye(n)


def _mm(a, b):
    if a.is_scalar and a.shape != b.shape[:1] + (a.shape[1],) and b.shape[0] != 1:
        return E.scale(a, b)
    return E.matmul(a, b)


def kron(a, b):
    """A ⊗ B with the trivial cases written out: 1 ⊗ B = B, a scalar factor in front."""
    for x, y in ((a, b), (b, a)):
        if x.is_scalar:
            return y if x.op == "num" and x.attrs[0] == 1 else E.scale(x, y)
    ca, aa, ka = factor(a)
    cb, ab, kb = factor(b)
    if (ca != 1 or aa) and ka is not None:
        return E.scale(_scalar(ca, aa), kron(ka, b))
    if (cb != 1 or ab) and kb is not None:
        return E.scale(_scalar(cb, ab), kron(a, kb))
    return E.kron(a, b)


def _scalar(coef, atoms):
    out = E.num(coef)
    for base, x in atoms.items():
        out = E.scale(out, base if x == 1 else E.power(base, x))
    return out


def _product(items):
    """The matrix product of ``items``, or None for none."""
    return nest("matmul", items, mm_shape) if items else None


class VecMap:
    """M with vec(e) = M vec(dX) for an expression e linear in dX (the differential of the variable ``wrt``)."""

    def __init__(self, wrt):
        self.wrt = wrt
        self.size = S.mul_dims(*wrt.shape)

    def __call__(self, e):
        out = self.map(e)
        return simplify(out) if out is not None else E.zero((S.mul_dims(*e.shape), self.size))

    def map(self, e):  # noqa: C901 - one case per op
        if not _has_diff(e):
            return None
        op = e.op
        if op == "diff":
            if e.args[0] != self.wrt:
                raise DerivationError(f"derive: d{e.args[0].to_text()} is left in the differential")
            return E.num(1) if self.size == 1 else E.eye(self.size)
        if op == "add":
            parts = [p for p in (self.map(a) for a in e.args) if p is not None]
            return parts[0] if len(parts) == 1 else E.add(parts[0], parts[1])
        if op == "scale":
            c, a = e.args
            if _has_diff(c) and _has_diff(a):
                raise DerivationError("derive: the differential is not linear in d" + self.wrt.attrs[0])
            if _has_diff(c):
                return _mm(E.vec(a), self.map(c))
            return E.scale(c, self.map(a))
        if op == "matmul":
            return self._chain(e)
        if op == "had":
            h, d = e.args if _has_diff(e.args[1]) else (e.args[1], e.args[0])
            if _has_diff(h):
                raise DerivationError("derive: the differential is not linear in d" + self.wrt.attrs[0])
            return _mm(E.diag(E.vec(h)), self.map(d))
        if op == "T":
            inner = e.args[0]
            rows, cols = inner.shape
            if rows == 1 or cols == 1:
                return self.map(inner)
            return _mm(E.commutation(rows, cols), self.map(inner))
        if op == "bcast":
            return _mm(E.ones(S.mul_dims(*e.shape)), self.map(e.args[0]))
        if op == "frob":
            a, d = e.args if _has_diff(e.args[1]) else (e.args[1], e.args[0])
            return _mm(E.transpose(E.vec(a)), self.map(d))
        if op == "sum":
            inner = e.args[0]
            return _mm(E.transpose(E.ones(S.mul_dims(*inner.shape))), self.map(inner))
        if op == "tr":
            inner = e.args[0]
            return _mm(E.transpose(E.vec(E.eye(inner.shape[0]))), self.map(inner))
        if op == "vec":
            return self.map(e.args[0])
        if op == "diag":  # vec(Diag(v)) = Diag(vec I)(𝟏 ⊗ I)v: v repeated in every column, masked to the diagonal
            n = e.shape[0]
            spread = kron(E.ones(n), E.eye(n))
            return _mm(_mm(E.diag(E.vec(E.eye(n))), spread), self.map(e.args[0]))
        raise DerivationError(f"derive: no vec form for {op} in the differential {e.to_text()}; the differential "
                              "form above carries the same information")

    def _chain(self, e):
        chain = flatten(e, "matmul")
        at = [i for i, f in enumerate(chain) if _has_diff(f)]
        if len(at) != 1:
            raise DerivationError("derive: the differential is not linear in d" + self.wrt.attrs[0])
        i = at[0]
        mid = chain[i]
        left = _product(chain[:i])
        right = _product(chain[i + 1:])
        rows, cols = mid.shape
        a = left if left is not None else _eye(rows)
        b = E.transpose(right) if right is not None else _eye(cols)
        return _mm(kron(simplify(b), simplify(a)), self.map(mid))


# ---------------------------------------------------------------------------------------------------- index form
LETTERS = "ijkl"
SUB = {"i": "ᵢ", "j": "ⱼ", "k": "ₖ", "l": "ₗ"}


class _Index:
    """Index names of F (i, j) and X (k, l), trivial ones (a vector's 1) dropped."""

    def __init__(self, f_shape, x_shape):
        letters = iter(LETTERS)
        self.f = tuple(next(letters) if d != 1 else None for d in f_shape)
        self.x = tuple(next(letters) if d != 1 else None for d in x_shape)


def _entry(m, p, q, latex, names=None):
    """The (p, q) entry of m as text: δₚq for I, wₚ for a vector, (A)ₚq for an expression; None = 1."""
    idx = [x for x, d in zip((p, q), m.shape) if x is not None and d != 1]
    if m.op == "eye":
        if p is None or q is None or p == q:
            return None
        return rf"\delta_{{{p}{q}}}" if latex else "δ" + SUB[p] + SUB[q]
    if m.op == "ones" or (m.op == "T" and m.args[0].op == "ones"):
        return None
    body = m.to_latex(names) if latex else m.to_text(names)
    if m.op not in ("sym",) and not (m.op == "T" and m.args[0].op == "sym") and m not in (names or {}):
        body = (r"\left(" + body + r"\right)") if latex else f"({body})"
    if not idx:
        return body
    return body + ("_{" + "".join(idx) + "}" if latex else "".join(SUB[x] for x in idx))


def _term_index(t, wrt, ix, latex, names=None):
    """The entry of one term c·[H ⊙] A dX B (or A dXᵀ B) as a product of entries, or None when it is not of that
    form."""
    coef, atoms, core = factor(t)
    if core is None:
        return None
    had = None
    if core.op == "had":
        h, rest = core.args if _has_diff(core.args[1]) else (core.args[1], core.args[0])
        if _has_diff(h):
            return None
        had, core = h, rest
    chain = flatten(core, "matmul")
    at = [i for i, f in enumerate(chain) if _has_diff(f)]
    if len(at) != 1:
        return None
    mid = chain[at[0]]
    transposed = mid.op == "T" and mid.args[0].op == "diff"
    if not (mid.op == "diff" or transposed):
        return None
    left, right = _product(chain[:at[0]]), _product(chain[at[0] + 1:])
    i, j = ix.f
    k, l_ = ix.x
    if transposed:
        k, l_ = l_, k
    parts = []
    sign = ""
    if coef < 0:
        sign, coef = ("-" if latex else "−"), -coef
    if coef != 1 or atoms:
        parts.append(_scalar(coef, atoms).to_latex(names) if latex else _scalar(coef, atoms).to_text(names))
    if had is not None:
        parts.append(_entry(had, i, j, latex, names))
    parts.append(_entry(left, i, k, latex, names) if left is not None else _delta(i, k, latex))
    parts.append(_entry(right, l_, j, latex, names) if right is not None else _delta(l_, j, latex))
    parts = [p for p in parts if p]
    return sign + (" ".join(parts) if parts else "1")


def _delta(p, q, latex):
    if p is None or q is None or p == q:
        return None
    return rf"\delta_{{{p}{q}}}" if latex else "δ" + SUB[p] + SUB[q]


def index_form(df, f_name, f_shape, wrt, latex=False, second=False, first=None, names=None):
    """∂Fᵢⱼ/∂Xₖₗ = … for a differential dF linear in dX, entry by entry; None when a term has no such form.

    ``second``: F is the gradient ∂L/∂Y of the symbol ``first`` (Y), written ∂²L/∂Yᵢⱼ∂Xₖₗ."""
    ix = _Index(f_shape, wrt.shape)
    terms = flatten(df, "add")
    parts = []
    for t in terms:
        p = _term_index(t, wrt, ix, latex, names)
        if p is None:
            return None
        parts.append(p)
    body = " + ".join(parts).replace("+ −", "− ").replace("+ -", "- ")
    fi = "".join(x for x in ix.f if x)
    xi = "".join(x for x in ix.x if x)
    x = wrt.attrs[0]
    y = first.attrs[0] if first is not None else x
    if latex:
        top = r"\partial^{2} L" if second else rf"\partial {f_name}_{{{fi}}}"
        bottom = rf"\partial {y}_{{{fi}}} \partial {x}_{{{xi}}}" if second else rf"\partial {x}_{{{xi}}}"
        return rf"\frac{{{top}}}{{{bottom}}} = {body}"
    sub = "".join(SUB[c] for c in fi)
    xsub = "".join(SUB[c] for c in xi)
    if second:
        return f"∂²L/∂{y}{sub}∂{x}{xsub} = {body}"
    return f"∂{f_name}{sub}/∂{x}{xsub} = {body}"
