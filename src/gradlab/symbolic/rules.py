"""The rule tables of the deriver: differentials and Frobenius rearrangements.

Two registries, keyed by op, each row a flat named function:

* ``DIFFERENTIALS[op](E, dep)`` → ``(rule name, dE)`` where ``dE`` is written
  with ``diff(child)`` for each child that depends on the variable
  (``dep(child)`` is true): d(AB) = dA B + A dB, d f(Z) = f′(Z) ⊙ dZ, ...
* ``REARRANGE[op](G, D)`` → ``(rule name, [(G′, D′), ...])``: rewrites the
  term ``G : D`` so that one operation less stands between the colon and the
  differential, e.g. ``A : BC = ACᵀ : B`` when the differential is in B.

The derivative f′ of an element-wise function, and its words, are in its row of
:data:`.functions.FUNCTIONS`.
"""

from __future__ import annotations

from . import expr as E
from .expr import Expr
from .functions import FUNCTIONS, fprime
from .styles import TEXT


def _has_diff(e):
    return any(n.op == "diff" for n in e.walk())


# ----------------------------------------------------------- differentials
def _sum(parts, shape):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = Expr("add", (out, p), (), shape)
    return out


def _mm(a, b):
    return Expr("matmul", (a, b), (), (a.shape[0], b.shape[1]))


def _scale(c, a):
    return Expr("scale", (c, a), (), a.shape)


def d_add(e, dep):
    a, b = e.args
    return "sum rule d(A + B) = dA + dB", _sum([E.diff(a) if dep(a) else None, E.diff(b) if dep(b) else None],
                                               e.shape)


def d_scale(e, dep):
    c, a = e.args
    return "product rule d(βA) = dβ A + β dA", _sum(
        [_scale(E.diff(c), a) if dep(c) else None, _scale(c, E.diff(a)) if dep(a) else None], e.shape)


def d_matmul(e, dep):
    a, b = e.args
    return "product rule d(AB) = dA B + A dB", _sum(
        [_mm(E.diff(a), b) if dep(a) else None, _mm(a, E.diff(b)) if dep(b) else None], e.shape)


def d_had(e, dep):
    a, b = e.args
    return "product rule d(A ⊙ B) = dA ⊙ B + A ⊙ dB", _sum(
        [Expr("had", (b, E.diff(a)), (), e.shape) if dep(a) else None,
         Expr("had", (a, E.diff(b)), (), e.shape) if dep(b) else None], e.shape)


def d_T(e, dep):  # noqa: N802
    return "d(Aᵀ) = (dA)ᵀ", E.transpose(E.diff(e.args[0]))


def _times(h, d):
    """h ⊙ d as the deriver writes it: h d for scalars, Diag(h) d for columns, h ⊙ d otherwise; and the words for it."""
    if d.is_scalar:
        return "", _scale(h, d)
    if d.shape[1] == 1:
        return "; Hadamard to Diag: h ⊙ dz = Diag(h) dz", _mm(E.diag(h), d)
    return "", Expr("had", (h, d), (), d.shape)


def d_fn(e, dep):
    a = e.args[0]
    name = e.attrs[0]
    f1 = fprime(name, a, e.attrs[1:])
    if f1 is None:
        return f"d {name}(Z) = 0 almost everywhere (a step function)", None
    note, out = _times(f1, E.diff(a))
    return f"chain rule for an element-wise function d f(Z) = f′(Z) ⊙ dZ, {FUNCTIONS[name].rule}" + note, out


def d_pow(e, dep):
    a, p = e.args[0], e.attrs[0]
    if a.op == "norm2" and p == 2:
        inner = a.args[0]
        return "d‖A‖² = 2A : dA", _scale(E.num(2), E.frob(inner, E.diff(inner)))
    coef = _scale(E.num(p), E.power(a, p - 1)) if p != 2 else _scale(E.num(2), a)
    if a.is_scalar:
        return "power rule d(a^p) = p a^(p−1) da", _scale(coef, E.diff(a))
    return "power rule d(A^p) = pA^(p−1) ⊙ dA (element-wise)", Expr("had", (coef, E.diff(a)), (), e.shape)


def d_sum(e, dep):
    return "d sum(A) = sum(dA)", E.total(E.diff(e.args[0]))


