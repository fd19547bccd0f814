"""The scalar view: one line per neuron and per weight, formula, numbers substituted, result.

Reads like a lecture's worked example (the course example of the README)::

    z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3
    a₁⁽¹⁾ = σ(0.3) = 0.5744
    ∂L/∂w₁₁⁽²⁾ = ∂L/∂z₁⁽²⁾ × a₁⁽¹⁾ = −0.0214 × 0.5744 = −0.0123

For a batch the forward pass and the deltas are shown per sample and each
parameter gradient as the sum of the samples' contributions.
"""

from __future__ import annotations

import numpy as np

from ...ops.catalog import binds_looser_than_times
from ..document import Document
from ..explanation import entry_name
from ..opnotation import tree_node
from ..notation import Call, Deriv, Frac, Num, Op, Paren, Row, Sup, Sym, Text, sub_text, sup_text
from ..trace import link_of, link_readable, long_product_shown
from . import symbols as S
from .common import check_note, conventions_note, kink_sentence, saturation_sentence, title_of

EQ, PLUS, TIMES, MINUS, LARROW = Op("="), Op("+"), Op("×"), Op("−"), Op("←")


def build(exp):
    """The scalar-view :class:`Document` of an :class:`Explanation`."""
    tr = exp.trace
    doc = Document(title_of(exp, "scalar view"))
    conventions_note(doc, exp, scalar=True)
    doc.heading("Forward pass")
    _forward(doc, tr, tr.Z, tr.A, [tr.W(l) for l in range(tr.L + 1) if l], [tr.b(l) for l in range(1, tr.L + 1)])
    _loss(doc, tr, tr.A[tr.L], tr.loss_value, exp.precision)
    doc.heading("Backward pass")
    _backward(doc, tr, long_product_shown(tr, exp.precision))
    if tr.lr is not None:
        doc.heading(f"Gradient descent update (η = {tr.lr:g})")
        _updates(doc, tr)
        doc.heading("Verification: forward pass with the new parameters")
        _forward(doc, tr, tr.Z_new, tr.A_new, tr.W_new[1:], tr.b_new[1:], new=True)
        _loss(doc, tr, tr.A_new[tr.L], tr.loss_new, exp.precision, new=True)
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


def _exp(v):
    """exp(v) with the number substituted (e^v would need a superscripted number in text)."""
    return Call(Text("exp"), Num(v))


def _param_sym(sym):
    """An activation parameter's symbol: α as a letter, a name such as lo upright."""
    return Sym(sym) if len(sym) == 1 else Text(sym)


def _act_line(tr, l, s, j, Z, A, n_out, last):
    """aⱼ⁽ˡ⁾ = f(zⱼ⁽ˡ⁾) with the numbers; softmax writes e^{zⱼ}/Σₖ e^{zₖ}."""
    act = tr.act(l)
    out_sym = S.a(l, j + 1, n_out, last=last)
    if act.elementwise:
        value = Call(Text(act.symbol), Num(Z[l][s, j]))
        shown = []
        defaults = act.param_values()
        for sym, v in act.param_values(tr.layer(l).params).items():  # this layer's α, θ, bounds; not a default 0
            if v != 0.0 or defaults[sym] != 0.0:
                if shown:
                    shown[-1] = Row(shown[-1], Text(","), tight=True)  # lo = −0.5, hi = 2.0
                shown += [_param_sym(sym), EQ, Num(v)]
        if shown:
            value = Row(value, Paren(Row(*shown)))
    else:
        den = [_exp(Z[l][s, i]) for i in range(n_out)]
        value = Frac(_exp(Z[l][s, j]), Row(*_join(den)))
    return Row(out_sym, EQ, value, EQ, Num(A[l][s, j]))


