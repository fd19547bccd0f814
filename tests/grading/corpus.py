"""A synthetic corpus of students' hand-worked backprop sheets, for the acceptance test of ``gl.grade``.

Everything here is computed independently of the grader (nothing is imported
from ``gradlab.grading``) and of the explainer's arithmetic: a small NumPy /
plain-float re-implementation of the forward pass, the loss, the backward pass
and the update, written as a *student* works it — one scalar entry at a time,
each from the entries already on the sheet. ``gl.explain`` is used only as the
reference the sheets are graded against (and, in the tests, to prove that a
clean unrounded sheet equals it to 1e-12).

Sheet entries (the grader's public contract; indices 1-based; l = 1..L)
-----------------------------------------------------------------------
per sample (``[j]`` for one sample, ``[s,j]`` for a batch of m):
``z[l][..]``, ``a[l][..]`` (a[L] = ŷ), ``p[..]`` (cross-entropy and
bce_with_logits only), ``dL/dy_hat[..]``, ``delta[l][..]``, ``da[l][..]`` for
l = 0..L−1 (da[0] = ∂L/∂x, indexed by input i); and ``loss``,
``dW[l][i,j]`` (input i → neuron j, the stored W[j−1, i−1]; summed over the
batch), ``db[l][j]``, ``W_new[l][i,j]``, ``b_new[l][j]``.

Template order: per sample s, per layer l: z[l] then a[l]; p; loss;
dL/dy_hat; for l = L..1: delta[l], da[l−1]; dW[l], db[l] for l = L..1;
W_new[l], b_new[l] for l = L..1.

Students
--------
A :class:`Student` writes at a precision chosen per sheet — ``('dec', 4)``
(4 decimals, as the slides), ``('sig', n)`` (n significant figures) — in one
of two styles: ``'a'`` computes in full precision and rounds only when
writing; ``'b'`` computes every entry from the already-rounded numbers written
earlier on the sheet (hand calculation). ``fprime_from`` says whether the
student takes σ′ and tanh′ from the written activation (a(1 − a), 1 − a², as
the slides) or from the written pre-activation (σ(z)(1 − σ(z))).

Mistakes
--------
Exactly one entry of a mistake sheet is wrong; every entry after it is
recomputed from the student's own (now wrong) values, as the student would
continue (with the full wrong value in style a; with a digit swap, a slip in
writing, with the written one). How each code is made (:func:`wrong_value`),
always from the student's own earlier values:

* missing_derivative — a δ entry = the incoming gradient (dL/dy_hat for the
  output layer, da[l] below) without f′; not at identity layers (f′ = 1), not
  at a ReLU kink (that number is the kink mistake).
* derivative_of_output — a δ entry = incoming × f′ evaluated at a instead of
  z: σ(a)(1 − σ(a)) or 1 − tanh(a)²; sigmoid and tanh layers.
* transposed — dW[l][i,j] or W_new[l][i,j] = the student's own value at
  [j, i] (where that position exists).
* wrong_weight — one term of a z sum (b_j + Σᵢ wᵢⱼ aᵢ) or of a da sum
  (Σⱼ δⱼ wᵢⱼ) uses w_ji where it exists and differs, otherwise another
  neuron's weight for the same input.
* missing_mean — the loss or a dL/dy_hat entry with c·divisor instead of c
  (reduction 'mean', divisor m·k, or m for cross-entropy, > 1).
* missing_factor_2 — an MSE dL/dy_hat entry = c(ŷ − y).
* sign — a dL/dy_hat, delta, da, dW, db, W_new or b_new entry negated.
* bias_not_summed — db[l][j] = δ of one sample of the batch.
* updated_weights_used — a da[l−1] entry (l ≥ 2) = Σⱼ δⱼ w_new,ᵢⱼ with the
  student's own W_new = W − η·dW⁽ˡ⁾ (as they write them) for every term.
* kink — a δ entry at a ReLU neuron with z exactly 0, with ReLU′(0) = 1.
* update_sign — W_new or b_new = W + η·g.
* learning_rate — W_new or b_new = W − η′·g, η′ ∈ {η/10, 10η, 2η, η/2}.
* rounding — the entry by its own formula from the sheet's numbers it
  reads, each (as written) rounded to 2 significant figures.
* arithmetic — the right value × a factor drawn from [1.2, 1.7] or
  [0.35, 0.8], or its written digits with two adjacent different significant
  digits swapped.

A mistake is kept only when it is detectable: the written wrong value w and
the right value r (computed by the same student from the same earlier values)
satisfy |w − r| > 2·tol(w) + 3·u, where tol is the
grading tolerance of a written number (half a unit in its last digit, never
looser than the looser of 2 significant figures and 4 decimals) and u the
first-order spread of r when each sheet value it is computed from moves by its
own tolerance (what a grader recomputing from the written numbers cannot
resolve). Otherwise another entry (or option) is tried.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np

CODES = ("missing_derivative", "derivative_of_output", "transposed", "wrong_weight", "missing_mean",
         "missing_factor_2", "sign", "bias_not_summed", "updated_weights_used", "kink", "update_sign",
         "learning_rate", "rounding", "arithmetic")

BACKWARD_KINDS = ("dL/dy_hat", "delta", "da", "dW", "db", "W_new", "b_new")
MISTAKE_PRECISIONS = (("dec", 4), ("sig", 3), ("sig", 4))
CORRECT_PRECISIONS = (("sig", 2), ("sig", 3), ("sig", 4), ("dec", 4))
MIN_PER_CODE = 32  # sheets per code over all networks (and at least PER_PAIR per network where it applies)
PER_PAIR = 8
CORRECT_PER_NETWORK = 20


# ---------------------------------------------------------------- networks


@dataclass(frozen=True)
class Net:
    """One exercise: layers (W (out, in), b (out,) or None, activation), the data and the step's settings."""

    name: str  # the base network ('course', 'relu-mse', ...)
    variant: int
    layers: tuple  # ((W, b, act), ...)
    X: np.ndarray  # (m, n0)
    y: object  # the target as given to gl.explain (class indices for cross-entropy)
    Y: np.ndarray  # (m, k): the target as the loss reads it (one-hot rows for class indices)
    loss: str
    reduction: str
    lr: float
    single: bool

    @property
    def key(self):
        return f"{self.name}#{self.variant}"

    @property
    def L(self):
        return len(self.layers)

    @property
    def m(self):
        return self.X.shape[0]

    @property
    def k(self):
        return self.layers[-1][0].shape[0]

    def W(self, l):
        return self.layers[l - 1][0]

    def b(self, l):
        return self.layers[l - 1][1]

    def act(self, l):
        return self.layers[l - 1][2]

    @property
    def divisor(self):
        """What reduction='mean' divides Σℓ by: m (cross-entropy) or m·k."""
        return self.m if self.loss == "cross_entropy" else self.m * self.k

    @property
    def c(self):
        return 1.0 / self.divisor if self.reduction == "mean" else 1.0

    @property
    def has_p(self):
        return self.loss in ("cross_entropy", "bce_with_logits")

    def explain_args(self):
        model = [(W, b, act) for W, b, act in self.layers]
        x = self.X[0] if self.single else self.X
        return dict(model=model, x=x, y=self.y, loss_fn=self.loss, lr=self.lr, reduction=self.reduction)

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, Net) and other.key == self.key

    def describe(self):
        sizes = [self.X.shape[1]] + [W.shape[0] for W, _, _ in self.layers]
        acts = ", ".join(act for _, _, act in self.layers)
        return (f"{self.key}: {'–'.join(map(str, sizes))} ({acts}), {self.loss} ({self.reduction}), "
                f"{'one sample' if self.single else f'batch of {self.m}'}, η = {self.lr}")


