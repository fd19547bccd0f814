"""Derivation by differentials: dL = Σ Gᵢ : dEᵢ until dL = G : dX, then ∂L/∂X = G.

The state of a derivation is a list of terms ``(G, D)`` read ``G : D``, where
D holds exactly one differential ``dE``. Each step applies one rule to one
term and records the whole right-hand side of dL:

1. *rearrange*: while an operation stands between the colon and dE, move it to
   the left with a trace/Frobenius identity (``A : BC = ACᵀ : B``, ...);
2. *collect*: terms with the same differential are added (A : dZ + B : dZ);
3. *differentiate*: replace the outermost dE (E not the variable) by its
   differential (product rule, chain rule for an element-wise function, ...).

When only ``G : dX`` is left, G is the gradient, with the shape of X
(denominator layout). The Jacobian of a vector-valued f with respect to a
vector x follows from the gradient of uᵀf: it is Jᵀu, and J is read off.
"""

from __future__ import annotations

from ..core.errors import DerivationError, ParameterError
from . import expr as E
from . import shapes as S
from .budget import check_size, derivation_budget
from .derivation import Derivation, Step
from .expr import Expr
from .linear import linear_coefficient
from .naming import choose_names
from .parse import parse
from .printing import to_text
from .rules import DIFFERENTIALS, REARRANGE
from .simplify import simplify
from .tidy import Tidier, diag_as_hadamard

MAX_STEPS = 400


# ----------------------------------------------------------------- terms
def _display(terms):
    """The right-hand side Σ G : D as one expression (G D for scalars)."""
    out = None
    for g, d in terms:
        t = Expr("frob", (g, d), (), (1, 1))
        out = t if out is None else Expr("add", (out, t), (), (1, 1))
    return out if out is not None else E.num(0)


def _append(steps, step):
    """Add a step; a rule that leaves the printed right-hand side unchanged joins the previous step."""
    same = to_text(steps[-1].expr).replace(" ", "") == to_text(step.expr).replace(" ", "") if steps else False
    if same and steps[-1].lhs == step.lhs:
        steps[-1] = Step(steps[-1].rule + "; " + step.rule, step.expr, step.lhs, step.of, step.form, step.wrt)
    else:
        steps.append(step)


def _contains(big, small):
    return any(n == small for n in big.walk())


def _tidy_terms(terms, lo, hi, tidy, record, rname):
    """Record ``rname`` for terms[lo:hi] (Diag(h)v shown as h ⊙ v), then any cancellation as its own step."""
    done = [tidy(g) for g, _ in terms[lo:hi]]
    shown = [(out if rule is None else g, d) for (g, d), (out, rule) in zip(terms[lo:hi], done)]
    terms[lo:hi] = shown
    record(rname, terms)
    rules = [rule for _, rule in done if rule is not None]
    if rules:
        terms[lo:hi] = [(out, d) for (_, d), (out, _) in zip(shown, done)]
        record(rules[0], terms)


def _differentiate_scalar(expr, wrt, record, tidy):
    """Run the three-phase loop; returns the gradient (simplified), shape of wrt."""
    name = wrt.attrs[0]

    def dep(e):
        return e.depends_on(name)

    terms = [(E.num(1), E.diff(expr))]
    for _ in range(MAX_STEPS):
        pending = [i for i, (g, d) in enumerate(terms) if d.op != "diff"]
        if pending:
            i = pending[0]
            g, d = terms[i]
            rule = REARRANGE.get(d.op)
            if rule is None:
                raise DerivationError(f"no rearrangement rule moves {d.op} off the differential in "
                                      f"{to_text(d)}")
            rname, new = rule(g, d)
            new = [(simplify(g2), d2) for g2, d2 in new]
            terms[i:i + 1] = new
            _tidy_terms(terms, i, i + len(new), tidy, record, rname)
            continue
        merged = {}
        order = []
        for g, d in terms:
            if d in merged:
                merged[d] = Expr("add", (merged[d], g), (), g.shape)
            else:
                merged[d] = g
                order.append(d)
        if len(order) < len(terms):
            terms = [(simplify(merged[d]), d) for d in order]
            _tidy_terms(terms, 0, len(terms), tidy, record,
                        "collect terms with the same differential: A : dZ + B : dZ = (A + B) : dZ")
            continue
        open_terms = [i for i, (g, d) in enumerate(terms) if d.args[0] != wrt]
        if not open_terms:
            break
        inner = [d.args[0] for g, d in terms]
        pick = None
        for i in open_terms:
            e = terms[i][1].args[0]
            if not any(o != e and _contains(o, e) for o in inner):
                pick = i
                break
        g, d = terms[pick]
        rname, de = _differential(d.args[0], dep)
        terms[pick:pick + 1] = [] if de is None else [(g, de)]
        record(rname, terms)
    else:  # pragma: no cover - guarded by MAX_STEPS
        raise DerivationError("derivation did not finish within the step limit")
    total = None
    for g, d in terms:
        total = g if total is None else Expr("add", (total, g), (), g.shape)
    return tidy(simplify(total))[0] if total is not None else _zero(wrt.shape)