def _forward(doc, tr, Z, A, Ws, bs, new=False):
    L = tr.L
    for s in _samples(tr):
        _sample_heading(doc, tr, s)
        for l in range(1, L + 1):
            W, bvec = Ws[l - 1], bs[l - 1]
            doc.heading(f"Layer {l}" + (" (output)" if l == L else ""), 3)
            for j in range(W.shape[0]):
                terms = [_bias_num(bvec, j)] if bvec is not None else []
                for i in range(W.shape[1]):
                    if terms:
                        terms.append(PLUS)
                    terms += [Num(W[j, i]), TIMES, Num(A[l - 1][s, i], paren=True)]
                doc.eq(Row(S.z(l, j + 1), EQ, *terms, EQ, Num(Z[l][s, j])), None if new else _entry(tr, "z", l, s, j))
                doc.eq(_act_line(tr, l, s, j, Z, A, W.shape[0], l == L), None if new else _entry(tr, "a", l, s, j))
                kink_flag(doc, tr, l, s, j, new)


def _entry(tr, kind, l, s, j):
    """The sheet name of a per-sample number (sample s, unit j, 0-based) of this step."""
    return entry_name(kind, l, (j + 1,), sample=None if tr.single else s + 1)


def kink_flag(doc, tr, l, s, j, new=False):
    """A warning under a pre-activation that lies within 1e-9 of its activation's kink."""
    for kink in tr.kinks:
        if (kink.layer, kink.sample, kink.neuron, kink.new) == (l, s, j, new):
            doc.note(*kink_sentence(tr, kink), kind="warn")


def _loss_symbols(tr, yhat=None):
    """(the prediction symbol the loss formula uses, its numbers (m, k)) for outputs ``yhat``."""
    yhat = tr.A[tr.L] if yhat is None else yhat
    if tr.loss.link is not None:
        return "p", (tr.P if yhat is tr.A[tr.L] else link_of(tr.loss, yhat))
    return "ŷ", yhat


def _loss_terms(tr, s, k, yhat):
    """One sample's, one output's term ℓ with its numbers substituted."""
    sym, pred = _loss_symbols(tr, yhat)
    kind = tr.loss
    values = {sym: pred[s, k], "y": tr.Y[s, k]}
    if kind.name == "cross_entropy":
        return Row(Text("−"), Paren(Row(Num(tr.Y[s, k]), TIMES, Call(Text("ln"), Num(pred[s, k])))), tight=True)
    return tree_node(kind.worked or kind.formula, {n: Num(v) for n, v in values.items()}, values)


def _loss(doc, tr, yhat, value, precision, new=False):
    name = Sym("L", "new" if new else "")
    kind = tr.loss
    doc.heading(("New loss" if new else "Loss") + f" ({kind.title})", 3)
    c = _scale_node(tr)
    sym, pred = _loss_symbols(tr, yhat)
    if tr.loss.link is not None and tr.Y.size <= 6:
        _link_lines(doc, tr, yhat, pred, new)
    formula = Row(*c, tree_node(kind.formula, {sym: Sym(sym)}) if kind.name != "cross_entropy" else
                  Row(Text("−"), Sym("Σ", "k"), Sym("y", "k"), Text("ln"), Sym("p", "k")))
    entries = [(s, k) for s in _samples(tr) for k in range(tr.k)]
    if tr.loss.link is not None and not link_readable(tr.loss, pred, tr.Y, precision):
        entries = []  # ln of a number printed as 0 would appear: the formula and the exact value only
    if kind.name == "cross_entropy":
        entries = [(s, k) for s, k in entries if tr.Y[s, k] != 0]
    if 0 < len(entries) <= 6:
        parts = []
        for n, (s, k) in enumerate(entries):
            if n:
                parts.append(PLUS)
            parts.append(_loss_terms(tr, s, k, yhat))
        numbers = Row(*c, *parts) if len(entries) == 1 else Row(*c, Paren(Row(*parts), "[]"))
        doc.eq(Row(name, EQ, formula, EQ, numbers, EQ, Num(value)), None if new else "loss")
    else:
        doc.eq(Row(name, EQ, formula, EQ, Num(value)), None if new else "loss")