def _arr(v):
    return np.array(v, dtype=np.float64)


def _net(name, variant, layers, X, y, loss, reduction, lr):
    X = _arr(X)
    single = X.ndim == 1
    X = X.reshape(1, -1) if single else X
    layers = tuple((_arr(W), None if b is None else _arr(b), act) for W, b, act in layers)
    k = layers[-1][0].shape[0]
    if loss == "cross_entropy":
        idx = np.atleast_1d(np.asarray(y, dtype=int))
        Y = np.zeros((X.shape[0], k))
        Y[np.arange(X.shape[0]), idx] = 1.0
    else:
        Y = _arr(y).reshape(X.shape[0], k)
    return Net(name, variant, layers, X, y, Y, loss, reduction, float(lr), single)


def _draw(rng, shape, scale=1.0):
    """Weights as a student's exercise has them: 1 or 2 decimals, |w| ≤ scale, never 0."""
    out = np.empty(shape)
    for idx in np.ndindex(*shape):
        while True:
            decimals = int(rng.integers(1, 3))
            v = round(float(rng.uniform(-scale, scale)), decimals)
            if v != 0.0:
                out[idx] = v
                break
    return out


def course_net():
    """The slides' 1–2–3–1 sigmoid network with BCE (gradlab.explainer.examples.course)."""
    from gradlab.explainer.examples import course

    spec = course()
    layers = [(layer.W, layer.b, layer.act.name) for layer in spec["model"].layers]
    return _net("course", 0, layers, spec["x"], spec["y"], spec["loss_fn"], "mean", spec["lr"])


def relu_net(variant=0):
    """2–3–2, ReLU then identity, MSE (mean) on a batch of 4. Every number of layer 1 is a dyadic fraction, so
    z₁⁽¹⁾ of sample 1 (0.5·1 − 0.25·2 + 0) and z₃⁽¹⁾ of sample 4 (−0.5·2 + 0.75·1 + 0.25) are exactly 0.0: ReLU kinks.
    Variants redraw layer 2 and the targets (layer 1 and the kinks stay)."""
    X = [[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 1.0]]
    W1 = [[0.5, -0.25], [0.25, 0.5], [-0.5, 0.75]]
    b1 = [0.0, 0.1, 0.25]
    W2 = [[0.3, -0.5, 0.2], [0.7, 0.1, -0.4]]
    b2 = [0.0, 0.1]
    Y = [[0.5, 1.0], [0.0, -0.5], [1.0, 0.5], [-0.5, 0.0]]
    if variant:
        rng = np.random.default_rng(7100 + variant)
        W2, b2, Y = _draw(rng, (2, 3)), _draw(rng, (2,), 0.5), _draw(rng, (4, 2))
    return _net("relu-mse", variant, [(W1, b1, "relu"), (W2, b2, "identity")], X, Y, "mse", "mean", 0.1)


