"""The matrix view: the δ recursion of a two-layer network in matrix form with every Jacobian written out, numbers in every matrix.

For one sample (column vectors, as the two-layer homework example of the README's *The built-in examples*)::

    δ⁽ᴸ⁾ = [∂ℓ/∂ŷ · ∂ŷ/∂z⁽ᴸ⁾]ᵀ,   δ⁽ˡ⁾ = [W⁽ˡ⁺¹⁾ ∂a⁽ˡ⁾/∂z⁽ˡ⁾]ᵀ δ⁽ˡ⁺¹⁾
    ∂ℓ/∂W⁽ˡ⁾ = a⁽ˡ⁻¹⁾ [δ⁽ˡ⁾]ᵀ (numerator layout)  or  δ⁽ˡ⁾ [a⁽ˡ⁻¹⁾]ᵀ (denominator)

For a batch X (m, n) the rows are samples: Δ⁽ˡ⁾ = (Δ⁽ˡ⁺¹⁾ W⁽ˡ⁺¹⁾) ⊙ f′(Z⁽ˡ⁾),
∂L/∂W⁽ˡ⁾ = Δ⁽ˡ⁾ᵀ A⁽ˡ⁻¹⁾. A single ReLU neuron with MSE on a batch also gets
the ReLU regression example's form H = Diag(𝓗(z)), ∂L/∂X = (2/m) H(ŷ − y)wᵀ.
"""

from __future__ import annotations

import numpy as np

from ..document import Document
from ..explanation import entry_name
from ..notation import Call, Deriv, Matrix, Num, Op, Paren, Row, Sym, Text, diag_matrix, row_vector, transpose
from . import symbols as S
from ..trace import long_product_shown
from .common import check_note, conventions_note, saturation_sentence, title_of

EQ, PLUS, MINUS, TIMES, ODOT = Op("="), Op("+"), Op("−"), Op("×"), Op("⊙")


def _col(v):
    return Matrix(np.asarray(v, dtype=float).reshape(-1, 1))


def _row(v):
    return row_vector(v)


def _mat(a):
    return Matrix(np.atleast_2d(np.asarray(a, dtype=float)))


def _named(node, name_of):
    """``node`` (a Matrix) with each cell (r, c) tagged with the answer-sheet entry ``name_of(r, c)`` (1-based)."""
    node.names = [[name_of(r + 1, c + 1) for c in range(node.shape[1])] for r in range(node.shape[0])]
    return node


def _per_unit(kind, l, tr=None):
    """Names of a column (one sample, unit r) or, with ``tr`` of a batch, of a matrix (sample r, unit c)."""
    if tr is not None and not tr.single:
        return lambda r, c: entry_name(kind, l, (r, c))
    return lambda r, c: entry_name(kind, l, (max(r, c),))


def _grad_names(l, numerator):
    """Names of ∂L/∂W's cells: (out, in) in denominator layout, (in, out) in numerator layout; printed (input, neuron)."""
    return (lambda r, c: entry_name("dW", l, (r, c))) if numerator else (lambda r, c: entry_name("dW", l, (c, r)))


def _bias_names(tr, l):
    return (lambda r, c: entry_name("db", l)) if np.ndim(tr.db[l]) == 0 else (
        lambda r, c: entry_name("db", l, (max(r, c),)))


def _vec_sym(name, l=None):
    return S.vec(name, l)


def _f(l, tr):
    return Text(tr.act(l).symbol)


def build(exp):
    """The matrix-view :class:`Document` of an :class:`Explanation`."""
    tr = exp.trace
    doc = Document(title_of(exp, f"matrix view ({exp.layout} layout)"))
    conventions_note(doc, exp)
    doc.para("Some texts write s⁽ˡ⁾ for the pre-activation z⁽ˡ⁾ and z⁽ˡ⁾ for the activation a⁽ˡ⁾; "
             "the shape of every matrix is written under it.")
    if tr.m == 1:
        _forward_single(doc, tr)
        _backward_single(doc, exp)
    else:
        _forward_batch(doc, tr)
        _backward_batch(doc, exp)
        if _is_seed_case(tr):
            _seed_section(doc, tr)
    if tr.lr is not None:
        _updates(doc, exp)
    check_note(doc, exp)
    return doc