def _link_lines(doc, tr, yhat, pred, new=False):
    """p = σ(ŷ) (or softmax) with numbers, for a loss on logits."""
    k_out = tr.k
    for s in _samples(tr):
        for k in range(k_out):
            pk = Sym("p", k + 1 if k_out > 1 else "")
            if tr.loss.link == "sigmoid":
                value = Call(Text("σ"), Num(yhat[s, k]))
            else:
                value = Frac(_exp(yhat[s, k]), Row(*_join([_exp(v) for v in yhat[s]])))
            doc.eq(Row(pk, EQ, value, EQ, Num(pred[s, k])), None if new else _entry(tr, "p", None, s, k))


def _scale_node(tr):
    """c Σ in front of the loss's terms (Σ over the samples only for cross-entropy, whose ℓ sums the classes)."""
    c = tr.loss_scale
    terms = tr.m if tr.loss.mean_over == "samples" else tr.Y.size
    lead = [Num(c), TIMES] if c != 1.0 else []
    return lead + ([Sym("Σ")] if terms > 1 else [])


def _scaled(tr, formula, numbers):
    c = tr.loss_scale
    if c == 1.0:
        return formula, numbers
    return Row(Num(c), TIMES, Paren(formula)), Row(Num(c), TIMES, Paren(numbers))


def _dL_dpred_line(tr, s, k, lhs):
    """∂L/∂(prediction) for one entry: the loss's derivative tree, with numbers."""
    kind = tr.loss
    sym, pred = _loss_symbols(tr)
    g = (tr.dL_dP if tr.P is not None else tr.dL_dyhat)[s, k]
    values = {sym: pred[s, k], "y": tr.Y[s, k]}
    formula = tree_node(kind.dformula, {sym: Sym(sym)})
    nums = tree_node(kind.dworked or kind.dformula, {n: Num(v) for n, v in values.items()}, values)
    if kind.name == "mse":
        c2 = 2.0 * tr.loss_scale
        formula = Row(Num(c2), Paren(Row(Sym("ŷ"), MINUS, Sym("y"))), tight=True) if c2 != 1 else \
            Row(Sym("ŷ"), MINUS, Sym("y"))
        diff = Row(Num(pred[s, k]), MINUS, Num(tr.Y[s, k]))
        nums = Row(Num(c2), TIMES, Paren(diff)) if c2 != 1 else diff
        return Row(lhs, EQ, formula, EQ, nums, EQ, Num(g))
    formula, nums = _scaled(tr, formula, nums)
    return Row(lhs, EQ, formula, EQ, nums, EQ, Num(g))


def _d(of, wrt):
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
    W_next = tr.W_used(l + 1)
    n_next = W_next.shape[0]
    new = tr.sequential  # the δ recursion goes through the already-updated weights: say so in the symbols
    for i in range(tr.layer(l).n_out):
        ai = S.a(l, i + 1)
        if n_next == 1:
            formula = [S.dL(S.z(l + 1, 1)), TIMES, S.w(l + 1, i + 1, 1, new)]
        else:
            formula = [Sym("Σ", "j"), S.dL(S.z(l + 1, "j")), TIMES, S.w(l + 1, i + 1, "j", new)]
        pairs = [(tr.delta[l + 1][s, j], W_next[j, i]) for j in range(n_next)]
        doc.eq(Row(S.dL(ai), EQ, *formula, EQ, *_sum_terms(pairs), EQ, Num(tr.dA[l][s, i])),
               _entry(tr, "da", l, s, i))
    _through(doc, tr, l, s, tr.dA[l], last=False)


def _subst(tr, l, s, j, numbers):
    """Symbols of f′'s tree: a, z and the activation's parameters, as symbols or as this neuron's numbers."""
    layer = tr.layer(l)
    a_sym, z_sym = S.a(l, j + 1, layer.n_out, last=(l == tr.L)), S.z(l, j + 1)
    params = layer.act.param_values(layer.params)  # {symbol: this layer's value}, from the catalog entry
    if not numbers:
        return {"a": a_sym, "z": z_sym, **{p: _param_sym(p) for p in params}}, None
    values = {"a": tr.A[l][s, j], "z": tr.Z[l][s, j], **params}
    return {k: Num(v) for k, v in values.items()}, values