def softmax_net(variant=0):
    """2–3–3, tanh hidden, identity logits, cross-entropy with class indices, batch of 2, mean (c = 1/2)."""
    W1 = [[0.2, -0.4], [0.5, 0.3], [-0.3, 0.6]]
    b1 = [0.1, -0.1, 0.2]
    W2 = [[0.4, -0.2, 0.3], [-0.5, 0.6, 0.1], [0.2, 0.3, -0.4]]
    b2 = [0.0, 0.1, -0.1]
    X = [[1.0, -0.5], [0.5, 1.5]]
    y = [2, 0]
    if variant:
        rng = np.random.default_rng(7200 + variant)
        W1, b1, W2, b2 = _draw(rng, (3, 2)), _draw(rng, (3,), 0.5), _draw(rng, (3, 3)), _draw(rng, (3,), 0.5)
        X = np.round(rng.uniform(-2, 2, (2, 2)), 1)
        y = [int(v) for v in rng.integers(0, 3, 2)]
    return _net("softmax-ce", variant, [(W1, b1, "tanh"), (W2, b2, "identity")], X, y, "cross_entropy", "mean",
                0.5)


def linear_net(variant=0):
    """3–2–2 bias-free linear network (identity activations, no b), MSE (mean, c = 1/2), one sample."""
    W1 = [[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]
    W2 = [[0.7, -0.2], [0.3, 0.8]]
    x = [1.0, 2.0, -1.0]
    y = [0.5, -0.5]
    if variant:
        rng = np.random.default_rng(7300 + variant)
        W1, W2 = _draw(rng, (2, 3)), _draw(rng, (2, 2))
        x = np.round(rng.uniform(-2, 2, 3), 1)
        y = np.round(rng.uniform(-1, 1, 2), 1)
    return _net("linear-nobias", variant, [(W1, None, "identity"), (W2, None, "identity")], x, y, "mse", "mean",
                0.1)


def tanh_net(variant=0):
    """2–2–2, tanh hidden and tanh output, MSE with reduction='sum' (c = 1), one sample."""
    W1 = [[0.6, -0.4], [0.3, 0.5]]
    b1 = [0.1, -0.2]
    W2 = [[0.5, -0.7], [0.2, 0.9]]
    b2 = [0.0, 0.1]
    x = [0.5, -1.0]
    y = [0.2, -0.3]
    if variant:
        rng = np.random.default_rng(7400 + variant)
        W1, b1, W2, b2 = _draw(rng, (2, 2)), _draw(rng, (2,), 0.5), _draw(rng, (2, 2)), _draw(rng, (2,), 0.5)
        x = np.round(rng.uniform(-1.5, 1.5, 2), 1)
        y = np.round(rng.uniform(-0.8, 0.8, 2), 1)
    return _net("tanh-mse", variant, [(W1, b1, "tanh"), (W2, b2, "tanh")], x, y, "mse", "sum", 0.2)


def logistic_net(variant=0):
    """2–2–1, sigmoid hidden, identity logit, BCE with logits (p = σ(ŷ)), batch of 3, mean (c = 1/3)."""
    W1 = [[0.4, -0.6], [0.7, 0.2]]
    b1 = [0.0, -0.3]
    W2 = [[1.2, -0.8]]
    b2 = [0.1]
    X = [[1.0, 0.5], [-0.5, 1.0], [2.0, -1.0]]
    y = [1.0, 0.0, 1.0]
    if variant:
        rng = np.random.default_rng(7500 + variant)
        W1, b1, W2, b2 = _draw(rng, (2, 2)), _draw(rng, (2,), 0.5), _draw(rng, (1, 2), 1.5), _draw(rng, (1,), 0.5)
        X = np.round(rng.uniform(-2, 2, (3, 2)), 1)
        y = [float(v) for v in rng.integers(0, 2, 3)]
    return _net("logistic-bce-logits", variant, [(W1, b1, "sigmoid"), (W2, b2, "identity")], X, y,
                "bce_with_logits", "mean", 0.5)


BASES = {"course": (course_net, 1), "relu-mse": (relu_net, 3), "softmax-ce": (softmax_net, 3),
         "linear-nobias": (linear_net, 3), "tanh-mse": (tanh_net, 3), "logistic-bce-logits": (logistic_net, 3)}


@lru_cache(maxsize=None)
def network(name, variant=0):
    make, _ = BASES[name]
    return make() if name == "course" else make(variant)


def networks():
    """Every network of the corpus (base networks and their seeded variants)."""
    return [network(name, v) for name, (_, n) in BASES.items() for v in range(n)]


@lru_cache(maxsize=None)
def explanation(net):
    """The reference: gl.explain of the network (the grader's input; never used to make a sheet)."""
    import gradlab as gl

    return gl.explain(**net.explain_args())


# ---------------------------------------------------------------- entries and the template


@dataclass(frozen=True)
class Entry:
    """One scalar of the sheet. 0-based s (sample), j (neuron or vector index), i (input, for dW / W_new)."""

    name: str
    kind: str
    l: int | None = None
    s: int | None = None
    j: int | None = None
    i: int | None = None


def per_sample(net, kind, l, s, j):
    head = kind if l is None else f"{kind}[{l}]"
    return f"{head}[{j + 1}]" if net.single else f"{head}[{s + 1},{j + 1}]"


def weight_name(kind, l, i, j):
    """dW[l][i,j] / W_new[l][i,j]: input i → neuron j (0-based in, 1-based printed)."""
    return f"{kind}[{l}][{i + 1},{j + 1}]"


def bias_name(kind, l, j):
    return f"{kind}[{l}][{j + 1}]"


@lru_cache(maxsize=None)
def template(net):
    """The sheet's entries, in template order."""
    out = []
    L, m = net.L, net.m
    for s in range(m):
        for l in range(1, L + 1):
            n = net.W(l).shape[0]
            out += [Entry(per_sample(net, "z", l, s, j), "z", l, s, j) for j in range(n)]
            out += [Entry(per_sample(net, "a", l, s, j), "a", l, s, j) for j in range(n)]
    if net.has_p:
        out += [Entry(per_sample(net, "p", None, s, j), "p", None, s, j) for s in range(m) for j in range(net.k)]
    out.append(Entry("loss", "loss"))
    out += [Entry(per_sample(net, "dL/dy_hat", None, s, j), "dL/dy_hat", None, s, j)
            for s in range(m) for j in range(net.k)]
    for l in range(L, 0, -1):
        n_out, n_in = net.W(l).shape
        out += [Entry(per_sample(net, "delta", l, s, j), "delta", l, s, j) for s in range(m) for j in range(n_out)]
        out += [Entry(per_sample(net, "da", l - 1, s, i), "da", l - 1, s, i) for s in range(m) for i in range(n_in)]
    for l in range(L, 0, -1):
        n_out, n_in = net.W(l).shape
        out += [Entry(weight_name("dW", l, i, j), "dW", l, None, j, i) for j in range(n_out) for i in range(n_in)]
        if net.b(l) is not None:
            out += [Entry(bias_name("db", l, j), "db", l, None, j) for j in range(n_out)]
    for l in range(L, 0, -1):
        n_out, n_in = net.W(l).shape
        out += [Entry(weight_name("W_new", l, i, j), "W_new", l, None, j, i) for j in range(n_out)
                for i in range(n_in)]
        if net.b(l) is not None:
            out += [Entry(bias_name("b_new", l, j), "b_new", l, None, j) for j in range(n_out)]
    return tuple(out)


@lru_cache(maxsize=None)
def entry_index(net):
    return {e.name: k for k, e in enumerate(template(net))}


# ---------------------------------------------------------------- the student's arithmetic


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": math.tanh, "relu": lambda v: v if v > 0 else 0.0,
               "identity": lambda v: v}


