"""Element-wise mathematical functions (trigonometric, hyperbolic, logarithms, rounding, erf): one row each.

Every VJP is ``g`` times the local derivative, computed through the array
namespace of its arguments with the standard's names (``xp.asin``,
``xp.cosh``…), so the same rule runs on NumPy, on array-api-strict arrays
and on gradlab Tensors (second derivatives). The derivatives follow
PyTorch's formulas; out of a function's domain the forward is NaN as NumPy's
(``gl.detect_anomaly()`` names the operation), and at the edge of a domain
the gradient is ±inf as PyTorch's (arcsin at ±1, arctanh at ±1).
"""

from __future__ import annotations

import math

from ..core.primitive import elementwise_jacobian as EJ
from ..core.primitive import namespace, namespace_of, register
from .special import erf_array

LN2 = math.log(2.0)
LN10 = math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ----------------------------------------------------------------- forwards
def tan_fwd(x):
    return namespace(x).tan(x)


def arcsin_fwd(x):
    return namespace(x).asin(x)


def arccos_fwd(x):
    return namespace(x).acos(x)


def arctan_fwd(x):
    return namespace(x).atan(x)


def arctan2_fwd(y, x):
    return namespace_of(y, x).atan2(y, x)


def sinh_fwd(x):
    return namespace(x).sinh(x)


def cosh_fwd(x):
    return namespace(x).cosh(x)


def arcsinh_fwd(x):
    return namespace(x).asinh(x)


def arccosh_fwd(x):
    return namespace(x).acosh(x)


def arctanh_fwd(x):
    return namespace(x).atanh(x)


def log1p_fwd(x):
    return namespace(x).log1p(x)


def expm1_fwd(x):
    return namespace(x).expm1(x)


def log2_fwd(x):
    return namespace(x).log2(x)


def log10_fwd(x):
    return namespace(x).log10(x)


def exp2_fwd(x):
    return 2.0**x


def square_fwd(x):
    return x * x


def reciprocal_fwd(x):
    return 1.0 / x


def sign_fwd(x):
    return namespace(x).sign(x)


def floor_fwd(x):
    return namespace(x).floor(x)


def ceil_fwd(x):
    return namespace(x).ceil(x)


def trunc_fwd(x):
    return namespace(x).trunc(x)


def round_fwd(x, decimals=0):
    """Half to even, as NumPy's ``round``: round(x·10ᵈ)/10ᵈ (for d < 0: round(x/10⁻ᵈ)·10⁻ᵈ)."""
    xp = namespace(x)
    if decimals == 0:
        return xp.round(x)
    if decimals > 0:
        f = 10.0**decimals
        return xp.round(x * f) / f
    f = 10.0 ** (-decimals)
    return xp.round(x / f) * f


def mod_fwd(x, y):
    return namespace_of(x, y).remainder(x, y)


def erf_fwd(x):
    return erf_array(x)


# -------------------------------------------------------------------- VJPs
def tan_dx(g, out, x):
    return g * (1 + out * out)


def arcsin_dx(g, out, x):
    return g / namespace(x).sqrt(1 - x * x)


def arccos_dx(g, out, x):
    return -g / namespace(x).sqrt(1 - x * x)


def arctan_dx(g, out, x):
    return g / (1 + x * x)


def _atan2_parts(g, y, x):
    """(x/m, y/m, m, where) with m = max(|x|, |y|): x/(x² + y²) = (x/m)/((x/m)² + (y/m)²)/m neither overflows
    nor underflows (1e200, 1e-200); ``where`` marks x = y = 0, where the gradients are 0 as PyTorch's, and an
    infinite x or y, where both are 0 (their limits; PyTorch gives NaN for one of them)."""
    xp = namespace_of(g, y, x)
    m = xp.maximum(xp.abs(x), xp.abs(y))
    origin = xp.logical_or(m == 0, m == float("inf"))
    m = xp.where(origin, 1.0, m)
    xs, ys = x / m, y / m
    return xs, ys, xp.where(origin, 1.0, m * (xs * xs + ys * ys)), origin, xp


