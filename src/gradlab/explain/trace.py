"""The trace: every number of one forward pass, backward pass and update, by the matrix formulas.

:func:`compute_trace` evaluates, for a batch X (m, n₀) (a single sample is a
batch of one), layer by layer

    Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾        (per sample: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾)
    A⁽ˡ⁾ = f(Z⁽ˡ⁾)

the loss, then backwards

    δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ f′(z⁽ᴸ⁾)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ (summed over samples), ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾, ∂L/∂a⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀ δ⁽ˡ⁾

and, when a learning rate is given, the updates w ← w − η ∂L/∂w and a
verification forward pass. :func:`autodiff_check` recomputes the gradients
with gradlab's reverse mode and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, ShapeError
from .network import Network, make_layer


@dataclass(frozen=True)
class Conventions:
    """Choices that published examples disagree on.

    reduction: 'mean' (divide the summed loss by the number of output entries)
        or 'sum'.
    half: put ½ in front of the squared error (so its derivative has no 2).
    shared_bias: one bias per layer, shared by all its neurons.
    frozen_bias: biases are not updated.
    update_order: 'simultaneous' (all gradients from the old weights) or
        'sequential' (a layer is updated before the deltas of the layers
        below it are computed, which then use its new weights).
    """

    reduction: str = "mean"
    half: bool = False
    shared_bias: bool = False
    frozen_bias: bool = False
    update_order: str = "simultaneous"

    def __post_init__(self):
        if self.reduction not in ("mean", "sum"):
            raise ParameterError(f"The 'reduction' parameter of explain must be 'mean' or 'sum'. Got {self.reduction!r}.")
        if self.update_order not in ("simultaneous", "sequential"):
            raise ParameterError(
                f"The 'update_order' parameter of explain must be 'simultaneous' or 'sequential'. Got {self.update_order!r}."
            )

    def statements(self):
        """One sentence per convention that differs from the default."""
        out = []
        if self.reduction == "sum":
            out.append("Loss reduction: sum over all outputs and samples (not the mean).")
        if self.half:
            out.append("A factor ½ multiplies the squared error, so its derivative has no 2.")
        if self.shared_bias:
            out.append("Each layer has one bias shared by all its neurons; ∂L/∂b sums the layer's deltas.")
        if self.frozen_bias:
            out.append("Biases are frozen: their gradients are shown but they are not updated.")
        if self.update_order == "sequential":
            out.append("Sequential updates: each layer is updated before the deltas below it are computed "
                       "with its new weights, so the earlier layers' 'gradients' are not exact gradients of L.")
        return out

    def as_dict(self):
        return {"reduction": self.reduction, "half": self.half, "shared_bias": self.shared_bias,
                "frozen_bias": self.frozen_bias, "update_order": self.update_order}


@dataclass
class Trace:
    """All arrays of one explained step; 2-D with samples in rows (m, n).

    ``Z[l]``, ``A[l]`` for l = 0..L (``A[0]`` = X, ``Z[0]`` is None);
    ``fprime[l]`` = f′(Z⁽ˡ⁾); ``delta[l]`` = ∂L/∂Z⁽ˡ⁾; ``dW[l]`` (out, in),
    ``db[l]`` (out,) or (), ``dA[l]`` = ∂L/∂A⁽ˡ⁾ for l = 0..L−1 (dA[0] = ∂L/∂X).
    Index 0 of the per-layer lists is unused for W, b, dW, db, delta.
    """

    net: Network
    loss: str
    conv: Conventions
    X: np.ndarray
    Y: np.ndarray
    single: bool
    lr: float | None = None
    Z: list = field(default_factory=list)
    A: list = field(default_factory=list)
    loss_value: float = 0.0
    loss_scale: float = 1.0
    dL_dyhat: np.ndarray | None = None
    fprime: list = field(default_factory=list)
    delta: list = field(default_factory=list)
    dW: list = field(default_factory=list)
    db: list = field(default_factory=list)
    dA: list = field(default_factory=list)
    W_new: list = field(default_factory=list)
    b_new: list = field(default_factory=list)
    Z_new: list = field(default_factory=list)
    A_new: list = field(default_factory=list)
    loss_new: float | None = None
    check: dict = field(default_factory=dict)

    @property
    def L(self):
        return len(self.net.layers)

    @property
    def m(self):
        return self.X.shape[0]

    def W(self, l):
        return self.net.layers[l - 1].W

    def b(self, l):
        return self.net.layers[l - 1].b

    def act(self, l):
        return self.net.layers[l - 1].act


def _as_batch(x, n_in, what):
    arr = np.array(x, dtype=np.float64)
    single = arr.ndim <= 1
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or (n_in is not None and arr.shape[1] != n_in):
        raise ShapeError(f"explain: {what} has shape {np.shape(x)}; expected ({n_in},) for one sample or (m, {n_in})")
    return arr, single


def forward(net, X):
    """Z, A lists for input batch X (m, n₀) through ``net``."""
    Z, A = [None], [X]
    for layer in net.layers:
        z = A[-1] @ layer.W.T + layer.b
        Z.append(z)
        A.append(layer.act.forward(z))
    return Z, A


def loss_scale(loss, conv, n_entries):
    """The constant c in L = c Σ ℓ(ŷ, y): 1 or 1/N (mean), times ½ when asked."""
    c = 1.0 / n_entries if conv.reduction == "mean" else 1.0
    if conv.half:
        c *= 0.5
    return c


def loss_value(loss, yhat, Y, c):
    """L for predictions ``yhat`` and targets Y (both (m, k))."""
    if loss == "mse":
        return float(c * np.sum((yhat - Y) ** 2))
    return float(-c * np.sum(Y * np.log(yhat) + (1.0 - Y) * np.log(1.0 - yhat)))


def loss_gradient(loss, yhat, Y, c):
    """∂L/∂ŷ (m, k)."""
    if loss == "mse":
        return 2.0 * c * (yhat - Y)
    return c * (yhat - Y) / (yhat * (1.0 - yhat))


def _param_grads(delta, a_prev, shared):
    dW = delta.T @ a_prev
    db = np.sum(delta) if shared else np.sum(delta, axis=0)
    return dW, np.asarray(db, dtype=np.float64)


def compute_trace(net, x, y, loss, conv, lr=None):
    """Evaluate every quantity of one step; see the module docstring. Shapes: x (n₀,) or (m, n₀)."""
    if conv.half and loss != "mse":
        raise ParameterError("The 'half' parameter of explain applies to the squared error only (loss 'mse').")
    if lr is not None and not (isinstance(lr, (int, float)) and lr > 0):
        raise ParameterError(f"The 'lr' parameter of explain must be a float > 0. Got {lr!r}.")
    n0 = net.layers[0].n_in
    X, single = _as_batch(x, n0, "x")
    k = net.layers[-1].n_out
    Y = np.array(y, dtype=np.float64).reshape(X.shape[0], k) if np.size(y) == X.shape[0] * k else None
    if Y is None:
        raise ShapeError(f"explain: target y has shape {np.shape(y)}; expected {X.shape[0]} × {k} values")
    tr = Trace(net, loss, conv, X, Y, single, lr)
    tr.Z, tr.A = forward(net, X)
    L = tr.L
    tr.loss_scale = loss_scale(loss, conv, Y.size)
    tr.loss_value = loss_value(loss, tr.A[L], Y, tr.loss_scale)
    tr.dL_dyhat = loss_gradient(loss, tr.A[L], Y, tr.loss_scale)
    tr.fprime = [None] + [net.layers[l - 1].act.derivative(tr.Z[l], tr.A[l]) for l in range(1, L + 1)]
    _backward(tr, sequential=(conv.update_order == "sequential" and lr is not None))
    if lr is not None:
        _update_and_verify(tr)
    return tr


def _backward(tr, sequential):
    L = tr.L
    tr.delta = [None] * (L + 1)
    tr.dW = [None] * (L + 1)
    tr.db = [None] * (L + 1)
    tr.dA = [None] * L
    tr.W_new = [None] * (L + 1)
    tr.b_new = [None] * (L + 1)
    tr.delta[L] = tr.dL_dyhat * tr.fprime[L]
    for l in range(L, 0, -1):
        tr.dW[l], tr.db[l] = _param_grads(tr.delta[l], tr.A[l - 1], tr.conv.shared_bias)
        if tr.lr is not None:
            tr.W_new[l] = tr.W(l) - tr.lr * tr.dW[l]
            tr.b_new[l] = tr.b(l).copy() if tr.conv.frozen_bias else tr.b(l) - tr.lr * tr.db[l]
        W_used = tr.W_new[l] if sequential else tr.W(l)
        tr.dA[l - 1] = tr.delta[l] @ W_used
        if l > 1:
            tr.delta[l - 1] = tr.dA[l - 1] * tr.fprime[l - 1]


def _update_and_verify(tr):
    layers = [make_layer(tr.W_new[l], tr.b_new[l], tr.act(l), shared_bias=tr.conv.shared_bias)
              for l in range(1, tr.L + 1)]
    tr.Z_new, tr.A_new = forward(Network(layers), tr.X)
    tr.loss_new = loss_value(tr.loss, tr.A_new[tr.L], tr.Y, tr.loss_scale)


# ---------------------------------------------------------------- autodiff cross-check

TOLERANCE = 1e-10


def autodiff_gradients(tr):
    """Gradients of L by gradlab's reverse mode: dict of name -> array (same names as the trace)."""
    import gradlab as gl
    from gradlab.core.graph import backprop

    X = gl.tensor(tr.X, requires_grad=True)
    params = []
    a = X
    zs = [None]
    acts = [X]
    for layer in tr.net.layers:
        W = gl.tensor(layer.W, requires_grad=True)
        b = gl.tensor(layer.b, requires_grad=True)
        params.append((W, b))
        z = a @ W.T + b
        a = layer.act.apply_gl(z)
        zs.append(z)
        acts.append(a)
    Y = gl.tensor(tr.Y)
    if tr.loss == "mse":
        L = ((a - Y) ** 2).sum() * tr.loss_scale
    else:
        L = -((Y * gl.log(a) + (1.0 - Y) * gl.log(1.0 - a)).sum()) * tr.loss_scale
    record = {}
    backprop(L, np.ones(()), retain_graph=True, record=record)
    out = {"loss": np.asarray(L.data)}
    zero = np.zeros
    for l in range(1, tr.L + 1):
        W, b = params[l - 1]
        out[f"dW[{l}]"] = record.get(id(W), zero(W.shape))
        out[f"db[{l}]"] = record.get(id(b), zero(b.shape))
        out[f"delta[{l}]"] = record.get(id(zs[l]), zero(zs[l].shape))
        out[f"da[{l - 1}]"] = record.get(id(acts[l - 1]), zero(acts[l - 1].shape))
    return out


def autodiff_check(tr):
    """Compare the trace's gradients with autodiff; returns {name: max |difference|}.

    With sequential updates only the last layer's quantities are exact
    gradients, so only those are compared.
    """
    auto = autodiff_gradients(tr)
    mine = {"loss": np.asarray(tr.loss_value)}
    for l in range(1, tr.L + 1):
        mine[f"dW[{l}]"] = tr.dW[l]
        mine[f"db[{l}]"] = tr.db[l]
        mine[f"delta[{l}]"] = tr.delta[l]
        mine[f"da[{l - 1}]"] = tr.dA[l - 1]
    sequential = tr.conv.update_order == "sequential" and tr.lr is not None
    diffs = {}
    for name, value in mine.items():
        if sequential and name not in ("loss", f"dW[{tr.L}]", f"db[{tr.L}]", f"delta[{tr.L}]"):
            continue
        diffs[name] = float(np.max(np.abs(np.asarray(value) - np.asarray(auto[name])), initial=0.0))
    return diffs