def a_prev(net, get, l, s, i):
    """a⁽ˡ⁾ of sample s, input i: the given x for l = 0, else the sheet's entry."""
    return float(net.X[s, i]) if l == 0 else get(per_sample(net, "a", l, s, i))


def fprime(net, get, l, s, j, frm="a"):
    """f′(z⁽ˡ⁾) of one neuron, from the sheet: a(1 − a), 1 − a² (frm='a', as the slides) or from z; ReLU′(0) = 0."""
    act = net.act(l)
    if act == "identity":
        return 1.0
    if act == "relu":
        return 1.0 if get(per_sample(net, "z", l, s, j)) > 0 else 0.0
    if frm == "a":
        a = get(per_sample(net, "a", l, s, j))
    else:
        a = ACTIVATIONS[act](get(per_sample(net, "z", l, s, j)))
    return a * (1.0 - a) if act == "sigmoid" else 1.0 - a * a


def incoming(net, get, l, s, j):
    """∂L/∂a⁽ˡ⁾ of one neuron as the sheet has it: dL/dy_hat for the output layer, da[l] below."""
    if l == net.L:
        return get(per_sample(net, "dL/dy_hat", None, s, j))
    return get(per_sample(net, "da", l, s, j))


def z_sum(net, get, l, s, j, weight=None):
    """b_j + Σᵢ wᵢⱼ aᵢ; weight(i) gives the weight the student uses for term i (default w_ij = W[j, i])."""
    W, b = net.W(l), net.b(l)
    total = 0.0
    for i in range(W.shape[1]):
        w = float(W[j, i]) if weight is None else weight(i)
        total += w * a_prev(net, get, l - 1, s, i)
    return total + (0.0 if b is None else float(b[j]))


def da_sum(net, get, l, s, i, weight=None):
    """∂L/∂aᵢ⁽ˡ⁾ = Σⱼ δⱼ⁽ˡ⁺¹⁾ wᵢⱼ⁽ˡ⁺¹⁾; weight(j) gives the weight the student uses for term j."""
    W = net.W(l + 1)
    total = 0.0
    for j in range(W.shape[0]):
        w = float(W[j, i]) if weight is None else weight(j)
        total += get(per_sample(net, "delta", l + 1, s, j)) * w
    return total


def dW_sum(net, get, l, i, j):
    return sum(get(per_sample(net, "delta", l, s, j)) * a_prev(net, get, l - 1, s, i) for s in range(net.m))


