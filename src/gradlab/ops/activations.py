"""The activations courses teach after ReLU (GELU, ELU, SELU, SiLU, Mish, ReLU6, hardtanh, …): one row each.

Each row follows PyTorch's definition, default parameters and gradient
convention at its kinks (``torch.nn.functional.<name>``), in float64 to
about 1e-14. Every VJP is ``g`` times the local derivative, computed through
the array namespace of the input, so second derivatives work on Tensors.
Inputs far from 0 (±1e4) give no overflow warnings and no NaN: exponentials
only ever see ``min(x, 0)`` or ``−|x|``.
"""

from __future__ import annotations

import math

from ..core.primitive import elementwise_jacobian as EJ
from ..core.primitive import namespace, register
from .elementwise import sigmoid_array, softplus_array
from .special import erf

SELU_ALPHA = 1.6732632423543772848170429916717  # PyTorch's (Klambauer et al. 2017) α and λ
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)  # φ(0)
_TANH_BETA = math.sqrt(2.0 / math.pi)  # GELU's tanh approximation: tanh(√(2/π)(x + κx³))
_TANH_KAPPA = 0.044715


# ------------------------------------------------------------------ GELU
def _phi_cdf(x):
    """Φ(x) = ½(1 + erf(x/√2)), as PyTorch computes it."""
    return 0.5 * (1.0 + erf(x * _SQRT1_2))


def _tanh_inner(x):
    """tanh(√(2/π)(x + 0.044715x³)), x³ as PyTorch forms it."""
    return namespace(x).tanh(_TANH_BETA * (x + _TANH_KAPPA * (x * x * x)))


def gelu_fwd(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + _tanh_inner(x))
    return x * _phi_cdf(x)


def gelu_dx(g, out, x, approximate="none"):
    xp = namespace(x)
    if approximate == "tanh":  # in PyTorch's order of operations: the sum cancels for x ≪ 0
        t = _tanh_inner(x)
        return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_TANH_BETA * (1.0 + 3.0 * _TANH_KAPPA * (x * x))))
    return g * (_phi_cdf(x) + x * (_INV_SQRT_2PI * xp.exp(-0.5 * x * x)))


# ------------------------------------------------------------- ELU, SELU
def elu_fwd(x, alpha=1.0):
    xp = namespace(x)
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0.0)))


def elu_dx(g, out, x, alpha=1.0):
    xp = namespace(x)  # x ≤ 0 (0 included, as PyTorch): α eˣ
    return xp.where(x > 0, g, g * (alpha * xp.exp(xp.minimum(x, 0.0))))


def selu_fwd(x):
    return SELU_SCALE * elu_fwd(x, SELU_ALPHA)


def selu_dx(g, out, x):
    return SELU_SCALE * elu_dx(g, out, x, SELU_ALPHA)


# ------------------------------------------------------------- SiLU, Mish
def silu_fwd(x):
    return x * sigmoid_array(x)


def silu_dx(g, out, x):
    s = sigmoid_array(x)
    return g * (s * (1.0 + x * (1.0 - s)))


def mish_fwd(x):
    return x * namespace(x).tanh(softplus_array(x))


def mish_dx(g, out, x):
    t = namespace(x).tanh(softplus_array(x))
    return g * (t + x * sigmoid_array(x) * (1.0 - t * t))


# ---------------------------------------------- hardtanh, ReLU6, hardsigmoid
def hardtanh_fwd(x, min_val=-1.0, max_val=1.0):
    xp = namespace(x)
    return xp.minimum(xp.maximum(x, min_val), max_val)


def hardtanh_dx(g, out, x, min_val=-1.0, max_val=1.0):
    xp = namespace(x)  # 1 strictly inside (min_val, max_val), 0 at the bounds and outside (PyTorch)
    return xp.where(xp.logical_and(x > min_val, x < max_val), g, 0 * g)


def relu6_fwd(x):
    return hardtanh_fwd(x, 0.0, 6.0)


def relu6_dx(g, out, x):
    return hardtanh_dx(g, out, x, 0.0, 6.0)


