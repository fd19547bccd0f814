"""The normal forms that :mod:`.simplify` and :mod:`.multiply_out` share.

* a product of scalars and one array: ``coef · Π atomˣ · core`` — :func:`factor` splits a simplified
  expression so, :func:`build` puts one together in canonical order;
* an element-wise monomial: a ⊙-product of powers as ``{base: exponent}`` — :func:`ew_factors`,
  :func:`ew_build`;
* a sum of terms ``[(coef, {scalar atom: exponent}, core)]`` — :func:`collect` adds like terms,
  :func:`rebuild` writes the sum with its common factors taken out.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .budget import spend
from .expr import Expr, num
from .printing import to_text

MAX_BITS = 2048


def exact_power(c, p):
    """c ** p for a Fraction c and an integral p, or None when the exact result would need more than
    :data:`MAX_BITS` bits (2 ** 64 ** 5 is kept as a power rather than computed)."""
    p = int(p)
    if c == 0 and p < 0:
        return None
    bits = max(abs(c.numerator).bit_length(), c.denominator.bit_length())
    if bits > 1 and (bits - 1) * abs(p) > MAX_BITS:
        return None
    return c ** p


def is_zero(e):
    return e.op == "zero" or (e.op == "num" and e.attrs[0] == 0)


def zero_of(shape):
    return num(0) if shape == (1, 1) else Expr("zero", (), (), shape)


def _atom_order(item):
    base = item[0]
    return (0 if base.op in ("dim", "sym") else 1, to_text(base))


def build(coef, atoms, core, shape):
    """coef · Π baseˣ · core, as nested ``scale`` nodes in canonical order."""
    if coef == 0:
        return zero_of(shape)
    items = sorted(((b, x) for b, x in atoms.items() if x != 0), key=_atom_order)
    factors = []
    if coef != 1 or (core is None and not items):
        factors.append(num(coef))
    for base, x in items:
        factors.append(base if x == 1 else Expr("pow", (base,), (Fraction(x),), base.shape))
    out = core if core is not None else factors.pop()
    for f in reversed(factors):
        out = Expr("scale", (f, out), (), out.shape)
    return out


def merge_atoms(atoms, more, power=1):
    spend(1 + len(more) // 4)
    for b, x in more.items():
        atoms[b] = atoms.get(b, Fraction(0)) + x * power


def factor(e):
    """(coef, {atom: exponent}, core or None) of a simplified expression."""
    coef, atoms, core = Fraction(1), {}, None
    if e.op == "num":
        coef = e.attrs[0]
    elif e.op == "scale":
        c1, a1, k1 = factor(e.args[0])
        c2, a2, k2 = factor(e.args[1])
        coef = c1 * c2
        merge_atoms(atoms, a1)
        merge_atoms(atoms, a2)
        core = k2 if k2 is not None else k1
        if k1 is not None and k2 is not None:
            atoms[k1] = atoms.get(k1, 0) + 1
    elif e.op == "pow" and e.is_scalar:
        p = e.attrs[0]
        c, a, k = factor(e.args[0])
        if p.denominator == 1 and k is None and c != 0 and exact_power(c, p) is not None:
            coef = exact_power(c, p)
            merge_atoms(atoms, a, p)
        else:
            atoms[e.args[0]] = p
    else:
        core = e
    if e.is_scalar and core is not None:
        atoms[core] = atoms.get(core, 0) + 1
        core = None
    return coef, atoms, core


def flatten(e, op):
    if e.op == op:
        return flatten(e.args[0], op) + flatten(e.args[1], op)
    return [e]


def nest(op, items, shape_of):
    out = items[0]
    for it in items[1:]:
        out = Expr(op, (out, it), (), shape_of(out, it))
    return out


def mm_shape(a, b):
    return (a.shape[0], b.shape[1])


def same_shape(a, b):
    return a.shape

# ------------------------------------------------------- element-wise monomials
def merge_factors(into, more, power=1):
    for b, x in more.items():
        into[b] = into.get(b, Fraction(0)) + Fraction(x) * power
        if into[b] == 0:
            del into[b]


def ones_like(shape):
    if shape[1] == 1:
        return Expr("ones", (), (), shape)
    return Expr("bcast", (num(1),), (), shape)


def ew_factors(core):
    """{base: exponent} of an element-wise monomial (a ⊙-product of powers); ``None`` is the unit."""
    out = {}
    if core is None or core.op == "ones" or (core.op == "bcast" and core.args[0] == num(1)):
        return out
    if core.op == "had":
        merge_factors(out, ew_factors(core.args[0]))
        merge_factors(out, ew_factors(core.args[1]))
        return out
    if core.op == "pow" and core.args[0].op == "had" and core.attrs[0].denominator == 1:
        merge_factors(out, ew_factors(core.args[0]), core.attrs[0])
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


def weight(factors):
    return sum(abs(x) for x in factors.values())

# -------------------------------------------------------------- sums of terms
def _key(sc, core):
    if core is not None and core.op in ("had", "pow"):
        return frozenset(sc.items()), frozenset(ew_factors(core).items())
    return frozenset(sc.items()), core


def collect(ts):
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


def rebuild(ts, shape):
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
        merge_factors(sc2, common_sc, -1)
        core2 = core
        if common_f:
            f = ew_factors(core)
            merge_factors(f, common_f, -1)
            core2 = ew_build(f, shape)
        if core2 is None and shape != (1, 1):
            core2 = ones_like(shape)
        t = build(c / common_c, sc2, core2, shape)
        body = t if body is None else Expr("add", (body, t), (), shape)
    if common_f:
        body = Expr("had", (ew_build(common_f, shape), body), (), shape)
    return build(common_c, dict(common_sc), body, shape) if shape != (1, 1) or common_sc or common_c != 1 \
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
