"""Every number of ``gl.explain`` against PyTorch autograd, on 500 random networks.

Each network is drawn (seeded, deterministic) from the whole space the
explainer supports: depth 1–4, widths 1–5, every activation (Softmax mostly as
the output but also hidden), every loss and target form, one sample or a batch
of 1–4, a bias per layer or not, both layouts and every convention (reduction,
½, shared and frozen biases, sequential updates), with and without a learning
rate. The reference is written here from the math, in float64 PyTorch: the
forward pass, the loss, ``backward()`` with the intermediate gradients
retained, and the update and verification pass. Every named quantity must
equal the reference to 1e-12 (relative to the quantity's largest entry when
that exceeds 1), and every renderer and view must run.

Two kinds of draw are redrawn: a pre-activation within 1e-6 of a ReLU,
LeakyReLU or step kink, before or after the update (which side of a kink a
rounding error lands on decides f′ there; the conventions at kinks are tested
elsewhere), and a BCE output within 1e-4 of 0 or 1 (ln(1 − ŷ) turns a
one-ulp difference in ŷ into more than 1e-12 there).

A failure names the network's seed and description and prints a
self-contained snippet that reproduces it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="torch is not installed (it is the reference implementation)")
TF = torch.nn.functional

N_CHUNKS = 25
PER_CHUNK = 20  # 25 × 20 = 500 networks
TOLERANCE = 1e-12
KINK_MARGIN = 1e-6
BCE_MARGIN = 1e-4

ACTIVATIONS = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax")
HIDDEN_WEIGHTS = np.array([1, 1, 1, 1, 1, 1, 1, 0.5]) / 7.5  # softmax is a rarer hidden layer
OUTPUT_WEIGHTS = np.array([3, 1, 1, 1, 1, 1, 1, 1]) / 10  # identity (regression, logits) the likeliest output
LOSSES = ("mse", "bce", "bce_with_logits", "cross_entropy")
LOSS_MODULES = {"mse": "MSELoss", "bce": "BCELoss", "bce_with_logits": "BCEWithLogitsLoss",
                "cross_entropy": "CrossEntropyLoss"}
MODULES = {"identity": "Identity", "step": "Step", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
           "leaky_relu": "LeakyReLU", "softplus": "Softplus", "softmax": "Softmax"}
RENDERS = [(fmt, view) for fmt in ("text", "markdown", "latex", "html") for view in ("scalar", "matrix", "graph")]
RENDERS.append(("json", "scalar"))
FULL_RENDER_EVERY = 5  # every 5th network renders all 13 (format, view) pairs, the others two of them


# ---------------------------------------------------------------- one random network


@dataclass
class LayerSpec:
    """One layer: W (out, in); b (out,), a float (shared bias) or None; its activation and how it is given."""

    W: np.ndarray
    b: object
    act: str
    param: float | None  # LeakyReLU's negative slope or Step's threshold
    form: str  # 'module', 'name', or 'omitted' (a Linear with no activation after it: identity)

    @property
    def kink(self):
        """Where f′ jumps, or None."""
        if self.act in ("relu", "leaky_relu"):
            return 0.0
        if self.act == "step":
            return self.param
        return None

    def module_code(self):
        if self.act == "step":
            return f"gl.nn.Step(threshold={self.param!r})"
        if self.act == "leaky_relu":
            return f"gl.nn.LeakyReLU(negative_slope={self.param!r})"
        return f"gl.nn.{MODULES[self.act]}()"

    def module(self):
        cls = getattr(gl.nn, MODULES[self.act])
        if self.act == "step":
            return cls(threshold=self.param)
        if self.act == "leaky_relu":
            return cls(negative_slope=self.param)
        return cls()


@dataclass
class Case:
    seed: int
    attempt: int
    layers: list
    x: np.ndarray
    y: object  # an array, or an int (cross-entropy class of one sample)
    loss: str
    loss_form: str  # 'object' or 'string'
    target_form: str  # 'values', 'index', 'onehot', 'prob'
    reduction: str
    half: bool
    shared_bias: bool
    frozen_bias: bool
    update_order: str
    lr: float | None
    layout: str
    model_form: str  # 'sequential' or 'list'

    @property
    def single(self):
        return self.x.ndim == 1

    @property
    def m(self):
        return 1 if self.single else self.x.shape[0]

    @property
    def L(self):
        return len(self.layers)

    def describe(self):
        sizes = [str(self.layers[0].W.shape[1])]
        for spec in self.layers:
            act = spec.act if spec.param is None else f"{spec.act}({spec.param:.3g})"
            bias = "" if spec.b is not None else ", no bias"
            sizes.append(f"{spec.W.shape[0]} {act}{bias}")
        conv = [self.reduction] + [name for name in ("half", "shared_bias", "frozen_bias") if getattr(self, name)]
        if self.update_order == "sequential":
            conv.append("sequential")
        return (f"seed {self.seed} (attempt {self.attempt}): {' → '.join(sizes)}; {self.loss} ({self.loss_form}, "
                f"target {self.target_form}); {'one sample' if self.single else f'batch of {self.m}'}; "
                f"lr={self.lr}; {', '.join(conv)}; layout {self.layout}; model as {self.model_form}")

    # ------------------------------------------------ the call under test, as objects and as code

    def model_code(self):
        if self.model_form == "sequential":
            lines = ["model = gl.nn.Sequential("]
            for spec in self.layers:
                out, n_in = spec.W.shape
                lines.append(f"    gl.nn.Linear({n_in}, {out}, bias={spec.b is not None}, init='zeros'),")
                if spec.form != "omitted":
                    lines.append(f"    {spec.module_code()},")
            lines.append(")")
            for position, spec in zip(self._linear_positions(), self.layers):
                lines.append(f"model[{position}].weight.data[...] = np.array({spec.W.tolist()!r})")
                if spec.b is not None:
                    lines.append(f"model[{position}].bias.data[...] = np.array({spec.b.tolist()!r})")
            return "\n".join(lines)
        lines = ["model = ["]
        for spec in self.layers:
            b = "None" if spec.b is None else (repr(spec.b) if self.shared_bias else f"np.array({spec.b.tolist()!r})")
            act = repr(spec.act) if spec.form == "name" else spec.module_code()
            lines.append(f"    (np.array({spec.W.tolist()!r}), {b}, {act}),")
        lines.append("]")
        return "\n".join(lines)

    def _linear_positions(self):
        """The index of each Linear in the Sequential."""
        pos, out = 0, []
        for spec in self.layers:
            out.append(pos)
            pos += 1 if spec.form == "omitted" else 2
        return out

    def y_code(self):
        if isinstance(self.y, int):
            return repr(self.y)
        dtype = ", dtype=np.int64" if self.y.dtype.kind == "i" else ""
        return f"np.array({self.y.tolist()!r}{dtype})"

    def loss_code(self):
        if self.loss_form == "object":
            return f"gl.nn.{LOSS_MODULES[self.loss]}({self.reduction!r})"
        return repr(self.loss)

    def kwargs_code(self):
        kw = {"lr": self.lr, "layout": self.layout, "half": self.half, "shared_bias": self.shared_bias,
              "frozen_bias": self.frozen_bias, "update_order": self.update_order}
        if self.loss_form == "string":
            kw["reduction"] = self.reduction
        return ", ".join(f"{k}={v!r}" for k, v in kw.items())

    def code(self):
        """A self-contained snippet that makes this call."""
        return "\n".join(["import numpy as np", "import gradlab as gl", self.model_code(),
                          f"x = np.array({self.x.tolist()!r})", f"y = {self.y_code()}",
                          f"exp = gl.explain(model, x, y, {self.loss_code()}, {self.kwargs_code()})"])

    def model(self):
        if self.model_form == "sequential":
            modules = []
            for spec in self.layers:
                out, n_in = spec.W.shape
                linear = gl.nn.Linear(n_in, out, bias=spec.b is not None, init="zeros")
                linear.weight.data[...] = spec.W
                if spec.b is not None:
                    linear.bias.data[...] = spec.b
                modules.append(linear)
                if spec.form != "omitted":
                    modules.append(spec.module())
            return gl.nn.Sequential(*modules)
        return [(spec.W.copy(), spec.b if spec.b is None or self.shared_bias else spec.b.copy(),
                 spec.act if spec.form == "name" else spec.module()) for spec in self.layers]

    def explain(self):
        loss_fn = getattr(gl.nn, LOSS_MODULES[self.loss])(self.reduction) if self.loss_form == "object" else self.loss
        reduction = self.reduction if self.loss_form == "string" else None
        y = self.y if isinstance(self.y, int) else self.y.copy()
        return gl.explain(self.model(), self.x.copy(), y, loss_fn, lr=self.lr, layout=self.layout,
                          reduction=reduction, half=self.half, shared_bias=self.shared_bias,
                          frozen_bias=self.frozen_bias, update_order=self.update_order)


def _uniform(rng, shape=None):
    return rng.uniform(-1.5, 1.5, size=shape)


def _draw_activation(rng, act, model_form):
    """(param, form) for activation ``act``."""
    param = None
    if act == "leaky_relu":
        param = 0.01 if rng.random() < 0.3 else float(np.round(rng.uniform(-2.0, 2.0), 3))
    elif act == "step":
        param = 0.0 if rng.random() < 0.3 else float(np.round(rng.uniform(-1.0, 1.0), 3))
    if model_form == "sequential":
        form = "omitted" if act == "identity" and rng.random() < 0.5 else "module"
    else:
        default = param is None or param == (0.01 if act == "leaky_relu" else 0.0)
        form = "name" if default and rng.random() < 0.5 else "module"
    return param, form


def draw_case(rng, seed, attempt):
    """One network, input, target, loss and conventions, drawn from ``rng``."""
    loss = str(rng.choice(LOSSES))
    depth = int(rng.integers(1, 5))
    if loss == "bce":  # BCELoss reads probabilities: the output must lie in (0, 1)
        out_act = str(rng.choice(["sigmoid", "softmax"]))
    else:
        out_act = str(rng.choice(ACTIVATIONS, p=OUTPUT_WEIGHTS))
    k_min = 2 if loss == "cross_entropy" or (loss == "bce" and out_act == "softmax") else 1
    sizes = [int(rng.integers(1, 6)) for _ in range(depth)] + [int(rng.integers(k_min, 6))]
    hidden = [str(rng.choice(ACTIVATIONS, p=HIDDEN_WEIGHTS)) for _ in range(depth - 1)]
    shared_bias = bool(rng.random() < 0.2)
    model_form = "list" if shared_bias else str(rng.choice(["sequential", "list"]))
    layers = []
    for l, act in enumerate(hidden + [out_act], start=1):
        n_in, n_out = sizes[l - 1], sizes[l]
        W = _uniform(rng, (n_out, n_in))
        if rng.random() < 0.25:
            b = None
        else:
            b = float(_uniform(rng)) if shared_bias else _uniform(rng, n_out)
        param, form = _draw_activation(rng, act, model_form)
        layers.append(LayerSpec(W, b, act, param, form))
    single = bool(rng.random() < 0.35)
    m = 1 if single else int(rng.integers(1, 5))
    shape = (sizes[0],) if single else (m, sizes[0])
    x = _uniform(rng, shape)
    k = sizes[-1]
    yshape = (k,) if single else (m, k)
    if loss == "mse":
        target_form, y = "values", _uniform(rng, yshape)
    elif loss in ("bce", "bce_with_logits"):
        target_form = str(rng.choice(["binary", "soft"]))
        y = rng.integers(0, 2, size=yshape).astype(float) if target_form == "binary" else rng.uniform(0, 1, yshape)
    else:
        target_form = str(rng.choice(["index", "onehot", "prob"]))
        classes = rng.integers(0, k, size=m)
        if target_form == "index":
            y = int(classes[0]) if single else classes.astype(np.int64)
        elif target_form == "onehot":
            y = np.eye(k)[classes].reshape(yshape)
        else:
            y = rng.dirichlet(np.ones(k), size=m).reshape(yshape)
    lr = float(np.round(rng.uniform(0.05, 1.0), 3)) if rng.random() < 0.6 else None
    return Case(
        seed=seed, attempt=attempt, layers=layers, x=x, y=y, loss=loss,
        loss_form=str(rng.choice(["object", "string"])), target_form=target_form,
        reduction=str(rng.choice(["mean", "sum"])), half=bool(loss == "mse" and rng.random() < 0.3),
        shared_bias=shared_bias, frozen_bias=bool(rng.random() < 0.25),
        update_order="sequential" if rng.random() < 0.35 else "simultaneous", lr=lr,
        layout=str(rng.choice(["denominator", "numerator"])), model_form=model_form,
    )


# ---------------------------------------------------------------- the reference, from the math, in torch


def _t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64)


def torch_activation(spec, z):
    """f(z) for one layer; z (m, n)."""
    act = spec.act
    if act == "identity":
        return z
    if act == "step":  # 1 if z ≥ θ else 0; f′ = 0 (the 0·z keeps a in the graph so its gradient is 0, not None)
        return torch.where(z >= spec.param, 1.0, 0.0).to(torch.float64) + 0.0 * z
    if act == "sigmoid":
        return torch.sigmoid(z)
    if act == "tanh":
        return torch.tanh(z)
    if act == "relu":
        return torch.where(z > 0, z, torch.zeros_like(z))
    if act == "leaky_relu":
        return torch.where(z > 0, z, spec.param * z)
    if act == "softplus":  # ln(1 + eᶻ) exactly (torch's F.softplus turns linear above 20)
        return torch.logaddexp(z, torch.zeros_like(z))
    if act == "softmax":
        e = torch.exp(z - z.max(dim=-1, keepdim=True).values)
        return e / e.sum(dim=-1, keepdim=True)
    raise AssertionError(act)


def torch_forward(case, X, weights, biases):
    """[None, z1..zL], [X, a1..aL]; z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾ row by row."""
    zs, acts = [None], [X]
    for spec, W, b in zip(case.layers, weights, biases):
        z = acts[-1] @ W.T
        if b is not None:
            z = z + b  # a shared (0-d) bias broadcasts to every neuron
        zs.append(z)
        acts.append(torch_activation(spec, z))
    return zs, acts


def torch_loss(case, out):
    """The loss of output ``out`` (m, k) against the case's target."""
    m, k = out.shape
    if case.loss == "cross_entropy":
        if case.target_form == "index":
            target = torch.as_tensor(np.reshape(case.y, (m,)), dtype=torch.long)
        else:
            target = _t(case.y).reshape(m, k)
        return TF.cross_entropy(out, target, reduction=case.reduction)
    Y = _t(case.y).reshape(m, k)
    if case.loss == "bce_with_logits":
        return TF.binary_cross_entropy_with_logits(out, Y, reduction=case.reduction)
    c = 1.0 / (m * k) if case.reduction == "mean" else 1.0
    if case.loss == "mse":
        return (0.5 if case.half else 1.0) * c * ((out - Y) ** 2).sum()
    return -c * (Y * torch.log(out) + (1.0 - Y) * torch.log(1.0 - out)).sum()