def arctan2_dy(g, out, y, x):
    xs, ys, den, origin, xp = _atan2_parts(g, y, x)
    return xp.where(origin, 0.0, g * xs / den)


def arctan2_dx(g, out, y, x):
    xs, ys, den, origin, xp = _atan2_parts(g, y, x)
    return xp.where(origin, 0.0, -g * ys / den)


def sinh_dx(g, out, x):
    return g * namespace(x).cosh(x)


def cosh_dx(g, out, x):
    return g * namespace(x).sinh(x)


def arcsinh_dx(g, out, x):
    return g / namespace(x).sqrt(x * x + 1)


def arccosh_dx(g, out, x):
    xp = namespace(x)
    return g / (xp.sqrt(x - 1) * xp.sqrt(x + 1))  # NaN for x < 1 (−1 included) as the value, +inf at 1


def arctanh_dx(g, out, x):
    return g / (1 - x * x)


def log1p_dx(g, out, x):
    return g / (1 + x)


def expm1_dx(g, out, x):
    return g * (out + 1)


def log2_dx(g, out, x):
    return g / (x * LN2)


def log10_dx(g, out, x):
    return g / (x * LN10)


def exp2_dx(g, out, x):
    return g * out * LN2


def square_dx(g, out, x):
    return g * 2 * x


def reciprocal_dx(g, out, x):
    return -g * out * out


def zero_dx(g, out, x, **params):
    return 0 * g


def mod_dx(g, out, x, y):
    return g


def mod_dy(g, out, x, y):
    # the forward is x − y·q with q = floor_divide(x, y), piecewise constant: ∂/∂y = −q
    return -g * namespace_of(g, x, y).floor_divide(x, y)


def erf_dx(g, out, x):
    return g * TWO_OVER_SQRT_PI * namespace(x).exp(-x * x)


# -------------------------------------------------------------------- rows
_NAN = "Outside its domain the value is NaN, as NumPy's (gl.detect_anomaly() names the operation)."
_STEP = "Piecewise constant: its gradient is 0 everywhere, jumps included (PyTorch's convention)."

TAN = register("tan", tan_fwd, (tan_dx,), EJ, r"\tan $x", (r"1 + \tan^{2} $x",),
               doc="At odd multiples of π/2 the value is ±huge (float π/2 is not a pole) and so is the gradient.")
ARCSIN = register("arcsin", arcsin_fwd, (arcsin_dx,), EJ, r"\arcsin $x", (r"\frac{1}{\sqrt{1 - $x^{2}}}",),
                  doc="Domain [−1, 1]; the gradient is +inf at ±1, as PyTorch's. " + _NAN)
ARCCOS = register("arccos", arccos_fwd, (arccos_dx,), EJ, r"\arccos $x", (r"-\frac{1}{\sqrt{1 - $x^{2}}}",),
                  doc="Domain [−1, 1]; the gradient is −inf at ±1, as PyTorch's. " + _NAN)
ARCTAN = register("arctan", arctan_fwd, (arctan_dx,), EJ, r"\arctan $x", (r"\frac{1}{1 + $x^{2}}",))
ARCTAN2 = register("arctan2", arctan2_fwd, (arctan2_dy, arctan2_dx), EJ, r"\operatorname{atan2}($y, $x)",
                   (r"\frac{$x}{$x^{2} + $y^{2}}", r"-\frac{$y}{$x^{2} + $y^{2}}"), argnames=("y", "x"),
                   doc="The angle of the point (x, y), in [−π, π]. At the origin both gradients are 0, as "
                       "PyTorch's; elsewhere they are computed without overflow or underflow (x, y = 1e±200).")
SINH = register("sinh", sinh_fwd, (sinh_dx,), EJ, r"\sinh $x", (r"\cosh $x",))
COSH = register("cosh", cosh_fwd, (cosh_dx,), EJ, r"\cosh $x", (r"\sinh $x",))
ARCSINH = register("arcsinh", arcsinh_fwd, (arcsinh_dx,), EJ, r"\operatorname{arsinh} $x",
                   (r"\frac{1}{\sqrt{$x^{2} + 1}}",))
