"""A plain description of a layered network, and what the explainer knows of activations and losses.

The explainer works on a :class:`Network`: a list of :class:`Layer` (weight
``W`` of shape (out, in), bias ``b`` of shape (out,) — or () when one bias is
shared by the layer — and an activation name), so it does not depend on how a
model was built. :func:`as_network` adapts a ``gl.nn.Sequential`` (Linear
layers followed by activation modules), a list of ``(W, b, activation)``
tuples, or a Network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError


# ---------------------------------------------------------------- activations


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class Activation:
    """One activation: its forward and derivative on arrays and how the views write it.

    ``symbol`` is the function's name in formulas (σ, tanh, ReLU); ``dform``
    writes f′ in terms of the activation ``a`` or the input ``z`` (text).
    """

    name: str
    symbol: str
    dform: str
    slope: float = 0.01

    def forward(self, z):
        """f(z) element-wise; z any shape."""
        n = self.name
        if n == "identity":
            return np.array(z, dtype=float)
        if n == "sigmoid":
            return _sigmoid(z)
        if n == "tanh":
            return np.tanh(z)
        if n == "relu":
            return np.maximum(z, 0.0)
        if n == "leaky_relu":
            return np.where(z > 0, z, self.slope * z)
        if n == "step":
            return (z > 0).astype(float)
        raise ParameterError(f"explain: unknown activation {n!r}")

    def derivative(self, z, a):
        """f′(z) element-wise, given z and a = f(z) (same shape)."""
        n = self.name
        if n == "identity":
            return np.ones_like(z, dtype=float)
        if n == "sigmoid":
            return a * (1.0 - a)
        if n == "tanh":
            return 1.0 - a * a
        if n == "relu":
            return (z > 0).astype(float)
        if n == "leaky_relu":
            return np.where(z > 0, 1.0, self.slope)
        if n == "step":
            return np.zeros_like(z, dtype=float)
        raise ParameterError(f"explain: unknown activation {n!r}")

    def apply_gl(self, z):
        """f on a gradlab Tensor (for the autodiff cross-check)."""
        import gradlab as gl

        n = self.name
        if n == "identity":
            return z
        if n == "sigmoid":
            return gl.sigmoid(z)
        if n == "tanh":
            return gl.tanh(z)
        if n == "relu":
            return gl.relu(z)
        if n == "leaky_relu":
            return gl.leaky_relu(z, self.slope)
        return gl.heaviside(z)


ACTIVATIONS = {
    "identity": ("I", "1"),
    "sigmoid": ("σ", "a(1 − a)"),
    "tanh": ("tanh", "1 − a²"),
    "relu": ("ReLU", "𝓗(z)"),
    "leaky_relu": ("LeakyReLU", "1 if z > 0 else slope"),
    "step": ("step", "0"),
}
_ALIASES = {"linear": "identity", "none": "identity", "leakyrelu": "leaky_relu", "heaviside": "step",
            "logistic": "sigmoid"}


def activation(name, slope=0.01):
    """The :class:`Activation` called ``name`` (identity, sigmoid, tanh, relu, leaky_relu, step)."""
    key = str(name).lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise ParameterError(
            f"The 'activation' parameter of explain must be one of {sorted(ACTIVATIONS)}. Got {name!r}."
        )
    symbol, dform = ACTIVATIONS[key]
    return Activation(key, symbol, dform, float(slope))


# ---------------------------------------------------------------- losses

LOSSES = {"mse": "mean squared error", "bce": "binary cross-entropy"}
_LOSS_ALIASES = {"mseloss": "mse", "bceloss": "bce", "binary_cross_entropy": "bce", "squared_error": "mse",
                 "sse": "mse", "l2": "mse", "cross_entropy": "bce"}


def loss_name(loss_fn):
    """Normalise a loss given as a name or a ``gl.nn`` loss object to 'mse' or 'bce'."""
    name = loss_fn if isinstance(loss_fn, str) else getattr(loss_fn, "name", type(loss_fn).__name__)
    key = str(name).lower().replace("-", "_")
    key = _LOSS_ALIASES.get(key, key)
    if key not in LOSSES:
        raise ParameterError(f"The 'loss_fn' parameter of explain must be one of ['bce', 'mse']. Got {name!r}.")
    return key


# ---------------------------------------------------------------- the network


@dataclass
class Layer:
    """One layer: z = W a + b, a = f(z). W (out, in); b (out,), or () when shared."""

    W: np.ndarray
    b: np.ndarray
    act: Activation

    @property
    def n_out(self):
        return self.W.shape[0]

    @property
    def n_in(self):
        return self.W.shape[1]


@dataclass
class Network:
    """A list of layers, first to last."""

    layers: list = field(default_factory=list)

    def __len__(self):
        return len(self.layers)


def make_layer(W, b, act, shared_bias=False, slope=0.01):
    """A :class:`Layer` from arrays: W (out, in), b (out,) (or a scalar when ``shared_bias``)."""
    W = np.array(W, dtype=np.float64)
    if W.ndim == 1:
        W = W.reshape(1, -1)
    if W.ndim != 2:
        raise ShapeError(f"explain: a layer's weight must be (out, in); got shape {W.shape}")
    if b is None:
        b = np.zeros(()) if shared_bias else np.zeros(W.shape[0])
    b = np.array(b, dtype=np.float64)
    if shared_bias:
        if b.size != 1:
            raise ShapeError(f"explain: with shared_bias=True a layer has one bias; got shape {b.shape}")
        b = b.reshape(())
    else:
        b = b.reshape(-1) if b.ndim <= 1 else b
        if b.shape != (W.shape[0],):
            raise ShapeError(f"explain: bias of shape {b.shape} does not fit weight {W.shape}; expected ({W.shape[0]},)")
    act = act if isinstance(act, Activation) else activation(act, slope)
    return Layer(W, b, act)


def _activation_of_module(mod):
    name = getattr(mod, "name", None) or type(mod).__name__
    slope = getattr(mod, "negative_slope", 0.01)
    return activation(name, slope)


def _modules_of(model):
    for attr in ("layers", "modules_list", "_modules"):
        mods = getattr(model, attr, None)
        if mods is not None:
            return list(mods.values()) if isinstance(mods, dict) else list(mods)
    try:
        return list(model)
    except TypeError:
        return [model]


def as_network(model, shared_bias=False):
    """A :class:`Network` from a gl.nn model, a list of (W, b, activation) or a Network.

    A ``Linear`` (anything with ``weight`` and ``bias``) starts a layer; the
    activation module after it (anything with a ``name``) completes it;
    a Linear not followed by an activation gets the identity.
    """
    if isinstance(model, Network):
        return model
    if isinstance(model, (list, tuple)) and model and isinstance(model[0], (list, tuple)):
        return Network([make_layer(*spec[:3], shared_bias=shared_bias) for spec in model])
    layers = []
    pending = None
    for mod in _modules_of(model):
        if hasattr(mod, "weight"):
            if pending is not None:
                layers.append(make_layer(*pending, "identity", shared_bias=shared_bias))
            W = np.asarray(getattr(mod.weight, "data", mod.weight))
            bias = getattr(mod, "bias", None)
            b = None if bias is None else np.asarray(getattr(bias, "data", bias))
            pending = (W, b)
        elif hasattr(mod, "name") or hasattr(mod, "derivative"):
            if pending is None:
                raise InputTypeError(f"explain: activation {type(mod).__name__} comes before any Linear layer")
            layers.append(make_layer(*pending, _activation_of_module(mod), shared_bias=shared_bias))
            pending = None
        else:
            raise InputTypeError(
                f"explain: cannot explain a {type(mod).__name__}; expected Linear layers and activations"
            )
    if pending is not None:
        layers.append(make_layer(*pending, "identity", shared_bias=shared_bias))
    if not layers:
        raise InputTypeError(f"explain: found no Linear layer in {type(model).__name__}")
    return Network(layers)