# ---------------------------------------------------------------- one sample


def _forward_single(doc, tr):
    doc.heading("Forward pass")
    for l in range(1, tr.L + 1):
        z, a_prev = _vec_sym("z", l), _vec_sym("a", l - 1) if l > 1 else _vec_sym("x")
        if tr.has_bias(l):
            b = tr.b(l)
            bnode = _col(b) if np.ndim(b) else Num(b)
            doc.eq(Row(z, EQ, S.W(l), a_prev, PLUS, _vec_sym("b", l), EQ, _mat(tr.W(l)), _col(tr.A[l - 1][0]), PLUS,
                       bnode, EQ, _named(_col(tr.Z[l][0]), _per_unit("z", l))))
        else:
            doc.eq(Row(z, EQ, S.W(l), a_prev, EQ, _mat(tr.W(l)), _col(tr.A[l - 1][0]), EQ,
                       _named(_col(tr.Z[l][0]), _per_unit("z", l))))
        out = _vec_sym("ŷ") if l == tr.L else _vec_sym("a", l)
        doc.eq(Row(out, EQ, Call(_f(l, tr), z), EQ, _named(_col(tr.A[l][0]), _per_unit("a", l))))
    if tr.P is not None:
        doc.eq(Row(_vec_sym("p"), EQ, Call(Text(tr.loss.link if tr.loss.link == "softmax" else "σ"), _vec_sym("ŷ")),
                   EQ, _named(_col(tr.P[0]), _per_unit("p", None))))
    doc.eq(Row(Sym("ℓ"), EQ, Num(tr.loss_value)))


def _jac_out(tr, l, s=0):
    """∂a⁽ˡ⁾/∂z⁽ˡ⁾ of sample s: Diag(f′(z⁽ˡ⁾)) for an element-wise activation, diag(a) − a aᵀ for softmax."""
    if tr.fprime[l] is None:
        return Matrix(tr.J[l][s])
    return diag_matrix(tr.fprime[l][s])


def _jac_formula(tr, l):
    """The Jacobian's formula: Diag(f′(z)) or, for softmax, diag(a) − a aᵀ (full: outputs depend on all inputs)."""
    z = _vec_sym("z", l)
    if tr.fprime[l] is None:
        a = _vec_sym("ŷ") if l == tr.L else _vec_sym("a", l)
        return Row(Row(Text("diag"), Paren(a), tight=True), MINUS, a, transpose(a))
    return Row(Text("Diag"), Paren(Row(Text(tr.act(l).symbol + "′"), Paren(z), tight=True)), tight=True)