def fprime_parts(tr, l, s, j):
    """(f′ in symbols, f′ with numbers or None when it would repeat the result) for neuron j of layer l."""
    act = tr.act(l)
    formula = tree_node(act.derivative, _subst(tr, l, s, j, False)[0])
    if not isinstance(act.worked_tree(), tuple):
        return formula, None
    subst, values = _subst(tr, l, s, j, True)
    return formula, tree_node(act.worked_tree(), subst, values)


def _through(doc, tr, l, s, upstream, last):
    """∂L/∂zⱼ⁽ˡ⁾ from ∂L/∂aⱼ⁽ˡ⁾ for every neuron j: one line each (the output layer: two)."""
    layer = tr.layer(l)
    n = layer.n_out
    if not layer.act.elementwise:
        _through_softmax(doc, tr, l, s, upstream, last)
        return
    for j in range(n):
        aj, zj = S.a(l, j + 1, n, last=last), S.z(l, j + 1)
        fp = tr.fprime[l][s, j]
        formula, worked = fprime_parts(tr, l, s, j)
        if last:
            rhs = ([EQ, formula] if isinstance(tr.act(l).derivative, tuple) else []) + \
                ([EQ, worked] if worked is not None else [])
            doc.eq(Row(_d(aj, zj), *rhs, EQ, Num(fp)))
            doc.eq(Row(S.dL(zj), EQ, S.dL(aj), TIMES, _d(aj, zj), EQ, Num(upstream[s, j]), TIMES,
                       Num(fp, paren=True), EQ, Num(tr.delta[l][s, j])), _entry(tr, "delta", l, s, j))
        else:
            nums = [Num(upstream[s, j]), TIMES]
            if worked is not None:
                nums += [Paren(worked) if isinstance(worked, Row) else worked, EQ, Num(upstream[s, j]), TIMES]
            nums.append(Num(fp, paren=True))
            factor = Paren(formula) if binds_looser_than_times(tr.act(l).derivative) else formula  # × (Φ + z φ)
            doc.eq(Row(S.dL(zj), EQ, S.dL(aj), TIMES, factor, EQ, *nums, EQ, Num(tr.delta[l][s, j])),
                   _entry(tr, "delta", l, s, j))
        kink_flag(doc, tr, l, s, j)


def _through_softmax(doc, tr, l, s, upstream, last):
    n = tr.layer(l).n_out
    a = lambda i: S.a(l, i, n, last=last)  # noqa: E731 - a symbol factory
    doc.para("Softmax is not element-wise: every output depends on every input, so its Jacobian "
             "∂a/∂z = diag(a) − a aᵀ is full, ", Row(_d(a("i"), S.z(l, "j")), EQ, Sym("a", "i"),
                                                        Paren(Row(Sym("𝟙", "i=j"), MINUS, Sym("a", "j"))), tight=False),
             ", and each ∂L/∂zⱼ sums over all outputs.")
    J = tr.J[l][s]
    for j in range(n):
        pairs = [(upstream[s, i], J[i, j]) for i in range(n)]
        doc.eq(Row(S.dL(S.z(l, j + 1)), EQ, Sym("Σ", "i"), S.dL(a("i")), TIMES, _d(a("i"), S.z(l, j + 1)), EQ,
                   *_sum_terms(pairs), EQ, Num(tr.delta[l][s, j])), _entry(tr, "delta", l, s, j))