def _differential(e, dep):
    """(rule name, dE) for one differential; a part that does not depend on the variable is a constant."""
    if not dep(e):
        return "the differential of a constant is zero", None
    rule = DIFFERENTIALS.get(e.op)
    if rule is None:  # pragma: no cover - every op that can hold a symbol has a rule
        raise DerivationError(f"derive: no differential rule for {e.op} in {to_text(e)}")
    return rule(e, dep)


def _zero(shape):
    return E.num(0) if shape == S.SCALAR else E.zero(shape)


# ------------------------------------------------- Jacobian and tensor derivatives
def forward_differential(e, wrt):
    """dE as an expression in dX (for any shapes): the differential form."""
    name = wrt.attrs[0]

    def go(x):
        if not x.depends_on(name):
            return None
        if x == wrt:
            return E.diff(wrt)
        rule = DIFFERENTIALS.get(x.op)
        if rule is None:
            raise DerivationError(f"no differential rule for {x.op}")
        _, de = rule(x, lambda c: c.depends_on(name))
        return None if de is None else substitute(de)

    def substitute(d):
        if d.op == "diff":
            inner = d.args[0]
            out = go(inner)
            return out if out is not None else E.zero(d.shape)
        if not any(n.op == "diff" for n in d.walk()):
            return d
        return Expr(d.op, tuple(substitute(a) for a in d.args), d.attrs, d.shape)

    out = go(e)
    return simplify(out) if out is not None else E.zero(e.shape)


def _is_vector(shape):
    return shape[1] == 1 or shape[0] == 1


def _fresh(name, taken):
    while name in taken:
        name += "_"
    return name


# ------------------------------------------------------------------ entry
def derive(expr, wrt, layout=None, shapes=None, sums_to_one=(), budget=None):
    """Differentiate ``expr`` with respect to the symbol ``wrt`` in matrix form, with the steps.

    ``expr``: an :class:`Expr` or a string (then ``shapes`` maps names to
    shapes, e.g. ``{'X': ('m', 'n'), 'w': ('n', 1), 'b': 1}``). ``wrt``: a
    symbol or its name; a list gives a list of derivations.

    * scalar expr (1×1): the gradient; ``layout='denominator'`` (default) gives
      the shape of wrt, ``'numerator'`` its transpose;
    * vector expr (k×1) and vector or scalar wrt (n×1): the Jacobian, k×n in
      ``'numerator'`` layout (default), n×k in ``'denominator'``;
    * otherwise the derivative is a higher-order tensor: DerivationError,
      whose message and ``.differential`` give the differential form dF.

    ``sums_to_one``: names of vectors whose entries sum to one (one-hot labels,
    probabilities), so that 𝟏ᵀy = 1: the softmax cross-entropy gradient
    (𝟏ᵀy)softmax(z) − y becomes softmax(z) − y.

    ``budget``: the units of work one derivation may use (default
    :data:`~gradlab.symbolic.budget.MAX_WORK`); past it, and for expressions of
    more than ``MAX_SIZE`` nodes, DerivationError names the budget and its limit.
    """
    expr = checked_expression("derive", expr, shapes, budget)
    if isinstance(wrt, (list, tuple)):
        return [derive(expr, w, layout, shapes=shapes, sums_to_one=sums_to_one, budget=budget) for w in wrt]
    wrt = _resolve_wrt(expr, wrt, shapes)
    if layout not in (None, "denominator", "numerator"):
        raise DerivationError(f"derive: layout must be 'denominator' or 'numerator', got {layout!r}")
    text = to_text(expr)
    what = f"∂/∂{wrt.attrs[0]} of {text if len(text) <= 60 else text[:57] + '…'}"
    with derivation_budget(what, budget) as spent:
        try:
            d = _derive(expr, wrt, layout, sums_to_one, what)
            d.work = spent.used
            return d
        except RecursionError:
            raise DerivationError(f"derive: {what} nests too deeply to derive; split the expression "
                                  "into smaller parts") from None