def d_tr(e, dep):
    return "d tr(A) = tr(dA)", Expr("tr", (E.diff(e.args[0]),), (), e.shape)


def square_runs(a):
    """A product A₁A₂⋯ (n×n) cut into the shortest runs of factors that are n×n each, so that
    det(A₁A₂⋯) = det(run₁) det(run₂) ⋯; a single run when no cut is possible."""
    if a.op != "matmul":
        return [a]
    n = a.shape[0]
    chain, stack = [], [a]
    while stack:
        f = stack.pop()
        if f.op == "matmul":
            stack.extend(reversed(f.args))
        else:
            chain.append(f)
    runs, start = [], 0
    for i, f in enumerate(chain):
        if f.shape[1] == n:
            run = chain[start]
            for g in chain[start + 1:i + 1]:
                run = _mm(run, g)
            runs.append(run)
            start = i + 1
    return runs


def _sum_tr_inv(runs, dep):
    """Σ tr(Rᵢ⁻¹ dRᵢ) over the runs that depend on the variable, equal runs counted once with a factor."""
    counts = {}
    for r in runs:
        if dep(r):
            counts[r] = counts.get(r, 0) + 1
    parts = []
    for r, k in counts.items():
        t = Expr("tr", (_mm(E.inv(r), E.diff(r)),), (), (1, 1))
        parts.append(t if k == 1 else _scale(E.num(k), t))
    return _sum(parts, (1, 1))


def d_det(e, dep):
    a = e.args[0]
    runs = square_runs(a)
    if len(runs) > 1:
        return ("d det(AB) = det(AB) (tr(A⁻¹ dA) + tr(B⁻¹ dB)) for square factors, as det(AB) = det(A) det(B)",
                _scale(e, _sum_tr_inv(runs, dep)))
    return "d det(X) = det(X) tr(X⁻¹ dX)", _scale(e, Expr("tr", (_mm(E.inv(a), E.diff(a)),), (), (1, 1)))


def d_logdet(e, dep):
    a = e.args[0]
    runs = square_runs(a)
    if len(runs) > 1:
        return ("d log det(AB) = tr(A⁻¹ dA) + tr(B⁻¹ dB) for square factors, as det(AB) = det(A) det(B)",
                _sum_tr_inv(runs, dep))
    return "d log det(X) = tr(X⁻¹ dX)", Expr("tr", (_mm(E.inv(a), E.diff(a)),), (), (1, 1))


def d_inv(e, dep):
    a = e.args[0]
    return "d(X⁻¹) = −X⁻¹ dX X⁻¹", _scale(E.num(-1), _mm(_mm(e, E.diff(a)), e))


def d_diag(e, dep):
    return "d Diag(v) = Diag(dv)", Expr("diag", (E.diff(e.args[0]),), (), e.shape)


def d_diagvec(e, dep):
    return "d diag(A) = diag(dA)", Expr("diagvec", (E.diff(e.args[0]),), (), e.shape)


def d_norm2(e, dep):
    a = e.args[0]
    return "d‖A‖ = (A : dA)/‖A‖", _scale(E.power(e, -1), E.frob(a, E.diff(a)))


def _along(axis, m):
    """The sums of M along ``axis``: M𝟏 (each row, axis 1), 𝟏ᵀM (each column, axis 0), sum(M) (all, None)."""
    if axis is None:
        return E.total(m)
    if axis == 1:
        return _mm(m, E.ones(m.shape[1]))
    return _mm(E.transpose(E.ones(m.shape[0])), m)


def _spread_back(axis, v, shape):
    """Each row sum (a column, axis 1) or column sum (a row, axis 0) repeated over ``shape``: v𝟏ᵀ or 𝟏v."""
    if axis == 1:
        return _mm(v, E.transpose(E.ones(shape[1])))
    return _mm(E.ones(shape[0]), v)


def _weighted(axis, w, a):
    """W : dA over all entries (axis None), else the sums of W ⊙ dA along ``axis``: the differential of a reduction
    whose derivative is the weights W (softmax for logsumexp, the max-mask for max)."""
    if axis is None:
        return Expr("frob", (w, E.diff(a)), (), (1, 1))
    return _along(axis, Expr("had", (w, E.diff(a)), (), a.shape))


