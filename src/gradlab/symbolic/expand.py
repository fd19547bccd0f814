"""Multiplying out, cancelling and collecting: the second half of simplification.

:func:`simplify` never expands, so a result such as
``Diag(σ′(z))(−y ⊘ σ(z) + (𝟏 − y) ⊘ (𝟏 − σ(z)))`` stays as it is. :func:`expand`
writes an expression as a sum of terms ``coef · scalar atoms · core``:

* element-wise products (⊙, powers, ``Diag(h)v`` for a column v) are
  commutative monomials ``{base: exponent}``; factors are multiplied *before*
  any sum is multiplied out, so ``(𝟏 − σ) ⊙ (𝟏 − σ)⁻¹`` cancels;
* matrix products distribute over sums (``A(B + C) = AB + AC``), a row times
  ``Diag(h)v`` becomes the inner product ``𝟏ᵀ(u ⊙ h ⊙ v)`` when factors cancel;
* then every remaining sum with a small positive power is multiplied out, like
  terms are collected, and common factors are taken out again:
  ``(1/k)σ(z) − (1/k)y = (1/k)(σ(z) − y)``.

:func:`tidy` keeps the expanded form only when it prints shorter, so factored
results (``2Aᵀ(Ax − b)``) stay factored. It also shows ``Diag(h)v`` as
``h ⊙ v`` unless ``Diag(h)`` has a short name (H, D).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .budget import MAX_TIDY_TOTAL, MAX_TIDY_WORK, OverBudget, attempt, spend
from .expr import Expr, num
from .printing import to_text
from .simplify import _build, _factor, _Simplifier, exact_power, simplify

MAX_TERMS = 48
MAX_EXPAND_POWER = 3


def _merge(into, more, power=1):
    for b, x in more.items():
        into[b] = into.get(b, Fraction(0)) + Fraction(x) * power
        if into[b] == 0:
            del into[b]


def _ones_like(shape):
    if shape[1] == 1:
        return Expr("ones", (), (), shape)
    return Expr("bcast", (num(1),), (), shape)


def ew_factors(core):
    """{base: exponent} of an element-wise monomial (a ⊙-product of powers); ``None`` is the unit."""
    out = {}
    if core is None or core.op == "ones" or (core.op == "bcast" and core.args[0] == num(1)):
        return out
    if core.op == "had":
        _merge(out, ew_factors(core.args[0]))
        _merge(out, ew_factors(core.args[1]))
        return out
    if core.op == "pow" and core.args[0].op == "had" and core.attrs[0].denominator == 1:
        _merge(out, ew_factors(core.args[0]), core.attrs[0])
        return out
    if core.op == "pow":
        out[core.args[0]] = core.attrs[0]
        return out
    out[core] = Fraction(1)
    return out


def ew_build(factors, shape):
    """The ⊙-product of ``{base: exponent}`` (positive exponents first), or None for the unit."""
    items = [(b, x) for b, x in factors.items() if x > 0] + [(b, x) for b, x in factors.items() if x < 0]
    out = None
    for base, x in items:
        f = base if x == 1 else Expr("pow", (base,), (Fraction(x),), base.shape)
        out = f if out is None else Expr("had", (out, f), (), shape)
    return out


def _weight(factors):
    return sum(abs(x) for x in factors.values())


class Expander:
    """Expansion with a cache; ``unit_sums`` are symbols whose entries sum to one (𝟏ᵀy = 1)."""

    def __init__(self, unit_sums=()):
        self.cache = {}
        self.unit_sums = frozenset(unit_sums)
        self.used = set()
        self.fired = set()

    # ---------------------------------------------------------- terms
    def terms(self, e):
        """[(coef, {scalar atom: exponent}, core or None)] with e = Σ coef·Π atomˣ·core."""
        hit = self.cache.get(e)
        if hit is None:
            spend(1)
            hit = self._terms(e)
            self.cache[e] = hit
        return hit

    def _terms(self, e):  # noqa: C901 - one case per op
        op = e.op
        if op == "zero" or (op == "num" and e.attrs[0] == 0):
            return []
        if op == "num":
            return [(e.attrs[0], {}, None)]
        if op in ("ones",) or (op == "bcast" and e.args[0] == num(1)):
            return [(Fraction(1), {}, None)]
        if op == "add":
            return self.terms(e.args[0]) + self.terms(e.args[1])
        if op == "scale" or (op == "had" and e.is_scalar):
            return self._product(self.terms(e.args[0]), self.terms(e.args[1]), e.shape, "scale")
        if op == "bcast":
            return self.terms(e.args[0])
        if op == "had":
            return self._product(self._lazy(e.args[0]), self._lazy(e.args[1]), e.shape, "had")
        if op == "pow":
            return self._power(e)
        if op == "matmul":
            return self._matmul(e)
        if op == "T" and not e.args[0].is_scalar and e.args[0].op not in ("sym", "ones"):
            out = []
            for c, sc, core in self.terms(e.args[0]):
                out.append((c, sc, None if core is None else simplify(Expr("T", (core,), (), e.shape))))
            return out
        if op == "T":
            return self._atom(e if not e.is_scalar else e.args[0])
        if op == "sum" and e.args[0].op == "sym" and e.args[0].attrs[0] in self.unit_sums:
            self.used.add(e.args[0].attrs[0])
            return [(Fraction(1), {}, None)]
        return self._atom(e)

    def _atom(self, e):
        if e.is_scalar:
            c, atoms, core = _factor(e)
            if core is not None:
                atoms[core] = atoms.get(core, 0) + 1
            return [(c, atoms, None)]
        return [(Fraction(1), {}, e)]

    def _canon(self, factors):
        """Sum bases in their collapsed canonical form, so that equal sums cancel."""
        out = {}
        for b, x in factors.items():
            if b.op == "add":
                b = self.collapse(self.terms(b), b.shape)
            _merge(out, {b: x})
        return out

    def _lazy(self, e):
        """Terms of e, but a sum stays one factor so that it can cancel before it is multiplied out."""
        ts = self.terms(e)
        if len(ts) <= 1 or e.is_scalar:
            return ts
        return [(Fraction(1), {}, self.collapse(ts, e.shape))]

    def _product(self, left, right, shape, kind):
        if len(left) * len(right) > MAX_TERMS:
            raise _TooBig
        spend(len(left) * len(right))
        out = []
        for c1, s1, k1 in left:
            for c2, s2, k2 in right:
                sc = dict(s1)
                _merge(sc, s2)
                if kind == "scale":
                    core = k2 if k1 is None else k1 if k2 is None else simplify(Expr("scale", (k1, k2), (), shape))
                    out.append((c1 * c2, sc, core))
                    continue
                f = self._canon(ew_factors(k1))
                _merge(f, self._canon(ew_factors(k2)))
                f = self._sigmoid_rule(f, shape)
                out.append((c1 * c2, sc, ew_build(f, shape)))
        return out

    def _power(self, e):
        base, p = e.args[0], e.attrs[0]
        if base.op == "matmul":
            return self._atom(e)  # a power of a product stays factored: ((u + w)ᵀ(𝟏 − w))⁴ is not multiplied out
        ts = self.terms(base)
        if len(ts) == 1 and p.denominator == 1:
            c, sc, core = ts[0]
            if exact_power(c, p) is None:
                return self._atom(e)
            sc2 = {}
            _merge(sc2, sc, p)
            f = {}
            _merge(f, ew_factors(core), p)
            if e.is_scalar:
                return [(exact_power(c, p), sc2, None)]
            return [(exact_power(c, p), sc2, ew_build(f, e.shape))]
        if len(ts) > 1:
            inner = self.collapse(ts, base.shape)
            if e.is_scalar:
                return [(Fraction(1), {inner: p}, None)]
            return [(Fraction(1), {}, ew_build({inner: p}, e.shape))]
        return self._atom(e)

    def _matmul(self, e):
        left, right = self.terms(e.args[0]), self.terms(e.args[1])
        if len(left) * len(right) > MAX_TERMS:
            raise _TooBig
        spend(len(left) * len(right))
        out = []
        a_shape, b_shape = e.args[0].shape, e.args[1].shape
        for c1, s1, k1 in left:
            for c2, s2, k2 in right:
                sc = dict(s1)
                _merge(sc, s2)
                ka = k1 if k1 is not None else _ones_like(a_shape) if a_shape != (1, 1) else None
                kb = k2 if k2 is not None else _ones_like(b_shape) if b_shape != (1, 1) else None
                if ka is None or kb is None:
                    core = kb if ka is None else ka
                else:
                    core = simplify(Expr("matmul", (ka, kb), (), e.shape))
                c, atoms, core = _factor(core) if core is not None else (Fraction(1), {}, None)
                _merge(sc, atoms)
                if core is not None and core.op == "matmul":
                    more, core = self._apply_diags(core)
                    _merge(sc, more)
                if core is not None and core.is_scalar:
                    sc[core] = sc.get(core, 0) + 1
                    core = None
                out.append((c1 * c2 * c, sc, core))
        return out

    def _apply_diags(self, core):
        """Diag(h₁)…Diag(hₖ)v → h₁ ⊙ … ⊙ v at the end of a chain; uᵀ(h ⊙ v) → 𝟏ᵀ(u ⊙ h ⊙ v) when it cancels."""
        chain = _chain(core)
        v = chain[-1]
        if v.shape[1] != 1 or v.op == "diag":
            return {}, core
        i = len(chain) - 1
        while i > 0 and chain[i - 1].op == "diag":
            i -= 1
        f = {}
        for d in chain[i:-1]:
            _merge(f, self._canon(ew_factors(d.args[0])))
        _merge(f, self._canon(ew_factors(v)))
        f = self._sigmoid_rule(f, v.shape)
        prefix = chain[:i]
        sc = {}
        if prefix and prefix[-1].op == "T" and prefix[-1].args[0].shape[1] == 1:
            u = prefix[-1].args[0]
            g = dict(f)
            _merge(g, self._canon(ew_factors(u)))
            if _weight(g) < _weight(f) + _weight(ew_factors(u)):
                sc = self._inner(g, v.shape[0])
                prefix = prefix[:-1]
                f = None
        if f is not None and i == len(chain) - 1:
            return {}, core
        tail = ew_build(f, v.shape) if f is not None else None
        parts = list(prefix) + ([tail] if tail is not None else [])
        if f is not None and tail is None:
            parts.append(Expr("ones", (), (), v.shape))
        if not parts:
            return sc, None
        out = parts[0]
        for p in parts[1:]:
            out = Expr("matmul", (out, p), (), (out.shape[0], p.shape[1]))
        return sc, simplify(out)

    def _inner(self, g, n):
        """{scalar atom: exponent} of 𝟏ᵀ(⊙-product g)."""
        ones_t = Expr("T", (Expr("ones", (), (), (n, 1)),), (), (1, n))
        inner = ew_build(g, (n, 1))
        if inner is None:
            dot = simplify(Expr("matmul", (ones_t, Expr("ones", (), (), (n, 1))), (), (1, 1)))
        else:
            dot = self._unit_sum(simplify(Expr("matmul", (ones_t, inner), (), (1, 1))))
        c, atoms, rest = _factor(dot)
        if c != 1:
            atoms[num(c)] = atoms.get(num(c), 0) + 1
        if rest is not None:
            atoms[rest] = atoms.get(rest, 0) + 1
        return atoms

    def _sigmoid_rule(self, f, shape):
        """exp(a) ⊙ (𝟏 + exp(a))⁻¹ = σ(a) and (𝟏 + exp(−a))⁻¹ = σ(a)."""
        for base, x in list(f.items()):
            if x != -1 or base.op != "add" or base not in f:
                continue
            parts = _flat_add(base)
            if len(parts) != 2 or parts[0].op != "ones" or parts[1].op != "fn" or parts[1].attrs[0] != "exp":
                continue
            e = parts[1]
            a = e.args[0]
            if f.get(e, 0) >= 1:
                _merge(f, {e: -1, base: 1})
                _merge(f, {simplify(Expr("fn", (a,), ("sigmoid",), shape)): 1})
                self.fired.add("exp(a) ⊘ (1 + exp(a)) = σ(a)")
            elif a.op == "scale" and a.args[0] == num(-1):
                _merge(f, {base: 1})
                _merge(f, {simplify(Expr("fn", (a.args[1],), ("sigmoid",), shape)): 1})
                self.fired.add("1 ⊘ (1 + exp(−a)) = σ(a)")
        return f

    def _fold_scalars(self, sc):
        """Scalar atoms uᵀv: 𝟏ᵀy = 1 for declared y, and uᵀ(v ⊙ u⁻¹ …) = 𝟏ᵀ(…) when factors cancel."""
        out = {}
        for b, x in sc.items():
            if b.op == "matmul" and b.args[0].op == "T" and b.args[0].args[0].shape[1] == 1:
                u, v = b.args[0].args[0], b.args[1]
                f = self._canon(ew_factors(v))
                g = dict(f)
                _merge(g, self._canon(ew_factors(u)))
                if _weight(g) < _weight(f) + _weight(ew_factors(u)):
                    _merge(out, self._inner(g, v.shape[0]), x)
                    continue
                b = self._unit_sum(b)
            _merge(out, {b: x})
        out.pop(num(1), None)
        return out

    def _unit_sum(self, dot):
        """𝟏ᵀy = 1 for a symbol y declared to sum to one."""
        if dot.op == "matmul" and dot.args[1].op == "sym" and dot.args[1].attrs[0] in self.unit_sums \
                and dot.args[0].op == "T" and dot.args[0].args[0].op == "ones":
            self.used.add(dot.args[1].attrs[0])
            return num(1)
        return dot

    # ------------------------------------------------- expand and collect
    def expand(self, e):
        """e as a sum of collected terms, every sum factor with a small positive power multiplied out."""
        out = []
        todo = list(self.terms(e))
        while todo:
            if len(out) + len(todo) > 4 * MAX_TERMS:
                raise _TooBig
            c, sc, core = todo.pop(0)
            spend(1)
            sc = self._fold_scalars(sc)
            split = self._split_sum(c, sc, core, e.shape)
            if split is None:
                out.append((c, sc, core))
            else:
                todo = split + todo
        return _collect(out)

    def _split_sum(self, c, sc, core, shape):
        for b, x in sc.items():
            if b.op == "add" and x.denominator == 1 and 0 < x <= MAX_EXPAND_POWER:
                rest = dict(sc)
                rest[b] -= 1
                if rest[b] == 0:
                    del rest[b]
                return self._product([(c, rest, core)], self.terms(b), shape, "scale")
        f = ew_factors(core) if core is not None and core.op in ("had", "pow", "add") else None
        if f:
            for b, x in sorted(f.items(), key=lambda item: -self._denominators(item[0])):
                if b.op == "add" and x.denominator == 1 and 0 < x <= MAX_EXPAND_POWER:
                    f2 = dict(f)
                    f2[b] -= 1
                    if f2[b] == 0:
                        del f2[b]
                    return self._product([(c, sc, ew_build(f2, shape))], self.terms(b), shape, "had")
        if core is not None and core.op == "matmul":
            return self._split_chain(c, sc, core)
        return None

    def _denominators(self, base):
        """How many negative powers the terms of a sum base carry (multiply those out first: they may cancel)."""
        if base.op != "add":
            return 0
        return sum(1 for _, _, k in self.terms(base) for x in ew_factors(k).values() if x < 0)

    def _split_chain(self, c, sc, core):
        """Multiply out a sum factor inside one factor of a matrix chain."""
        chain = _chain(core)
        for i, f in enumerate(chain):
            parts = self._split_sum(Fraction(1), {}, f, f.shape) if f.op != "add" else self.terms(f)
            if parts is None:
                continue
            out = []
            for c2, sc2, k2 in parts:
                items = chain[:i] + ([k2] if k2 is not None else [_ones_like(f.shape)]) + chain[i + 1:]
                prod = items[0]
                for it in items[1:]:
                    prod = Expr("matmul", (prod, it), (), (prod.shape[0], it.shape[1]))
                c3, atoms, k3 = _factor(simplify(prod))
                s3 = dict(sc)
                _merge(s3, sc2)
                _merge(s3, atoms)
                if k3 is not None and k3.is_scalar:
                    s3[k3] = s3.get(k3, 0) + 1
                    k3 = None
                out.append((c * c2 * c3, s3, k3))
            return out
        return None

    def collapse(self, ts, shape):
        """One expression for a list of terms: collected, ordered (positive terms first), common factors out."""
        return simplify(_rebuild(_collect(ts), shape))


class _TooBig(Exception):
    pass


def _flat_add(e):
    if e.op == "add":
        return _flat_add(e.args[0]) + _flat_add(e.args[1])
    return [e]


def _chain(e):
    if e.op == "matmul":
        return _chain(e.args[0]) + _chain(e.args[1])
    return [e]


def _key(sc, core):
    if core is not None and core.op in ("had", "pow"):
        return frozenset(sc.items()), frozenset(ew_factors(core).items())
    return frozenset(sc.items()), core


def _collect(ts):
    coefs, keep = {}, {}
    order = []
    for c, sc, core in ts:
        k = _key(sc, core)
        if k not in coefs:
            coefs[k] = Fraction(0)
            keep[k] = (sc, core)
            order.append(k)
        coefs[k] += c
    return [(coefs[k], keep[k][0], keep[k][1]) for k in order if coefs[k] != 0]


def _text_key(t):
    c, sc, core = t
    return (c < 0, to_text(core) if core is not None else "", sorted(to_text(b) for b in sc))


def _frac_gcd(values):
    top = 0
    bottom = 1
    for v in values:
        top = math.gcd(top, abs(v.numerator))
        bottom = bottom * v.denominator // math.gcd(bottom, v.denominator)
    return Fraction(top, bottom)


def _rebuild(ts, shape):
    """Σ terms as an Expr, with the common coefficient, scalar atoms and ⊙-factors taken out."""
    if not ts:
        return num(0) if shape == (1, 1) else Expr("zero", (), (), shape)
    ts = sorted(ts, key=_text_key)
    common_c = _frac_gcd([c for c, _, _ in ts]) if len(ts) > 1 else Fraction(1)
    if len(ts) > 1 and all(c < 0 for c, _, _ in ts):
        common_c = -common_c
    common_sc = _common([sc for _, sc, _ in ts]) if len(ts) > 1 else {}
    elementwise = len(ts) > 1 and all(core is not None and core.op != "matmul" for _, _, core in ts)
    common_f = _common([ew_factors(core) for _, _, core in ts]) if elementwise else {}
    body = None
    for c, sc, core in ts:
        sc2 = dict(sc)
        _merge(sc2, common_sc, -1)
        core2 = core
        if common_f:
            f = ew_factors(core)
            _merge(f, common_f, -1)
            core2 = ew_build(f, shape)
        if core2 is None and shape != (1, 1):
            core2 = _ones_like(shape)
        t = _build(c / common_c, sc2, core2, shape)
        body = t if body is None else Expr("add", (body, t), (), shape)
    if common_f:
        body = Expr("had", (ew_build(common_f, shape), body), (), shape)
    return _build(common_c, dict(common_sc), body, shape) if shape != (1, 1) or common_sc or common_c != 1 \
        else body


def _common(dicts):
    """The factors every dict has with a positive exponent, at their smallest exponent."""
    first = dicts[0]
    out = {}
    for b, x in first.items():
        values = [d.get(b, 0) for d in dicts]
        if all(v > 0 for v in values):
            out[b] = min(values)
        elif all(v < 0 for v in values):
            out[b] = max(values)
    return out


# ------------------------------------------------------------------ entry
def expand(e, unit_sums=()):
    """e multiplied out, cancelled and collected (a canonical sum of terms); e itself if that is too big."""
    ex = Expander(unit_sums)
    try:
        with attempt():
            return simplify(_rebuild(ex.expand(e), e.shape))
    except (_TooBig, OverBudget):
        return e


def diag_as_hadamard(e, names=()):
    """Show Diag(h)v as h ⊙ v (v a column) unless Diag(h) has a short name."""
    if not e.args:
        return e
    args = tuple(diag_as_hadamard(a, names) for a in e.args)
    x = e if args == e.args else Expr(e.op, args, e.attrs, e.shape)
    if x.op != "matmul" or x.shape[1] != 1:
        return x
    chain = _chain(x)
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
        _merge(f, ew_factors(d.args[0]))
    _merge(f, ew_factors(chain[i]))
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
        base = fold_transposes(diag_as_hadamard(e, self.names), self.names)
        ex = Expander(self.unit_sums)
        wide = self._expanded(e, base, ex)
        out, rule = base, None
        if wide is not base:
            short, long_ = len(to_text(wide, self.names)), len(to_text(base, self.names))
            if short <= long_ - 2 or (short <= long_ and _nested_sums(wide) < _nested_sums(base)):
                out, rule = wide, cancellation_rule(e, ex.fired)
                self.used_unit_sums |= ex.used
        self.cache[e] = (out, rule)
        return out, rule

    def _expanded(self, e, base, ex):
        """e multiplied out and collected, or ``base`` when that is too big or this derivation's allowance is spent."""
        if self.allowance <= 0:
            return base
        with attempt(min(MAX_TIDY_WORK, self.allowance)) as budget:
            try:
                wide = simplify(_rebuild(ex.expand(e), e.shape))
                wide = fold_transposes(diag_as_hadamard(wide, self.names), self.names)
                return base if wide == base else wide
            except (_TooBig, OverBudget):
                return base
            finally:
                self.allowance -= budget.used


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
    logs = any(n.op == "pow" and n.attrs[0] < 0 for n in before.walk())
    if "sigmoid" in fns and logs:
        return "σ′ = σ(1 − σ) cancels the cross-entropy denominators: σ(1 − σ) ⊙ (−y ⊘ σ + (1 − y) ⊘ (1 − σ)) = σ − y"
    if any(n.op == "softmax" for n in before.walk()) and logs:
        return "softmax′ = Diag(s) − ssᵀ cancels the cross-entropy denominator: (Diag(s) − ssᵀ)(y ⊘ s) = s𝟏ᵀy − y"
    return "multiply out, cancel and collect like terms"
