"""Comparing a formula with a reference numerically, for :func:`~.check.check`.

On random draws of distinct sizes for the named dimensions (each different from its earlier sizes, so no
matrix is accidentally square and a factor like m/2 shows as a function of m) and data drawn as
:mod:`.verify` draws it (away from ReLU kinks, positive under log and √, invertible under inv and det),
:class:`Comparison` finds whether the answer equals the reference or its transpose, or is c × it — c the same
number on every draw, or r · Π dᵉ with r a small fraction and |e| <= 2 — and, where none of these holds, a
small draw (sizes 2, 3, ...; values with one decimal) where the two differ.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from ..core.errors import DerivationError, ParameterError, ShapeError
from . import expr as E
from . import shapes as S
from .codegen import to_numpy
from .functions import FUNCTIONS
from .printing import to_text
from .verify import MAX_ELEMENTS, _on_simplex, draw_data

RTOL = 1e-8            # relative tolerance of "equal" and of a fitted factor
REDRAWS = 8            # fresh data sets tried when a draw gives NaN / ∞ or a singular matrix
MAX_EXPONENT = 2       # factors c = r · Π dᵉ with |e| <= 2 ...
MAX_FACTOR_DIMS = 3    # ... in at most 3 dimensions ...
MAX_DENOMINATOR = 16   # ... and r a fraction with denominator <= 16 and numerator <= 64
MAX_NUMERATOR = 64
OWNER = "symbolic.check"


def _dims(e):
    out = {d for n in e.walk() for d in S.dims_of(n.shape)}
    return sorted(out | {n.attrs[0] for n in e.walk() if n.op == "dim"})


def draw_sizes(dims, fixed, history, rng):
    """Distinct sizes (non-square), avoiding the numeric sizes ``fixed`` and each dimension's earlier sizes."""
    pool = [s for s in range(2, 10 + len(dims)) if s not in fixed]
    best = None
    for _ in range(60):
        sizes = dict(zip(dims, (int(s) for s in rng.permutation(pool)[:len(dims)])))
        fresh = sum(all(h[d] != sizes[d] for h in history) for d in dims)
        if fresh == len(dims):
            return sizes
        if best is None or fresh > best[0]:
            best = (fresh, sizes)
    return best[1]


def close(a, b, floor):
    """max |a − b| <= RTOL · max(|a|, |b|, floor)."""
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), floor)
    return float(np.max(np.abs(a - b))) <= RTOL * scale


