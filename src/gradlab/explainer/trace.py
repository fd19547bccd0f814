"""The trace: every number of one forward pass, backward pass and update, by the matrix formulas.

:func:`compute_trace` evaluates, for a batch X (m, n₀) (a single sample is a
batch of one), layer by layer

    Z⁽ˡ⁾ = A⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾        (per sample: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾; no b for a bias-free layer)
    A⁽ˡ⁾ = f(Z⁽ˡ⁾)

the loss, then backwards

    δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ f′(z⁽ᴸ⁾)                 (softmax: δ = Jᵀ ∂L/∂ŷ with J = diag(a) − a aᵀ)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ (summed over samples), ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾, ∂L/∂a⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀ δ⁽ˡ⁾

and, when a learning rate is given, the updates w ← w − η ∂L/∂w and a
verification forward pass. Every f′ and every loss derivative is the
primitive row's own VJP (through the catalog), so the numbers are those
autodiff uses; :func:`autodiff_check` recomputes the gradients with
gradlab's reverse mode on the gl.nn modules and compares them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..core import constraints as C
from ..core.errors import ParameterError, ShapeError
from ..core.graph import backprop
from ..core.tensor import Tensor, apply
from ..nn.activations import GradientWarning
from ..nn.losses import CrossEntropyLoss
from ..ops import catalog
from ..ops import losses as loss_rows
from ..ops.elementwise import sigmoid_array
from ..ops.reduce import softmax_fwd
from .network import Layer, Network

REDUCTIONS = C.SCALAR_REDUCTIONS.values  # ('mean', 'sum')
UPDATE_ORDERS = C.UPDATE_ORDERS.values  # ('simultaneous', 'sequential')
CONVENTIONS = {"reduction": C.SCALAR_REDUCTIONS, "half": C.BOOL, "shared_bias": C.BOOL, "frozen_bias": C.BOOL,
               "update_order": C.UPDATE_ORDERS}  # the fields of Conventions
LR = C.Optional(C.POSITIVE_FLOAT)  # no update step, or its learning rate


@dataclass(frozen=True)
class Conventions:
    """Choices that published examples disagree on.

    reduction: 'mean' (divide the summed loss by the number of output entries;
        by the number of samples for cross-entropy) or 'sum'.
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
        for key, constraint in CONVENTIONS.items():
            C.check("explain", key, getattr(self, key), constraint)

    def statements(self, lr=None):
        """One sentence per convention that differs from the default (sequential only matters with an update)."""
        out = []
        if self.reduction == "sum":
            out.append("Loss reduction: sum over all outputs and samples (not the mean).")
        if self.half:
            out.append("A factor ½ multiplies the squared error, so its derivative has no 2.")
        if self.shared_bias:
            out.append("Each layer has one bias shared by all its neurons; ∂L/∂b sums the layer's deltas.")
        if self.frozen_bias:
            out.append("Biases are frozen: their gradients are shown but they are not updated.")
        if self.update_order == "sequential" and lr is not None:
            out.append("Sequential updates: each layer is updated before the deltas below it are computed "
                       "with its new weights, so the earlier layers' 'gradients' are not exact gradients of L.")
        return out

    def as_dict(self):
        return {"reduction": self.reduction, "half": self.half, "shared_bias": self.shared_bias,
                "frozen_bias": self.frozen_bias, "update_order": self.update_order}


@dataclass
class Kink:
    """A pre-activation within catalog.KINK_TOLERANCE of its activation's kink (layer, sample, neuron: 1-based l)."""

    layer: int
    sample: int
    neuron: int
    z: float
    at: float
    new: bool = False


