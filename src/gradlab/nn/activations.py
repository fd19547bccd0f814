"""Activation modules, each with its derivative as a backpropagation lecture lists them.

Every activation f has:

* ``forward(z)``: f applied element-wise (Softmax: along ``dim``), a Tensor;
* ``derivative(z)``: f′(z) as a NumPy array of z's shape — σ(1 − σ),
  1 − tanh², H(z)... For Softmax the derivative is not element-wise: its
  Jacobian ∂s/∂z = diag(s) − s sᵀ is a full matrix, returned per row;
* ``name`` ('sigmoid'), ``latex`` (f(z)) and ``dlatex`` (f′(z)), read from the
  activation's entry in :mod:`gradlab.ops.catalog` (``kind``), which is where
  each activation is described, once.

Shapes: z is any shape (typically (N, features)); outputs have z's shape.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.constraints import FINITE, INT, declare
from ..core.errors import ParameterError
from ..core.graph import is_grad_enabled
from ..core.tensor import Tensor, apply
from ..ops import api as F
from ..ops import api_activations as FA
from ..ops import catalog as C
from .module import Module, configurable


class GradientWarning(UserWarning):
    """Training cannot work as asked (e.g. a unit step has zero gradient)."""


def _array(z):
    """z (Tensor or array-like) as a float NumPy array."""
    a = np.asarray(z.data if isinstance(z, Tensor) else z)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


class Activation(Module):
    """Base class: an activation has no parameters; its config is its type and arguments.

    Each subclass names its entry of the catalog (``kind``, an
    :class:`~gradlab.ops.catalog.ActivationKind`), which holds everything
    gradlab knows of it once: ``name``, ``latex`` (f(z)) and ``dlatex`` (f′)
    are read from there, and :meth:`derivative` evaluates the row's own VJP.
    ``kind_params`` lists the attributes the kind reads (LeakyReLU's
    ``negative_slope``, Step's ``threshold``).
    """

    kind = None
    name = "activation"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind") is not None:
            cls.name = cls.kind.name

    @property
    def latex(self):
        return self.kind.latex() if self.kind is not None else "f(z)"

    @property
    def dlatex(self):
        return self.kind.dlatex() if self.kind is not None else "f'(z)"

    def kind_params(self) -> dict:
        """{attribute: value} of the parameters the catalog entry reads."""
        return {attr: getattr(self, attr) for attr in (self.kind.params if self.kind else ())}

    def forward(self, z):
        """f(z) by the catalog entry's row (subclasses with a composed forward override this)."""
        if self.kind is None or self.kind.row is None:
            raise NotImplementedError(f"{type(self).__name__} has no row to compute it")
        x = z if isinstance(z, Tensor) else Tensor(z)
        return apply(self.kind.row, x, **self.kind.row_params(self.kind_params()))

    def derivative(self, z) -> np.ndarray:
        """f′(z) as an array of z's shape (the row's VJP at g = 1)."""
        if self.kind is None:
            raise NotImplementedError(f"{type(self).__name__} has no catalog entry (kind)")
        a = _array(z)
        p = self.kind_params()
        return self.kind.fprime(a, self.kind.forward(a, **p), **p).astype(a.dtype)

    def to_config(self) -> dict:
        return {"type": type(self).__name__, **self.kind_params()}

    @classmethod
    def from_config(cls, config):
        args = {k: v for k, v in config.items() if k != "type"}
        try:
            return cls(**args)
        except TypeError as exc:
            raise ParameterError(f"from_config: bad arguments for {cls.__name__}: {exc}") from None


@configurable
class Identity(Activation):
    """f(z) = z; f′(z) = 1 (the output 'activation' of a regression network)."""


    kind = C.IDENTITY

    def __init__(self, *args, **kwargs):  # as torch.nn.Identity: any arguments, ignored
        super().__init__()

    def forward(self, z):
        return z if isinstance(z, Tensor) else Tensor(z)


@configurable
class Step(Activation):
    """The perceptron's unit step g(z) = 1 if z ≥ θ else 0 (θ = ``threshold``).

    Its derivative is 0 everywhere (undefined at θ): no gradient flows back
    through it, so gradient descent cannot train the layers before it. When a
    Step runs on an input that carries a gradient, it warns once (per module)
    with :class:`GradientWarning`. Train a step unit with the Rosenblatt rule
    (``gl.Perceptron``) or use Sigmoid instead.
    """

    kind = C.STEP

    @declare(threshold=FINITE)
    def __init__(self, threshold: float = 0.0):
        super().__init__()
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
        # 1 − H(θ − z) is 1 exactly when z ≥ θ (the step function g(z) of the perceptron); its gradient is 0
        return 1.0 - F.heaviside(F.sub(self.threshold, z))

    def extra_repr(self):
        return f"threshold={self.threshold}"


@configurable
class Sigmoid(Activation):
    """σ(z) = 1/(1 + e⁻ᶻ); σ′(z) = σ(z)(1 − σ(z))."""

    kind = C.SIGMOID

    def forward(self, z):
        return F.sigmoid(z)


@configurable
class Tanh(Activation):
    """tanh z; tanh′(z) = 1 − tanh² z."""

    kind = C.TANH

    def forward(self, z):
        return F.tanh(z)


@configurable
class ReLU(Activation):
    """max(0, z); ReLU′(z) = H(z) (1 for z > 0, 0 otherwise, 0 at z = 0 as PyTorch)."""

    kind = C.RELU

    def forward(self, z):
        return F.relu(z)


@configurable
class Softplus(Activation):
    """softplus(z) = ln(1 + eᶻ), a smooth ReLU; softplus′(z) = σ(z). Stable for any z."""

    kind = C.SOFTPLUS

    def forward(self, z):
        return F.softplus(z)


@configurable
class LeakyReLU(Activation):
    """z for z > 0, α z otherwise (α = ``negative_slope``); derivative 1 or α."""

    kind = C.LEAKY_RELU

    @declare(negative_slope=FINITE)
    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, z):
        return F.leaky_relu(z, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


@configurable
class Softmax(Activation):
    """softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ} along ``dim`` (default the last axis).

    Not element-wise: each output depends on every input of its row, so the
    derivative is the Jacobian ∂s/∂z = diag(s) − s sᵀ, not a vector.
    ``derivative(z)`` returns it per row: z (C,) → (C, C); z (N, C) → (N, C, C)
    (with ``dim`` moved last).
    """

    kind = C.SOFTMAX

    @declare(dim=INT)
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = int(dim)

    def forward(self, z):
        return F.softmax(z, axis=self.dim)

    def derivative(self, z):
        a = np.moveaxis(_array(z), self.dim, -1)
        rows = a.reshape(-1, a.shape[-1])
        J = self.kind.jacobian(rows, self.kind.forward(rows))
        return J.reshape(a.shape + (a.shape[-1],)).astype(a.dtype)

    def extra_repr(self):
        return f"dim={self.dim}"

    def to_config(self):
        return {"type": "Softmax", "dim": self.dim}


# ------------------------------------------------- the activations after ReLU (rows in ops/activations.py)
@configurable
class SELU(Activation):
    """SELU(z) = λ·ELU(z; α) with PyTorch's λ ≈ 1.0507, α ≈ 1.6733; derivative λα at 0 (as PyTorch)."""

    kind = C.SELU

    def forward(self, z):
        return FA.selu(z)


@configurable
class SiLU(Activation):
    """SiLU(z) = z·σ(z) (swish); SiLU′(z) = σ(z)(1 + z(1 − σ(z)))."""

    kind = C.SILU

    def forward(self, z):
        return FA.silu(z)


@configurable
class Mish(Activation):
    """Mish(z) = z·tanh(softplus(z)); smooth, stable for any z."""

    kind = C.MISH

    def forward(self, z):
        return FA.mish(z)


@configurable
class ReLU6(Activation):
    """min(max(0, z), 6); derivative 1 on (0, 6), 0 at 0, at 6 and outside (as PyTorch)."""

    kind = C.RELU6

    def forward(self, z):
        return FA.relu6(z)


@configurable
class Hardsigmoid(Activation):
    """min(max(z + 3, 0), 6)/6; derivative 1/6 on (−3, 3), 0 at ±3 and outside."""

    kind = C.HARDSIGMOID

    def forward(self, z):
        return FA.hardsigmoid(z)


@configurable
class Softsign(Activation):
    """z/(1 + |z|); derivative 1/(1 + |z|)² (1 at 0)."""

    kind = C.SOFTSIGN

    def forward(self, z):
        return FA.softsign(z)


@configurable
class LogSigmoid(Activation):
    """ln σ(z) = −softplus(−z), stable for any z; derivative 1 − σ(z)."""

    kind = C.LOG_SIGMOID

    def forward(self, z):
        return F.log_sigmoid(z)


@configurable
class GELU(Activation):
    """GELU(z) = z·Φ(z) (``approximate='none'``) or ½z(1 + tanh(√(2/π)(z + 0.044715z³))) (``'tanh'``).

    Smooth; the derivative is Φ(z) + z φ(z) (or the tanh form's). The tanh form has its own catalog entry
    (``catalog.GELU_TANH``), so the explainer writes the formula that is computed.
    """

    kind = C.GELU

    @declare(approximate=FA.APPROXIMATIONS)
    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate
        if approximate == "tanh":
            self.kind = C.GELU_TANH

    def forward(self, z):
        return FA.gelu(z, self.approximate)

    def to_config(self):  # 'approximate' only when not the default (model files accept 'none' or 'tanh')
        return {"type": "GELU", **({"approximate": self.approximate} if self.approximate != "none" else {})}

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


@configurable
class ELU(Activation):
    """ELU(z) = z for z > 0, α(eᶻ − 1) otherwise (α = ``alpha``); derivative 1 or αeᶻ (α at 0, as PyTorch)."""

    kind = C.ELU

    @declare(alpha=FINITE)
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, z):
        return FA.elu(z, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


@configurable
class Hardtanh(Activation):
    """min(max(z, min_val), max_val); derivative 1 strictly inside, 0 at the bounds and outside (as PyTorch)."""

    kind = C.HARDTANH

    @declare(min_val=FINITE, max_val=FINITE)
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0):
        super().__init__()
        if min_val > max_val:
            raise ParameterError(f"Hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, z):
        return FA.hardtanh(z, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


# name (and alias) -> module class, from the catalog's names
ACTIVATIONS = {key: cls for cls in (Identity, Step, Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, Softmax,
                                    GELU, ELU, SELU, SiLU, Mish, ReLU6, Hardtanh, Hardsigmoid, Softsign, LogSigmoid)
               for key in (cls.kind.name, *cls.kind.aliases)}


def get_activation(spec) -> Activation:
    """An activation module from a name ('relu', 'sigmoid', ...), a class, or an instance (returned as is)."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, type) and issubclass(spec, Activation):
        return spec()
    key = spec.lower().replace("-", "_") if isinstance(spec, str) else None
    if key in ACTIVATIONS:
        return ACTIVATIONS[key]()
    raise ParameterError(f"unknown activation {spec!r}; use one of {sorted(ACTIVATIONS)} or an activation module")


# activation classes the fused ``dense_stack`` row computes (see Sequential.forward)
FUSABLE = {Identity: "identity", ReLU: "relu", LeakyReLU: "leaky_relu", Sigmoid: "sigmoid", Tanh: "tanh"}