def _backward_single(doc, exp):
    tr = exp.trace
    L = tr.L
    num = exp.layout == "numerator"
    doc.heading("Backward pass: the δ recursion")
    dy = Deriv(Sym("ℓ"), _vec_sym("ŷ"))
    dyz = Deriv(_vec_sym("ŷ"), _vec_sym("z", L))
    g = tr.dL_dyhat[0]
    if tr.P is not None:
        _link_single(doc, tr, num, long_product_shown(tr, exp.precision))
    doc.eq(Row(dy, EQ, _row(g) if num else _col(g)))
    doc.eq(Row(dyz, EQ, _jac_formula(tr, L), EQ, _jac_out(tr, L)))
    doc.eq(Row(_vec_sym("δ", L), EQ, transpose(Paren(Row(dy, dyz), "[]")), EQ,
               transpose(Paren(Row(_row(g), _jac_out(tr, L)), "[]")), EQ,
               _named(_col(tr.delta[L][0]), _per_unit("delta", L))))
    for l in range(L - 1, 0, -1):
        da_dz = Deriv(_vec_sym("a", l), _vec_sym("z", l))
        doc.eq(Row(da_dz, EQ, _jac_formula(tr, l), EQ, _jac_out(tr, l)))
        doc.eq(Row(_vec_sym("δ", l), EQ, transpose(Paren(Row(S.W(l + 1, tr.sequential), da_dz), "[]")), _vec_sym("δ", l + 1), EQ,
                   transpose(Paren(Row(_mat(tr.W_used(l + 1)), _jac_out(tr, l)), "[]")), _col(tr.delta[l + 1][0]), EQ,
                   _named(_col(tr.delta[l][0]), _per_unit("delta", l))))
    doc.heading("Gradients of the parameters")
    for l in range(L, 0, -1):
        a_prev = _vec_sym("a", l - 1) if l > 1 else _vec_sym("x")
        av, dv = tr.A[l - 1][0], tr.delta[l][0]
        dW = Deriv(Sym("ℓ"), S.W(l))
        db = Deriv(Sym("ℓ"), _vec_sym("b", l))
        if num:
            doc.eq(Row(dW, EQ, a_prev, transpose(Paren(_vec_sym("δ", l), "[]")), EQ, _col(av), _row(dv), EQ,
                       _named(_mat(tr.dW[l].T), _grad_names(l, True))))
            if tr.has_bias(l):
                doc.eq(Row(db, EQ, transpose(Paren(_vec_sym("δ", l), "[]")), EQ,
                           _named(_row(np.atleast_1d(tr.db[l])), _bias_names(tr, l))))
        else:
            doc.eq(Row(dW, EQ, _vec_sym("δ", l), transpose(a_prev), EQ, _col(dv), _row(av), EQ,
                       _named(_mat(tr.dW[l]), _grad_names(l, False))))
            if tr.has_bias(l):
                doc.eq(Row(db, EQ, _vec_sym("δ", l), EQ, _named(_col(np.atleast_1d(tr.db[l])), _bias_names(tr, l))))
    dx = Deriv(Sym("ℓ"), _vec_sym("x"))
    if num:
        doc.eq(Row(dx, EQ, transpose(Paren(_vec_sym("δ", 1), "[]")), S.W(1), EQ, _row(tr.delta[1][0]),
                   _mat(tr.W_used(1)), EQ, _named(_row(tr.dA[0][0]), _per_unit("da", 0))))
    else:
        doc.eq(Row(dx, EQ, transpose(S.W(1)), _vec_sym("δ", 1), EQ, _mat(tr.W_used(1).T), _col(tr.delta[1][0]), EQ,
                   _named(_col(tr.dA[0][0]), _per_unit("da", 0))))
    _layout_relation(doc, exp)


def _link_single(doc, tr, num, long):
    """For a loss on logits: ∂ℓ/∂p, ∂p/∂ŷ (diagonal for σ, full for softmax), their product, its simplification."""
    p, yhat = _vec_sym("p"), _vec_sym("ŷ")
    if not long:
        doc.note(saturation_sentence(tr), kind="warn")
        return
    P, g = tr.P[0], tr.dL_dP[0]
    dp = Deriv(Sym("ℓ"), p)
    if tr.loss.link == "sigmoid":
        jac, jac_f = diag_matrix(P * (1 - P)), Row(Text("Diag"), Paren(Row(p, ODOT, Paren(Row(Text("1"), MINUS, p)))),
                                                   tight=True)
    else:
        jac, jac_f = Matrix(np.diag(P) - np.outer(P, P)), Row(Row(Text("diag"), Paren(p), tight=True), MINUS, p,
                                                              transpose(p))
    doc.para(f"{tr.loss.title.capitalize()} applies {tr.loss.link} to the output ŷ itself: the long product first, "
             "then its simplification.")
    doc.eq(Row(dp, EQ, _row(g) if num else _col(g)))
    doc.eq(Row(Deriv(p, yhat), EQ, jac_f, EQ, jac))
    total = np.sum(tr.Y[0]) if tr.loss.name == "cross_entropy" else 1.0
    simple = Row(p, MINUS, Sym("y", bold=True)) if total == 1.0 else Row(p, Sym("Σ"), Sym("y"), MINUS, Sym("y", bold=True))
    c = tr.loss_scale
    doc.eq(Row(Deriv(Sym("ℓ"), yhat), EQ, dp, Deriv(p, yhat), EQ, *([Num(c)] if c != 1 else []), Paren(simple) if c != 1
               else simple, EQ, _row(tr.dL_dyhat[0]) if num else _col(tr.dL_dyhat[0])))


