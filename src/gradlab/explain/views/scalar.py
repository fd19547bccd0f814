"""The scalar view: one line per neuron and per weight, formula, numbers substituted, result.

Reads like the slides' worked example::

    z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3
    a₁⁽¹⁾ = σ(0.3) = 0.5744
    ∂L/∂w₁₁⁽²⁾ = ∂L/∂z₁⁽²⁾ × a₁⁽¹⁾ = −0.0214 × 0.5744 = −0.0123

For a batch the forward pass and the deltas are shown per sample and each
parameter gradient as the sum of the samples' contributions.
"""

from __future__ import annotations

import numpy as np

from ..document import Document
from ..notation import Call, Frac, Num, Op, Paren, Row, Sup, Sym, Text
from . import symbols as S
from .common import conventions_note, check_note, title_of

EQ, PLUS, TIMES, MINUS, LARROW = Op("="), Op("+"), Op("×"), Op("−"), Op("←")


def build(exp):
    """The scalar-view :class:`Document` of an :class:`Explanation`."""
    tr = exp.trace
    doc = Document(title_of(exp, "scalar view"))
    conventions_note(doc, exp, scalar=True)
    doc.heading("Forward pass")
    _forward(doc, tr, tr.Z, tr.A, [tr.W(l) for l in range(tr.L + 1) if l], [tr.b(l) for l in range(1, tr.L + 1)])
    _loss(doc, tr, tr.A[tr.L], tr.loss_value)
    doc.heading("Backward pass")
    _backward(doc, tr)
    if tr.lr is not None:
        doc.heading(f"Gradient descent update (η = {tr.lr:g})")
        _updates(doc, tr)
        doc.heading("Verification: forward pass with the new parameters")
        _forward(doc, tr, tr.Z_new, tr.A_new, tr.W_new[1:], tr.b_new[1:], new=True)
        _loss(doc, tr, tr.A_new[tr.L], tr.loss_new, new=True)
        _improvement(doc, exp)
    check_note(doc, exp)
    return doc


def _samples(tr):
    return range(tr.m)


def _sample_heading(doc, tr, s):
    if tr.m > 1:
        doc.heading(f"Sample {s + 1}: x = {np.array2string(tr.X[s], precision=4, separator=', ')}", 4)


def _bias_num(b, j):
    return Num(b if np.ndim(b) == 0 else b[j])


def _bias_sym(tr, l, j):
    return S.b(l) if tr.conv.shared_bias else S.b(l, j + 1)


def _forward(doc, tr, Z, A, Ws, bs, new=False):
    L = tr.L
    for s in _samples(tr):
        _sample_heading(doc, tr, s)
        for l in range(1, L + 1):
            W, bvec = Ws[l - 1], bs[l - 1]
            act = tr.act(l)
            doc.heading(f"Layer {l}" + (" (output)" if l == L else ""), 3)
            for j in range(W.shape[0]):
                terms = [_bias_num(bvec, j)]
                for i in range(W.shape[1]):
                    terms += [PLUS, Num(W[j, i]), TIMES, Num(A[l - 1][s, i], paren=True)]
                doc.eq(Row(S.z(l, j + 1), EQ, *terms, EQ, Num(Z[l][s, j])))
                out_sym = S.a(l, j + 1, W.shape[0], last=(l == L))
                doc.eq(Row(out_sym, EQ, Call(Text(act.symbol), Num(Z[l][s, j])), EQ, Num(A[l][s, j])))


def _loss_terms(tr, yhat, s, k):
    yv, p = tr.Y[s, k], yhat[s, k]
    if tr.loss == "mse":
        return Row(Paren(Row(Num(p), MINUS, Num(yv))), Text("²"), tight=True)
    inner = Row(Num(yv), TIMES, Text("ln"), Num(p), PLUS, Num(1 - yv), TIMES, Text("ln"), Num(1 - p))
    return Row(Text("−"), Paren(inner, "[]"), tight=True)