def hardsigmoid_fwd(x):
    return hardtanh_fwd(x + 3.0, 0.0, 6.0) / 6.0


def hardsigmoid_dx(g, out, x):
    xp = namespace(x)
    return xp.where(xp.logical_and(x > -3.0, x < 3.0), g / 6.0, 0 * g)


# --------------------------------------------------------------- softsign
def softsign_fwd(x):
    return x / (1.0 + namespace(x).abs(x))


def softsign_dx(g, out, x):
    d = 1.0 + namespace(x).abs(x)
    return g / (d * d)


# -------------------------------------------------------------------- rows
GELU = register("gelu", gelu_fwd, (gelu_dx,), EJ, r"$x\,\Phi($x)", (r"\Phi($x) + $x\,\varphi($x)",),
                doc="approximate='none': x·Φ(x) with Φ the standard normal CDF; 'tanh': "
                    "½x(1 + tanh(√(2/π)(x + 0.044715x³))). Smooth everywhere; as torch.nn.functional.gelu.")
ELU = register("elu", elu_fwd, (elu_dx,), EJ,
               r"\begin{cases} $x & $x > 0 \\ \alpha\,(e^{$x} - 1) & \text{otherwise}\end{cases}",
               (r"\begin{cases} 1 & $x > 0 \\ \alpha\,e^{$x} & \text{otherwise}\end{cases}",),
               doc="The gradient at 0 is α (the left branch αeˣ), as PyTorch's; for α = 1 the derivative "
                   "is continuous there.")
SELU = register("selu", selu_fwd, (selu_dx,), EJ,
                r"\lambda \begin{cases} $x & $x > 0 \\ \alpha\,(e^{$x} - 1) & \text{otherwise}\end{cases}",
                (r"\lambda \begin{cases} 1 & $x > 0 \\ \alpha\,e^{$x} & \text{otherwise}\end{cases}",),
                doc="λ·ELU(x; α) with PyTorch's α = 1.6732632423543772, λ = 1.0507009873554805. "
                    "The gradient at 0 is λα (the left branch), as PyTorch's.")
SILU = register("silu", silu_fwd, (silu_dx,), EJ, r"$x\,\sigma($x)",
                (r"\sigma($x)\,(1 + $x\,(1 - \sigma($x)))",), doc="x·σ(x) (swish); smooth everywhere.")
MISH = register("mish", mish_fwd, (mish_dx,), EJ, r"$x \tanh(\mathrm{softplus}($x))",
                (r"\tanh(\mathrm{softplus}($x)) + $x\,\sigma($x)\,(1 - \tanh^{2}(\mathrm{softplus}($x)))",),
                doc="x·tanh(softplus(x)); smooth everywhere, stable for any x.")
HARDTANH = register("hardtanh", hardtanh_fwd, (hardtanh_dx,), EJ, r"\min(\max($x, a), b)",
                    (r"[a < $x < b]",),
                    doc="The gradient is 1 strictly between min_val and max_val and 0 at the bounds and "
                        "outside, as PyTorch's.")
RELU6 = register("relu6", relu6_fwd, (relu6_dx,), EJ, r"\min(\max($x, 0), 6)", (r"[0 < $x < 6]",),
                 doc="The gradient is 1 on (0, 6) and 0 at 0, at 6 and outside, as PyTorch's.")
HARDSIGMOID = register("hardsigmoid", hardsigmoid_fwd, (hardsigmoid_dx,), EJ,
                       r"\frac{\min(\max($x + 3, 0), 6)}{6}", (r"\frac{1}{6}[-3 < $x < 3]",),
                       doc="The gradient is 1/6 on (−3, 3) and 0 at ±3 and outside, as PyTorch's.")
SOFTSIGN = register("softsign", softsign_fwd, (softsign_dx,), EJ, r"\frac{$x}{1 + \lvert $x \rvert}",
                    (r"\frac{1}{(1 + \lvert $x \rvert)^{2}}",), doc="Smooth everywhere (the derivative is 1 at 0).")
