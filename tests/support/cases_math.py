"""Sample inputs for the math rows (element-wise functions), for the table-driven tests.

Values lie inside each function's domain, away from its edges (±1 for arcsin), from the poles of tan,
and from the jumps of floor, ceil, round, trunc and mod (integers, halves, multiples of the divisor).
"""

from __future__ import annotations

import numpy as np

R = np.random.default_rng(7)

UNARY = [(), (3,), (2, 3)]
BINARY = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((2, 3), ())]


def uniform(shape, lo, hi):
    return R.uniform(lo, hi, shape)


def away(shape, margin=0.3):
    z = R.standard_normal(shape)
    return np.sign(z + (z == 0)) * (margin + np.abs(z))


def between_integers(shape):
    """Values in (k + 0.15, k + 0.4) or (k + 0.6, k + 0.85): away from integers and from halves."""
    k = R.integers(-3, 3, shape)
    f = R.uniform(0.15, 0.35, shape) + 0.45 * R.integers(0, 2, shape)
    return k + f


def _unary(lo, hi):
    return [((uniform(s, lo, hi),), {}) for s in UNARY]


CASES = {
    "tan": _unary(-1.2, 1.2),
    "arcsin": _unary(-0.85, 0.85),
    "arccos": _unary(-0.85, 0.85),
    "arctan": [((away(s),), {}) for s in UNARY],
    "arctan2": [((away(a), away(b)), {}) for a, b in BINARY],
    "sinh": _unary(-2.0, 2.0),
    "cosh": _unary(-2.0, 2.0),
    "arcsinh": _unary(-3.0, 3.0),
    "arccosh": _unary(1.3, 4.0),
    "arctanh": _unary(-0.8, 0.8),
    "log1p": _unary(-0.7, 3.0),
    "expm1": _unary(-2.0, 2.0),
    "log2": _unary(0.3, 4.0),
    "log10": _unary(0.3, 4.0),
    "exp2": _unary(-2.0, 2.0),
    "square": [((away(s),), {}) for s in UNARY],
    "reciprocal": [((away(s, 0.5),), {}) for s in UNARY],
    "sign": [((away(s),), {}) for s in UNARY],
    "floor": [((between_integers(s),), {}) for s in UNARY],
    "ceil": [((between_integers(s),), {}) for s in UNARY],
    "trunc": [((between_integers(s),), {}) for s in UNARY],
    "round": [((between_integers(s),), {}) for s in UNARY]
    + [((np.array([0.123, -2.481, 7.719]),), {"decimals": 1}),
       ((np.array([[123.4, -1577.0], [38.2, 912.6]]),), {"decimals": -1})],
    "erf": _unary(-2.5, 2.5),
}



def _mod_pair(a, b):
    """x, y with every x/y (broadcast) at least 0.1 from an integer: no case sits on or near a jump."""
    while True:
        x, y = R.uniform(-3.0, 3.0, a), away(b, 0.5)
        q = np.asarray(x / y)
        if np.all(np.abs(q - np.round(q)) > 0.1):
            return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


CASES["mod"] = [(_mod_pair(a, b), {}) for a, b in BINARY]
