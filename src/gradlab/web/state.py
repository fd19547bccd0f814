"""The explorer's state — a network, its numbers, its loss and conventions — checked field by field.

The page sends the state as JSON (see docs/explore-contract.md); every field is
checked before anything is computed, and the first problem is reported with
the field's name as the page labels it (``W[2][1,2]`` is w₁₂⁽²⁾: input 1 →
neuron 2, ``b[2][1]``, ``x[1]`` or ``x[3,1]`` for sample 3, ``y[1]``, ``lr``),
so the page can show the message beside that field.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import GradlabError, ParameterError
from ..explainer import explain
from ..explainer.network import supported_losses
from ..ops import catalog

MAX_LAYERS, MAX_WIDTH, MAX_BATCH, MAX_ABS = 6, 16, 64, 1e6
MAX_WORK = 640  # samples × neurons: each is a line of every pass on the page (64 samples of 10, or 16 of 40)
CONVENTION_KEYS = {"reduction": ("mean", "sum"), "half": (False, True), "shared_bias": (False, True),
                   "frozen_bias": (False, True), "update_order": ("simultaneous", "sequential")}


class FieldError(ParameterError):
    """A bad field of the state: ``field`` names it as the page does."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _num(field, v):
    if isinstance(v, bool) or v is None:
        raise FieldError(field, f"expected a number; got {v!r}")
    if isinstance(v, str):
        text = v.strip().replace("−", "-")
        try:
            v = float(text)
        except ValueError:
            raise FieldError(field, f"{v[:20]!r} is not a number") from None
    elif not isinstance(v, (int, float)):
        raise FieldError(field, f"expected a number; got {type(v).__name__}")
    try:
        v = float(v)
    except OverflowError:
        raise FieldError(field, "is too large") from None
    if not math.isfinite(v) or abs(v) > MAX_ABS:
        raise FieldError(field, f"expected a finite number of at most {MAX_ABS:g} in size; got {v!r}")
    return v


def _list(field, v, n=None):
    if not isinstance(v, list) or not v:
        raise FieldError(field, "expected a list of numbers")
    if n is not None and len(v) != n:
        raise FieldError(field, f"expected {n} values; got {len(v)}")
    return v