def _loss(doc, tr, yhat, value, new=False):
    name = Sym("L", "new" if new else "")
    kind = "squared error" if tr.loss == "mse" else "binary cross-entropy"
    doc.heading(("New loss" if new else "Loss") + f" ({kind})", 3)
    c = _scale_node(tr)
    if tr.loss == "mse":
        formula = Row(*c, Paren(Row(Sym("ŷ"), MINUS, Sym("y"))), Text("²"))
    else:
        formula = Row(*c, Text("−[y ln ŷ + (1 − y) ln(1 − ŷ)]"))
    entries = [(s, k) for s in _samples(tr) for k in range(tr.Y.shape[1])]
    if len(entries) <= 6:
        parts = []
        for n, (s, k) in enumerate(entries):
            if n:
                parts.append(PLUS)
            parts.append(_loss_terms(tr, yhat, s, k))
        numbers = Row(*c, *parts) if len(entries) == 1 else Row(*c, Paren(Row(*parts), "[]"))
        doc.eq(Row(name, EQ, formula, EQ, numbers, EQ, Num(value)))
    else:
        doc.eq(Row(name, EQ, formula, EQ, Num(value)))


def _scale_node(tr):
    c = tr.loss_scale
    if c == 1.0:
        return []
    if tr.m * tr.Y.shape[1] > 1 or c != 1.0:
        return [Num(c), TIMES] + ([Text("Σ")] if tr.Y.size > 1 else [])
    return []


def _dL_dyhat_line(tr, s, k, last_out):
    yhat, yv, g = tr.A[tr.L][s, k], tr.Y[s, k], tr.dL_dyhat[s, k]
    lhs = S.dL(last_out)
    c = tr.loss_scale
    if tr.loss == "bce":
        formula = Text("−y/ŷ + (1 − y)/(1 − ŷ)")
        nums = Row(Frac(Num(-yv if yv else 0.0), Num(yhat)), PLUS, Frac(Num(1 - yv), Num(1 - yhat)))
        if c != 1.0:
            formula = Row(Num(c), TIMES, Paren(formula))
            nums = Row(Num(c), TIMES, Paren(nums))
        return Row(lhs, EQ, formula, EQ, nums, EQ, Num(g))
    factor = 2.0 * c
    formula = Row(Num(factor), Paren(Row(Sym("ŷ"), MINUS, Sym("y"))), tight=True) if factor != 1 else \
        Row(Sym("ŷ"), MINUS, Sym("y"))
    nums = Row(Num(factor), TIMES, Paren(Row(Num(yhat), MINUS, Num(yv))))
    return Row(lhs, EQ, formula, EQ, nums, EQ, Num(g))


def _fprime_nums(act, z, a_val, fp):
    """The numbers of f′(z) substituted: ``a(1 − a)`` for σ, ``1 − a²`` for tanh, 𝓗(z) for ReLU."""
    if act.name == "sigmoid":
        return Row(Num(a_val), TIMES, Num(1 - a_val))
    if act.name == "tanh":
        return Paren(Row(Num(1.0), MINUS, Num(a_val), Text("²")))
    if act.name in ("relu", "step", "leaky_relu"):
        return Row(Text(act.symbol + "′"), Paren(Num(z)), tight=True)
    return None


def _backward(doc, tr):
    L = tr.L
    k_out = tr.net.layers[-1].n_out
    for s in _samples(tr):
        _sample_heading(doc, tr, s)
        doc.heading(f"Output layer {L}", 3)
        act = tr.act(L)
        for k in range(k_out):
            out = S.a(L, k + 1, k_out, last=True)
            doc.eq(_dL_dyhat_line(tr, s, k, out))
            zs = S.z(L, k + 1)
            rhs = [EQ, dform_node(act, Sym("ŷ"), zs)]
            fpn = _fprime_nums(act, tr.Z[L][s, k], tr.A[L][s, k], tr.fprime[L][s, k])
            if fpn is not None:
                rhs += [EQ, fpn]
            doc.eq(Row(_d(out, zs), *rhs, EQ, Num(tr.fprime[L][s, k])))
            doc.eq(Row(S.dL(zs), EQ, S.dL(out), TIMES, _d(out, zs), EQ, Num(tr.dL_dyhat[s, k]), TIMES,
                       Num(tr.fprime[L][s, k], paren=True), EQ, Num(tr.delta[L][s, k])))
            if act.name == "sigmoid" and tr.loss == "bce" and tr.loss_scale == 1.0:
                doc.para("With a sigmoid output and cross-entropy the product simplifies to ",
                         Row(S.dL(zs), EQ, Sym("ŷ"), MINUS, Sym("y"), EQ, Num(tr.A[L][s, k]), MINUS,
                             Num(tr.Y[s, k]), EQ, Num(tr.A[L][s, k] - tr.Y[s, k])), ".")
        for l in range(L - 1, 0, -1):
            doc.heading(f"Layer {l}: back-propagate through W{_sup(l + 1)} and f′", 3)
            _hidden_deltas(doc, tr, s, l)
        doc.heading("Input", 3)
        _input_grads(doc, tr, s)
    doc.heading("Parameter gradients", 3)
    for l in range(L, 0, -1):
        _param_grads(doc, tr, l)