def loss_value(net, get, c=None):
    c = net.c if c is None else c
    total = 0.0
    for s in range(net.m):
        for j in range(net.k):
            y = float(net.Y[s, j])
            if net.loss == "mse":
                total += (get(per_sample(net, "a", net.L, s, j)) - y) ** 2
            elif net.loss == "bce":
                a = get(per_sample(net, "a", net.L, s, j))
                total -= (y * math.log(a) if y else 0.0) + ((1 - y) * math.log(1 - a) if y != 1 else 0.0)
            elif net.loss == "bce_with_logits":
                p = get(per_sample(net, "p", None, s, j))
                total -= (y * math.log(p) if y else 0.0) + ((1 - y) * math.log(1 - p) if y != 1 else 0.0)
            else:  # cross-entropy: −Σ y ln p
                if y:
                    total -= y * math.log(get(per_sample(net, "p", None, s, j)))
    return c * total


def dyhat_value(net, get, s, j, c=None, two=2.0):
    c = net.c if c is None else c
    y = float(net.Y[s, j])
    if net.loss == "mse":
        return two * c * (get(per_sample(net, "a", net.L, s, j)) - y)
    if net.loss == "bce":
        a = get(per_sample(net, "a", net.L, s, j))
        return c * (-y / a + (1 - y) / (1 - a))
    return c * (get(per_sample(net, "p", None, s, j)) - y)


def right(net, e, get, frm="a"):
    """The entry as the student computes it correctly from the sheet's earlier values (``get``)."""
    k = e.kind
    if k == "z":
        return z_sum(net, get, e.l, e.s, e.j)
    if k == "a":
        return ACTIVATIONS[net.act(e.l)](get(per_sample(net, "z", e.l, e.s, e.j)))
    if k == "p":
        if net.loss == "bce_with_logits":
            return sigmoid(get(per_sample(net, "a", net.L, e.s, e.j)))
        logits = [get(per_sample(net, "a", net.L, e.s, j)) for j in range(net.k)]
        top = max(logits)
        ex = [math.exp(v - top) for v in logits]
        return ex[e.j] / sum(ex)
    if k == "loss":
        return loss_value(net, get)
    if k == "dL/dy_hat":
        return dyhat_value(net, get, e.s, e.j)
    if k == "delta":
        return incoming(net, get, e.l, e.s, e.j) * fprime(net, get, e.l, e.s, e.j, frm)
    if k == "da":
        return da_sum(net, get, e.l, e.s, e.j)
    if k == "dW":
        return dW_sum(net, get, e.l, e.i, e.j)
    if k == "db":
        return sum(get(per_sample(net, "delta", e.l, s, e.j)) for s in range(net.m))
    if k == "W_new":
        return float(net.W(e.l)[e.j, e.i]) - net.lr * get(weight_name("dW", e.l, e.i, e.j))
    if k == "b_new":
        return float(net.b(e.l)[e.j]) - net.lr * get(bias_name("db", e.l, e.j))
    raise ValueError(k)


# ---------------------------------------------------------------- writing numbers


def decimals_for(v, precision):
    kind, n = precision
    if kind == "dec":
        return n
    if v == 0:
        return n - 1
    return n - 1 - math.floor(math.log10(abs(v)))


def round_to(v, precision):
    """v as the student writes it: ('dec', n) decimals or ('sig', n) significant figures; None = unrounded."""
    if precision is None or v == 0 or not math.isfinite(v):
        return float(v) + 0.0
    return round(v, decimals_for(v, precision)) + 0.0


def text(v, precision):
    """The written digits of v (precision not None), e.g. '-0.0026', '1.230'."""
    w = round_to(v, precision)
    return f"{w:.{max(decimals_for(w if w else v, precision), 0)}f}"


def round_sig(v, n=2):
    return round_to(v, ("sig", n))


def written_tol(w):
    """The grading tolerance of a written number, as the grader can see it from the float: half a unit in its
    last digit, never looser than the looser of 2 significant figures and 4 decimals."""
    exponent = Decimal(repr(float(w))).as_tuple().exponent
    half = 0.5 * 10.0 ** exponent
    two_sig = 0.5 * 10.0 ** (math.floor(math.log10(abs(w))) - 1) if w else 0.0
    return min(half, max(two_sig, 0.5e-4))


@dataclass(frozen=True)
class Student:
    precision: tuple | None  # ('dec', 4), ('sig', 3)... or None (unrounded)
    style: str = "a"  # 'a': full precision, rounds when writing; 'b': computes from the written numbers
    fprime_from: str = "a"  # σ′/tanh′ from the written a (slides) or from z

    def write(self, v):
        return round_to(v, self.precision)

    def keep(self, v):
        """What the student carries on with: the full value (style a) or the written one (style b)."""
        return v if self.style == "a" else self.write(v)

    def describe(self):
        p = "unrounded" if self.precision is None else (
            f"{self.precision[1]} decimals" if self.precision[0] == "dec" else f"{self.precision[1]} sig. fig.")
        return f"{p}, style {self.style} ({'full precision' if self.style == 'a' else 'by hand'}), " \
               f"f′ from {self.fprime_from}"


# ---------------------------------------------------------------- mistakes


def _kink_here(net, get, e):
    return net.act(e.l) == "relu" and get(per_sample(net, "z", e.l, e.s, e.j)) == 0.0