def parse_state(raw):
    """The state with every number a float and every name checked; raises FieldError on the first problem."""
    if not isinstance(raw, dict):
        raise FieldError("state", "expected an object")
    conv = raw.get("conventions") or {}
    if not isinstance(conv, dict):
        raise FieldError("conventions", "expected an object")
    cv = {}
    for key, allowed in CONVENTION_KEYS.items():
        v = conv.get(key, allowed[0])
        if v not in allowed:
            raise FieldError(key, f"one of {', '.join(str(a) for a in allowed)}; got {v!r}")
        cv[key] = v
    layers = raw.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise FieldError("layers", f"expected 1 to {MAX_LAYERS} layers")
    out_layers, width = [], None
    for l, L in enumerate(layers, start=1):
        if not isinstance(L, dict):
            raise FieldError(f"layers[{l}]", "expected an object with W, b and activation")
        W = L.get("W")
        if not isinstance(W, list) or not 1 <= len(W) <= MAX_WIDTH or not all(isinstance(r, list) for r in W):
            raise FieldError(f"W[{l}]", f"expected 1 to {MAX_WIDTH} rows (one per neuron)")
        n_in = len(W[0])
        if not 1 <= n_in <= MAX_WIDTH or any(len(r) != n_in for r in W):
            raise FieldError(f"W[{l}]", f"every neuron needs the same number of inputs, 1 to {MAX_WIDTH}")
        if width is not None and n_in != width:
            raise FieldError(f"W[{l}]", f"layer {l} has {n_in} inputs but layer {l - 1} has {width} neurons")
        Wf = [[_num(f"W[{l}][{i + 1},{j + 1}]", W[j][i]) for i in range(n_in)] for j in range(len(W))]
        b = L.get("b")
        nb = 1 if cv["shared_bias"] else len(W)  # one bias shared by the layer, or one per neuron
        bf = None if b is None else [_num(f"b[{l}][{j + 1}]", v) for j, v in enumerate(_list(f"b[{l}]", b, nb))]
        act = str(L.get("activation", "identity")).lower().replace("-", "_")
        if act not in catalog.ACTIVATION_KINDS:
            raise FieldError(f"activation[{l}]", f"unknown activation {act[:30]!r}")
        entry = {"W": Wf, "b": bf, "activation": catalog.activation_kind(act).name}
        if "slope" in L and L["slope"] is not None:
            entry["slope"] = _num(f"slope[{l}]", L["slope"])
        out_layers.append(entry)
        width = len(W)
    n0 = len(out_layers[0]["W"][0])
    x = raw.get("x")
    batch = isinstance(x, list) and bool(x) and isinstance(x[0], list)
    rows = x if batch else [x]
    if len(rows) > MAX_BATCH:
        raise FieldError("x", f"at most {MAX_BATCH} samples")
    units = n0 + sum(len(L["W"]) for L in out_layers)
    if len(rows) * units > MAX_WORK:
        raise FieldError("x", f"{len(rows)} samples × {units} neurons is more than the page shows by hand "
                              f"({MAX_WORK}); use fewer samples or a smaller network")
    xf = []
    for s, r in enumerate(rows, start=1):
        r = _list("x", r, n0)
        xf.append([_num(f"x[{s},{i + 1}]" if batch else f"x[{i + 1}]", v) for i, v in enumerate(r)])
    loss = str(raw.get("loss", "mse")).lower().replace("-", "_")
    if loss not in catalog.LOSS_KINDS:
        raise FieldError("loss", f"unknown loss {loss[:30]!r}; one of {', '.join(supported_losses())}")
    loss = catalog.loss_kind(loss).name
    y = raw.get("y")
    k = width
    if loss == "cross_entropy" and not (isinstance(y, list) and y and isinstance(y[0], list)):
        ys = y if isinstance(y, list) else [y]
        yf = []
        for s, v in enumerate(ys, start=1):
            c = _num(f"y[{s}]", v)
            if c != int(c) or not 0 <= c < k:
                raise FieldError(f"y[{s}]", f"a class index from 0 to {k - 1}; got {v!r}")
            yf.append(int(c))
        yv = yf if batch else yf[0]
    else:
        yrows = y if batch else [y]
        if not isinstance(yrows, list) or len(yrows) != len(xf):
            raise FieldError("y", f"expected one target per sample ({len(xf)})")
        yv = []
        for s, r in enumerate(yrows, start=1):
            r = r if isinstance(r, list) else [r]
            _list("y", r, k)
            yv.append([_num(f"y[{s},{j + 1}]" if batch else f"y[{j + 1}]", v) for j, v in enumerate(r)])
        yv = yv if batch else yv[0]
    lr = raw.get("lr")
    lr = None if lr in (None, "") else _num("lr", lr)
    if lr is not None and lr <= 0:
        raise FieldError("lr", f"the learning rate must be > 0; got {lr:g}")
    layout = raw.get("layout", "denominator")
    if layout not in ("denominator", "numerator"):
        raise FieldError("layout", f"'denominator' or 'numerator'; got {layout!r}")
    precision = raw.get("precision", 4)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 10:
        raise FieldError("precision", "an integer from 0 to 10")
    return {"layers": out_layers, "x": xf if batch else xf[0], "y": yv, "loss": loss, "lr": lr, "conventions": cv,
            "layout": layout, "precision": precision}


def explanation_of(state, title="Explorer"):
    """gl.explain of a checked state."""
    layers = []
    for L in state["layers"]:
        act = L["activation"]
        if act == "leaky_relu" and "slope" in L:
            from ..nn.activations import LeakyReLU  # noqa: PLC0415  # layering: a module for the slope

            act = LeakyReLU(L["slope"])
        layers.append((np.array(L["W"]), None if L["b"] is None else np.array(L["b"]), act))
    try:
        return explain(layers, state["x"], state["y"], state["loss"], lr=state["lr"], layout=state["layout"],
                       precision=state["precision"], title=title, **state["conventions"])
    except GradlabError as exc:
        raise FieldError("state", str(exc).removeprefix("explain: ")) from None


def state_of(explanation):
    """The state of an Explanation (a built-in example, a saved model's step)."""
    tr = explanation.trace
    layers = []
    for l in range(1, tr.L + 1):
        layer = tr.layer(l)
        entry = {"W": layer.W.tolist(), "b": None if layer.b is None else np.atleast_1d(layer.b).tolist(),
                 "activation": layer.act.name}
        if "negative_slope" in layer.params:
            entry["slope"] = float(layer.params["negative_slope"])
        layers.append(entry)
    y = tr.Y_given
    y = y.tolist() if hasattr(y, "tolist") else y
    x = tr.X[0].tolist() if tr.single else tr.X.tolist()
    if tr.single and isinstance(y, list) and y and isinstance(y[0], list):
        y = y[0]
    conv = tr.conv.as_dict()
    return {"layers": layers, "x": x, "y": y, "loss": tr.loss.name, "lr": tr.lr, "conventions": conv,
            "layout": explanation.layout, "precision": explanation.precision}
