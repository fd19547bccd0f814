"""Simplification to a readable canonical form.

Bottom-up rewriting (children first), one local rule set per op:

* products: scalar factors (numbers, dimensions, 1×1 sub-products) are pulled
  to the front and multiplied out, ``I`` is dropped, ``Diag(v)𝟏 = v``,
  ``𝟏ᵀ𝟏 = k``; matrix chains are re-associated to one canonical form;
* sums: like terms are collected (``Ax + Ax = 2Ax``) and a common left or
  right factor is taken out (``Ax + Aᵀx = (A + Aᵀ)x``);
* transposes are pushed to the leaves (``(AB)ᵀ = BᵀAᵀ``, ``(Aᵀ)ᵀ = A``; an
  element-wise f(A) counts as a leaf so that f(A) stays one shared node),
  a 1×1 transpose is dropped, ``Diag(v)ᵀ = Diag(v)``, ``(X⁻¹)ᵀ`` stays as X⁻ᵀ;
* Hadamard products: ``𝟏 ⊙ v = v``, ``a ⊙ a = a²``, scalars pulled out.

Nothing is multiplied out (products over sums stay factored; that is :mod:`.multiply_out`), so results
stay short.
"""

from __future__ import annotations

from fractions import Fraction

from .budget import spend
from .expr import Expr, dim_value, num
from .factors import (build, exact_power, factor, flatten, is_zero, merge_atoms, mm_shape, nest, same_shape,
                      zero_of)


def simplify(e: Expr) -> Expr:
    """A simplified, canonical equal of ``e`` (same shape)."""
    return _Simplifier().run(e)