class Comparison:
    """The answer ``ans`` against the reference ``g`` (the gradient of ``expr``) on ``trials`` random draws.

    :meth:`run` makes the draws; :meth:`factors` says, for the reference or its transpose, whether they are
    equal or the per-draw factors c; :meth:`fit` names c; :meth:`witness` finds a small draw where they differ.
    """

    def __init__(self, expr, g, ans, trials, seed, sums_to_one=()):
        self.expr, self.g, self.ans, self.trials, self.seed = expr, g, ans, trials, seed
        self.sums_to_one = tuple(sums_to_one)
        self.both = E.add(E.total(expr), E.add(E.total(g), E.total(ans)))  # every symbol, dimension and kink
        self.dims = _dims(self.both)
        self.fixed = {d for n in self.both.walk() for d in n.shape if isinstance(d, int)}
        self.f_g, self.f_a = to_numpy(g), to_numpy(ans)
        self.draws = []  # (sizes, data, answer value, reference value, floor)

    def _evaluate(self, sizes, data):
        with np.errstate(all="ignore"):
            g = self.f_g(dims=sizes, **{k: data[k] for k in self.f_g.symbols})
            a = self.f_a(dims=sizes, **{k: data[k] for k in self.f_a.symbols})
        mag = max([1.0] + [float(np.max(np.abs(v))) for v in data.values() if v.size])
        return a, g, 1e-12 * mag

    def _guard(self, sizes):
        for n in self.both.walk():
            r, c = (S.size(s, sizes) for s in n.shape)
            if r * c > MAX_ELEMENTS:
                raise ParameterError(f"{OWNER}: {to_text(n)[:60]} is {r:,}×{c:,} = {r * c:,} numbers; check "
                                     f"evaluates at most {MAX_ELEMENTS:,} numbers per array")

    def _draw(self, rng, sizes):
        """(data, answer value, reference value, floor) on the first usable data set; None when none is."""
        for _ in range(REDRAWS):
            try:
                with np.errstate(all="ignore"):
                    data = draw_data(self.both, sizes, rng)
                    _on_simplex(data, self.sums_to_one, rng)
                    a, g, floor = self._evaluate(sizes, data)
            except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError):
                continue
            except ShapeError as exc:
                if "ingular" not in str(exc):
                    raise
                continue
            if np.all(np.isfinite(g)):
                return data, a, g, floor
        return None

    def run(self, label):
        """Make the draws; DerivationError (naming ``label``, the reference) when one has no usable data set."""
        rng = np.random.default_rng(self.seed)
        history = []
        for _ in range(self.trials):
            sizes = draw_sizes(self.dims, self.fixed, history, rng)
            self._guard(sizes)
            got = self._draw(rng, sizes)
            if got is None:
                raise DerivationError(f"{OWNER}: {label} is not finite (or a matrix is singular) on each of "
                                      f"{REDRAWS} random data sets at {sizes_text(sizes)}, so the answer cannot "
                                      "be checked numerically")
            history.append(sizes)
            self.draws.append((sizes,) + got)
        return self

    def factors(self, flip):
        """'equal' on every draw, else [c per draw] (None where both are zero) with answer = c · reference
        (transposed when ``flip``), or None when the answer is not a multiple of it on some draw."""
        cs, equal = [], True
        for sizes, data, a, g, floor in self.draws:
            e = g.T if flip else g
            if not np.all(np.isfinite(a)):
                return None
            equal = equal and close(a, e, floor)
            if float(np.max(np.abs(e))) <= floor:
                if float(np.max(np.abs(a))) > floor:
                    return None
                cs.append(None)
                continue
            c = float(np.sum(a * e) / np.sum(e * e))
            if not close(a, c * e, floor):
                return None
            cs.append(c)
        return "equal" if equal else cs

    def fit(self, cs):
        """(r, value, powers) with c = r · Π dᵉ (powers ((d, e), ...)), value c when it is one number; or None."""
        pairs = [(s, c) for (s, *_), c in zip(self.draws, cs) if c is not None]
        values = np.array([c for _, c in pairs])
        if not pairs or np.all(np.abs(values) < 1e-12):
            return None
        if np.all(np.abs(values - values[0]) <= RTOL * np.abs(values[0])):
            c = float(np.mean(values))
            return rational(c) or c, c, ()
        dims = [d for d in self.dims if len({s[d] for s, _ in pairs}) > 1]
        exponents = [e for e in range(-MAX_EXPONENT, MAX_EXPONENT + 1) if e]
        for k in range(1, min(MAX_FACTOR_DIMS, len(dims)) + 1):
            found = []
            for subset in itertools.combinations(dims, k):
                for exps in itertools.product(exponents, repeat=k):
                    rs = np.array([c / math.prod(s[d] ** e for d, e in zip(subset, exps)) for s, c in pairs])
                    r = rational(float(np.mean(rs))) if np.all(np.abs(rs - rs[0]) <= RTOL * abs(rs[0])) else None
                    if r is not None:
                        simple = (sum(map(abs, exps)), abs(r.numerator) + r.denominator)
                        found.append((simple, r, tuple(zip(subset, exps))))
            if found:
                found.sort(key=lambda t: t[0])
                return found[0][1], None, found[0][2]
        return None

    def witness(self, flip):
        """{'sizes', 'values', 'answer', 'expected', 'entry'}: a small draw (sizes 2, 3, ...; values with one
        decimal, away from the kinks; labels that sum to one kept exact) where answer and reference differ, else a
        random draw where they do."""
        rng = np.random.default_rng(self.seed + 1)
        pool = [s for s in range(2, 10 + len(self.dims)) if s not in self.fixed]
        small = dict(zip(self.dims, pool))
        kinks = [to_numpy(k.args[0]) for k in self.both.walk() if k.op == "fn" and FUNCTIONS[k.attrs[0]].kink]
        for _ in range(40):
            got = self._draw(rng, small)
            if got is None:
                continue
            data = {k: v if k in self.sums_to_one else np.round(v, 1) for k, v in got[0].items()}
            try:
                with np.errstate(all="ignore"):
                    if any(np.min(np.abs(f(dims=small, **{n: data[n] for n in f.symbols}))) < 1e-3 for f in kinks):
                        continue
                    a, g, floor = self._evaluate(small, data)
            except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError, ShapeError):
                continue
            if np.all(np.isfinite(g)) and not close(a, g.T if flip else g, floor):
                return _witness(small, data, a, g.T if flip else g)
        for sizes, data, a, g, floor in self.draws:
            if not np.all(np.isfinite(a)) or not close(a, g.T if flip else g, floor):
                return _witness(sizes, data, a, g.T if flip else g)
        return None