def _grad(t):
    return torch.zeros_like(t) if t.grad is None else t.grad


def backward_by_rule(case, zs, acts, weights, biases, sequential):
    """The δ recursion from δ⁽ᴸ⁾ (autograd's), layer L first.

    dW⁽ˡ⁾ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ (summed over the samples), db⁽ˡ⁾ = Σ δ⁽ˡ⁾ (over samples; and neurons when
    shared), W_new⁽ˡ⁾ = W⁽ˡ⁾ − η dW⁽ˡ⁾, da⁽ˡ⁻¹⁾ = δ⁽ˡ⁾ W_used⁽ˡ⁾ with W_used the new weights when
    ``sequential`` (l ≥ 2), and δ⁽ˡ⁻¹⁾ = da⁽ˡ⁻¹⁾ pulled back through f⁽ˡ⁻¹⁾ (autograd's vector–Jacobian
    product: ⊙ f′ for element-wise activations, Jᵀ for softmax).
    """
    out = {}
    delta = _grad(zs[case.L])
    for l in range(case.L, 0, -1):
        W, b = weights[l - 1], biases[l - 1]
        out[f"delta[{l}]"] = delta
        out[f"dW[{l}]"] = delta.T @ acts[l - 1]
        if b is not None:
            out[f"db[{l}]"] = delta.sum() if case.shared_bias else delta.sum(dim=0)
        W_used = W
        if case.lr is not None:
            out[f"W_new[{l}]"] = W - case.lr * out[f"dW[{l}]"]
            if b is not None:
                out[f"b_new[{l}]"] = b if case.frozen_bias else b - case.lr * out[f"db[{l}]"]
            if sequential and l > 1:  # no δ lies below the input: ∂L/∂x uses the old W⁽¹⁾
                W_used = out[f"W_new[{l}]"]
        out[f"da[{l - 1}]"] = delta @ W_used
        if l > 1:
            (delta,) = torch.autograd.grad(acts[l - 1], zs[l - 1], grad_outputs=out[f"da[{l - 1}]"],
                                           retain_graph=True)
    return {name: v.detach() for name, v in out.items()}