def mistake_options(code, net, e, rng):
    """The ways ``code`` can be made at entry ``e`` (a list of option tuples; empty where it does not apply)."""
    k = e.kind
    if code == "missing_derivative":
        return [()] if k == "delta" and net.act(e.l) != "identity" else []
    if code == "derivative_of_output":
        return [()] if k == "delta" and net.act(e.l) in ("sigmoid", "tanh") else []
    if code == "kink":
        return [()] if k == "delta" and net.act(e.l) == "relu" else []
    if code == "transposed":
        if k in ("dW", "W_new"):
            n_out, n_in = net.W(e.l).shape
            if e.i != e.j and e.j < n_in and e.i < n_out:
                return [()]
        return []
    if code == "wrong_weight":
        if k == "z":
            W, j = net.W(e.l), e.j  # term i uses w_ij = W[j, i]
            opts = []
            for i in range(W.shape[1]):
                w = W[j, i]
                if i < W.shape[0] and j < W.shape[1] and W[i, j] != w:
                    opts.append((i, float(W[i, j])))
                else:
                    others = [float(W[j2, i]) for j2 in range(W.shape[0]) if j2 != j and W[j2, i] != w]
                    if others:
                        opts.append((i, others[int(rng.integers(len(others)))]))
            return [opts[t] for t in rng.permutation(len(opts))]
        if k == "da":
            W, i = net.W(e.l + 1), e.j  # term j uses w_ij = W[j, i]
            opts = []
            for j in range(W.shape[0]):
                w = W[j, i]
                if i < W.shape[0] and j < W.shape[1] and W[i, j] != w:
                    opts.append((j, float(W[i, j])))
                else:
                    others = [float(W[j2, i]) for j2 in range(W.shape[0]) if j2 != j and W[j2, i] != w]
                    if others:
                        opts.append((j, others[int(rng.integers(len(others)))]))
            return [opts[t] for t in rng.permutation(len(opts))]
        return []
    if code == "missing_mean":
        return [()] if k in ("loss", "dL/dy_hat") and net.reduction == "mean" and net.divisor > 1 else []
    if code == "missing_factor_2":
        return [()] if k == "dL/dy_hat" and net.loss == "mse" else []
    if code == "sign":
        return [()] if k in BACKWARD_KINDS else []
    if code == "bias_not_summed":
        return [(int(s),) for s in rng.permutation(net.m)] if k == "db" and net.m >= 2 else []
    if code == "updated_weights_used":
        return [()] if k == "da" and e.l + 1 >= 2 else []
    if code == "update_sign":
        return [()] if k in ("W_new", "b_new") else []
    if code == "learning_rate":
        if k not in ("W_new", "b_new"):
            return []
        etas = [net.lr / 10, 10 * net.lr, 2 * net.lr, net.lr / 2]
        return [(etas[t],) for t in rng.permutation(4)]
    if code == "rounding":
        return [()]  # applies where the entry reads sheet values (checked when made)
    if code == "arithmetic":
        factor = float(rng.uniform(1.2, 1.7) if rng.random() < 0.5 else rng.uniform(0.35, 0.8))
        opts = [("factor", factor), ("swap", float(rng.random()))]
        return opts if rng.random() < 0.5 else opts[::-1]
    raise ValueError(code)


def swapped(v, precision, pick):
    """The written digits of v with two adjacent, different significant digits swapped (None if none)."""
    t = text(v, precision)
    sign = "-" if t.startswith("-") else ""
    body = t.lstrip("-")
    pos = [q for q, ch in enumerate(body) if ch.isdigit()]
    first = next((q for q in pos if body[q] != "0"), None)
    if first is None:
        return None
    sig = [q for q in pos if q >= first]
    pairs = [(p, q) for p, q in zip(sig, sig[1:]) if body[p] != body[q] and not (p == first and body[q] == "0")]
    if not pairs:
        return None
    p, q = pairs[int(pick * len(pairs)) % len(pairs)]
    chars = list(body)
    chars[p], chars[q] = chars[q], chars[p]
    return float(sign + "".join(chars)) + 0.0


