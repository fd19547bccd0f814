"""Multiplying out, cancelling and collecting: the second half of simplification.

:func:`~.simplify.simplify` never multiplies out, so a result such as
``Diag(σ′(z))(−y ⊘ σ(z) + (𝟏 − y) ⊘ (𝟏 − σ(z)))`` stays as it is. :func:`multiply_out`
writes an expression as a sum of terms ``coef · scalar atoms · core`` (see :mod:`.factors`):

* element-wise products (⊙, powers, ``Diag(h)v`` for a column v) are
  commutative monomials ``{base: exponent}``; factors are multiplied *before*
  any sum is multiplied out, so ``(𝟏 − σ) ⊙ (𝟏 − σ)⁻¹`` cancels;
* matrix products distribute over sums (``A(B + C) = AB + AC``), a row times
  ``Diag(h)v`` becomes the inner product ``𝟏ᵀ(u ⊙ h ⊙ v)`` when factors cancel;
* then every remaining sum with a small positive power is multiplied out, like
  terms are collected, and common factors are taken out again:
  ``(1/k)σ(z) − (1/k)y = (1/k)(σ(z) − y)``.

Whether the multiplied-out form is shown is decided in :mod:`.tidy`.
"""

from __future__ import annotations

from fractions import Fraction

from .budget import OverBudget, attempt, spend
from .expr import Expr, num
from .factors import (collect, ew_build, ew_factors, exact_power, factor, flatten, merge_factors, ones_like,
                      rebuild, weight)
from .simplify import simplify

MAX_TERMS = 48
MAX_EXPAND_POWER = 3