@dataclass
class Reference:
    values: dict  # name -> array, per-sample quantities (m, n), dW (out, in)
    z: list  # pre-activations (m, n) of every layer, before and after the update (to find kinks)
    z_new: list
    rule: dict  # backward_by_rule with the old weights (must equal autograd: a check of the reference)
    autograd: dict  # the true gradients (differ from values for the lower layers of sequential updates)


def torch_reference(case):
    X = _t(case.x).reshape(case.m, -1).requires_grad_()
    weights = [_t(spec.W).requires_grad_() for spec in case.layers]
    biases = [None if spec.b is None else _t(spec.b).requires_grad_() for spec in case.layers]
    zs, acts = torch_forward(case, X, weights, biases)
    for t in zs[1:] + acts[:-1]:
        t.retain_grad()
    loss = torch_loss(case, acts[-1])
    loss.backward(retain_graph=True)

    v = {"loss": loss.detach(), "y_hat": acts[-1].detach()}
    for l in range(1, case.L + 1):
        v[f"z[{l}]"] = zs[l].detach()
        v[f"a[{l}]"] = acts[l].detach()
        v[f"delta[{l}]"] = _grad(zs[l])
        v[f"dW[{l}]"] = weights[l - 1].grad
        if biases[l - 1] is not None:
            v[f"db[{l}]"] = biases[l - 1].grad
        v[f"da[{l - 1}]"] = _grad(acts[l - 1])
    rule = backward_by_rule(case, zs, acts, weights, biases, sequential=False)
    autograd = {name: v[name].numpy().copy() for name in rule if "_new[" not in name}

    z_new = []
    if case.lr is not None:
        sequential = case.update_order == "sequential"
        stepped = backward_by_rule(case, zs, acts, weights, biases, sequential=sequential)
        if sequential:  # the lower layers' dW, db, δ, da follow the rule, not the true gradient
            v.update({name: val for name, val in stepped.items() if "_new[" not in name})
        new_w = [stepped[f"W_new[{l}]"] for l in range(1, case.L + 1)]
        new_b = [stepped.get(f"b_new[{l}]") for l in range(1, case.L + 1)]
        for l in range(1, case.L + 1):
            v[f"W_new[{l}]"] = new_w[l - 1]
            if new_b[l - 1] is not None:
                v[f"b_new[{l}]"] = new_b[l - 1]
        with torch.no_grad():
            zn, an = torch_forward(case, X.detach(), new_w, new_b)
            v["y_hat_new"] = an[-1]
            v["loss_new"] = torch_loss(case, an[-1])
        z_new = [z.numpy() for z in zn[1:]]
    v["dL/dx"] = v["da[0]"]
    values = {name: val.detach().numpy().astype(np.float64) for name, val in v.items()}
    return Reference(values, [z.detach().numpy() for z in zs[1:]], z_new,
                     {name: val.numpy() for name, val in rule.items() if "_new[" not in name}, autograd)


