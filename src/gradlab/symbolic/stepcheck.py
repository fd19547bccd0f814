"""Checking every displayed step of a derivation numerically: each line must equal the one before.

Every :class:`~.derivation.Step` says what it equals (``of``, ``form``, ``wrt``; see there). At random data (drawn
as :mod:`.verify` draws it: away from kinks, positive under log, on the simplex for ``sums_to_one``) and a random
direction V for the variable, each step is evaluated to a number or an array that must equal the change of ``of``
along V:

* a differential line dL = Σ G : dE: dX is V, and every other dE is the change of E along V, measured by central
  differences of E (Richardson-extrapolated) — never by the rules being checked;
* a gradient line G: G : V; a Jacobian J: J vec(V); a matrix M read off a differential: M vec(V).

The reference is the change of ``of`` along V by central differences. The first step whose value differs (relative
error above :data:`RTOL` in units of the largest value around it) is reported with its rule.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DerivationError
from . import expr as E
from . import shapes as S
from .codegen import _compile, _np_node, _symbols, to_numpy
from .references import vec_f
from .verify import _on_simplex, draw_data, draw_sizes

RTOL = 1e-6
H = 1e-4  # the finite-difference step along V, Richardson-extrapolated (error ~h⁴)


class StepResult:
    """One step's check: its index (0-based), rule, right-hand side as text, and relative error."""

    __slots__ = ("index", "rule", "text", "error")

    def __init__(self, index, rule, text, error):
        self.index, self.rule, self.text, self.error = index, rule, text, error

    @property
    def passed(self):
        return self.error <= RTOL

    def to_json(self):
        return {"step": self.index + 1, "rule": self.rule, "expression": self.text, "rel_error": self.error,
                "passed": self.passed}


class StepsReport:
    """The check of every step of one derivation: ``results`` (a :class:`StepResult` per checked step),
    ``passed``, ``first_failed`` ((index, Step) or None)."""

    def __init__(self, derivation, results):
        self.derivation, self.results = derivation, results

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    @property
    def first_failed(self):
        for r in self.results:
            if not r.passed:
                return r.index, self.derivation.steps[r.index]
        return None

    def __str__(self):
        bad = self.first_failed
        worst = max((r.error for r in self.results), default=0.0)
        if bad is None:
            return (f"steps: all {len(self.results)} checked steps are identities (largest relative error "
                    f"{worst:.1e}, tol {RTOL:g})")
        i, step = bad
        r = next(r for r in self.results if r.index == i)
        return (f"steps: step {i + 1} does not follow from step {i} (relative error {r.error:.1e}, tol {RTOL:g}): "
                f"{step.lhs} = {r.text}, by {step.rule}")

    def to_json(self):
        return {"passed": self.passed, "results": [r.to_json() for r in self.results]}


def _differentials(e):
    return [n for n in e.walk() if n.op == "diff"]


class _Evaluator:
    """Values of expressions with differentials at one data set and one direction V for the variable."""

    def __init__(self, data, sizes, wrt, direction):
        self.data, self.sizes, self.wrt, self.v = data, sizes, wrt, direction
        self.cache = {}

    def value(self, e):
        f = to_numpy(e)
        return f(dims=self.sizes, **{k: self.data[k] for k in f.symbols})

    def change(self, e):
        """The change of E along V: (4 D(h) − D(2h)) / 3 with central differences D."""
        hit = self.cache.get(e)
        if hit is not None:
            return hit
        f = to_numpy(e)
        name = self.wrt.attrs[0]
        if name not in f.symbols:
            out = np.zeros(self.value(e).shape)
        else:
            def at(step):
                data = {k: self.data[k] for k in f.symbols}
                data[name] = self.data[name] + step * self.v
                return f(dims=self.sizes, **data)

            near = (at(H) - at(-H)) / (2 * H)
            far = (at(2 * H) - at(-2 * H)) / (4 * H)
            out = (4 * near - far) / 3
        self.cache[e] = out
        return out

    def differential(self, e):
        """The right-hand side with dX = V and every other dE the change of E along V."""
        table = {}
        for d in _differentials(e):
            inner = d.args[0]
            table[d] = self.v if inner == self.wrt else self.change(inner)

        def node(x, kids):
            if x in table:
                value = table[x]
                return lambda env: value
            return _np_node(x, kids)

        env = {k: self.data[k] for k in _symbols(e)}
        env["#dims"] = self.sizes
        return _compile(e, node, {})(env)


def _value(step, ev):
    """(what the step's line gives, what it must equal) along the direction V."""
    form = step.form
    if form == "differential":
        return ev.differential(step.expr), ev.change(step.of)
    m = ev.value(step.expr)
    change = ev.change(step.of)
    v = ev.v
    if form == "gradient":
        return np.array([[np.sum(m * v)]]), change
    if form == "gradient_T":
        return np.array([[np.sum(m.T * v)]]), change
    if form == "jacobian":
        return m @ vec_f(v).reshape(-1, 1), vec_f(change).reshape(-1, 1)
    if form == "jacobian_T":
        return m.T @ vec_f(v).reshape(-1, 1), vec_f(change).reshape(-1, 1)
    if form == "vec":
        return m @ vec_f(v).reshape(-1, 1), vec_f(change).reshape(-1, 1)
    if form == "vec_T":
        return m.T @ vec_f(v).reshape(-1, 1), vec_f(change).reshape(-1, 1)
    if form == "scalar":
        return m * float(np.asarray(v).reshape(-1)[0]), change
    raise DerivationError(f"verify: a step of unknown form {form!r}")


def _everything(d):
    """One expression holding every symbol, dimension and kink of the derivation (for drawing data)."""
    parts = [E.total(d.expr)] + [E.total(s.of) for s in d.steps if s.of is not None]
    out = parts[0]
    for p in parts[1:]:
        out = E.add(out, p)
    return out


def check_steps(d, seed=0, trials=2):
    """A :class:`StepsReport` for the Derivation ``d``: every step evaluated at ``trials`` random data sets."""
    rng = np.random.default_rng(int(seed) + 7919)
    every = _everything(d)
    errors = {}
    for _ in range(trials):
        sizes = draw_sizes(every, rng)
        with np.errstate(all="ignore"):
            data = draw_data(every, sizes, rng)
            _on_simplex(data, d.sums_to_one, rng)
            evaluators = {}  # one per variable: the changes along its direction are measured once per trial
            for i, step in enumerate(d.steps):
                if step.of is None:
                    continue
                wrt = step.wrt if step.wrt is not None else d.wrt
                name = wrt.attrs[0]
                if name not in evaluators:
                    shape = data[name].shape if name in data else tuple(S.size(s, sizes) for s in wrt.shape)
                    data.setdefault(name, rng.normal(size=shape))
                    evaluators[name] = _Evaluator(data, sizes, wrt, rng.normal(size=shape))
                got, want = _value(step, evaluators[name])
                scale = max(1.0, float(np.max(np.abs(want))) if want.size else 0.0,
                            float(np.max(np.abs(got))) if got.size else 0.0)
                err = float(np.max(np.abs(np.asarray(got, dtype=float) - want))) / scale if want.size else 0.0
                if not np.isfinite(err):
                    err = float("inf")
                errors[i] = max(errors.get(i, 0.0), err)
    results = [StepResult(i, d.steps[i].rule, d.steps[i].expr.to_text(), errors[i]) for i in sorted(errors)]
    return StepsReport(d, results)


__all__ = ["check_steps", "StepsReport", "StepResult", "RTOL"]