def _d(of, wrt):
    from ..notation import Deriv

    return Deriv(of, wrt)


def _sum_terms(pairs):
    """(g₁ × w₁) + (g₂ × w₂) ... for the number side of a sum of products."""
    if len(pairs) == 1:
        g, w = pairs[0]
        return [Num(g), TIMES, Num(w, paren=True)]
    out = []
    for n, (g, w) in enumerate(pairs):
        if n:
            out.append(PLUS)
        out.append(Paren(Row(Num(g), TIMES, Num(w, paren=True))))
    return out


def _hidden_deltas(doc, tr, s, l):
    W_next = tr.W_new[l + 1] if (tr.conv.update_order == "sequential" and tr.lr is not None) else tr.W(l + 1)
    n_next = W_next.shape[0]
    act = tr.act(l)
    for i in range(tr.net.layers[l - 1].n_out):
        ai = S.a(l, i + 1)
        if n_next == 1:
            formula = [S.dL(S.z(l + 1, 1)), TIMES, S.w(l + 1, i + 1, 1)]
        else:
            formula = [Sym("Σ", "j"), S.dL(S.z(l + 1, "j")), TIMES, S.w(l + 1, i + 1, "j")]
        pairs = [(tr.delta[l + 1][s, j], W_next[j, i]) for j in range(n_next)]
        doc.eq(Row(S.dL(ai), EQ, *formula, EQ, *_sum_terms(pairs), EQ, Num(tr.dA[l][s, i])))
    for i in range(tr.net.layers[l - 1].n_out):
        ai, zi = S.a(l, i + 1), S.z(l, i + 1)
        fp = tr.fprime[l][s, i]
        dform = dform_node(act, ai, zi)
        nums = [Num(tr.dA[l][s, i]), TIMES]
        fpn = _fprime_nums(act, tr.Z[l][s, i], tr.A[l][s, i], fp)
        if fpn is not None and act.name in ("sigmoid", "tanh"):
            nums += [Paren(fpn), EQ, Num(tr.dA[l][s, i]), TIMES, Num(fp, paren=True)]
        else:
            nums += [Num(fp, paren=True)]
        doc.eq(Row(S.dL(zi), EQ, S.dL(ai), TIMES, dform, EQ, *nums, EQ, Num(tr.delta[l][s, i])))


def dform_node(act, a_sym, z_sym):
    """f′ written with the activation's symbols: a(1 − a) for σ, 1 − a² for tanh, 𝓗(z) for ReLU."""
    if act.name == "sigmoid":
        return Row(a_sym, Paren(Row(Text("1"), MINUS, a_sym)), tight=True)
    if act.name == "tanh":
        return Row(Text("1"), MINUS, Sup(a_sym, Text("2")))
    if act.name == "relu":
        return Call(Sym("𝓗"), z_sym)
    if act.name == "leaky_relu":
        return Call(Text("LeakyReLU′"), z_sym)
    return Num(1.0 if act.name == "identity" else 0.0)


def _sup(layer):
    from ..notation import sup_text

    return sup_text(f"({layer})")


def _sub(n):
    from ..notation import sub_text

    return sub_text(str(n))


def _input_grads(doc, tr, s):
    W1 = tr.W_new[1] if (tr.conv.update_order == "sequential" and tr.lr is not None) else tr.W(1)
    n1 = W1.shape[0]
    for i in range(W1.shape[1]):
        xi = S.a(0, i + 1)
        if n1 == 1:
            formula = [S.dL(S.z(1, 1)), TIMES, S.w(1, i + 1, 1)]
        else:
            formula = [Sym("Σ", "j"), S.dL(S.z(1, "j")), TIMES, S.w(1, i + 1, "j")]
        pairs = [(tr.delta[1][s, j], W1[j, i]) for j in range(n1)]
        doc.eq(Row(S.dL(xi), EQ, *formula, EQ, *_sum_terms(pairs), EQ, Num(tr.dA[0][s, i])))