def well_conditioned(case, ref):
    """False when a draw sits on a kink or has a BCE output near 0 or 1 (then it is redrawn)."""
    for zs in (ref.z, ref.z_new):
        for spec, z in zip(case.layers, zs):
            if spec.kink is not None and np.min(np.abs(z - spec.kink)) < KINK_MARGIN:
                return False
    if case.loss == "bce":
        for name in ("y_hat", "y_hat_new"):
            if name in ref.values:
                yhat = ref.values[name]
                if yhat.min() < BCE_MARGIN or yhat.max() > 1 - BCE_MARGIN:
                    return False
    return all(np.all(np.isfinite(val)) for val in ref.values.values())


def make_case(seed):
    """The network of ``seed`` (redrawn from the same generator until well conditioned) and its reference."""
    rng = np.random.default_rng(seed)
    for attempt in range(1000):
        case = draw_case(rng, seed, attempt)
        ref = torch_reference(case)
        if well_conditioned(case, ref):
            return case, ref
    raise AssertionError(f"seed {seed}: no well-conditioned draw in 1000 attempts")


@lru_cache(maxsize=None)
def chunk_cases(chunk):
    return [make_case(chunk * PER_CHUNK + i) for i in range(PER_CHUNK)]


# ---------------------------------------------------------------- the comparison