def wrong_value(code, option, net, e, get, student, written=None):
    """The value the student writes at ``e`` when making ``code`` (with ``option``); None where not possible.

    ``get`` gives what the student carries on with (full precision in style a), ``written`` the numbers on the
    sheet (the same in style b)."""
    frm = student.fprime_from
    k = e.kind
    if code == "missing_derivative":
        if _kink_here(net, get, e):
            return None  # the same number is the kink mistake
        return incoming(net, get, e.l, e.s, e.j)
    if code == "derivative_of_output":
        a = get(per_sample(net, "a", e.l, e.s, e.j))
        f = sigmoid(a) * (1 - sigmoid(a)) if net.act(e.l) == "sigmoid" else 1 - math.tanh(a) ** 2
        return incoming(net, get, e.l, e.s, e.j) * f
    if code == "kink":
        return incoming(net, get, e.l, e.s, e.j) if _kink_here(net, get, e) else None
    if code == "transposed":  # the student's own value at position [j, i]
        if k == "dW":
            return dW_sum(net, get, e.l, e.j, e.i)
        other = get(weight_name("dW", e.l, e.j, e.i))  # the sheet's dW[l][j,i], written before any W_new
        return float(net.W(e.l)[e.i, e.j]) - net.lr * other
    if code == "wrong_weight":
        term, w = option
        if k == "z":
            W = net.W(e.l)
            return z_sum(net, get, e.l, e.s, e.j, weight=lambda i: w if i == term else float(W[e.j, i]))
        W = net.W(e.l + 1)
        return da_sum(net, get, e.l, e.s, e.j, weight=lambda j: w if j == term else float(W[j, e.j]))
    if code == "missing_mean":
        if k == "loss":
            return loss_value(net, get, c=net.c * net.divisor)
        return dyhat_value(net, get, e.s, e.j, c=net.c * net.divisor)
    if code == "missing_factor_2":
        return dyhat_value(net, get, e.s, e.j, two=1.0)
    if code == "sign":
        return -right(net, e, get, frm)
    if code == "bias_not_summed":
        return get(per_sample(net, "delta", e.l, option[0], e.j))
    if code == "updated_weights_used":
        l = e.l + 1
        W = net.W(l)

        def new_weight(j):  # the student's own dW and W_new (as they write them), used for the backward pass
            dw = student.keep(dW_sum(net, get, l, e.j, j))
            return student.keep(float(W[j, e.j]) - net.lr * dw)

        return da_sum(net, get, e.l, e.s, e.j, weight=new_weight)
    if code in ("update_sign", "learning_rate"):
        eta = -net.lr if code == "update_sign" else option[0]
        if k == "W_new":
            return float(net.W(e.l)[e.j, e.i]) - eta * get(weight_name("dW", e.l, e.i, e.j))
        return float(net.b(e.l)[e.j]) - eta * get(bias_name("db", e.l, e.j))
    if code == "rounding":  # the sheet's numbers (as written) rounded to 2 significant figures
        reads = []
        src = get if written is None else written

        def get2(name):
            reads.append(name)
            return round_sig(src(name), 2)

        v = right(net, e, get2, frm)
        return v if reads else None
    if code == "arithmetic":
        r = right(net, e, get, frm)
        if option[0] == "factor":
            return r * option[1]
        if student.precision is None:
            return None
        return swapped(r, student.precision, option[1])
    raise ValueError(code)


# ---------------------------------------------------------------- sheets


@dataclass
class Sheet:
    net: Net
    student: Student
    answers: dict  # name -> the written float (what the grader gets)
    internal: dict  # name -> what the student carried on with
    code: str | None = None
    entry: str | None = None
    option: tuple = ()
    right_value: float | None = None  # the right value at the injected entry (from the student's own values)
    spread: float = 0.0  # u at the injected entry
    seed: int | None = None

    def describe(self):
        what = "correct" if self.code is None else f"{self.code} at {self.entry} {self.option or ''}".rstrip()
        given = "" if self.entry is None else (f": wrote {self.answers[self.entry]!r}, right "
                                              f"{self.right_value!r}")
        return f"[{self.net.key} seed {self.seed}; {self.student.describe()}] {what}{given}"


class Rejected(Exception):
    """The mistake is not possible or not detectable at this entry."""


def spread(net, e, internal, answers, frm):
    """u: Σ over the sheet values r reads of |Δr| when that value moves by its written tolerance (first order).
    A ReLU's z only decides its f′, which a grader reads from its sign: it is not moved."""
    reads = []

    def rec(name):
        reads.append(name)
        return internal[name]

    r = right(net, e, rec, frm)
    index = entry_index(net)
    tmpl = template(net)
    u = 0.0
    for name in dict.fromkeys(reads):
        dep = tmpl[index[name]]
        if dep.kind == "z" and net.act(dep.l) == "relu":
            continue
        t = written_tol(answers[name])
        worst = 0.0
        for sgn in (1.0, -1.0):
            try:
                moved = right(net, e, lambda q: internal[q] + sgn * t if q == name else internal[q], frm)
            except (ValueError, ZeroDivisionError, OverflowError):
                moved = math.inf
            worst = max(worst, abs(moved - r))
        u += worst
    return r, u


def valid(net, internal):
    """Whether a sheet is one a student could finish and a grader could read unambiguously."""
    for e in template(net):
        v = internal[e.name]
        if not math.isfinite(v):
            return False
        if e.kind == "a" and e.l == net.L and net.loss == "bce" and not 0.0 < v < 1.0:
            return False
        if e.kind == "p" and not 0.0 < v < 1.0:
            return False
        if e.kind == "z" and net.act(e.l) == "relu" and v != 0.0 and abs(v) < 0.01:
            return False  # a pre-activation a grader could not put on one side of the kink
    return True


def write_sheet(net, student, mistake=None):
    """The student's sheet; ``mistake`` = (code, entry name, option) or (None, entry name, pinned value)."""
    internal, answers = {}, {}
    get = internal.__getitem__
    info = {}
    for e in template(net):
        if mistake is not None and e.name == mistake[1]:
            code, _, option = mistake
            try:
                if code is None:
                    v = option  # a replay: the value the student carried on with
                else:
                    v = wrong_value(code, option, net, e, get, student, answers.__getitem__)
            except (ValueError, ZeroDivisionError, OverflowError):
                v = None
            if v is None or not math.isfinite(v):
                raise Rejected
            w = student.write(v)
            if code is not None:
                r, u = spread(net, e, internal, answers, student.fprime_from)
                if not abs(w - r) > 2 * written_tol(w) + 3 * u + 1e-12:
                    raise Rejected
                info = dict(right_value=r, spread=u)
            # a digit swap is a slip in writing: the student carries on with what they wrote
            internal[e.name] = w if (code == "arithmetic" and option[0] == "swap") else student.keep(v)
            answers[e.name] = w
            continue
        try:
            v = right(net, e, get, student.fprime_from)
        except (ValueError, ZeroDivisionError, OverflowError):
            raise Rejected from None
        answers[e.name] = student.write(v)
        internal[e.name] = student.keep(v)
    if mistake is not None and not valid(net, internal):
        raise Rejected
    return answers, internal, info