def _output_layer(doc, tr, s, long):
    L, k_out = tr.L, tr.layer(tr.L).n_out
    kind = tr.loss
    if tr.P is None:
        for k in range(k_out):
            doc.eq(_dL_dpred_line(tr, s, k, S.dL(S.a(L, k + 1, k_out, last=True))), _entry(tr, "dL/dy_hat", None, s, k))
        _through(doc, tr, L, s, tr.dL_dyhat, last=True)
        if tr.act(L).name == "sigmoid" and kind.name == "bce":
            for k in range(k_out):
                doc.para("With a sigmoid output and binary cross-entropy the product simplifies to ",
                         _simplified(tr, S.dL(S.z(L, k + 1)), "ŷ", tr.A[L], s, k), ".")
        return
    yk = lambda k: S.a(L, k + 1, k_out, last=True)  # noqa: E731
    pk = lambda k: Sym("p", k + 1 if k_out > 1 else "")  # noqa: E731
    if not long:
        doc.note(saturation_sentence(tr), kind="warn")
        for k in range(k_out):
            doc.eq(_simplified(tr, S.dL(yk(k)), "p", tr.P, s, k), _entry(tr, "dL/dy_hat", None, s, k))
        _through(doc, tr, L, s, tr.dL_dyhat, last=True)
        return
    for k in range(k_out):
        doc.eq(_dL_dpred_line(tr, s, k, S.dL(pk(k))))
    doc.para(f"{kind.title.capitalize()} applies {kind.link} to the network's output ŷ itself (p = "
             f"{'σ(ŷ)' if kind.link == 'sigmoid' else 'softmax(ŷ)'}); the long product first, then its simplification:")
    for k in range(k_out):
        p = tr.P[s, k]
        if kind.link == "sigmoid":
            doc.eq(Row(_d(pk(k), yk(k)), EQ, Row(pk(k), Paren(Row(Text("1"), MINUS, pk(k))), tight=True), EQ,
                       Num(p), TIMES, Num(1 - p), EQ, Num(p * (1 - p))))
            doc.eq(Row(S.dL(yk(k)), EQ, S.dL(pk(k)), TIMES, _d(pk(k), yk(k)), EQ, Num(tr.dL_dP[s, k]), TIMES,
                       Num(p * (1 - p), paren=True), EQ, Num(tr.dL_dyhat[s, k])), _entry(tr, "dL/dy_hat", None, s, k))
        else:
            Jp = np.diag(tr.P[s]) - np.outer(tr.P[s], tr.P[s])
            pairs = [(tr.dL_dP[s, i], Jp[i, k]) for i in range(k_out)]
            doc.eq(Row(S.dL(yk(k)), EQ, Sym("Σ", "i"), S.dL(Sym("p", "i")), TIMES, _d(Sym("p", "i"), yk(k)), EQ,
                       *_sum_terms(pairs), EQ, Num(tr.dL_dyhat[s, k])), _entry(tr, "dL/dy_hat", None, s, k))
        doc.para("which simplifies to ", _simplified(tr, S.dL(yk(k)), "p", tr.P, s, k), ".")
    _through(doc, tr, L, s, tr.dL_dyhat, last=True)


def _simplified(tr, lhs, sym, pred, s, k):
    """∂L/∂z = c(p − y) with its numbers (cross-entropy rows not summing to 1: c(p Σy − y))."""
    c = tr.loss_scale
    total = float(np.sum(tr.Y[s])) if tr.loss.name == "cross_entropy" else 1.0
    p = Sym(sym)
    diff = Row(p, MINUS, Sym("y")) if total == 1.0 else Row(p, Sym("Σ"), Sym("y"), MINUS, Sym("y"))
    nums = Row(Num(pred[s, k]), MINUS, Num(tr.Y[s, k])) if total == 1.0 else \
        Row(Num(pred[s, k]), TIMES, Num(total), MINUS, Num(tr.Y[s, k]))
    value = c * (pred[s, k] * total - tr.Y[s, k])
    if c != 1.0:
        return Row(lhs, EQ, Num(c), Paren(diff), EQ, Num(c), TIMES, Paren(nums), EQ, Num(value))
    return Row(lhs, EQ, diff, EQ, nums, EQ, Num(value))


def _backward(doc, tr, long):
    L = tr.L
    for s in _samples(tr):
        _sample_heading(doc, tr, s)
        doc.heading(f"Output layer {L}", 3)
        _output_layer(doc, tr, s, long)
        for l in range(L - 1, 0, -1):
            doc.heading(f"Layer {l}: back-propagate through W{_sup(l + 1)} and f′", 3)
            _hidden_deltas(doc, tr, s, l)
        doc.heading("Input", 3)
        _input_grads(doc, tr, s)
    doc.heading("Parameter gradients", 3)
    for l in range(L, 0, -1):
        _param_grads(doc, tr, l)


