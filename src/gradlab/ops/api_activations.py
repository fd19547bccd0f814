"""Public functions over the activations rows (re-exported by ``gradlab``).

Each takes a Tensor or an array-like ``x`` of any shape and returns a Tensor of
the same shape (element-wise); the gradient flows to ``x`` when it requires
one. Definitions, defaults and gradients at the kinks are PyTorch's
(``torch.nn.functional``). Every real input is in the domain: large |x| (±1e4)
give neither overflow warnings nor NaN; NaN stays NaN; ±inf give PyTorch's values (the limits, or NaN
where the formula is inf·0 or inf/inf: gelu, silu and mish at −inf, softsign at ±inf).
"""

from __future__ import annotations

from ..core.constraints import FINITE, Options, declare
from ..core.errors import ParameterError
from ..core.tensor import apply
from . import activations as A
from .api import log_sigmoid

__all__ = ["gelu", "elu", "selu", "silu", "mish", "relu6", "hardtanh", "hardsigmoid", "softsign", "logsigmoid"]

APPROXIMATIONS = Options("none", "tanh")


@declare(approximate=APPROXIMATIONS)
def gelu(x, approximate="none"):
    """GELU(x) = x·Φ(x), Φ the standard normal CDF ½(1 + erf(x/√2)); shape of ``x``.

    ``approximate='tanh'``: ½x(1 + tanh(√(2/π)(x + 0.044715x³))), PyTorch's approximation. Smooth: the
    gradient is Φ(x) + x φ(x) (or the tanh form's exact derivative).
    """
    return apply(A.GELU, x, approximate=approximate)


@declare(alpha=FINITE)
def elu(x, alpha=1.0):
    """ELU(x) = x for x > 0, α(eˣ − 1) otherwise; shape of ``x``.

    Gradient 1 for x > 0 and αeˣ for x ≤ 0: at 0 it is α (PyTorch's convention).
    """
    return apply(A.ELU, x, alpha=float(alpha))


def selu(x):
    """SELU(x) = λ·ELU(x; α), PyTorch's α = 1.6732632423543772, λ = 1.0507009873554805; shape of ``x``.

    Gradient λ for x > 0 and λαeˣ for x ≤ 0 (λα ≈ 1.7581 at 0, PyTorch's convention).
    """
    return apply(A.SELU, x)


def silu(x):
    """SiLU(x) = x·σ(x) (swish); shape of ``x``. Gradient σ(x)(1 + x(1 − σ(x)))."""
    return apply(A.SILU, x)


def mish(x):
    """Mish(x) = x·tanh(softplus(x)); shape of ``x``. Smooth; stable for any x."""
    return apply(A.MISH, x)


def relu6(x):
    """ReLU6(x) = min(max(x, 0), 6); shape of ``x``. Gradient 1 on (0, 6), 0 elsewhere (0 at 0 and 6, as PyTorch)."""
    return apply(A.RELU6, x)


@declare(min_val=FINITE, max_val=FINITE)
def hardtanh(x, min_val=-1.0, max_val=1.0):
    """min(max(x, min_val), max_val); shape of ``x``. ``min_val`` ≤ ``max_val`` (equal allowed).

    Gradient 1 strictly between the bounds, 0 at the bounds and outside (PyTorch's convention).
    """
    if min_val > max_val:
        raise ParameterError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    return apply(A.HARDTANH, x, min_val=float(min_val), max_val=float(max_val))


def hardsigmoid(x):
    """min(max(x + 3, 0), 6)/6; shape of ``x``. Gradient 1/6 on (−3, 3), 0 at ±3 and outside (as PyTorch)."""
    return apply(A.HARDSIGMOID, x)


def softsign(x):
    """x/(1 + |x|); shape of ``x``. Gradient 1/(1 + |x|)² (1 at 0)."""
    return apply(A.SOFTSIGN, x)


logsigmoid = log_sigmoid  # PyTorch's name for gl.log_sigmoid: the same function and row