def _layout_relation(doc, exp):
    tr = exp.trace
    L = tr.L
    doc.heading("Numerator and denominator layout", 3)
    dW = Deriv(Sym("ℓ"), S.W(L))
    doc.para("The two layouts hold the same numbers, transposed. For the last layer:")
    doc.eq(Row(Paren(dW), Text("denominator"), EQ, transpose(Paren(Row(Paren(dW), Text("numerator")), "[]")), EQ,
               _mat(tr.dW[L]), EQ, transpose(_mat(tr.dW[L].T))))


# ---------------------------------------------------------------- batches


def _forward_batch(doc, tr):
    doc.heading(f"Forward pass on the batch (m = {tr.m} samples in rows)")
    X = Sym("X")
    for l in range(1, tr.L + 1):
        A_prev = X if l == 1 else Sym("A", "", f"({l - 1})")
        if tr.has_bias(l):
            bnode = _row(np.atleast_1d(tr.b(l)))
            doc.eq(Row(Sym("Z", "", f"({l})"), EQ, A_prev, transpose(S.W(l)), PLUS, Sym("𝟏"),
                       transpose(_vec_sym("b", l)), EQ, _mat(tr.A[l - 1]), _mat(tr.W(l).T), PLUS,
                       Matrix(np.ones((tr.m, 1))), bnode, EQ, _named(_mat(tr.Z[l]), _per_unit("z", l, tr))))
        else:
            doc.eq(Row(Sym("Z", "", f"({l})"), EQ, A_prev, transpose(S.W(l)), EQ, _mat(tr.A[l - 1]),
                       _mat(tr.W(l).T), EQ, _named(_mat(tr.Z[l]), _per_unit("z", l, tr))))
        out = Sym("Ŷ") if l == tr.L else Sym("A", "", f"({l})")
        doc.eq(Row(out, EQ, Call(_f(l, tr), Sym("Z", "", f"({l})")), EQ, _named(_mat(tr.A[l]), _per_unit("a", l, tr))))
    doc.eq(Row(Sym("L"), EQ, Num(tr.loss_value)))


def _backward_batch(doc, exp):
    tr = exp.trace
    L = tr.L
    num = exp.layout == "numerator"
    doc.heading("Backward pass on the batch")
    Z = lambda l: Sym("Z", "", f"({l})")  # noqa: E731 - a symbol factory
    D = lambda l: Sym("Δ", "", f"({l})")  # noqa: E731
    fp = lambda l: Row(Text(tr.act(l).symbol + "′"), Paren(Z(l)), tight=True)  # noqa: E731
    if tr.P is not None:
        c = tr.loss_scale
        P = Sym("P")
        doc.para(f"{tr.loss.title.capitalize()} applies {tr.loss.link} to each row of Ŷ: P = {tr.loss.link}(Ŷ); "
                 "through it the long product simplifies to (P − Y) times the reduction's factor.")
        doc.eq(Row(P, EQ, _mat(tr.P)))
        doc.eq(Row(Deriv(Sym("L"), Sym("Ŷ")), EQ, *([Num(c)] if c != 1 else []), Paren(Row(P, MINUS, Sym("Y"))),
                   EQ, _mat(tr.dL_dyhat)))
    else:
        doc.eq(Row(Deriv(Sym("L"), Sym("Ŷ")), EQ, _mat(tr.dL_dyhat)))
    _batch_delta(doc, tr, L, Deriv(Sym("L"), Sym("Ŷ")), _mat(tr.dL_dyhat), fp)
    for l in range(L - 1, 0, -1):
        _batch_delta(doc, tr, l, Paren(Row(D(l + 1), S.W(l + 1, tr.sequential))),
                     Paren(Row(_mat(tr.delta[l + 1]), _mat(tr.W_used(l + 1)))), fp)
    doc.heading("Gradients (summed over the batch)")
    for l in range(L, 0, -1):
        A_prev = Sym("X") if l == 1 else Sym("A", "", f"({l - 1})")
        dW = Deriv(Sym("L"), S.W(l))
        if num:
            doc.eq(Row(dW, EQ, transpose(A_prev), D(l), EQ, _mat(tr.A[l - 1].T), _mat(tr.delta[l]), EQ,
                       _named(_mat(tr.dW[l].T), _grad_names(l, True))))
        else:
            doc.eq(Row(dW, EQ, transpose(D(l)), A_prev, EQ, _mat(tr.delta[l].T), _mat(tr.A[l - 1]), EQ,
                       _named(_mat(tr.dW[l]), _grad_names(l, False))))
        if tr.has_bias(l):
            db = Deriv(Sym("L"), _vec_sym("b", l))
            dbv = np.atleast_1d(tr.db[l])
            if num:
                doc.eq(Row(db, EQ, transpose(Sym("𝟏")), D(l), EQ, _named(_row(dbv), _bias_names(tr, l))))
            else:
                doc.eq(Row(db, EQ, transpose(D(l)), Sym("𝟏"), EQ, _named(_col(dbv), _bias_names(tr, l))))
    doc.eq(Row(Deriv(Sym("L"), Sym("X")), EQ, D(1), S.W(1), EQ, _mat(tr.delta[1]), _mat(tr.W_used(1)), EQ,
               _named(_mat(tr.dA[0]), _per_unit("da", 0, tr))))


