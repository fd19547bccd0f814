"""Choosing the form a derivation shows: factored or multiplied out, Diag(h)v or h ⊙ v, Aᵀ + Bᵀ or (A + B)ᵀ.

:class:`Tidier` keeps the multiplied-out form (:mod:`.multiply_out`) only when it prints shorter, so factored
results (``2Aᵀ(Ax − b)``) stay factored, and names the cancellation that made it shorter as a step of its
own. :func:`diag_as_hadamard` shows ``Diag(h)v`` as ``h ⊙ v`` unless ``Diag(h)`` has a short name (H, D);
:func:`fold_transposes` writes a sum of transposes as one transpose when that is no longer.
"""

from __future__ import annotations

from .budget import MAX_TIDY_TOTAL, MAX_TIDY_WORK, OverBudget, attempt, spend
from .expr import Expr
from .factors import ew_build, ew_factors, flatten, merge_factors, mm_shape, nest, rebuild
from .multiply_out import Multiplier, TooBig
from .printing import to_text
from .simplify import _Simplifier, simplify


def diag_as_hadamard(e, names=()):
    """Show Diag(h)v as h ⊙ v (v a column) unless Diag(h) has a short name."""
    if not e.args:
        return e
    args = tuple(diag_as_hadamard(a, names) for a in e.args)
    x = e if args == e.args else Expr(e.op, args, e.attrs, e.shape)
    if x.op != "matmul" or x.shape[1] != 1:
        return x
    chain = flatten(x, "matmul")
    i = len(chain) - 1
    if chain[i].op == "diag":
        return x
    j = i
    while j > 0 and chain[j - 1].op == "diag" and chain[j - 1] not in names:
        j -= 1
    if j == i:
        return x
    f = {}
    for d in chain[j:i]:
        merge_factors(f, ew_factors(d.args[0]))
    merge_factors(f, ew_factors(chain[i]))
    parts = chain[:j] + [ew_build(f, chain[i].shape) or Expr("ones", (), (), chain[i].shape)]
    out = parts[0]
    for p in parts[1:]:
        out = Expr("matmul", (out, p), (), (out.shape[0], p.shape[1]))
    return simplify(out)


def fold_transposes(e, names=(), simp=None):
    """Write a sum or ⊙-product of transposes as one transpose, (XWᵀ + 𝟏bᵀ − Y)ᵀ, when that is shorter."""
    if not e.args or e in names:
        return e
    simp = simp if simp is not None else _Simplifier()
    args = tuple(fold_transposes(a, names, simp) for a in e.args)
    x = e if args == e.args else Expr(e.op, args, e.attrs, e.shape)
    if x.op not in ("add", "had") or x.shape[0] == x.shape[1] and x.shape[0] == 1:
        return x
    inner = simp.run(Expr("T", (x,), (), (x.shape[1], x.shape[0])))
    if inner.op not in ("add", "had"):
        return x
    folded = Expr("T", (inner,), (), x.shape)
    if _transposes(folded) <= _transposes(x):
        return folded
    return x


def _transposes(e):
    nodes = list(e.walk())
    spend(1 + len(nodes) // 16)
    return sum(1 for n in nodes if n.op == "T")


class Tidier:
    """Picks the shorter of an expression and its expansion; remembers which cancellation rule fired.

    Multiplying out is optional: each attempt may use :data:`~.budget.MAX_TIDY_WORK` units and all attempts
    of one derivation :data:`~.budget.MAX_TIDY_TOTAL`; past either the factored form is kept.
    """

    def __init__(self, names=None, unit_sums=()):
        self.names = names or {}
        self.unit_sums = tuple(unit_sums)
        self.cache = {}
        self.used_unit_sums = set()
        self.allowance = MAX_TIDY_TOTAL

    def __call__(self, e):
        hit = self.cache.get(e)
        if hit is not None:
            return hit
        rows = unit_rows(e, self.unit_sums)
        if rows is not e:
            out, rule = self(simplify(rows))
            names = sorted({n.attrs[0] for n in e.walk() if n.op == "sym" and n.attrs[0] in self.unit_sums
                            and n.shape[1] != 1})
            self.used_unit_sums |= set(names)
            said = f"the rows of {', '.join(names)} sum to one: {names[0]}𝟏 = 𝟏"
            self.cache[e] = (out, said if rule is None else f"{said}; {rule}")
            return self.cache[e]
        base = fold_transposes(diag_as_hadamard(e, self.names), self.names)
        ex = Multiplier(self.unit_sums)
        wide = self._multiplied_out(e, base, ex)
        out, rule = base, None
        if wide is not base:
            short, long_ = len(to_text(wide, self.names)), len(to_text(base, self.names))
            if short <= long_ - 2 or (short <= long_ and _nested_sums(wide) < _nested_sums(base)):
                out, rule = wide, cancellation_rule(e, ex.fired)
                self.used_unit_sums |= ex.used
        self.cache[e] = (out, rule)
        return out, rule

    def _multiplied_out(self, e, base, ex):
        """e multiplied out and collected, or ``base`` when that is too big or this derivation's allowance is spent."""
        if self.allowance <= 0:
            return base
        with attempt(min(MAX_TIDY_WORK, self.allowance)) as budget:
            try:
                wide = simplify(rebuild(ex.multiply_out(e), e.shape))
                wide = fold_transposes(diag_as_hadamard(wide, self.names), self.names)
                return base if wide == base else wide
            except (TooBig, OverBudget):
                return base
            finally:
                self.allowance -= budget.used


def unit_rows(e, names):
    """e with Y𝟏 replaced by 𝟏 for each matrix Y among ``names`` (its rows sum to one); e itself when none occurs."""
    if not names or not e.args:
        return e
    if e.op == "matmul":
        chain = flatten(e, "matmul")
        for i in range(len(chain) - 1):
            y, one = chain[i], chain[i + 1]
            if y.op == "sym" and y.attrs[0] in names and y.shape[1] != 1 and one.op == "ones":
                chain[i:i + 2] = [Expr("ones", (), (), (y.shape[0], 1))]
                return nest("matmul", chain, mm_shape)
    args = tuple(unit_rows(a, names) for a in e.args)
    return e if all(x is y for x, y in zip(args, e.args)) else Expr(e.op, args, e.attrs, e.shape)


def _nested_sums(e, top=True):
    """Sums that stand inside a product (not at the top level of e)."""
    if e.op == "add":
        return (0 if top else 1) + sum(_nested_sums(a, top) for a in e.args)
    return sum(_nested_sums(a, False) for a in e.args)


def cancellation_rule(before, fired=()):
    """The name of the step that multiplied out and cancelled."""
    if fired:
        return "; ".join(sorted(fired))
    fns = {n.attrs[0] for n in before.walk() if n.op == "fn"}
    logs = any(n.op == "pow" and n.attrs[0] < 0 and not n.is_scalar for n in before.walk())
    if "sigmoid" in fns and logs:
        return "σ′ = σ(1 − σ) cancels the cross-entropy denominators: σ(1 − σ) ⊙ (−y ⊘ σ + (1 − y) ⊘ (1 − σ)) = σ − y"
    if any(n.op == "softmax" for n in before.walk()) and logs:
        return "softmax′ = Diag(s) − ssᵀ cancels the cross-entropy denominator: (Diag(s) − ssᵀ)(y ⊘ s) = s𝟏ᵀy − y"
    return "multiply out, cancel and collect like terms"
