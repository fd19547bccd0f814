"""The answer sheet of one explained step: every scalar entry, how it is computed, and how it goes wrong.

An :class:`Entry` knows its canonical name, its right value, a formula that
computes it *from the student's own earlier entries* (read through an
:class:`Env`), other routes a student may take to the same number (σ′ from a
or from z), and its candidate mistakes: each recomputes the entry under one
mistake of the catalogue (:mod:`gradlab.grading.mistakes`) from the same
values. The grader (:mod:`gradlab.grading.grader`) compares the student's
number with all of them.

The formulas are the trace's (:mod:`gradlab.explainer.trace`) written one
scalar at a time, with the f′ of every activation and the loss derivative
taken from the catalog; :meth:`Sheet.self_check` evaluates them on the
reference values and compares with the explainer to 1e-9, so the sheet can
never drift from the explanation it grades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError
from ..explainer.trace import link_of
from . import names as N
from .tolerance import round_sig

PLAUSIBLE_RATES = tuple(sorted({round(b * 10.0 ** k, 12) for k in range(-4, 2) for b in (1, 2, 2.5, 5)}))


class Env:
    """The student's values by canonical name (given ones, or recomputed for entries left blank).

    Calling it reads a value; while ``reads`` is a list every name read is
    appended, which is how an entry's inputs are found; ``override`` replaces
    some values (rounded inputs, perturbed inputs).
    """

    def __init__(self):
        self.values, self.tols, self.reads, self.override = {}, {}, None, None

    def __call__(self, name):
        if self.reads is not None:
            self.reads.append(name)
        if self.override is not None and name in self.override:
            return self.override[name]
        return self.values[name]

    def evaluate(self, fn, override=None):
        old = self.override
        self.override = override
        try:
            with np.errstate(all="ignore"):
                v = fn(self)
            return float(v) if v is not None else math.nan
        except (ZeroDivisionError, ValueError, OverflowError):
            return math.nan
        finally:
            self.override = old

    def inputs(self, fn):
        """The names ``fn`` reads, in order, without repeats."""
        self.reads = []
        try:
            self.evaluate(fn)
            return tuple(dict.fromkeys(self.reads))
        finally:
            self.reads = None


@dataclass
class Candidate:
    """The value an entry takes under one mistake, with the facts its message needs."""

    code: str
    value: float
    facts: dict = field(default_factory=dict)


@dataclass
class Entry:
    """One number on the sheet. ``index`` is 1-based as printed; ``kind`` one of names.PER_SAMPLE, 'loss',
    'dW', 'db', 'W_new', 'b_new'."""

    name: str
    kind: str
    layer: int | None
    index: tuple
    label: str
    expected: float
    formula: object  # Env -> float
    routes: tuple = ()  # other Env -> float a student may use for the same number
    mistakes: object = None  # Env -> list[Candidate]
    graded: bool = True


def wlabel(l, j, i):
    """The printed name of the weight stored at W⁽ˡ⁾[j, i] (0-based): w_{i+1, j+1}⁽ˡ⁾."""
    return N.label("dW", l, (i + 1, j + 1), None, 0, 0).replace("∂L/∂", "")


def _safe_log(v):
    return math.log(v) if v > 0 else math.nan


class Sheet:
    """Every entry of an Explanation's step in template order (``entries``) and in grading order (``order``).

    Template order: the forward pass sample by sample (z then a per layer),
    p, the loss, ∂L/∂ŷ, then for each layer from the output down δ and
    ∂L/∂a below it, then ∂L/∂W and ∂L/∂b, then the updated parameters.
    Grading order is a topological order of the same entries (a layer's
    update comes before the ∂L/∂a that could wrongly use it).
    """

    def __init__(self, explanation):
        self.exp = explanation
        tr = self.tr = explanation.trace
        self.L, self.m, self.k = tr.L, tr.m, tr.k
        self.batch = None if tr.single else tr.m
        self.c = tr.loss_scale
        self.entries, self.by_name = [], {}
        self._build()
        self.order = self._grading_order()

    # ------------------------------------------------------------ naming

    def name(self, kind, layer, s, *index):
        """Canonical name; ``s`` is the 0-based sample (ignored for one sample), ``index`` 0-based."""
        ix = tuple(i + 1 for i in index)
        if kind in N.PER_SAMPLE and self.batch is not None:
            ix = (s + 1, *ix)
        return N.canonical(kind, layer, ix)

    def _add(self, kind, layer, s, index, expected, formula, mistakes=None, routes=()):
        name = self.name(kind, layer, s, *index)
        ix = tuple(i + 1 for i in index)
        if kind in N.PER_SAMPLE and self.batch is not None:
            ix = (s + 1, *ix)
        e = Entry(name, kind, layer, ix, N.label(kind, layer, ix, self.batch, self.L, self.k), float(expected),
                  formula, tuple(routes), mistakes)
        self.entries.append(e)
        self.by_name[name] = e
        return e

    # ------------------------------------------------------------ values the student reads

    def A(self, env, l, s, i):
        """a⁽ˡ⁾ᵢ of sample s as the student has it (x for l = 0, a given number)."""
        return self.tr.X[s, i] if l == 0 else env(self.name("a", l, s, i))

    def Wu(self, env, l):
        """The weights the δ recursion goes through (stored (out, in)): W, or under sequential updates the
        student's own updated W (l ≥ 2)."""
        tr = self.tr
        if tr.sequential and l > 1:
            out, inp = tr.W(l).shape
            return np.array([[env(self.name("W_new", l, None, i, j)) for i in range(inp)] for j in range(out)])
        return tr.W(l)

    # ------------------------------------------------------------ building

    def _build(self):
        tr, L = self.tr, self.L
        for s in range(self.m):
            for l in range(1, L + 1):
                for j in range(tr.layer(l).n_out):
                    self._z(l, s, j)
                for j in range(tr.layer(l).n_out):
                    self._a(l, s, j)
        if tr.P is not None:
            for s in range(self.m):
                for k in range(self.k):
                    self._p(s, k)
        self._loss()
        for s in range(self.m):
            for k in range(self.k):
                self._dyhat(s, k)
        for l in range(L, 0, -1):
            for s in range(self.m):
                for j in range(tr.layer(l).n_out):
                    self._delta(l, s, j)
            for s in range(self.m):
                for i in range(tr.layer(l).n_in):
                    self._da(l - 1, s, i)
        for l in range(L, 0, -1):
            out, inp = tr.W(l).shape
            for j in range(out):
                for i in range(inp):
                    self._dW(l, i, j)
            if tr.has_bias(l):
                for j in (range(out) if np.ndim(tr.b(l)) else [None]):
                    self._db(l, j)
        if tr.lr is not None:
            for l in range(L, 0, -1):
                out, inp = tr.W(l).shape
                for j in range(out):
                    for i in range(inp):
                        self._W_new(l, i, j)
                if tr.has_bias(l):
                    for j in (range(out) if np.ndim(tr.b(l)) else [None]):
                        self._b_new(l, j)

    def _grading_order(self):
        rank = {}
        for e in self.entries:
            if e.kind in ("z", "a", "p", "loss", "dL/dy_hat"):
                rank[e.name] = (0,)
            else:
                step = {"delta": 0, "dW": 1, "db": 1, "W_new": 2, "b_new": 2, "da": 3}[e.kind]
                layer = e.layer + 1 if e.kind == "da" else e.layer
                rank[e.name] = (1, -layer, step)
        return sorted(self.entries, key=lambda e: rank[e.name])  # stable: template order within a rank

    # ------------------------------------------------------------ forward

    def _z(self, l, s, j):
        tr = self.tr
        W, b = tr.W(l), tr.b(l)
        bias = 0.0 if b is None else float(b if np.ndim(b) == 0 else b[j])

        def f(env, weights=None):
            w = W[j] if weights is None else weights
            return bias + sum(w[i] * self.A(env, l - 1, s, i) for i in range(W.shape[1]))

        def mistakes(env):
            out = [Candidate("sign", -env.evaluate(f))]
            for i in range(W.shape[1]):
                for (jj, ii) in self._swaps(W, j, i):
                    w = W[j].copy()
                    w[i] = W[jj, ii]
                    out.append(Candidate("wrong_weight", env.evaluate(lambda e, w=w: f(e, w)),
                                         {"used": wlabel(l, jj, ii), "weight": wlabel(l, j, i)}))
            if W.shape[0] == W.shape[1]:
                out.append(Candidate("wrong_weight", env.evaluate(lambda e: f(e, W[:, j])),
                                     {"used": "the transposed weights", "weight": "every weight"}))
            if bias != 0.0:
                out.append(Candidate("missing_bias", env.evaluate(f) - bias, {"bias": bias}))
            return out

        self._add("z", l, s, (j,), tr.Z[l][s, j], f, mistakes)

    def _a(self, l, s, j):
        tr = self.tr
        layer = tr.layer(l)
        act, params = layer.act, layer.params
        n = layer.n_out

        if act.elementwise:
            def f(env):
                return float(act.forward(np.array([env(self.name("z", l, s, j))]), **params)[0])
        else:
            def f(env):
                z = np.array([env(self.name("z", l, s, i)) for i in range(n)])
                return float(act.forward(z[None, :], **params)[0, j])

        self._add("a", l, s, (j,), tr.A[l][s, j], f, lambda env: [])

    def _p(self, s, k):
        tr = self.tr

        def f(env):
            yhat = np.array([[env(self.name("a", self.L, s, i)) for i in range(self.k)]])
            return float(link_of(tr.loss, yhat)[0, k])

        self._add("p", None, s, (k,), tr.P[s, k], f, lambda env: [])

    def _divisors(self):
        """(divisor of the reduction, the other divisors a student may use instead)."""
        tr, m, k = self.tr, self.m, self.k
        n = m if tr.loss.mean_over == "samples" else m * k
        if tr.conv.reduction == "mean":
            return n, sorted({1, m, k, m * k} - {n})
        return 1, sorted({m, k, m * k} - {1})

    def _scale_mistakes(self, own):
        n, others = self._divisors()
        return [Candidate("missing_mean", own * n / d, {"divisor": n, "used": d}) for d in others]

    def _loss(self):
        tr, c = self.tr, self.c
        name, Y = tr.loss.name, tr.Y

        def f(env):
            total = 0.0
            for s in range(self.m):
                for k in range(self.k):
                    y = Y[s, k]
                    if name == "mse":
                        total += (env(self.name("a", self.L, s, k)) - y) ** 2
                    elif name == "cross_entropy":
                        if y != 0:
                            total -= y * _safe_log(env(self.name("p", None, s, k)))
                    else:
                        v = env(self.name("a", self.L, s, k)) if tr.P is None else env(self.name("p", None, s, k))
                        if y != 0:
                            total -= y * _safe_log(v)
                        if y != 1:
                            total -= (1 - y) * _safe_log(1 - v)
            return c * total

        def mistakes(env):
            own = env.evaluate(f)
            return [*self._scale_mistakes(own), Candidate("sign", -own)]

        self._add("loss", None, None, (), tr.loss_value, f, mistakes)

    def _dyhat(self, s, k):
        tr, c = self.tr, self.c
        name, y = tr.loss.name, tr.Y[s, k]

        total = float(tr.Y[s].sum())  # cross-entropy: ∂L/∂ŷ = c(p Σy − y), p − y for a one-hot or probability row

        def f(env):
            if name == "cross_entropy":
                return c * (env(self.name("p", None, s, k)) * total - y)
            if tr.P is not None:
                return c * (env(self.name("p", None, s, k)) - y)
            a = env(self.name("a", self.L, s, k))
            if name == "mse":
                return 2 * c * (a - y)
            return c * ((-y / a if y != 0 else 0.0) + ((1 - y) / (1 - a) if y != 1 else 0.0))  # a term times 0 is 0

        def mistakes(env):
            own = env.evaluate(f)
            out = [*self._scale_mistakes(own), Candidate("sign", -own)]
            if name == "mse":
                out.insert(0, Candidate("missing_factor_2", own * (2 if tr.conv.half else 0.5), {"half": tr.conv.half}))
            return out

        self._add("dL/dy_hat", None, s, (k,), tr.dL_dyhat[s, k], f, mistakes)

    # ------------------------------------------------------------ backward

    def _incoming(self, env, l, s, j):
        return env(self.name("dL/dy_hat", None, s, j)) if l == self.L else env(self.name("da", l, s, j))

    def _delta(self, l, s, j):
        tr = self.tr
        layer = tr.layer(l)
        act, params, n = layer.act, layer.params, layer.n_out

        def fprime(z, a):
            return float(act.fprime(np.array([z]), np.array([a]), **params)[0])

        if act.elementwise:
            def f(env):
                z, a = env(self.name("z", l, s, j)), env(self.name("a", l, s, j))
                return self._incoming(env, l, s, j) * fprime(z, a)

            def from_z(env):
                z = env(self.name("z", l, s, j))
                return self._incoming(env, l, s, j) * fprime(z, float(act.forward(np.array([z]), **params)[0]))

            routes = (from_z,)
        else:
            def f(env):
                a = np.array([env(self.name("a", l, s, i)) for i in range(n)])
                g = np.array([self._incoming(env, l, s, i) for i in range(n)])
                return float(g @ (np.diag(a) - np.outer(a, a))[:, j])

            routes = ()

        def mistakes(env):
            own = env.evaluate(f)
            g = env.evaluate(lambda e: self._incoming(e, l, s, j))
            out = [Candidate("sign", -own)]
            incoming = self.by_name[self.name("dL/dy_hat", None, s, j) if l == self.L else self.name("da", l, s, j)]
            if act.name != "identity":
                facts = {"incoming": g, "incoming_label": incoming.label, "factor": (own / g) if g else math.nan,
                         "fn": act.symbol, "at": N.label("z", l, (j + 1,), None, 0, 0)}
                out.insert(0, Candidate("missing_derivative", g, facts))
            if act.elementwise:
                a = env.evaluate(lambda e: e(self.name("a", l, s, j)))
                z = env.evaluate(lambda e: e(self.name("z", l, s, j)))
                fa = float(act.forward(np.array([a]), **params)[0])
                wrong = fprime(a, fa)
                out.insert(1, Candidate("derivative_of_output", g * wrong,
                                        {"factor": wrong, "right": fprime(z, a), "a": a, "fn": act.symbol}))
                if act.kink_near(z, **params) is not None:  # any of its kinks
                    right = fprime(z, fa)
                    other = 1.0 if right != 1.0 else float(params.get("negative_slope", 0.0))
                    out.insert(0, Candidate("kink", g * other, {"z": z, "right": right, "used": other, "fn": act.title}))
            return out

        self._add("delta", l, s, (j,), tr.delta[l][s, j], f, mistakes, routes)

    def _da(self, l, s, i):
        """∂L/∂a⁽ˡ⁾ᵢ of sample s = Σⱼ δ⁽ˡ⁺¹⁾ⱼ wᵢⱼ⁽ˡ⁺¹⁾ (l = 0: ∂L/∂xᵢ)."""
        tr = self.tr
        up = l + 1
        n_up = tr.layer(up).n_out

        def f(env, W=None):
            W = self.Wu(env, up) if W is None else W
            return sum(env(self.name("delta", up, s, j)) * W[j, i] for j in range(n_up))

        def mistakes(env):
            own = env.evaluate(f)
            out = [Candidate("sign", -own)]
            W0 = tr.W(up)
            for j in range(n_up):
                for (jj, ii) in self._swaps(W0, j, i):
                    W = W0.copy()
                    W[j, i] = W0[jj, ii]
                    out.append(Candidate("wrong_weight", env.evaluate(lambda e, W=W: f(e, W)),
                                         {"used": wlabel(up, jj, ii), "weight": wlabel(up, j, i)}))
            if W0.shape[0] == W0.shape[1]:
                out.append(Candidate("wrong_weight", env.evaluate(lambda e: f(e, W0.T)),
                                     {"used": "the transposed weights", "weight": "every weight"}))
            if tr.sequential and up > 1:
                out.append(Candidate("old_weights_used", env.evaluate(lambda e: f(e, W0)), {"layer": up}))
            if tr.lr is not None and not tr.sequential:
                def with_new(e):
                    return f(e, np.array([[e(self.name("W_new", up, None, ii, jj)) for ii in range(W0.shape[1])]
                                          for jj in range(W0.shape[0])]))
                out.append(Candidate("updated_weights_used", env.evaluate(with_new), {"layer": up}))
            return out

        self._add("da", l, s, (i,), tr.dA[l][s, i], f, mistakes)

    @staticmethod
    def _swaps(W, j, i):
        """Stored positions whose weight a student may use instead of W[j, i]: the transposed one, then
        another neuron's weight for the same input, then another input's for the same neuron."""
        out = []
        if i < W.shape[0] and j < W.shape[1] and (i, j) != (j, i):
            out.append((i, j))
        out += [(jj, i) for jj in range(W.shape[0]) if jj != j]
        out += [(j, ii) for ii in range(W.shape[1]) if ii != i]
        return [p for p in dict.fromkeys(out) if W[p] != W[j, i]]

    def _dW(self, l, i, j):
        tr = self.tr

        def f(env, ii=i, jj=j):
            return sum(env(self.name("delta", l, s, jj)) * self.A(env, l - 1, s, ii) for s in range(self.m))

        out_n, in_n = tr.W(l).shape

        def mistakes(env):
            own = env.evaluate(f)
            out = [Candidate("sign", -own)]
            if i != j and j < in_n and i < out_n:
                out.insert(0, Candidate("transposed", env.evaluate(lambda e: f(e, j, i)),
                                        {"other": N.label("dW", l, (j + 1, i + 1), None, 0, 0)}))
            return out + self._batch_divisor_mistakes(own)

        self._add("dW", l, None, (i, j), tr.dW[l][j, i], f, mistakes)

    def _batch_divisor_mistakes(self, own):
        """A parameter gradient divided by m (or multiplied by it): it is a sum over the batch, and a mean's 1/m
        is already in every δ."""
        if self.m == 1:
            return []
        mean = self.tr.conv.reduction == "mean"
        why = "the mean's 1/m is already in every δ" if mean else "the loss has no 1/m, so neither has its gradient"
        return [Candidate("missing_mean", own / self.m, {"say": f"which divides by m = {self.m}: the gradient adds up "
                                                                f"the samples' contributions, and {why}"}),
                Candidate("missing_mean", own * self.m, {"say": f"which multiplies by m = {self.m}; the gradient "
                                                                "is the plain sum of the samples' contributions"})]

    def _db(self, l, j):
        tr = self.tr
        n = tr.layer(l).n_out
        cols = range(n) if j is None else [j]

        def f(env, samples=None):
            return sum(env(self.name("delta", l, s, c)) for s in (samples or range(self.m)) for c in cols)

        def mistakes(env):
            own = env.evaluate(f)
            out = [Candidate("sign", -own)]
            if self.m > 1:
                out = [Candidate("bias_not_summed", env.evaluate(lambda e, s=s: f(e, [s])), {"sample": s + 1})
                       for s in range(self.m)] + out
            return out + self._batch_divisor_mistakes(own)

        expected = tr.db[l] if j is None else tr.db[l][j]
        self._add("db", l, None, () if j is None else (j,), expected, f, mistakes)

    # ------------------------------------------------------------ update

    def _update_mistakes(self, env, old, grad_name, f):
        tr = self.tr
        own = env.evaluate(f)
        g = env.evaluate(lambda e: e(grad_name))
        out = [Candidate("update_sign", old + tr.lr * g, {"old": old, "g": g})]
        for rate in sorted(set(PLAUSIBLE_RATES) | {tr.lr * 10, tr.lr / 10, tr.lr * 2, tr.lr / 2}):
            if not math.isclose(rate, tr.lr, rel_tol=1e-9):
                out.append(Candidate("learning_rate", old - rate * g, {"rate": rate, "lr": tr.lr}))
        out.append(Candidate("sign", -own))
        return out

    def _W_new(self, l, i, j):
        tr = self.tr
        W = tr.W(l)

        def f(env, ii=i, jj=j):
            return W[jj, ii] - tr.lr * env(self.name("dW", l, None, ii, jj))

        def mistakes(env):
            out = self._update_mistakes(env, W[j, i], self.name("dW", l, None, i, j), f)
            if i != j and j < W.shape[1] and i < W.shape[0]:
                out.insert(0, Candidate("transposed", env.evaluate(lambda e: f(e, j, i)),
                                        {"other": N.label("W_new", l, (j + 1, i + 1), None, 0, 0)}))
            return out

        self._add("W_new", l, None, (i, j), tr.W_new[l][j, i], f, mistakes)

    def _b_new(self, l, j):
        tr = self.tr
        b = tr.b(l)
        old = float(b if j is None else b[j])
        frozen = tr.conv.frozen_bias
        grad = self.name("db", l, None, *(() if j is None else (j,)))

        def f(env):
            return old if frozen else old - tr.lr * env(grad)

        def mistakes(env):
            if frozen:
                return [Candidate("frozen_bias_updated", old - tr.lr * env(grad))]
            return self._update_mistakes(env, old, grad, f)

        expected = tr.b_new[l] if j is None else tr.b_new[l][j]
        self._add("b_new", l, None, () if j is None else (j,), expected, f, mistakes)

    def resolve(self, text):
        """The canonical name of ``text`` on this sheet (canonical or notation), or None."""
        name = N.resolve(text, self.L, self.batch, self._width)
        return name if name in self.by_name else None

    def _width(self, kind, layer):
        if kind in N.NO_LAYER:
            return self.k
        if kind == "da" and layer == 0:
            return self.tr.layer(1).n_in
        return self.tr.layer(layer).n_out if layer is not None and 1 <= layer <= self.L else 0

    def example_names(self):
        picks = [e.name for e in self.entries if e.kind in ("z", "delta", "dW")][:1]
        picks += [next(e.name for e in self.entries if e.kind == k) for k in ("delta", "dW") if
                  any(e.kind == k for e in self.entries)]
        return ", ".join(dict.fromkeys(picks))

    # ------------------------------------------------------------ checks

    def reference_env(self):
        """An Env holding every entry's right value."""
        env = Env()
        env.values = {e.name: e.expected for e in self.entries}
        return env

    def self_check(self, tol=1e-9):
        """Evaluate every formula on the right values and compare with the explanation; raise on a difference."""
        env = self.reference_env()
        for e in self.entries:
            v = env.evaluate(e.formula)
            if not abs(v - e.expected) <= tol * max(1.0, abs(e.expected)):
                raise ParameterError(f"grade: the sheet's formula for {e.name} gives {v!r}, the explanation "
                                     f"{e.expected!r}; this sheet cannot be graded exactly")


def rounded(env, e, mode, digits):
    """Entry ``e`` recomputed from its inputs rounded early (mode 'sig' or 'dec', to ``digits``)."""
    over = {}
    for n in env.inputs(e.formula):
        v = env(n)
        over[n] = round_sig(v, digits) if mode == "sig" else round(v, digits)
    return env.evaluate(e.formula, over)


def sheet_for(reference):
    """The :class:`Sheet` of an Explanation (cached on it)."""
    cached = getattr(reference, "_grading_sheet", None)
    if cached is None:
        cached = Sheet(reference)
        cached.self_check()
        try:
            reference._grading_sheet = cached
        except AttributeError:
            pass
    return cached