def _derive(expr, wrt, layout, sums_to_one, what):
    if expr.is_scalar:
        return _gradient(expr, wrt, layout or "denominator", _unit_sums(expr, sums_to_one), what)
    if _is_vector(expr.shape) and _is_vector(wrt.shape):
        return _jacobian(expr, wrt, layout or "numerator", _unit_sums(expr, sums_to_one), what)
    from .higher import matrix_derivative  # cycle: the matrix-valued results build on this module's derivations

    return matrix_derivative(expr, wrt, layout, _unit_sums(expr, sums_to_one), what)


def checked_expression(owner, expr, shapes, budget):
    """The expression to differentiate (parsed from a string with ``shapes``), its size and ``budget`` checked."""
    if isinstance(expr, str):
        expr = parse(expr, shapes or {})
    if not isinstance(expr, Expr):
        raise DerivationError(f"{owner}: expected an expression or a string, got {type(expr).__name__}")
    _check_budget(budget)
    check_size(expr, "the expression")
    return expr


def _check_budget(budget):
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 1):
        raise ParameterError(f"The 'budget' parameter of derive must be an int >= 1 (units of work). "
                             f"Got {budget!r}.")


def _unit_sums(expr, names):
    if isinstance(names, str):
        names = (names,)
    syms = {n.attrs[0]: n for n in expr.walk() if n.op == "sym"}
    for n in names:
        if n not in syms:
            raise DerivationError(f"derive: sums_to_one names {n!r}, which is not a symbol of the expression "
                                  f"(its symbols: {', '.join(sorted(syms)) or 'none'})")
        if syms[n].shape[0] == 1:
            raise DerivationError(f"derive: sums_to_one names column vectors (𝟏ᵀy = 1) or matrices whose rows sum "
                                  f"to one (Y𝟏 = 𝟏, one sample per row); {n} is {S.fmt(syms[n].shape)}")
    return tuple(names)


def _resolve_wrt(expr, wrt, shapes=None):
    """The symbol to differentiate with respect to. One the expression does not contain is still a variable when
    its shape is known (a symbol, or a name in ``shapes``): the derivative is then zero."""
    syms = {n.attrs[0]: n for n in expr.walk() if n.op == "sym"}
    if isinstance(wrt, Expr):
        if wrt.op != "sym":
            raise DerivationError(f"derive: differentiate with respect to a symbol, not {to_text(wrt)}")
        name = wrt.attrs[0]
    elif isinstance(wrt, str):
        name = wrt.strip()
    else:
        raise DerivationError(f"derive: wrt must be a symbol or its name, got {wrt!r}")
    if name not in syms:
        if isinstance(wrt, Expr):
            return wrt
        if shapes and name in shapes:
            return E.sym(name, S.norm_shape(shapes[name], f"the shape of {name}"))
        known = ", ".join(sorted(syms)) or "none"
        raise DerivationError(f"derive: the expression does not contain the symbol {name!r} "
                              f"(its symbols: {known}), and its shape is not known: pass it as a symbol, e.g. "
                              f"Vector({name!r}, 'n'), or give its shape in shapes=, and the derivative is zero")
    if isinstance(wrt, Expr) and wrt.shape != syms[name].shape:
        raise DerivationError(f"derive: {name} is {S.fmt(wrt.shape)} here but {S.fmt(syms[name].shape)} in "
                              "the expression")
    return syms[name]


