"""Activation modules, each with its derivative as the slides list them.

Every activation f has:

* ``forward(z)``: f applied element-wise (Softmax: along ``dim``), a Tensor;
* ``derivative(z)``: f′(z) as a NumPy array of z's shape — σ(1 − σ),
  1 − tanh², H(z)... For Softmax the derivative is not element-wise: its
  Jacobian ∂s/∂z = diag(s) − s sᵀ is a full matrix, returned per row;
* ``name`` ('sigmoid'), ``latex`` (f(z)) and ``dlatex`` (f′(z)) for the explainer.

Shapes: z is any shape (typically (N, features)); outputs have z's shape.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..core.errors import ParameterError, check_param
from ..core.graph import is_grad_enabled
from ..core.tensor import Tensor
from ..ops import api as F
from ..ops.elementwise import sigmoid_array
from .module import Module, configurable


class GradientWarning(UserWarning):
    """Training cannot work as asked (e.g. a unit step has zero gradient)."""


def _array(z):
    """z (Tensor or array-like) as a float NumPy array."""
    a = np.asarray(z.data if isinstance(z, Tensor) else z)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


class Activation(Module):
    """Base class: an activation has no parameters; its config is its type and arguments."""

    name = "activation"
    latex = "f(z)"
    dlatex = "f'(z)"

    def derivative(self, z) -> np.ndarray:
        raise NotImplementedError

    def to_config(self) -> dict:
        return {"type": type(self).__name__}

    @classmethod
    def from_config(cls, config):
        args = {k: v for k, v in config.items() if k != "type"}
        try:
            return cls(**args)
        except TypeError as exc:
            raise ParameterError(f"from_config: bad arguments for {cls.__name__}: {exc}") from None


@configurable
class Identity(Activation):
    """f(z) = z; f′(z) = 1 (the homework's output 'activation' for regression)."""

    name = "identity"
    latex = "z"
    dlatex = "1"

    def forward(self, z):
        return z if isinstance(z, Tensor) else Tensor(z)

    def derivative(self, z):
        return np.ones_like(_array(z))


@configurable
class Step(Activation):
    """The perceptron's unit step g(z) = 1 if z ≥ θ else 0 (θ = ``threshold``).

    Its derivative is 0 everywhere (undefined at θ): no gradient flows back
    through it, so gradient descent cannot train the layers before it. When a
    Step runs on an input that carries a gradient, it warns once (per module)
    with :class:`GradientWarning`. Train a step unit with the Rosenblatt rule
    (``gl.Perceptron``) or use Sigmoid instead.
    """

    name = "step"
    latex = r"\mathcal{H}(z - \theta)"
    dlatex = "0"

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        check_param("Step", "threshold", threshold,
                    isinstance(threshold, numbers.Real) and np.isfinite(threshold), "a finite float")
        self.threshold = float(threshold)
        self._warned = False

    def forward(self, z):
        if not self._warned and isinstance(z, Tensor) and z.requires_grad and is_grad_enabled():
            self._warned = True
            warnings.warn(
                "Step: the unit step has zero gradient everywhere, so gradient descent gets no signal "
                "through it and the layers before it will not learn. Use Sigmoid (a smooth step) for "
                "gradient training, or gl.Perceptron for the Rosenblatt rule.",
                GradientWarning, stacklevel=3)
        # 1 − H(θ − z) is 1 exactly when z ≥ θ (the slides' g(z)); its gradient is 0
        return 1.0 - F.heaviside(F.sub(self.threshold, z))

    def derivative(self, z):
        return np.zeros_like(_array(z))

    def extra_repr(self):
        return f"threshold={self.threshold}"

    def to_config(self):
        return {"type": "Step", "threshold": self.threshold}


@configurable
class Sigmoid(Activation):
    """σ(z) = 1/(1 + e⁻ᶻ); σ′(z) = σ(z)(1 − σ(z))."""

    name = "sigmoid"
    latex = r"\sigma(z) = \frac{1}{1 + e^{-z}}"
    dlatex = r"\sigma(z)\,(1 - \sigma(z))"

    def forward(self, z):
        return F.sigmoid(z)

    def derivative(self, z):
        s = sigmoid_array(_array(z))
        return s * (1 - s)


@configurable
class Tanh(Activation):
    """tanh z; tanh′(z) = 1 − tanh² z."""

    name = "tanh"
    latex = r"\tanh(z)"
    dlatex = r"1 - \tanh^{2}(z)"

    def forward(self, z):
        return F.tanh(z)

    def derivative(self, z):
        t = np.tanh(_array(z))
        return 1 - t * t


@configurable
class ReLU(Activation):
    """max(0, z); ReLU′(z) = H(z) (1 for z > 0, 0 otherwise, 0 at z = 0 as PyTorch)."""

    name = "relu"
    latex = r"\max(0, z)"
    dlatex = r"\mathcal{H}(z)"

    def forward(self, z):
        return F.relu(z)

    def derivative(self, z):
        return (_array(z) > 0).astype(_array(z).dtype)


@configurable
class LeakyReLU(Activation):
    """z for z > 0, α z otherwise (α = ``negative_slope``); derivative 1 or α."""

    name = "leaky_relu"
    latex = r"\max(\alpha z, z)"
    dlatex = r"\begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}"

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        check_param("LeakyReLU", "negative_slope", negative_slope,
                    isinstance(negative_slope, numbers.Real) and np.isfinite(negative_slope), "a finite float")
        self.negative_slope = float(negative_slope)

    def forward(self, z):
        return F.leaky_relu(z, self.negative_slope)

    def derivative(self, z):
        a = _array(z)
        return np.where(a > 0, 1.0, self.negative_slope).astype(a.dtype)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"

    def to_config(self):
        return {"type": "LeakyReLU", "negative_slope": self.negative_slope}


@configurable
class Softmax(Activation):
    """softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ} along ``dim`` (default the last axis).

    Not element-wise: each output depends on every input of its row, so the
    derivative is the Jacobian ∂s/∂z = diag(s) − s sᵀ, not a vector.
    ``derivative(z)`` returns it per row: z (C,) → (C, C); z (N, C) → (N, C, C)
    (with ``dim`` moved last).
    """

    name = "softmax"
    latex = r"\frac{e^{z_i}}{\sum_j e^{z_j}}"
    dlatex = r"\operatorname{diag}(s) - s s^{T}"

    def __init__(self, dim: int = -1):
        super().__init__()
        check_param("Softmax", "dim", dim, isinstance(dim, numbers.Integral), "an int")
        self.dim = int(dim)

    def forward(self, z):
        return F.softmax(z, axis=self.dim)

    def derivative(self, z):
        a = np.moveaxis(_array(z), self.dim, -1)
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        eye = np.eye(s.shape[-1], dtype=s.dtype)
        return s[..., :, None] * eye - s[..., :, None] * s[..., None, :]

    def extra_repr(self):
        return f"dim={self.dim}"

    def to_config(self):
        return {"type": "Softmax", "dim": self.dim}


ACTIVATIONS = {
    "identity": Identity,
    "linear": Identity,
    "step": Step,
    "heaviside": Step,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
}


def get_activation(spec) -> Activation:
    """An activation module from a name ('relu', 'sigmoid', ...), a class, or an instance (returned as is)."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, type) and issubclass(spec, Activation):
        return spec()
    if isinstance(spec, str) and spec.lower() in ACTIVATIONS:
        return ACTIVATIONS[spec.lower()]()
    raise ParameterError(f"unknown activation {spec!r}; use one of {sorted(ACTIVATIONS)} or an activation module")


# activation classes the fused ``dense_stack`` row computes (see Sequential.forward)
FUSABLE = {Identity: "identity", ReLU: "relu", LeakyReLU: "leaky_relu", Sigmoid: "sigmoid", Tanh: "tanh"}