@dataclass
class Trace:
    """All arrays of one explained step; 2-D with samples in rows (m, n).

    ``Z[l]``, ``A[l]`` for l = 0..L (``A[0]`` = X, ``Z[0]`` is None);
    ``fprime[l]`` = f′(Z⁽ˡ⁾) (m, n) for an element-wise activation, None for
    softmax, whose Jacobians are ``J[l]`` (m, n, n); ``delta[l]`` = ∂L/∂Z⁽ˡ⁾;
    ``dW[l]`` (out, in), ``db[l]`` (out,), () or None (no bias);
    ``dA[l]`` = ∂L/∂A⁽ˡ⁾ for l = 0..L−1 (dA[0] = ∂L/∂X).
    ``Y`` is the target as the loss reads it (m, k) (one-hot rows for class
    indices); ``Y_given`` as the user gave it. For a loss on logits ``P`` is
    σ(ŷ) or softmax(ŷ) (m, k) and ``dL_dP`` = ∂L/∂P.
    """

    net: Network
    loss: catalog.LossKind
    conv: Conventions
    X: np.ndarray
    Y: np.ndarray
    Y_given: np.ndarray
    single: bool
    lr: float | None = None
    Z: list = field(default_factory=list)
    A: list = field(default_factory=list)
    loss_value: float = 0.0
    loss_scale: float = 1.0
    P: np.ndarray | None = None
    dL_dP: np.ndarray | None = None
    dL_dyhat: np.ndarray | None = None
    fprime: list = field(default_factory=list)
    J: list = field(default_factory=list)
    delta: list = field(default_factory=list)
    dW: list = field(default_factory=list)
    db: list = field(default_factory=list)
    dA: list = field(default_factory=list)
    W_new: list = field(default_factory=list)
    b_new: list = field(default_factory=list)
    Z_new: list = field(default_factory=list)
    A_new: list = field(default_factory=list)
    loss_new: float | None = None
    kinks: list = field(default_factory=list)

    @property
    def L(self):
        return len(self.net.layers)

    @property
    def m(self):
        return self.X.shape[0]

    @property
    def k(self):
        return self.Y.shape[1]

    @property
    def sequential(self):
        return self.conv.update_order == "sequential" and self.lr is not None

    def W(self, l):
        return self.net.layers[l - 1].W

    def b(self, l):
        return self.net.layers[l - 1].b

    def layer(self, l) -> Layer:
        return self.net.layers[l - 1]

    def act(self, l):
        return self.net.layers[l - 1].act

    def has_bias(self, l):
        return self.net.layers[l - 1].b is not None

    def W_used(self, l):
        """The weight the δ recursion goes through: the new one under sequential updates (l ≥ 2; no δ lies
        below the input, so ∂L/∂x always uses the old W⁽¹⁾)."""
        return self.W_new[l] if (self.sequential and l > 1) else self.W(l)

    # ------------------------------------------------------------ the same network on gradlab Tensors

    def layer_gl(self, l, a, W, b=None):
        """Layer l on gradlab Tensors: f(a Wᵀ + b) (a (m, n) or (n,); b None for no bias)."""
        z = a @ W.T if a.ndim == 2 else W @ a
        if b is not None:
            z = z + b
        return self.layer(l).module(z)

    def loss_gl(self, yhat, Y=None):
        """The scalar loss of output Tensor ``yhat`` (the trace's shape or one sample's) against Y."""
        Y = (self.Y if yhat.ndim == 2 else self.Y[0]) if Y is None else Y
        Yt = Y if isinstance(Y, Tensor) else Tensor(np.asarray(Y, dtype=np.float64))
        name = self.loss.name
        if name == "mse":
            per = (yhat - Yt) ** 2
        elif name == "cross_entropy":
            per = apply(loss_rows.SOFTMAX_CE, yhat, Yt)
        else:
            per = apply(self.loss.row, yhat, Yt)
        return per.sum() * self.loss_scale


# ---------------------------------------------------------------- checks of the inputs


def _as_batch(x, n_in):
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ShapeError(f"explain: x must be numbers, (n₀,) for one sample or (m, n₀); got {type(x).__name__}") from None
    single = arr.ndim <= 1
    arr = arr.reshape(1, -1) if arr.ndim <= 1 else arr
    if arr.ndim != 2 or arr.shape[1] != n_in or arr.shape[0] == 0:
        raise ShapeError(f"explain: x has shape {np.shape(x)}; expected ({n_in},) for one sample or (m, {n_in})")
    if not np.all(np.isfinite(arr)):
        raise ParameterError("explain: x holds NaN or inf")
    return arr, single