def _gradient(expr, wrt, layout, sums_to_one=(), what="the derivation"):
    base = simplify(expr)
    names = choose_names(base)
    steps = []

    def record(rule, terms):
        shown = _display(terms)
        check_size(shown, f"{what} at step {len(steps) + 1}")
        _append(steps, Step(rule, shown, "dL", base, "differential", wrt))

    steps.append(Step("the differential of L", _display([(E.num(1), E.diff(base))]), "dL", base, "differential", wrt))
    tidy = Tidier(names, sums_to_one)
    g = _differentiate_scalar(base, wrt, record, tidy)
    steps.append(Step(f"dL = G : d{wrt.attrs[0]} ⟺ ∂L/∂{wrt.attrs[0]} = G", g, f"∂L/∂{wrt.attrs[0]}", base,
                      "gradient", wrt))
    if layout == "numerator":
        g = diag_as_hadamard(simplify(E.transpose(g)), names)
        steps.append(Step("numerator layout: transpose the gradient", g, f"∂L/∂{wrt.attrs[0]}", base, "gradient_T",
                          wrt))
    names = _keep_if_shorter(g, names)
    d = Derivation(expr, wrt, g, "gradient", layout, steps, names, sums_to_one)
    _note_constant(d, base, wrt)
    return d


def _note_constant(d, base, wrt):
    """The note of a derivative that is zero because the expression does not depend on the variable."""
    name = wrt.attrs[0]
    if not base.depends_on(name):
        what = "does not contain" if not d.expr.depends_on(name) else "simplifies to an expression without"
        d.notes.append(f"{to_text(d.expr)} {what} {name}, so the derivative is zero")


def _jacobian(expr, wrt, layout, sums_to_one=(), what="the derivation"):
    base = simplify(expr)
    column = base if base.shape[1] == 1 else simplify(E.transpose(base))
    taken = expr.symbols()
    u = E.sym(_fresh("u", taken), (column.shape[0], 1))
    names = choose_names(base)
    loss = Expr("frob", (u, column), (), (1, 1))
    steps = [Step(f"df = J d{wrt.attrs[0]}, so for any u: uᵀdf = (Jᵀu) : d{wrt.attrs[0]}; "
                  "differentiate uᵀf", _display([(u, E.diff(column))]), "uᵀdf", loss, "differential", wrt)]

    def record(rule, terms):
        shown = _display(terms)
        check_size(shown, f"{what} at step {len(steps) + 1}")
        _append(steps, Step(rule, shown, "uᵀdf", loss, "differential", wrt))

    g = _differentiate_scalar(loss, wrt, lambda r, t: record(r, [(gg, dd) for gg, dd in t]), _keep)
    gcol = g if g.shape[1] == 1 else simplify(E.transpose(g))
    m = linear_coefficient(gcol, u)
    if m is None:
        n = wrt.shape[0] if wrt.shape[1] == 1 else wrt.shape[1]
        jac = E.zero((column.shape[0], n))
    else:
        jac = simplify(E.transpose(m))
    steps.append(Step(f"Jᵀu = {to_text(gcol, names)}, so J = ∂f/∂{wrt.attrs[0]} (numerator layout)", jac, "J",
                      column, "jacobian", wrt))
    result = jac if layout == "numerator" else simplify(E.transpose(jac))
    if layout == "denominator":
        steps.append(Step("denominator layout: transpose the Jacobian", result, "J", column, "jacobian_T", wrt))
    names = _keep_if_shorter(result, names)
    d = Derivation(expr, wrt, result, "jacobian", layout, steps, names, sums_to_one)
    _note_constant(d, base, wrt)
    return d


def _keep(g):
    """The Jacobian path reads J off Jᵀu as it stands: no multiplying out."""
    return g, None


def _keep_if_shorter(result, names):
    if not names:
        return names
    plain = to_text(result)
    named = to_text(result, names)
    return names if len(named) < len(plain) else {}


__all__ = ["derive", "Derivation", "Step", "forward_differential", "linear_coefficient"]