def _batch_delta(doc, tr, l, upstream_sym, upstream_num, fp):
    """Δ⁽ˡ⁾ = (upstream) ⊙ f′(Z⁽ˡ⁾); for softmax each row goes through its own full Jacobian."""
    D = Sym("Δ", "", f"({l})")
    if tr.fprime[l] is not None:
        doc.eq(Row(D, EQ, upstream_sym, ODOT, fp(l), EQ, upstream_num, ODOT, _mat(tr.fprime[l]), EQ,
                   _named(_mat(tr.delta[l]), _per_unit("delta", l, tr))))
        return
    G = tr.dL_dyhat if l == tr.L else tr.dA[l]
    doc.para(f"Softmax is not element-wise: row s of Δ⁽{l}⁾ is that row of the upstream gradient times the "
             "sample's own Jacobian diag(aₛ) − aₛaₛᵀ.")
    for s in range(tr.m):
        doc.eq(Row(Sym("δ", f"{s + 1}", f"({l})"), EQ, _row(G[s]), Matrix(tr.J[l][s]), EQ, _row(tr.delta[l][s])))


def _is_seed_case(tr):
    return (tr.L == 1 and tr.act(1).name == "relu" and tr.loss.name == "mse" and tr.net.layers[0].n_out == 1
            and not tr.conv.shared_bias and tr.has_bias(1))