def _sup(layer):
    return sup_text(f"({layer})")


def _sub(n):
    return sub_text(str(n))


def _input_grads(doc, tr, s):
    W1 = tr.W_used(1)
    n1 = W1.shape[0]
    for i in range(W1.shape[1]):
        xi = S.a(0, i + 1)
        if n1 == 1:
            formula = [S.dL(S.z(1, 1)), TIMES, S.w(1, i + 1, 1)]
        else:
            formula = [Sym("Σ", "j"), S.dL(S.z(1, "j")), TIMES, S.w(1, i + 1, "j")]
        pairs = [(tr.delta[1][s, j], W1[j, i]) for j in range(n1)]
        doc.eq(Row(S.dL(xi), EQ, *formula, EQ, *_sum_terms(pairs), EQ, Num(tr.dA[0][s, i])),
               _entry(tr, "da", 0, s, i))


def _param_grads(doc, tr, l):
    layer = tr.net.layers[l - 1]
    m = tr.m
    shared = tr.conv.shared_bias
    for j in range(layer.n_out):
        zj = S.z(l, j + 1)
        if not shared and tr.has_bias(l):
            bj = S.b(l, j + 1)
            if m == 1:
                doc.eq(Row(S.dL(bj), EQ, S.dL(zj), TIMES, Num(1.0), EQ, Num(tr.db[l][j])), entry_name("db", l, (j + 1,)))
            else:
                terms = [Num(tr.delta[l][s, j], paren=bool(s)) for s in range(m)]
                doc.eq(Row(S.dL(bj), EQ, Sym("Σ", "s"), S.dL(zj), EQ, *_join(terms), EQ, Num(tr.db[l][j])),
                       entry_name("db", l, (j + 1,)))
        for i in range(layer.n_in):
            ai = S.a(l - 1, i + 1)
            pairs = [(tr.delta[l][s, j], tr.A[l - 1][s, i]) for s in range(m)]
            lead = [Sym("Σ", "s")] if m > 1 else []
            doc.eq(Row(S.dL(S.w(l, i + 1, j + 1)), EQ, *lead, S.dL(zj), TIMES, ai, EQ, *_sum_terms(pairs), EQ,
                       Num(tr.dW[l][j, i])), entry_name("dW", l, (i + 1, j + 1)))
    if shared and tr.has_bias(l):
        terms = [Num(tr.delta[l][s, j], paren=True) for s in range(m) for j in range(layer.n_out)]
        doc.eq(Row(S.dL(S.b(l)), EQ, Sym("Σ", "j"), S.dL(S.z(l, "j")), EQ, *_join(terms), EQ, Num(tr.db[l])),
               entry_name("db", l))


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
            if not tr.conv.shared_bias and tr.has_bias(l):
                if tr.conv.frozen_bias:
                    doc.eq(Row(S.b(l, j + 1), EQ, Num(layer.b[j]), Text("(frozen)")), entry_name("b_new", l, (j + 1,)))
                else:
                    doc.eq(_update_line(S.b(l, j + 1), layer.b[j], lr, tr.db[l][j], tr.b_new[l][j]),
                           entry_name("b_new", l, (j + 1,)))
            for i in range(layer.n_in):
                doc.eq(_update_line(S.w(l, i + 1, j + 1), layer.W[j, i], lr, tr.dW[l][j, i], tr.W_new[l][j, i]),
                       entry_name("W_new", l, (i + 1, j + 1)))
        if tr.conv.shared_bias and tr.has_bias(l):
            if tr.conv.frozen_bias:
                doc.eq(Row(S.b(l), EQ, Num(layer.b), Text("(frozen)")), entry_name("b_new", l))
            else:
                doc.eq(_update_line(S.b(l), layer.b, lr, tr.db[l], tr.b_new[l]), entry_name("b_new", l))


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