def _targets(kind, y, m, k):
    """(Y as the loss reads it (m, k), Y as given) with the loss's own checks."""
    if kind.name == "cross_entropy":
        try:
            raw = np.asarray(y)
        except (TypeError, ValueError):
            raise ShapeError(f"explain: the target y must be numbers; got {type(y).__name__}") from None
        if raw.dtype.kind in "fc" and not np.all(np.isfinite(raw)):
            raise ParameterError("explain: the target y holds NaN or inf")
        if raw.ndim == 0 or (raw.shape != (k,) and raw.size == m and k != 1):
            raw = raw.reshape(m)  # class indices: a number, a row or a column of them
        elif raw.size == m * k:
            raw = raw.reshape(m, k)
        Y = CrossEntropyLoss().prepare_targets(raw, (m, k), np.float64)
        return np.array(Y, dtype=np.float64), raw
    try:
        Y = np.array(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ShapeError(f"explain: the target y must be numbers; got {type(y).__name__}") from None
    if Y.size != m * k:
        raise ShapeError(f"explain: target y has shape {np.shape(y)}; expected {m} × {k} values")
    Y = Y.reshape(m, k)
    if not np.all(np.isfinite(Y)):
        raise ParameterError("explain: the target y holds NaN or inf")
    if kind.name in ("bce", "bce_with_logits") and (Y.min() < 0 or Y.max() > 1):
        raise ParameterError(f"explain: {kind.title} needs targets in [0, 1]; got values in [{Y.min():g}, {Y.max():g}]")
    return Y, Y.copy()


@C.declare("explain", lr=LR)
def check_lr(lr):
    """None, or a finite number > 0 as a float (refused otherwise, before any work, by the declaration)."""
    return None if lr is None else float(lr)


# ---------------------------------------------------------------- the passes


def forward(net, X):
    """Z, A lists for input batch X (m, n₀) through ``net``."""
    Z, A = [None], [X]
    for layer in net.layers:
        z = A[-1] @ layer.W.T
        if layer.b is not None:
            z = z + layer.b
        Z.append(z)
        A.append(layer.forward(z))
    return Z, A


def loss_scale(kind, conv, m, k):
    """The constant c in L = c Σ ℓ: 1 (sum), 1/(m·k) (mean over entries) or 1/m (cross-entropy), ×½ when asked."""
    n = m if kind.mean_over == "samples" else m * k
    c = 1.0 / n if conv.reduction == "mean" else 1.0
    return 0.5 * c if conv.half else c


def link_of(kind, yhat):
    """p = σ(ŷ) or softmax(ŷ) (m, k) for a loss on logits; None for others."""
    if kind.link == "sigmoid":
        return sigmoid_array(yhat)
    if kind.link == "softmax":
        return softmax_fwd(yhat, axis=-1)
    return None


def _check_probabilities(kind, yhat, net):
    if kind.on != "probabilities":
        return
    bad = (yhat <= 0) | (yhat >= 1) | (yhat * (1 - yhat) < loss_rows.PROB_EPS)
    if np.any(bad):
        v = float(yhat[bad].ravel()[0])
        last = net.layers[-1].act.name
        raise ParameterError(
            f"explain: BCELoss takes probabilities strictly inside (0, 1), but the network's output is {v:.6g} "
            f"(output activation: {last}); there BCELoss clamps its logarithms, so the textbook formula does not "
            "hold and gradlab refuses rather than explain it approximately. For logits use BCEWithLogitsLoss "
            "('bce_with_logits').")


def loss_and_gradient(kind, yhat, Y, c):
    """(L, ∂L/∂ŷ (m, k), P, ∂L/∂P) for outputs ŷ and targets Y (m, k), by the loss's row and its VJP."""
    P = link_of(kind, yhat)
    if kind.name == "mse":
        d = yhat - Y
        return float(c * np.vdot(d, d)), 2.0 * c * d, None, None
    per = kind.row.forward(yhat, Y)
    g = np.full(per.shape, c)
    grad = kind.row.vjps[0](g, per, yhat, Y)
    dP = None
    if kind.link is not None and not saturated(kind, P, Y):  # the long product's first factor, ∂L/∂p
        dP = c * (-Y / P + ((1 - Y) / (1 - P) if kind.link == "sigmoid" else 0.0))
    return float(np.sum(per) * c), np.asarray(grad, dtype=np.float64), P, dP


def saturated(kind, P, Y):
    """True when p = σ(ŷ) or softmax(ŷ) rounds to 0 or 1 where it matters, so that the long product
    ∂L/∂p × ∂p/∂ŷ is ∞ × 0 in floating point; its simplification c(p − y), computed by the row, stays exact."""
    if kind.link == "sigmoid":
        return bool(np.any(P * (1 - P) == 0))
    return bool(np.any((P == 0) & (Y != 0)))


def long_product_shown(tr, precision):
    """Whether a loss on logits can show its long product ∂L/∂p × ∂p/∂ŷ with ``precision`` decimals.

    Not when p (or 1 − p) is below what the decimals can show: ∂L/∂p would be a
    division by a number printed as 0. The simplification c(p − y) is then shown alone.
    """
    if tr.P is None or tr.dL_dP is None:
        return False
    return link_readable(tr.loss, tr.P, tr.Y, precision)


def link_readable(kind, P, Y, precision):
    """Whether every p (and 1 − p for σ) that a worked line divides by or takes ln of prints as nonzero."""
    small = 10.0 ** -precision
    if kind.link == "sigmoid":
        return bool(np.all(np.minimum(P, 1 - P) >= small))
    return bool(np.all((P >= small) | (Y == 0)))


def _find_kinks(tr, Z, new=False):
    for l in range(1, tr.L + 1):
        kinks = np.array(tr.act(l).kinks_at(**tr.layer(l).params))  # all of them (ReLU6: 0 and 6)
        if not kinks.size:
            continue
        dist = np.abs(Z[l][..., None] - kinks)
        for s, j in zip(*np.nonzero(dist.min(axis=-1) < catalog.KINK_TOLERANCE)):
            tr.kinks.append(Kink(l, int(s), int(j), float(Z[l][s, j]), float(kinks[np.argmin(dist[s, j])]), new))


def compute_trace(net, x, y, loss, conv, lr=None):
    """Evaluate every quantity of one step; see the module docstring. Shapes: x (n₀,) or (m, n₀)."""
    if conv.half and loss.name != "mse":
        raise ParameterError(f"The 'half' parameter of explain applies to the squared error only; the loss is "
                             f"{loss.title}.")
    lr = check_lr(lr)
    X, single = _as_batch(x, net.layers[0].n_in)
    k = net.layers[-1].n_out
    Y, Y_given = _targets(loss, y, X.shape[0], k)
    tr = Trace(net, loss, conv, X, Y, Y_given, single, lr)
    tr.Z, tr.A = forward(net, X)
    _check_probabilities(loss, tr.A[tr.L], net)
    tr.loss_scale = loss_scale(loss, conv, tr.m, k)
    tr.loss_value, tr.dL_dyhat, tr.P, tr.dL_dP = loss_and_gradient(loss, tr.A[tr.L], Y, tr.loss_scale)
    _local_derivatives(tr)
    _find_kinks(tr, tr.Z)
    _backward(tr)
    if lr is not None:
        _update_and_verify(tr)
    return tr


def _local_derivatives(tr):
    tr.fprime, tr.J = [None], [None]
    for l in range(1, tr.L + 1):
        layer = tr.layer(l)
        if layer.act.elementwise:
            tr.fprime.append(layer.act.fprime(tr.Z[l], tr.A[l], **layer.params))
            tr.J.append(None)
        else:
            tr.fprime.append(None)
            tr.J.append(layer.act.jacobian(tr.Z[l], tr.A[l], **layer.params))


def through_activation(tr, l, g):
    """∂L/∂z⁽ˡ⁾ from ∂L/∂a⁽ˡ⁾ = g (m, n): g ⊙ f′ or, for softmax, each sample's gᵀ J."""
    if tr.fprime[l] is not None:
        return g * tr.fprime[l]
    return np.einsum("mi,mij->mj", g, tr.J[l])


def _param_grads(delta, a_prev, shared):
    """(∂L/∂W = Δᵀ A_prev (out, in), ∂L/∂b = column sums of Δ (out,), or their total () when shared)."""
    db = np.sum(delta) if shared else np.sum(delta, axis=0)
    return delta.T @ a_prev, np.asarray(db, dtype=np.float64)


def _backward(tr):
    L = tr.L
    tr.delta, tr.dW, tr.db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    tr.dA, tr.W_new, tr.b_new = [None] * L, [None] * (L + 1), [None] * (L + 1)
    tr.delta[L] = through_activation(tr, L, tr.dL_dyhat)
    for l in range(L, 0, -1):
        dW, db = _param_grads(tr.delta[l], tr.A[l - 1], tr.conv.shared_bias)
        tr.dW[l], tr.db[l] = dW, (db if tr.has_bias(l) else None)
        if tr.lr is not None:
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused in _update_and_verify
                tr.W_new[l] = tr.W(l) - tr.lr * tr.dW[l]
            if tr.has_bias(l):
                with np.errstate(over="ignore", invalid="ignore"):
                    tr.b_new[l] = tr.b(l).copy() if tr.conv.frozen_bias else tr.b(l) - tr.lr * tr.db[l]
        tr.dA[l - 1] = tr.delta[l] @ tr.W_used(l)
        if l > 1:
            tr.delta[l - 1] = through_activation(tr, l - 1, tr.dA[l - 1])


def _update_and_verify(tr):
    for l in range(1, tr.L + 1):
        for name, arr in (("W", tr.W_new[l]), ("b", tr.b_new[l])):
            if arr is not None and not np.all(np.isfinite(arr)):
                raise ParameterError(f"explain: the update with lr = {tr.lr:g} makes {name}⁽{l}⁾ overflow to inf; "
                                     "use a smaller learning rate")
    layers = [Layer(tr.W_new[l], tr.b_new[l], tr.layer(l).module) for l in range(1, tr.L + 1)]
    tr.Z_new, tr.A_new = forward(Network(layers), tr.X)
    _find_kinks(tr, tr.Z_new, new=True)
    if tr.loss.on == "probabilities" and np.any((tr.A_new[tr.L] <= 0) | (tr.A_new[tr.L] >= 1)):
        _check_probabilities(tr.loss, tr.A_new[tr.L], tr.net)
    tr.loss_new = loss_and_gradient(tr.loss, tr.A_new[tr.L], tr.Y, tr.loss_scale)[0]


# ---------------------------------------------------------------- autodiff cross-check

TOLERANCE = 1e-10


def autodiff_gradients(tr):
    """Gradients of L by gradlab's reverse mode on the gl.nn modules: {name: array} (the trace's names)."""
    X = Tensor(tr.X, requires_grad=True)
    params, zs, acts = [], [None], [X]
    a = X
    with warnings.catch_warnings():  # a Step module warns that its gradient is zero: known, and shown
        warnings.simplefilter("ignore", GradientWarning)
        for l in range(1, tr.L + 1):
            W = Tensor(tr.W(l), requires_grad=True)
            b = Tensor(tr.b(l), requires_grad=True) if tr.has_bias(l) else None
            params.append((W, b))
            z = a @ W.T if b is None else a @ W.T + b
            a = tr.layer(l).module(z)
            zs.append(z)
            acts.append(a)
        L = tr.loss_gl(a)
    record = {}
    backprop(L, np.ones(()), retain_graph=True, record=record)
    out = {"loss": np.asarray(L.data)}
    for l in range(1, tr.L + 1):
        W, b = params[l - 1]
        out[f"dW[{l}]"] = record.get(id(W), np.zeros(W.shape))
        if b is not None:
            out[f"db[{l}]"] = record.get(id(b), np.zeros(b.shape))
        out[f"delta[{l}]"] = record.get(id(zs[l]), np.zeros(zs[l].shape))
        out[f"da[{l - 1}]"] = record.get(id(acts[l - 1]), np.zeros(acts[l - 1].shape))
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
        if tr.has_bias(l):
            mine[f"db[{l}]"] = tr.db[l]
        mine[f"delta[{l}]"] = tr.delta[l]
        mine[f"da[{l - 1}]"] = tr.dA[l - 1]
    diffs = {}
    for name, value in mine.items():
        if tr.sequential and name not in ("loss", f"dW[{tr.L}]", f"db[{tr.L}]", f"delta[{tr.L}]"):
            continue
        diffs[name] = float(np.max(np.abs(np.asarray(value) - np.asarray(auto[name])), initial=0.0))
    return diffs