def _seed_section(doc, tr):
    """The ReLU regression example's notation: z = Xw + 𝟏β, H = Diag(𝓗(z)), ∂L/∂X = (2/m) H(ŷ − y)wᵀ."""
    m = tr.m
    c2 = 2.0 * tr.loss_scale
    w = tr.W(1).T  # (n, 1): the seed's column w is gradlab's W[1]ᵀ
    z = tr.Z[1][:, 0]
    h = (z > 0).astype(float)
    H = np.diag(h)
    r = (tr.A[1] - tr.Y)[:, 0]
    coef = Num(c2)
    hr = Row(Sym("H"), Paren(Row(Sym("ŷ"), MINUS, Sym("y"))), tight=True)
    doc.heading("The matrix form of the batch: z = Xw + 𝟏β, ŷ = max(0, z)")
    doc.para("Here w = W⁽¹⁾ᵀ is a column and β the bias; the coefficient ", coef,
             f" is 2/m with m = {m} (mean reduction)." if tr.conv.reduction == "mean" and not tr.conv.half
             else " comes from the chosen reduction and ½ convention.")
    doc.eq(Row(Sym("h"), EQ, Call(Sym("𝓗"), Sym("z")), EQ, _col(h)))
    doc.eq(Row(Sym("H"), EQ, Row(Text("Diag"), Paren(Sym("h")), tight=True), EQ, Matrix(H)))
    doc.eq(Row(Sym("ŷ"), MINUS, Sym("y"), EQ, _col(r)))
    dw = c2 * tr.X.T @ H @ r
    doc.eq(Row(Deriv(Sym("L"), Sym("w")), EQ, coef, transpose(Sym("X")), hr, EQ, coef, TIMES, _mat(tr.X.T),
               Matrix(H), _col(r), EQ, _col(dw)))
    dbeta = c2 * np.ones(m) @ H @ r
    doc.eq(Row(Deriv(Sym("L"), Sym("β")), EQ, coef, transpose(Sym("𝟏")), hr, EQ, Num(dbeta)))
    dX = c2 * np.outer(H @ r, w[:, 0])
    doc.eq(Row(Deriv(Sym("L"), Sym("X")), EQ, coef, hr, transpose(Sym("w")), EQ, coef, TIMES, Matrix(H), _col(r),
               _row(w[:, 0]), EQ, _mat(dX)))
    doc.para("Why not the chain rule ∂L/∂z · ∂z/∂X? The derivative of the vector z (m) with respect to the "
             "matrix X (m × n) has m·m·n entries ∂zₖ/∂Xᵢⱼ: a third-order tensor, which no matrix product can "
             "hold, so the shapes never match. The differential avoids it: dz = dX w is an ordinary matrix "
             "product, so dL = (∂L/∂z) : dz = (∂L/∂z) : dX w = (∂L/∂z) wᵀ : dX with the Frobenius product "
             "A : B = tr(AᵀB), and the gradient (∂L/∂z) wᵀ = (2/m) H(ŷ − y)wᵀ can be read off. It has the shape "
             "of X (denominator layout; the question's preferred layout is its transpose).")
    ok = np.allclose(dw[:, 0] if dw.ndim == 2 else dw, tr.dW[1][0]) and np.allclose(dX, tr.dA[0]) and \
        np.isclose(dbeta, tr.db[1][0])
    doc.note("✓ These equal the layer formulas above and autodiff." if ok else "✗ mismatch with the layer formulas",
             kind="ok" if ok else "warn")


# ---------------------------------------------------------------- updates


def _bias(b):
    """A bias as it is everywhere in this view: a column (n×1), or a number when shared."""
    return Num(float(b)) if np.ndim(b) == 0 else _col(b)


def _updates(doc, exp):
    tr = exp.trace
    doc.heading(f"Gradient descent update (η = {tr.lr:g})")
    doc.para("The update uses the gradient with the shape of the variable (denominator layout).")
    eta = Num(tr.lr)
    for l in range(tr.L, 0, -1):
        doc.eq(Row(Sym("W", "new", f"({l})"), EQ, S.W(l), MINUS, Sym("η"), Deriv(Sym("L"), S.W(l)), EQ,
                   _mat(tr.W(l)), MINUS, eta, TIMES, _mat(tr.dW[l]), EQ, _mat(tr.W_new[l])))
        if not tr.has_bias(l):
            continue
        if tr.conv.frozen_bias:
            doc.eq(Row(_vec_sym("b", l), EQ, _bias(tr.b(l)), Text("(frozen)")))
        else:
            doc.eq(Row(Sym("b", "new", f"({l})", bold=True), EQ, _vec_sym("b", l), MINUS, Sym("η"),
                       Deriv(Sym("L"), _vec_sym("b", l)), EQ, _bias(tr.b(l)), MINUS, eta, TIMES,
                       _bias(tr.db[l]), EQ, _bias(tr.b_new[l])))
    doc.heading("Verification pass", 3)
    doc.eq(Row(Sym("Ŷ" if tr.m > 1 else "ŷ", "new"), EQ, _mat(tr.A_new[tr.L])))
    old, new = tr.loss_value, tr.loss_new
    pct = abs(100.0 * (new - old) / old) if old else 0.0
    doc.eq(Row(Sym("L", "new"), EQ, Num(new), Text(","), Sym("L"), MINUS, Sym("L", "new"), EQ, Num(old - new),
               Text(f"({pct:.2f}% {'reduction' if new <= old else 'increase'})")))