def _param_grads(doc, tr, l):
    layer = tr.net.layers[l - 1]
    m = tr.m
    shared = tr.conv.shared_bias
    for j in range(layer.n_out):
        zj = S.z(l, j + 1)
        if not shared:
            bj = S.b(l, j + 1)
            if m == 1:
                doc.eq(Row(S.dL(bj), EQ, S.dL(zj), TIMES, Num(1.0), EQ, Num(tr.db[l][j])))
            else:
                terms = [Num(tr.delta[l][s, j], paren=bool(s)) for s in range(m)]
                doc.eq(Row(S.dL(bj), EQ, Sym("Σ", "s"), S.dL(zj), EQ, *_join(terms), EQ, Num(tr.db[l][j])))
        for i in range(layer.n_in):
            ai = S.a(l - 1, i + 1)
            pairs = [(tr.delta[l][s, j], tr.A[l - 1][s, i]) for s in range(m)]
            lead = [Sym("Σ", "s")] if m > 1 else []
            doc.eq(Row(S.dL(S.w(l, i + 1, j + 1)), EQ, *lead, S.dL(zj), TIMES, ai, EQ, *_sum_terms(pairs), EQ,
                       Num(tr.dW[l][j, i])))
    if shared:
        terms = [Num(tr.delta[l][s, j], paren=True) for s in range(m) for j in range(layer.n_out)]
        doc.eq(Row(S.dL(S.b(l)), EQ, Sym("Σ", "j"), S.dL(S.z(l, "j")), EQ, *_join(terms), EQ, Num(tr.db[l])))


def _join(terms):
    out = []
    for n, t in enumerate(terms):
        if n:
            out.append(PLUS)
        out.append(t)
    return out


def _update_line(sym, old, lr, grad, new):
    return Row(sym, LARROW, Num(old), MINUS, Num(lr), TIMES, Num(grad, paren=True), EQ, Num(new))


def _updates(doc, tr):
    lr = tr.lr
    for l in range(tr.L, 0, -1):
        doc.heading(f"Layer {l}", 3)
        layer = tr.net.layers[l - 1]
        for j in range(layer.n_out):
            if not tr.conv.shared_bias:
                if tr.conv.frozen_bias:
                    doc.eq(Row(S.b(l, j + 1), EQ, Num(layer.b[j]), Text("(frozen)")))
                else:
                    doc.eq(_update_line(S.b(l, j + 1), layer.b[j], lr, tr.db[l][j], tr.b_new[l][j]))
            for i in range(layer.n_in):
                doc.eq(_update_line(S.w(l, i + 1, j + 1), layer.W[j, i], lr, tr.dW[l][j, i], tr.W_new[l][j, i]))
        if tr.conv.shared_bias:
            if tr.conv.frozen_bias:
                doc.eq(Row(S.b(l), EQ, Num(layer.b), Text("(frozen)")))
            else:
                doc.eq(_update_line(S.b(l), layer.b, lr, tr.db[l], tr.b_new[l]))


def _improvement(doc, exp):
    old, new = float(exp["loss"]), float(exp["loss_new"])
    pct = float(exp["loss_reduction_pct"])
    word = "reduction" if new <= old else "increase"
    doc.heading("Improvement", 3)
    tr = exp.trace
    if tr.single and tr.Y.shape[1] == 1:
        doc.para("Prediction ", Row(Sym("ŷ"), Op("→"), Num(tr.A[tr.L][0, 0]), Op("→"), Num(tr.A_new[tr.L][0, 0])),
                 " (target ", Row(Sym("y"), EQ, Num(tr.Y[0, 0])), ").")
    doc.eq(Row(Row(Sym("Δ"), Sym("L"), tight=True), EQ, Sym("L"), MINUS, Sym("L", "new"), EQ, Num(old), MINUS, Num(new), EQ,
               Num(old - new), Text(f"({abs(pct):.2f}% {word})")))