class Multiplier:
    """Multiplying out with a cache; ``unit_sums`` are symbols whose entries sum to one (𝟏ᵀy = 1)."""

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
            c, atoms, core = factor(e)
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
            merge_factors(out, {b: x})
        return out

    def _lazy(self, e):
        """Terms of e, but a sum stays one factor so that it can cancel before it is multiplied out."""
        ts = self.terms(e)
        if len(ts) <= 1 or e.is_scalar:
            return ts
        return [(Fraction(1), {}, self.collapse(ts, e.shape))]

    def _product(self, left, right, shape, kind):
        if len(left) * len(right) > MAX_TERMS:
            raise TooBig
        spend(len(left) * len(right))
        out = []
        for c1, s1, k1 in left:
            for c2, s2, k2 in right:
                sc = dict(s1)
                merge_factors(sc, s2)
                if kind == "scale":
                    core = k2 if k1 is None else k1 if k2 is None else simplify(Expr("scale", (k1, k2), (), shape))
                    out.append((c1 * c2, sc, core))
                    continue
                f = self._canon(ew_factors(k1))
                merge_factors(f, self._canon(ew_factors(k2)))
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
            merge_factors(sc2, sc, p)
            f = {}
            merge_factors(f, ew_factors(core), p)
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
            raise TooBig
        spend(len(left) * len(right))
        out = []
        a_shape, b_shape = e.args[0].shape, e.args[1].shape
        for c1, s1, k1 in left:
            for c2, s2, k2 in right:
                sc = dict(s1)
                merge_factors(sc, s2)
                ka = k1 if k1 is not None else ones_like(a_shape) if a_shape != (1, 1) else None
                kb = k2 if k2 is not None else ones_like(b_shape) if b_shape != (1, 1) else None
                if ka is None or kb is None:
                    core = kb if ka is None else ka
                else:
                    core = simplify(Expr("matmul", (ka, kb), (), e.shape))
                c, atoms, core = factor(core) if core is not None else (Fraction(1), {}, None)
                merge_factors(sc, atoms)
                if core is not None and core.op == "matmul":
                    more, core = self._apply_diags(core)
                    merge_factors(sc, more)
                if core is not None and core.is_scalar:
                    sc[core] = sc.get(core, 0) + 1
                    core = None
                out.append((c1 * c2 * c, sc, core))
        return out

    def _apply_diags(self, core):
        """Diag(h₁)…Diag(hₖ)v → h₁ ⊙ … ⊙ v at the end of a chain; uᵀ(h ⊙ v) → 𝟏ᵀ(u ⊙ h ⊙ v) when it cancels."""
        chain = flatten(core, "matmul")
        v = chain[-1]
        if v.shape[1] != 1 or v.op == "diag":
            return {}, core
        i = len(chain) - 1
        while i > 0 and chain[i - 1].op == "diag":
            i -= 1
        f = {}
        for d in chain[i:-1]:
            merge_factors(f, self._canon(ew_factors(d.args[0])))
        merge_factors(f, self._canon(ew_factors(v)))
        f = self._sigmoid_rule(f, v.shape)
        prefix = chain[:i]
        sc = {}
        if prefix and prefix[-1].op == "T" and prefix[-1].args[0].shape[1] == 1:
            u = prefix[-1].args[0]
            g = dict(f)
            merge_factors(g, self._canon(ew_factors(u)))
            if weight(g) < weight(f) + weight(ew_factors(u)):
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
        c, atoms, rest = factor(dot)
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
            parts = flatten(base, "add")
            if len(parts) != 2 or parts[0].op != "ones" or parts[1].op != "fn" or parts[1].attrs[0] != "exp":
                continue
            e = parts[1]
            a = e.args[0]
            if f.get(e, 0) >= 1:
                merge_factors(f, {e: -1, base: 1})
                merge_factors(f, {simplify(Expr("fn", (a,), ("sigmoid",), shape)): 1})
                self.fired.add("exp(a) ⊘ (1 + exp(a)) = σ(a)")
            elif a.op == "scale" and a.args[0] == num(-1):
                merge_factors(f, {base: 1})
                merge_factors(f, {simplify(Expr("fn", (a.args[1],), ("sigmoid",), shape)): 1})
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
                merge_factors(g, self._canon(ew_factors(u)))
                if weight(g) < weight(f) + weight(ew_factors(u)):
                    merge_factors(out, self._inner(g, v.shape[0]), x)
                    continue
                b = self._unit_sum(b)
            merge_factors(out, {b: x})
        out.pop(num(1), None)
        return out

    def _unit_sum(self, dot):
        """𝟏ᵀy = 1 for a symbol y declared to sum to one."""
        if dot.op == "matmul" and dot.args[1].op == "sym" and dot.args[1].attrs[0] in self.unit_sums \
                and dot.args[0].op == "T" and dot.args[0].args[0].op == "ones":
            self.used.add(dot.args[1].attrs[0])
            return num(1)
        return dot

    # -------------------------------------------- multiply out and collect
    def multiply_out(self, e):
        """e as a sum of collected terms, every sum factor with a small positive power multiplied out."""
        out = []
        todo = list(self.terms(e))
        while todo:
            if len(out) + len(todo) > 4 * MAX_TERMS:
                raise TooBig
            c, sc, core = todo.pop(0)
            spend(1)
            sc = self._fold_scalars(sc)
            split = self._split_sum(c, sc, core, e.shape)
            if split is None:
                out.append((c, sc, core))
            else:
                todo = split + todo
        return collect(out)

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
        chain = flatten(core, "matmul")
        for i, f in enumerate(chain):
            parts = self._split_sum(Fraction(1), {}, f, f.shape) if f.op != "add" else self.terms(f)
            if parts is None:
                continue
            out = []
            for c2, sc2, k2 in parts:
                items = chain[:i] + ([k2] if k2 is not None else [ones_like(f.shape)]) + chain[i + 1:]
                prod = items[0]
                for it in items[1:]:
                    prod = Expr("matmul", (prod, it), (), (prod.shape[0], it.shape[1]))
                c3, atoms, k3 = factor(simplify(prod))
                s3 = dict(sc)
                merge_factors(s3, sc2)
                merge_factors(s3, atoms)
                if k3 is not None and k3.is_scalar:
                    s3[k3] = s3.get(k3, 0) + 1
                    k3 = None
                out.append((c * c2 * c3, s3, k3))
            return out
        return None

    def collapse(self, ts, shape):
        """One expression for a list of terms: collected, ordered (positive terms first), common factors out."""
        return simplify(rebuild(collect(ts), shape))


class TooBig(Exception):
    """More terms than :data:`MAX_TERMS`: the factored form is kept."""


def multiply_out(e, unit_sums=()):
    """e multiplied out, cancelled and collected (a canonical sum of terms); e itself if that is too big."""
    ex = Multiplier(unit_sums)
    try:
        with attempt():
            return simplify(rebuild(ex.multiply_out(e), e.shape))
    except (TooBig, OverBudget):
        return e