def expected_values(case, ref):
    """The reference in the shapes gradlab promises: vectors for one sample, dW transposed in numerator layout."""
    out = {}
    for name, val in ref.values.items():
        per_sample = name in ("y_hat", "y_hat_new", "dL/dx") or name.split("[")[0] in ("z", "a", "delta", "da")
        if per_sample and case.single:
            val = val[0]
        if name.startswith("dW[") and case.layout == "numerator":
            val = val.T
        out[name] = val
    return out


def assert_close(mine, ref, what):
    mine = np.asarray(mine, dtype=np.float64)
    assert mine.shape == ref.shape, f"{what}: shape {mine.shape}, expected {ref.shape}"
    scale = max(1.0, float(np.max(np.abs(ref), initial=0.0)))
    np.testing.assert_allclose(mine, ref, rtol=0, atol=TOLERANCE * scale, err_msg=what)


_NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def check_renders(exp, pairs):
    for fmt, view in pairs:
        out = exp.render(fmt, view=view)
        assert isinstance(out, str) and out.strip(), f"render({fmt!r}, view={view!r}) is empty"
        if fmt == "json":
            json.loads(out)
        if fmt == "text":
            for leftover in ("\\frac", "\\sigma", "^{", "array("):
                assert leftover not in out, f"render('text', view={view!r}) has leftover {leftover!r}"
            assert not _NAN.search(out), f"render('text', view={view!r}) prints nan"


