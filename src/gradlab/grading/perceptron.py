"""The answer sheet of a perceptron hand trace (Rosenblatt's rule, one sample at a time).

For step t (1-based, in the order of the trace) the entries are

=================  =====================================================
``z[t]``           the net input w·x with the weights before the step (x₀ = 1)
``y_hat[t]``       the output: 1 if z ≥ θ, else 0
``error[t]``       y − ŷ
``w[t][i]``        the weights after the step, i = 0 (the bias w₀) … n, as printed
=================  =====================================================

Each is recomputed from the student's own previous weights, so one wrong
update is found at its step and the steps after it are carried.

The reference is the trace in exact decimal arithmetic (fractions of the
numbers as written), as a student computes it by hand: in binary floating
point 0.1 + 0.1 − 0.2 is −2.8·10⁻¹⁷, which would turn ŷ = 1 at z = θ into 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .names import sub
from .sheet import Candidate, Entry, PLAUSIBLE_RATES

_NAME = re.compile(r"^(z|y_hat|error|w)\[(\d+)\](?:\[(\d+)\])?$")
_ALIAS = {"ŷ": "y_hat", "yhat": "y_hat", "output": "y_hat", "err": "error", "e": "error"}


DIGITS = 12  # hand-written numbers have far fewer decimals; float noise beyond this is not a digit


def _exact(v):
    return Fraction(repr(float(v)))


@dataclass(frozen=True)
class ExactStep:
    """One step of the rule in exact arithmetic (the fields of train.PerceptronStep, as Fractions)."""

    epoch: int
    index: int
    x: tuple
    z: Fraction
    output: int
    target: int
    error: int
    weights: tuple


def exact_trace(w0, lr, theta, X, y, max_epochs):
    """(steps, converged): Rosenblatt's rule from weights ``w0`` (n + 1,) on X (N, n), y (N,) in exact arithmetic,
    stopping after the first error-free epoch or ``max_epochs``."""
    w = [_exact(v) for v in w0]
    lr, theta = _exact(lr), _exact(theta)
    rows = [(Fraction(1), *(_exact(v) for v in row)) for row in np.asarray(X)]
    steps = []
    for epoch in range(1, max_epochs + 1):
        errors = 0
        for k, x in enumerate(rows):
            z = sum(wi * xi for wi, xi in zip(w, x))
            out = 1 if z >= theta else 0
            e = int(y[k]) - out
            if e:
                errors += 1
                w = [wi + lr * e * xi for wi, xi in zip(w, x)]
            steps.append(ExactStep(epoch, k, x, z, out, int(y[k]), e, tuple(w)))
        if errors == 0:
            return steps, True
    return steps, False


class PerceptronSheet:
    """Entries of a :class:`~gradlab.explainer.perceptron.PerceptronExplanation` (``entries``, ``order``);
    ``steps`` the exact trace, ``converged`` whether it ends with an error-free epoch."""

    def __init__(self, pe):
        self.pe = pe
        m = pe.model
        self.theta, self.lr = float(m.threshold), float(m.lr)
        self.w0 = np.asarray(m.initial_weights, dtype=np.float64)
        epochs = 1000 if m.converged_ else max(int(m.epochs_), 1)
        self.steps, self.converged = exact_trace(self.w0, self.lr, self.theta, pe.X, pe.y, epochs)
        self.entries, self.by_name = [], {}
        for t, step in enumerate(self.steps, start=1):
            self._step(t, step)
        self.order = self.entries

    def _add(self, name, kind, label, expected, formula, mistakes):
        e = Entry(name, kind, None, (), label, float(expected), formula, (), mistakes)
        self.entries.append(e)
        self.by_name[name] = e

    def weights(self, env, t):
        """The weights before step t as the student has them."""
        n = len(self.w0)
        return self.w0 if t == 1 else np.array([env(f"w[{t - 1}][{i}]") for i in range(n)])

    def _step(self, t, step):
        x, y = np.array([float(v) for v in step.x]), float(step.target)
        where = f"(step {t}: epoch {step.epoch}, sample {step.index + 1})"

        def z(env):
            return round(float(self.weights(env, t) @ x), DIGITS)

        def z_mistakes(env):
            w = self.weights(env, t)
            return [Candidate("sign", -float(w @ x)),
                    Candidate("missing_bias", float(w[1:] @ x[1:]), {"bias": float(w[0])})]

        self._add(f"z[{t}]", "z", f"z {where}", float(step.z), z, z_mistakes)

        def out(env):
            return 1.0 if env(f"z[{t}]") >= self.theta else 0.0

        def out_mistakes(env):
            zz = env(f"z[{t}]")
            if zz == self.theta:
                return [Candidate("kink", 0.0, {"say": f"which treats z = θ = {zz:g} as off; the unit step "
                                                         "counts z ≥ θ as on (ŷ = 1)"})]
            return []

        self._add(f"y_hat[{t}]", "y_hat", f"ŷ {where}", step.output, out, out_mistakes)

        def err(env):
            return y - env(f"y_hat[{t}]")

        self._add(f"error[{t}]", "error", f"y − ŷ {where}", step.error, err,
                  lambda env: [Candidate("sign", env(f"y_hat[{t}]") - y)])
        for i in range(len(x)):
            self._weight(t, i, x, step, where)

    def _weight(self, t, i, x, step, where):
        def f(env):
            return round(float(self.weights(env, t)[i] + self.lr * env(f"error[{t}]") * x[i]), DIGITS)

        def mistakes(env):
            old, e = float(self.weights(env, t)[i]), env(f"error[{t}]")
            out = [Candidate("update_sign", old - self.lr * e * x[i],
                             {"say": "which subtracts η(y − ŷ)xᵢ; the perceptron rule adds it: w ← w + η(y − ŷ)x"})]
            for rate in sorted(set(PLAUSIBLE_RATES) | {self.lr * 10, self.lr / 10, self.lr * 2, self.lr / 2}):
                if not np.isclose(rate, self.lr, rtol=1e-9, atol=0):
                    out.append(Candidate("learning_rate", old + rate * e * x[i], {"rate": rate, "lr": self.lr}))
            if i == 0:
                out.append(Candidate("missing_bias", old, {"say": "which leaves the bias w₀ unchanged; its input is x₀ = 1, "
                                                                   "so it is updated like every weight"}))
            return out

        self._add(f"w[{t}][{i}]", "w", f"w{sub(i)} after step {t}", float(step.weights[i]), f, mistakes)

    def resolve(self, text):
        t = str(text).strip().replace(" ", "")
        for k, v in _ALIAS.items():
            if t.startswith(k + "["):
                t = v + t[len(k):]
        m = _NAME.match(t)
        if not m:
            return None
        return t if t in self.by_name else None

    def example_names(self):
        return "z[1], y_hat[1], error[1], w[1][0]"

    def self_check(self):
        """The perceptron's own trace is the reference: nothing to compare."""


def perceptron_sheet(pe):
    """The :class:`PerceptronSheet` of a perceptron trace (cached on it)."""
    cached = getattr(pe, "_grading_sheet", None)
    if cached is None:
        cached = pe._grading_sheet = PerceptronSheet(pe)
    return cached