class _Simplifier:
    def __init__(self):
        self.cache = {}

    def run(self, e):
        hit = self.cache.get(e)
        if hit is not None:
            return hit
        spend(1)
        args = tuple(self.run(a) for a in e.args)
        x = e if args == e.args else Expr(e.op, args, e.attrs, e.shape)
        rule = getattr(self, "r_" + x.op, None)
        out = rule(x) if rule else x
        self.cache[e] = out
        self.cache[out] = out
        return out

    def mk(self, op, args, attrs=(), shape=None):
        return self.run(Expr(op, tuple(args), attrs, shape if shape is not None else args[0].shape))

    # ------------------------------------------------------------ products
    def r_scale(self, e):
        c, a = e.args
        if is_zero(c) or is_zero(a):
            return zero_of(e.shape)
        coef, atoms, core = factor(e)
        return build(coef, atoms, core, e.shape)

    def r_matmul(self, e):
        coef, atoms, chain = Fraction(1), {}, []
        stack = [e]
        while stack:
            f = stack.pop(0)
            if is_zero(f):
                return zero_of(e.shape)
            if f.op == "matmul":
                stack = [f.args[0], f.args[1]] + stack
                continue
            c, a, k = factor(f)
            coef *= c
            merge_atoms(atoms, a)
            if k is not None:
                if k.op == "matmul":
                    stack = [k] + stack
                else:
                    chain.append(k)
        spend(len(chain))
        chain = self._chain_rules(chain, atoms)
        if chain is None:
            return zero_of(e.shape)
        chain = self._scalar_runs(chain, atoms)
        core = nest("matmul", chain, mm_shape) if chain else None
        if core is not None and core.is_scalar:
            atoms[core] = atoms.get(core, 0) + 1
            core = None
        return build(coef, atoms, core, e.shape)

    def _scalar_runs(self, chain, atoms):
        """A 1×1 run uᵀv inside a longer chain is a scalar: A uᵀv B = (uᵀv) AB."""
        for i in range(len(chain)):
            if chain[i].shape[0] != 1:
                continue
            for j in range(i, len(chain)):
                if chain[j].shape[1] == 1:
                    if (i, j) == (0, len(chain) - 1) or (i == j):
                        break
                    run = self.run(nest("matmul", chain[i:j + 1], mm_shape))
                    c, a, k = factor(run)
                    merge_atoms(atoms, a)
                    if c != 1:
                        atoms[num(c)] = atoms.get(num(c), 0) + 1
                    if k is not None:
                        atoms[k] = atoms.get(k, 0) + 1
                    return self._scalar_runs(chain[:i] + chain[j + 1:], atoms)
        return chain

    def _chain_rules(self, chain, atoms):
        changed = True
        while changed:
            changed = False
            for i in range(len(chain)):
                f = chain[i]
                if f.op == "eye" and len(chain) > 1:
                    del chain[i]
                    changed = True
                    break
                if f.op == "bcast" and len(chain) > 1 and f.shape[1] != 1:
                    c, a, k = factor(f.args[0])
                    merge_atoms(atoms, a)
                    if k is not None:
                        atoms[k] = atoms.get(k, 0) + 1
                    if c != 1:
                        atoms[num(c)] = atoms.get(num(c), 0) + 1
                    rows, cols = f.shape
                    ones_r = Expr("ones", (), (), (rows, 1))
                    ones_c = Expr("T", (Expr("ones", (), (), (cols, 1)),), (), (1, cols))
                    chain[i:i + 1] = [ones_r, ones_c] if rows != 1 else [ones_c]
                    changed = True
                    break
                if i + 1 >= len(chain):
                    continue
                g = chain[i + 1]
                if f.op == "diag" and g.op == "ones":
                    chain[i:i + 2] = [f.args[0]]
                    changed = True
                    break
                if f.op == "T" and f.args[0].op == "ones" and g.op == "ones":
                    d = dim_value(g.shape[0])
                    c, a, _ = factor(d)
                    merge_atoms(atoms, a)
                    if c != 1:
                        atoms[num(c)] = atoms.get(num(c), 0) + 1
                    del chain[i:i + 2]
                    changed = True
                    break
                if f.op == "diag" and g.op == "diag":
                    chain[i:i + 2] = [self.mk("diag", [self.mk("had", [f.args[0], g.args[0]])],
                                              shape=f.shape)]
                    changed = True
                    break
        return chain

    def r_had(self, e):
        if e.is_scalar:
            return self.run(Expr("scale", e.args, (), e.shape))
        coef, atoms, items = Fraction(1), {}, []
        for f in flatten(e, "had"):
            if is_zero(f):
                return zero_of(e.shape)
            if f.op == "bcast":
                f = f.args[0]
            c, a, k = factor(f)
            coef *= c
            merge_atoms(atoms, a)
            if k is not None and k.op != "ones" and not _all_ones(k):
                items.append(k)
        powers = {}
        order = []
        for k in items:
            base, p = (k.args[0], k.attrs[0]) if k.op == "pow" else (k, Fraction(1))
            if base not in powers:
                order.append(base)
                powers[base] = Fraction(0)
            powers[base] += p
        parts = []
        for base in order:
            p = powers[base]
            if p == 0:
                continue
            parts.append(base if p == 1 else self.mk("pow", [base], (p,)))
        if not parts:
            core = Expr("ones", (), (), e.shape) if e.shape[1] == 1 else self.mk("bcast", [num(1)], shape=e.shape)
        else:
            core = nest("had", parts, same_shape)
        return build(coef, atoms, core, e.shape)

    # --------------------------------------------------------------- sums
    def r_add(self, e):
        keys, coefs = [], {}
        flat = flatten(e, "add")
        spend(len(flat))
        for t in flat:
            if is_zero(t):
                continue
            c, a, k = factor(t)
            key = (frozenset((b, x) for b, x in a.items() if x != 0), k)
            if key not in coefs:
                keys.append(key)
                coefs[key] = Fraction(0)
            coefs[key] += c
        terms = []
        for key in keys:
            if coefs[key] != 0:
                atoms, core = dict(key[0]), key[1]
                terms.append(build(coefs[key], atoms, core, e.shape))
        if not terms:
            return zero_of(e.shape)
        if len(terms) == 1:
            return terms[0]
        return self._common_factor(terms, e.shape) or nest("add", terms, same_shape)

    def _common_factor(self, terms, shape):
        parts = []
        for t in terms:
            c, a, k = factor(t)
            if k is None or k.op != "matmul":
                return None
            parts.append((c, a, flatten(k, "matmul")))
        for side in (-1, 0):
            common = parts[0][2][side]
            if all(p[2][side] == common and len(p[2]) > 1 for p in parts):
                rest = []
                for c, a, chain in parts:
                    others = nest("matmul", chain[:-1] if side == -1 else chain[1:], mm_shape)
                    rest.append(build(c, dict(a), others, others.shape))
                inner = self.run(nest("add", rest, same_shape))
                pair = [inner, common] if side == -1 else [common, inner]
                return self.run(Expr("matmul", tuple(pair), (), shape))
        return None

    # ---------------------------------------------------------- transposes
    def r_T(self, e):  # noqa: N802
        a = e.args[0]
        if a.is_scalar:
            return a
        op = a.op
        if op == "T":
            return a.args[0]
        if op in ("eye", "diag"):
            return a
        if op == "zero":
            return zero_of(e.shape)
        if op == "bcast":
            return Expr("bcast", a.args, (), e.shape)
        if op == "matmul":
            chain = [self.mk("T", [f], shape=(f.shape[1], f.shape[0])) for f in reversed(flatten(a, "matmul"))]
            return self.run(nest("matmul", chain, mm_shape))
        if op in ("add", "had"):
            parts = [self.mk("T", [f], shape=e.shape) for f in flatten(a, op)]
            return self.run(nest(op, parts, same_shape))
        if op == "scale":
            return self.mk("scale", [a.args[0], self.mk("T", [a.args[1]], shape=e.shape)], shape=e.shape)
        if op == "inv" and self.run(Expr("T", a.args, (), a.shape)) == a.args[0]:
            return a  # the inverse of a symmetric matrix is symmetric
        if op == "inv" and a.args[0].op == "T":
            return Expr("inv", (a.args[0].args[0],), (), e.shape)
        return e

    # -------------------------------------------------------- element-wise
    def r_pow(self, e):
        a, p = e.args[0], e.attrs[0]
        if p == 1:
            return a
        if a.op == "num" and p.denominator == 1 and exact_power(a.attrs[0], p) is not None:
            return num(exact_power(a.attrs[0], p))
        if a.op == "ones":
            return a
        if a.op == "pow" and p.denominator == 1 and a.attrs[0].denominator == 1:
            return self.mk("pow", [a.args[0]], (p * a.attrs[0],))
        if a.op == "bcast":
            return self.mk("bcast", [self.mk("pow", [a.args[0]], (p,))], shape=e.shape)
        if e.is_scalar:
            coef, atoms, core = factor(e)
            return build(coef, atoms, core, e.shape)
        return e

    def r_bcast(self, e):
        if is_zero(e.args[0]):
            return zero_of(e.shape)
        if e.shape == (1, 1):
            return e.args[0]
        if e.shape[1] == 1:
            return self.run(Expr("scale", (e.args[0], Expr("ones", (), (), e.shape)), (), e.shape))
        return e

    def r_fn(self, e):
        a = e.args[0]
        if a.op == "bcast":
            return self.mk("bcast", [self.mk("fn", [a.args[0]], e.attrs)], shape=e.shape)
        return e

    # ---------------------------------------------------------- reductions
    def _pull(self, e, op):
        a = e.args[0]
        if is_zero(a):
            return zero_of(e.shape)
        if a.op == "scale":
            c, at, core = factor(a)
            if core is not None:
                inner = self.mk(op, [core], shape=e.shape)
                return self.run(Expr("scale", (build(c, at, None, (1, 1)), inner), (), e.shape))
        return None

    def r_sum(self, e):
        a = e.args[0]
        if a.is_scalar:
            return a
        if a.op == "ones":
            return dim_value(a.shape[0])
        return self._pull(e, "sum") or e

    def r_tr(self, e):
        a = e.args[0]
        if a.is_scalar:
            return a
        if a.op == "eye":
            return dim_value(a.shape[0])
        return self._pull(e, "tr") or e

    def r_diag(self, e):
        a = e.args[0]
        if a.op == "ones":
            return Expr("eye", (), (), e.shape)
        return self._pull(e, "diag") or e

    def r_diagvec(self, e):
        a = e.args[0]
        if a.op == "diag":
            return a.args[0]
        if a.op == "eye":
            return Expr("ones", (), (), e.shape)
        return self._pull(e, "diagvec") or e

    def r_inv(self, e):
        a = e.args[0]
        if a.op == "inv":
            return a.args[0]
        if a.op == "eye":
            return a
        if a.op == "T":
            return self.mk("T", [self.mk("inv", [a.args[0]])], shape=e.shape)
        if a.op == "diag":
            return self.mk("diag", [self.mk("pow", [a.args[0]], (Fraction(-1),))], shape=e.shape)
        return e

    def r_frob(self, e):
        a, b = e.args
        if a.is_scalar:
            return self.mk("scale", [a, b], shape=(1, 1))
        if a.shape[1] == 1:
            return self.mk("matmul", [self.mk("T", [a], shape=(1, a.shape[0])), b], shape=(1, 1))
        if a.shape[0] == 1:
            return self.mk("matmul", [a, self.mk("T", [b], shape=(b.shape[1], 1))], shape=(1, 1))
        if a.op == "eye":
            return self.mk("tr", [b], shape=(1, 1))
        if b.op == "eye":
            return self.mk("tr", [a], shape=(1, 1))
        return e


def _all_ones(e):
    """𝟏𝟏ᵀ (a product of ones vectors): every entry is one, so it drops out of a Hadamard product."""
    return e.op == "matmul" and all(f.op == "ones" or (f.op == "T" and f.args[0].op == "ones")
                                    for f in flatten(e, "matmul"))