def renders_for(seed):
    if seed % FULL_RENDER_EVERY == 0:
        return RENDERS
    return [RENDERS[seed % len(RENDERS)], RENDERS[(seed * 7 + 3) % len(RENDERS)]]


def check_case(case, ref):
    exp = case.explain()
    expected = expected_values(case, ref)
    for name, value in expected.items():
        assert name in exp, f"{name!r} missing from the explanation"
        assert_close(exp[name], value, name)
    for l, spec in enumerate(case.layers, start=1):
        if spec.b is None:
            assert f"db[{l}]" not in exp and f"b_new[{l}]" not in exp, f"layer {l} has no bias but db/b_new exist"
    if case.lr is None:
        assert "W_new[1]" not in exp and "loss_new" not in exp
    check_renders(exp, renders_for(case.seed))


@pytest.mark.parametrize("chunk", range(N_CHUNKS), ids=lambda c: f"seeds{c * PER_CHUNK}-{(c + 1) * PER_CHUNK - 1}")
def test_explain_equals_torch(chunk):
    for case, ref in chunk_cases(chunk):
        try:
            check_case(case, ref)
        except Exception as exc:  # name the network, and print how to make the call
            raise AssertionError(f"{case.describe()}\n{type(exc).__name__}: {exc}\n--- reproducer ---\n"
                                 f"{case.code()}") from exc


def test_reference_rule_equals_autograd():
    """The reference's δ recursion (used for sequential updates) reproduces autograd with the old weights."""
    for chunk in range(3):
        for case, ref in chunk_cases(chunk):
            for name, value in ref.rule.items():
                atol = 1e-13 * max(1.0, float(np.abs(value).max()))
                np.testing.assert_allclose(value, ref.autograd[name], rtol=0, atol=atol,
                                           err_msg=f"{name}: {case.describe()}")


def test_a_saturated_logit_prints_no_infinity():
    """Seed 315 of the random networks has an output logit of 68; the smallest case is one logit of 60."""
    exp = gl.explain([(np.array([[3.0]]), None, "identity")], np.array([20.0]), np.array([0.0]), "bce_with_logits")
    for fmt, view in RENDERS:
        out = exp.render(fmt, view=view)
        assert not re.search(r"\b(inf|Infinity)\b|∞", out), f"render({fmt!r}, view={view!r}) prints an infinity"