def _witness(sizes, data, a, e):
    diff = np.where(np.isfinite(a), np.abs(a - e), np.inf)
    i, j = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return {"sizes": dict(sizes), "values": data, "answer": a, "expected": e, "entry": (int(i), int(j))}


# ---------------------------------------------------------------- factors
def rational(c):
    """c as a small Fraction (denominator <= 16, numerator <= 64), or None."""
    f = Fraction(c).limit_denominator(MAX_DENOMINATOR)
    if f != 0 and abs(float(f) - c) <= RTOL * abs(c) and abs(f.numerator) <= MAX_NUMERATOR:
        return f
    return None


def _product(coef, powers):
    """'2m', 'mn²', '2·k1·h' (dots when a dimension name is longer than one letter), '1' when empty."""
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    factors = [d if e == 1 else f"{d}{str(e).translate(sup)}" for d, e in powers]
    parts = ([str(coef)] if coef != 1 or not factors else []) + factors
    return ("·" if any(len(d) > 1 for d, _ in powers) else "").join(parts)


def factor_text(r, value, powers):
    """c = r · Π dᵉ as text: 'm/2', '2/m', '1/(2m)', '-3', '0.37'."""
    if not isinstance(r, Fraction):
        return f"{value:.6g}"
    if not powers and r.denominator == 1:
        return str(r.numerator)
    top = _product(abs(r.numerator), [(d, e) for d, e in powers if e > 0])
    down = [(d, -e) for d, e in powers if e < 0]
    sign = "-" if r < 0 else ""
    if r.denominator == 1 and not down:
        return sign + top
    bottom = _product(r.denominator, down)
    return f"{sign}{top}/{bottom if len(down) + (r.denominator != 1) == 1 else f'({bottom})'}"


def factor_note(r, value, powers):
    """How c reads: 'is missing the factor 2/m' (c = m/2), 'has an extra factor 2', 'is off by the factor m/n'."""
    sign = "has the opposite sign and " if (r if isinstance(r, Fraction) else value) < 0 else ""
    if not isinstance(r, Fraction):
        return f"{sign}is off by the factor {abs(value):.6g}"
    direct = factor_text(abs(r), None, powers)
    inverse = factor_text(1 / abs(r), None, tuple((d, -e) for d, e in powers))
    exps = [e for _, e in powers]
    if all(e > 0 for e in exps) and (exps or abs(r) < 1):
        return f"{sign}is missing the factor {inverse}"
    if all(e < 0 for e in exps):
        return f"{sign}has an extra factor {direct}"
    return f"{sign}is off by the factor {direct}"


def sizes_text(sizes):
    return ", ".join(f"{k}={v}" for k, v in sizes.items()) or "fixed sizes"


def num_text(x):
    return f"{float(x):.4g}"


def array_text(a):
    a = np.asarray(a)
    if a.size == 1:
        return num_text(a.reshape(-1)[0])
    return "[" + ", ".join("[" + ", ".join(f"{float(v):g}" for v in row) + "]" for row in a) + "]"