def _spread_words(axis):
    return "(S ⊙ dZ)𝟏𝟏ᵀ" if axis == 1 else "𝟏𝟏ᵀ(S ⊙ dZ)"


def _vector_axis(e):
    return e.args[0].shape[1] == 1 and e.attrs[0] == 0


def d_softmax(e, dep):
    a = e.args[0]
    if _vector_axis(e):
        jac = E.sub(E.diag(e), E.matmul(e, E.transpose(e)))
        return "d softmax(z) = (Diag(s) − ssᵀ) dz, s = softmax(z)", _mm(jac, E.diff(a))
    axis = e.attrs[0]
    sdz = Expr("had", (e, E.diff(a)), (), e.shape)
    spread = _spread_back(axis, _along(axis, sdz), e.shape)
    return (f"d softmax(Z) = S ⊙ dZ − S ⊙ {_spread_words(axis)}, S = softmax(Z, axis={axis}) ({E.AXES[axis]} separately)",
            E.sub(sdz, Expr("had", (e, spread), (), e.shape)))


def d_logsoftmax(e, dep):
    a = e.args[0]
    if _vector_axis(e):
        s = E.softmax(a)
        jac = E.sub(E.eye(a.shape[0]), E.matmul(E.ones(a.shape[0]), E.transpose(s)))
        return "d log_softmax(z) = (I − 𝟏sᵀ) dz, s = softmax(z)", _mm(jac, E.diff(a))
    axis = e.attrs[0]
    sdz = Expr("had", (E.softmax(a, axis), E.diff(a)), (), e.shape)
    return (f"d log_softmax(Z) = dZ − {_spread_words(axis)}, S = softmax(Z, axis={axis}) ({E.AXES[axis]} separately)",
            E.sub(E.diff(a), _spread_back(axis, _along(axis, sdz), e.shape)))


def _weights(e):
    """The softmax weights of logsumexp: softmax along its axis; over all entries softmax(z) for a vector and
    exp(A − logsumexp(A)) for a matrix."""
    a, axis = e.args[0], e.attrs[0]
    if axis is not None:
        return E.softmax(a, axis)
    if a.shape[1] == 1 or a.shape[0] == 1:
        return E.softmax(a)
    return E.fn("exp", E.sub(a, e))


def d_logsumexp(e, dep):
    a, axis = e.args[0], e.attrs[0]
    if axis is None:
        rule = "d logsumexp(A) = P : dA, P = softmax over all entries (exp(A − logsumexp(A)))"
    else:
        rule = f"d logsumexp(A, axis={axis}) = sums of P ⊙ dA along axis {axis}, P = softmax(A, axis={axis})"
    return rule, _weighted(axis, _weights(e), a)


def d_rmax(e, dep):
    a = e.args[0]
    kind, axis = e.attrs
    mark = TEXT.mask(kind)
    if axis is None:
        rule = f"d {kind}(A) = {mark}(A) : dA, the entry where the {kind}imum is (differentiable where it is unique)"
    else:
        rule = f"d {kind}(A, axis={axis}) = sums of {mark}(A) ⊙ dA along axis {axis} (unique {kind}ima)"
    return rule, _weighted(axis, E.argmask(kind, a, axis), a)


def d_amask(e, dep):
    return f"d {e.attrs[0]}-mask = 0 almost everywhere (it is piecewise constant)", None


def d_emax(e, dep):
    a, b = e.args
    kind = e.attrs[0]
    first, second = (E.sub(a, b), E.sub(b, a)) if kind == "max" else (E.sub(b, a), E.sub(a, b))
    parts, note = [], ""
    for x, gate in ((a, first), (b, second)):
        if dep(x):
            note, out = _times(E.fn("heaviside", gate), E.diff(x))
            parts.append(out)
    words = "𝓗(A − B) ⊙ dA + 𝓗(B − A) ⊙ dB" if kind == "max" else "𝓗(B − A) ⊙ dA + 𝓗(A − B) ⊙ dB"
    return f"d {kind}(A, B) = {words} (where A ≠ B)" + note, _sum(parts, e.shape)