def set_of_acts(case):
    """One layer per distinct activation of the network (to count networks, not layers)."""
    seen = {}
    for spec in case.layers:
        seen.setdefault(spec.act, spec)
    return list(seen.values())


def test_the_draws_cover_the_space():
    cases = [case for chunk in range(N_CHUNKS) for case, _ in chunk_cases(chunk)]
    assert len(cases) >= 500
    anywhere = Counter((spec.act, case.loss) for case in cases for spec in set_of_acts(case))
    output = Counter((case.layers[-1].act, case.loss) for case in cases)
    for act in ACTIVATIONS:
        for loss in LOSSES:
            assert anywhere[act, loss] >= 3, f"{act} with {loss}: {anywhere[act, loss]} networks"
            if loss != "bce" or act in ("sigmoid", "softmax"):
                assert output[act, loss] >= 2, f"{act} output with {loss}: {output[act, loss]} networks"
    hidden_softmax = sum(any(spec.act == "softmax" for spec in case.layers[:-1]) for case in cases)
    assert hidden_softmax >= 10
    features = Counter()
    for case in cases:
        features.update({
            f"depth {case.L}": 1, f"loss form {case.loss_form}": 1, f"target {case.target_form}": 1,
            f"reduction {case.reduction}": 1, f"layout {case.layout}": 1, f"model {case.model_form}": 1,
            "one sample" if case.single else f"batch {case.m}": 1, "lr" if case.lr else "no lr": 1,
            "half": case.half, "shared bias": case.shared_bias,
            "frozen bias with lr": case.frozen_bias and bool(case.lr),
            "sequential with lr": case.update_order == "sequential" and bool(case.lr),
            "sequential with lr, depth ≥ 2": case.update_order == "sequential" and bool(case.lr) and case.L >= 2,
            "layer without bias": any(spec.b is None for spec in case.layers),
            "activation by name": any(spec.form == "name" for spec in case.layers),
            "activation omitted": any(spec.form == "omitted" for spec in case.layers),
            "negative leaky slope": any(spec.act == "leaky_relu" and spec.param < 0 for spec in case.layers),
            "nonzero step threshold": any(spec.act == "step" and spec.param != 0 for spec in case.layers),
        })
    wanted = ([f"depth {d}" for d in range(1, 5)] + [f"batch {m}" for m in range(1, 5)]
              + [f"target {t}" for t in ("values", "binary", "soft", "index", "onehot", "prob")]
              + ["one sample", "lr", "no lr", "half", "shared bias", "frozen bias with lr", "sequential with lr",
                 "sequential with lr, depth ≥ 2", "layer without bias", "activation by name", "activation omitted",
                 "negative leaky slope", "nonzero step threshold", "loss form object", "loss form string",
                 "reduction mean", "reduction sum", "layout numerator", "layout denominator", "model sequential",
                 "model list"])
    for feature in wanted:
        assert features[feature] >= 5, f"{feature}: {features[feature]} networks"
    # every renderer and view runs on many networks of every loss and of every output activation
    rendered = Counter()
    for case in cases:
        for pair in renders_for(case.seed):
            rendered[case.loss, pair] += 1
            rendered[case.layers[-1].act, pair] += 1
    for kind in LOSSES + ACTIVATIONS:
        for pair in RENDERS:
            assert rendered[kind, pair] >= 5, f"{pair} renders {rendered[kind, pair]} networks of kind {kind}"


# ---------------------------------------------------------------- what the explainer refuses
# Each refusal is a GradlabError; the same call without the offending choice is explained.

NET = [(np.array([[0.5, -0.3]]), np.array([0.1]), "sigmoid")]  # one probability out
NET2 = [(np.array([[0.5, -0.3], [0.2, 0.1]]), np.array([0.1, 0.0]), "identity")]  # two logits out
X, Y = np.array([1.0, 2.0]), np.array([0.3])