ARCCOSH = register("arccosh", arccosh_fwd, (arccosh_dx,), EJ, r"\operatorname{arcosh} $x",
                   (r"\frac{1}{\sqrt{$x^{2} - 1}}",),
                   doc="Domain [1, inf); the gradient is +inf at 1, as PyTorch's. " + _NAN)
ARCTANH = register("arctanh", arctanh_fwd, (arctanh_dx,), EJ, r"\operatorname{artanh} $x",
                   (r"\frac{1}{1 - $x^{2}}",),
                   doc="Domain (−1, 1), ±inf at ±1; the gradient is +inf at ±1, as PyTorch's. " + _NAN)
LOG1P = register("log1p", log1p_fwd, (log1p_dx,), EJ, r"\ln(1 + $x)", (r"\frac{1}{1 + $x}",),
                 doc="Accurate for tiny x. Domain [−1, inf): −inf at −1 (gradient inf). " + _NAN)
EXPM1 = register("expm1", expm1_fwd, (expm1_dx,), EJ, r"e^{$x} - 1", (r"e^{$x}",),
                 doc="Accurate for tiny x.")
LOG2 = register("log2", log2_fwd, (log2_dx,), EJ, r"\log_{2} $x", (r"\frac{1}{$x \ln 2}",),
                doc="−inf at 0 (gradient inf). " + _NAN)
LOG10 = register("log10", log10_fwd, (log10_dx,), EJ, r"\log_{10} $x", (r"\frac{1}{$x \ln 10}",),
                 doc="−inf at 0 (gradient inf). " + _NAN)
EXP2 = register("exp2", exp2_fwd, (exp2_dx,), EJ, r"2^{$x}", (r"2^{$x} \ln 2",))
SQUARE = register("square", square_fwd, (square_dx,), EJ, r"$x^{2}", (r"2 $x",))
RECIPROCAL = register("reciprocal", reciprocal_fwd, (reciprocal_dx,), EJ, r"\frac{1}{$x}", (r"-\frac{1}{$x^{2}}",),
                      doc="±inf at ±0, where the gradient is −inf, as PyTorch's.")
SIGN = register("sign", sign_fwd, (zero_dx,), EJ, r"\operatorname{sign} $x", ("0",),
                doc="sign(0) = 0 and sign(NaN) = NaN. " + _STEP)
FLOOR = register("floor", floor_fwd, (zero_dx,), EJ, r"\lfloor $x \rfloor", ("0",), doc=_STEP)
CEIL = register("ceil", ceil_fwd, (zero_dx,), EJ, r"\lceil $x \rceil", ("0",), doc=_STEP)
ROUND = register("round", round_fwd, (zero_dx,), EJ, r"\operatorname{round}($x)", ("0",),
                 doc="Halves go to the even neighbour (NumPy's and PyTorch's rule); ``decimals`` as NumPy's. " + _STEP)
TRUNC = register("trunc", trunc_fwd, (zero_dx,), EJ, r"\operatorname{trunc}($x)", ("0",), doc=_STEP)
MOD = register("mod", mod_fwd, (mod_dx, mod_dy), EJ, r"$x \bmod $y",
               ("1", r"-\left\lfloor \frac{$x}{$y} \right\rfloor"),
               doc="x − y·floor(x/y), with the divisor's sign (NumPy's mod, PyTorch's remainder); NaN for "
                   "y = 0. ∂/∂x = 1 and ∂/∂y = −floor(x/y) everywhere, jumps included, as PyTorch's.")
ERF = register("erf", erf_fwd, (erf_dx,), EJ, r"\operatorname{erf} $x", (r"\frac{2}{\sqrt{\pi}} e^{-$x^{2}}",),
               doc="Computed to full float64 accuracy (fdlibm's rational approximations).")
