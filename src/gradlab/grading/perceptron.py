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
"""

from __future__ import annotations

import re

import numpy as np

from .names import sub
from .sheet import Candidate, Entry, PLAUSIBLE_RATES

_NAME = re.compile(r"^(z|y_hat|error|w)\[(\d+)\](?:\[(\d+)\])?$")
_ALIAS = {"ŷ": "y_hat", "yhat": "y_hat", "output": "y_hat", "err": "error", "e": "error"}


class PerceptronSheet:
    """Entries of a :class:`~gradlab.explainer.perceptron.PerceptronExplanation` (``entries``, ``order``)."""

    def __init__(self, pe):
        self.pe = pe
        m = pe.model
        self.theta, self.lr = float(m.threshold), float(m.lr)
        self.w0 = np.asarray(m.initial_weights, dtype=np.float64)
        self.steps = list(pe.steps)
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
        x, y = np.asarray(step.x, dtype=np.float64), float(step.target)
        where = f"(step {t}: epoch {step.epoch}, sample {step.index + 1})"

        def z(env):
            return float(self.weights(env, t) @ x)

        def z_mistakes(env):
            w = self.weights(env, t)
            return [Candidate("sign", -float(w @ x)),
                    Candidate("missing_bias", float(w[1:] @ x[1:]), {"bias": float(w[0])})]

        self._add(f"z[{t}]", "z", f"z {where}", step.z, z, z_mistakes)

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
            return float(self.weights(env, t)[i] + self.lr * env(f"error[{t}]") * x[i])

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

        self._add(f"w[{t}][{i}]", "w", f"w{sub(i)} after step {t}", step.weights[i], f, mistakes)

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