@pytest.mark.parametrize("loss_fn, kwargs, fixed", [
    (gl.nn.MSELoss("none"), {}, gl.nn.MSELoss("sum")),
    ("mse", {"reduction": "none"}, "mse"),
    (gl.nn.BCELoss("none"), {}, gl.nn.BCELoss()),
    (gl.nn.BCEWithLogitsLoss("none"), {}, gl.nn.BCEWithLogitsLoss()),
    (gl.nn.CrossEntropyLoss("none"), {}, gl.nn.CrossEntropyLoss()),
    ("cross_entropy", {"reduction": "none"}, "cross_entropy"),
], ids=["MSELoss", "mse", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "cross_entropy"])
def test_refuses_reduction_none(loss_fn, kwargs, fixed):
    net, y = (NET2, 1) if "ross" in str(loss_fn) or loss_fn == "cross_entropy" else (NET, Y)
    with pytest.raises(gl.GradlabError, match="reduction"):
        gl.explain(net, X, y, loss_fn, **kwargs)
    assert np.isfinite(gl.explain(net, X, y, fixed)["loss"])


@pytest.mark.parametrize("net, x", [
    ([(np.array([[1.0, 0.0]]), np.array([0.3]), "identity")], X),  # ŷ = 1.3
    ([(np.array([[-1.0, 0.0]]), np.array([0.8]), "identity")], X),  # ŷ = −0.2
    ([(np.array([[-1.0, 0.0]]), None, "relu")], X),  # ŷ = 0
    ([(np.array([[1.0, 0.0]]), None, "step")], X),  # ŷ = 1
    ([(np.array([[1.0, 0.0]]), None, "softmax")], X),  # a single softmax output is exactly 1
    ([(np.array([[20.0, 10.0]]), None, "sigmoid")], X),  # σ(40) rounds to 1.0
    ([(np.array([[0.3, 0.0]]), None, "identity")], np.array([[1.0, 0.0], [4.0, 0.0]])),  # 0.3, then 1.2
], ids=["above-1", "below-0", "relu-0", "step-1", "softmax-1", "saturated-sigmoid", "one-row-outside"])
def test_refuses_bce_outside_the_open_unit_interval(net, x):
    y = np.full((1,) if x.ndim == 1 else (x.shape[0], 1), 0.5)
    with pytest.raises(gl.GradlabError):
        gl.explain(net, x, y, gl.nn.BCELoss())
    assert np.isfinite(gl.explain(net, x, y, gl.nn.MSELoss())["loss"])


@pytest.mark.parametrize("loss_fn", [gl.nn.BCELoss(), gl.nn.BCEWithLogitsLoss(), "bce", "bce_with_logits",
                                     gl.nn.CrossEntropyLoss(), "cross_entropy"])
def test_refuses_half_with_a_loss_other_than_mse(loss_fn):
    net, y = (NET2, 1) if "ross" in str(loss_fn) or loss_fn == "cross_entropy" else (NET, Y)
    with pytest.raises(gl.GradlabError, match="half"):
        gl.explain(net, X, y, loss_fn, half=True)
    assert np.isfinite(gl.explain(net, X, y, loss_fn, half=False)["loss"])


@pytest.mark.parametrize("check", ["warn", "ignore", "", "Raise", None, True])
def test_refuses_an_unknown_check(check):
    with pytest.raises(gl.GradlabError, match="check"):
        gl.explain(NET, X, Y, "mse", check=check)
    for fine in ("raise", "flag"):
        assert np.isfinite(gl.explain(NET, X, Y, "mse", check=fine)["loss"])


class Doubler(gl.nn.Module):
    """A module the explainer does not know."""

    def forward(self, x):
        return x * 2.0


@pytest.mark.parametrize("where", ["after", "before", "between"])
def test_refuses_an_unknown_module_and_names_it(where):
    first, second = gl.nn.Linear(2, 2, init="zeros"), gl.nn.Linear(2, 1, init="zeros")
    modules = {"after": [first, gl.nn.Sigmoid(), Doubler()], "before": [Doubler(), first],
               "between": [first, Doubler(), second]}[where]
    y = Y if where == "between" else np.array([0.1, 0.2])
    with pytest.raises(gl.GradlabError, match="Doubler"):
        gl.explain(gl.nn.Sequential(*modules), X, y, "mse")
    known = [m for m in modules if not isinstance(m, Doubler)]
    assert np.isfinite(gl.explain(gl.nn.Sequential(*known), X, y, "mse")["loss"])