def clean_sheet(net, student=Student(None)):
    answers, internal, _ = write_sheet(net, student)
    return Sheet(net, student, answers, internal)


def make_mistake(net, code, student, rng):
    """A sheet with one ``code`` mistake at a random applicable entry (None where no entry takes it)."""
    entries = list(template(net))
    for t in rng.permutation(len(entries)):
        e = entries[t]
        for option in mistake_options(code, net, e, rng):
            try:
                answers, internal, info = write_sheet(net, student, (code, e.name, option))
            except Rejected:
                continue
            return Sheet(net, student, answers, internal, code, e.name, option, **info)
    return None


def replay(sheet):
    """The sheet rewritten with the injected entry pinned to what the student carried on with: every other entry
    by the student's ordinary arithmetic from the sheet's own earlier values."""
    mistake = None if sheet.entry is None else (None, sheet.entry, sheet.internal[sheet.entry])
    answers, internal, _ = write_sheet(sheet.net, sheet.student, mistake)
    return answers, internal


# ---------------------------------------------------------------- applicability and the corpus


def applicable(net, code):
    """Whether ``code`` can occur on this network at all (the corpus then holds it several times)."""
    acts = [net.act(l) for l in range(1, net.L + 1)]
    shapes = [net.W(l).shape for l in range(1, net.L + 1)]
    if code == "missing_derivative":
        return any(a != "identity" for a in acts)
    if code == "derivative_of_output":
        return any(a in ("sigmoid", "tanh") for a in acts)
    if code == "transposed":
        return any(o >= 2 and i >= 2 for o, i in shapes)
    if code == "wrong_weight":
        return any(o >= 2 for o, _ in shapes)
    if code == "missing_mean":
        return net.reduction == "mean" and net.divisor > 1
    if code == "missing_factor_2":
        return net.loss == "mse"
    if code == "bias_not_summed":
        return net.m >= 2 and any(net.b(l) is not None for l in range(1, net.L + 1))
    if code == "updated_weights_used":
        return net.L >= 2
    if code == "kink":
        clean = clean_sheet(net)
        return any(e.kind == "z" and net.act(e.l) == "relu" and clean.internal[e.name] == 0.0
                   for e in template(net))
    return True


def _student(rng, precisions):
    return Student(precisions[int(rng.integers(len(precisions)))], "ab"[int(rng.integers(2))],
                   "a" if rng.random() < 0.75 else "z")


@lru_cache(maxsize=None)
def build_corpus():
    """(mistake sheets, correct sheets), deterministic.

    Every (base network, applicable code) pair gets max(PER_PAIR, ⌈MIN_PER_CODE / networks with the code⌉)
    sheets, seed by seed (the seed picks the network variant, the student and the entry)."""
    mistakes, correct = [], []
    code_nets = {code: [name for name in BASES if applicable(network(name), code)] for code in CODES}
    for code in CODES:
        names = code_nets[code]
        want = max(PER_PAIR, -(-MIN_PER_CODE // max(len(names), 1)))
        for name in names:
            n_var = BASES[name][1]
            made, seed = 0, 0
            while made < want and seed < 4 * want:
                rng = np.random.default_rng([CODES.index(code), list(BASES).index(name), seed])
                net = network(name, seed % n_var)
                sheet = make_mistake(net, code, _student(rng, MISTAKE_PRECISIONS), rng)
                if sheet is not None:
                    sheet.seed = seed
                    mistakes.append(sheet)
                    made += 1
                seed += 1
    for name in BASES:
        n_var = BASES[name][1]
        for seed in range(CORRECT_PER_NETWORK):
            student = Student(CORRECT_PRECISIONS[(seed // 2) % len(CORRECT_PRECISIONS)], "ab"[seed % 2],
                              "a" if seed % 3 else "z")
            sheet = clean_sheet(network(name, seed % n_var), student)
            sheet.seed = seed
            correct.append(sheet)
    return mistakes, correct


def reference_value(exp, net, e):
    """The explainer's number for entry ``e`` (for the generator's own test)."""
    if e.kind in ("z", "a", "delta", "da"):
        arr = exp[f"{e.kind}[{e.l}]"]
    elif e.kind in ("p", "dL/dy_hat"):
        arr = exp[e.kind]
    elif e.kind == "loss":
        return float(exp["loss"])
    elif e.kind in ("dW", "W_new"):
        return float(exp[f"{e.kind}[{e.l}]"][e.j, e.i])
    else:
        return float(exp[f"{e.kind}[{e.l}]"][e.j])
    return float(arr[e.j] if net.single else arr[e.s, e.j])