def d_kron(e, dep):
    a, b = e.args
    return "product rule d(A ⊗ B) = dA ⊗ B + A ⊗ dB", _sum(
        [Expr("kron", (E.diff(a), b), (), e.shape) if dep(a) else None,
         Expr("kron", (a, E.diff(b)), (), e.shape) if dep(b) else None], e.shape)


def d_vec(e, dep):
    return "d vec(A) = vec(dA)", Expr("vec", (E.diff(e.args[0]),), (), e.shape)


def d_bcast(e, dep):
    return "d(β𝟏𝟏ᵀ) = dβ 𝟏𝟏ᵀ", Expr("bcast", (E.diff(e.args[0]),), (), e.shape)


def d_frob(e, dep):
    a, b = e.args
    return "product rule d(A : B) = dA : B + A : dB", _sum(
        [Expr("frob", (b, E.diff(a)), (), (1, 1)) if dep(a) else None,
         Expr("frob", (a, E.diff(b)), (), (1, 1)) if dep(b) else None], (1, 1))


DIFFERENTIALS = {"add": d_add, "scale": d_scale, "matmul": d_matmul, "had": d_had, "T": d_T, "fn": d_fn,
                 "pow": d_pow, "sum": d_sum, "tr": d_tr, "det": d_det, "logdet": d_logdet, "inv": d_inv,
                 "diag": d_diag, "diagvec": d_diagvec, "norm2": d_norm2, "softmax": d_softmax,
                 "logsoftmax": d_logsoftmax, "bcast": d_bcast, "frob": d_frob, "logsumexp": d_logsumexp,
                 "rmax": d_rmax, "amask": d_amask, "emax": d_emax, "kron": d_kron, "vec": d_vec}


# ------------------------------------------------------- rearrangements
def r_add(g, d):
    return "linearity: A : (B + C) = A : B + A : C", [(g, p) for p in d.args if _has_diff(p)]


def r_matmul(g, d):
    b, c = d.args
    if _has_diff(b):
        return "Frobenius rearrangement A : BC = ACᵀ : B", [(_mm(g, E.transpose(c)), b)]
    return "Frobenius rearrangement A : BC = BᵀA : C", [(_mm(E.transpose(b), g), c)]


def r_T(g, d):  # noqa: N802
    return "Frobenius rearrangement A : Bᵀ = Aᵀ : B", [(E.transpose(g), d.args[0])]


def r_had(g, d):
    b, c = d.args
    if _has_diff(c):
        return "Hadamard rearrangement A : (B ⊙ C) = (A ⊙ B) : C", [(Expr("had", (g, b), (), g.shape), c)]
    return "Hadamard rearrangement A : (B ⊙ C) = (A ⊙ C) : B", [(Expr("had", (g, c), (), g.shape), b)]


def r_scale(g, d):
    c, b = d.args
    if _has_diff(b):
        return "scalar factors move across the product: A : βB = βA : B", [(_scale(c, g), b)]
    return "A : (dβ B) = (B : A) dβ", [(Expr("frob", (b, g), (), (1, 1)), c)]


def r_tr(g, d):
    b = d.args[0]
    return "α tr(B) = αI : B", [(_scale(g, E.eye(b.shape[0])), b)]


def r_sum(g, d):
    b = d.args[0]
    return "α sum(B) = α𝟏𝟏ᵀ : B", [(Expr("bcast", (g,), (), b.shape), b)]


def r_frob(g, d):
    b, c = d.args
    if _has_diff(c):
        return "α (B : dC) = αB : dC", [(_scale(g, b), c)]
    return "α (dB : C) = αC : dB", [(_scale(g, c), b)]


def r_diag(g, d):
    return "A : Diag(b) = diag(A) : b", [(E.diagvec(g), d.args[0])]


def r_diagvec(g, d):
    return "a : diag(B) = Diag(a) : B", [(E.diag(g), d.args[0])]


def r_bcast(g, d):
    return "A : β𝟏𝟏ᵀ = sum(A) β", [(E.total(g), d.args[0])]


REARRANGE = {"add": r_add, "matmul": r_matmul, "T": r_T, "had": r_had, "scale": r_scale, "tr": r_tr,
             "sum": r_sum, "frob": r_frob, "diag": r_diag, "diagvec": r_diagvec, "bcast": r_bcast}

