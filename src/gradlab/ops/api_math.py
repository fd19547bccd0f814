"""Public functions over the math rows (re-exported by ``gradlab``).

Each takes Tensors or array-likes (any shape) and returns a Tensor of the
broadcast shape; the binary ones (``arctan2``, ``mod``) broadcast like NumPy.
Outside a function's domain the value is NaN, as NumPy's (no error: run
under ``gl.detect_anomaly()`` to have the operation named).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.errors import ParameterError
from ..core.tensor import Tensor, apply
from . import mathfn as M
from .api import extend_namespace

__all__ = [
    "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "arcsinh", "arccosh", "arctanh",
    "log1p", "expm1", "log2", "log10", "exp2", "square", "reciprocal", "sign", "floor", "ceil", "round",
    "trunc", "mod", "erf",
]


def tan(x):
    """tan x element-wise, shape of x; d/dx = 1 + tan²x."""
    return apply(M.TAN, x)


def arcsin(x):
    """arcsin x element-wise, shape of x, in [−π/2, π/2]; d/dx = 1/√(1 − x²).

    NaN outside [−1, 1] (as NumPy); the gradient is +inf at ±1 (as PyTorch).
    """
    return apply(M.ARCSIN, x)


def arccos(x):
    """arccos x element-wise, shape of x, in [0, π]; d/dx = −1/√(1 − x²).

    NaN outside [−1, 1] (as NumPy); the gradient is −inf at ±1 (as PyTorch).
    """
    return apply(M.ARCCOS, x)


def arctan(x):
    """arctan x element-wise, shape of x, in (−π/2, π/2); d/dx = 1/(1 + x²)."""
    return apply(M.ARCTAN, x)


def arctan2(y, x):
    """The angle of the point (x, y) in (−π, π], y and x broadcast together (note the order: y first).

    ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²); at the origin both are NaN (as PyTorch).
    """
    return apply(M.ARCTAN2, y, x)


def sinh(x):
    """sinh x element-wise, shape of x; d/dx = cosh x."""
    return apply(M.SINH, x)


def cosh(x):
    """cosh x element-wise, shape of x; d/dx = sinh x."""
    return apply(M.COSH, x)


def arcsinh(x):
    """arsinh x element-wise, shape of x; d/dx = 1/√(x² + 1)."""
    return apply(M.ARCSINH, x)


def arccosh(x):
    """arcosh x element-wise, shape of x, for x ≥ 1; d/dx = 1/√(x² − 1).

    NaN for x < 1 (as NumPy); the gradient is +inf at 1 (as PyTorch).
    """
    return apply(M.ARCCOSH, x)


def arctanh(x):
    """artanh x element-wise, shape of x, for −1 < x < 1; d/dx = 1/(1 − x²).

    ±inf at ±1 (gradient +inf), NaN beyond (as NumPy and PyTorch).
    """
    return apply(M.ARCTANH, x)


def log1p(x):
    """ln(1 + x) element-wise, shape of x, accurate for tiny x; d/dx = 1/(1 + x).

    −inf at −1, NaN below (as NumPy).
    """
    return apply(M.LOG1P, x)


def expm1(x):
    """eˣ − 1 element-wise, shape of x, accurate for tiny x; d/dx = eˣ."""
    return apply(M.EXPM1, x)


def log2(x):
    """log₂ x element-wise, shape of x; d/dx = 1/(x ln 2). −inf at 0, NaN for x < 0 (as NumPy)."""
    return apply(M.LOG2, x)


def log10(x):
    """log₁₀ x element-wise, shape of x; d/dx = 1/(x ln 10). −inf at 0, NaN for x < 0 (as NumPy)."""
    return apply(M.LOG10, x)


def exp2(x):
    """2ˣ element-wise, shape of x; d/dx = 2ˣ ln 2."""
    return apply(M.EXP2, x)


def square(x):
    """x² element-wise, shape of x; d/dx = 2x."""
    return apply(M.SQUARE, x)


def reciprocal(x):
    """1/x element-wise, shape of x; d/dx = −1/x². ±inf at ±0 (gradient −inf, as PyTorch)."""
    return apply(M.RECIPROCAL, x)


def sign(x):
    """−1, 0 or 1 by the sign of x (NaN for NaN), shape of x. Gradient 0 everywhere (as PyTorch)."""
    return apply(M.SIGN, x)


def floor(x):
    """The largest integer ≤ x (as a float), shape of x. Gradient 0 everywhere, jumps included (as PyTorch)."""
    return apply(M.FLOOR, x)


def ceil(x):
    """The smallest integer ≥ x (as a float), shape of x. Gradient 0 everywhere, jumps included (as PyTorch)."""
    return apply(M.CEIL, x)


def trunc(x):
    """x rounded toward 0 (as a float), shape of x. Gradient 0 everywhere, jumps included (as PyTorch)."""
    return apply(M.TRUNC, x)


def round(x, decimals=0):  # noqa: A001 - mirrors NumPy
    """x rounded to ``decimals`` decimal places (an int; negative: tens, hundreds…), shape of x.

    Halves go to the even neighbour, as NumPy's ``round`` and PyTorch's (0.5 → 0, 1.5 → 2, 2.5 → 2),
    computed as NumPy does (x·10ᵈ rounded, then divided by 10ᵈ). Gradient 0 everywhere (as PyTorch).
    """
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral):
        raise ParameterError(f"round: decimals must be an int, got {decimals!r}")
    return apply(M.ROUND, x, decimals=int(decimals))


def mod(x, y):
    """x mod y = x − y·floor(x/y), with the sign of the divisor y, x and y broadcast together.

    NumPy's ``mod``/``remainder`` and PyTorch's ``remainder`` (not C's ``fmod``); NaN where a float y = 0;
    integers by an integer 0 are refused (NumPy would give 0, PyTorch raises).
    ∂/∂x = 1 and ∂/∂y = −floor(x/y) everywhere, the jumps included (as PyTorch).
    """
    dx, dy = (np.asarray(a.data if isinstance(a, Tensor) else a) for a in (x, y))
    if dx.dtype.kind in "biu" and dy.dtype.kind in "biu" and np.any(dy == 0):
        raise ParameterError("mod: an integer divided by the integer 0 has no remainder")
    return apply(M.MOD, x, y)


def erf(x):
    """The error function (2/√π) ∫₀ˣ e^{−t²} dt element-wise, shape of x, to full float64 accuracy.

    d/dx = (2/√π) e^{−x²}.
    """
    return apply(M.ERF, x)


def _floor_divide(x, y):
    """floor(x / y) as NumPy's ``floor_divide`` (the quotient ``mod`` uses), a constant: its gradient is 0."""
    x, y = (a.data if isinstance(a, Tensor) else a for a in (x, y))
    return Tensor.wrap(np.floor_divide(x, y))


# The names the VJPs reach through ``namespace(x)`` (the array API's names), so they run on Tensors too.
extend_namespace({
    "tan": tan, "asin": arcsin, "acos": arccos, "atan": arctan, "atan2": arctan2, "sinh": sinh, "cosh": cosh,
    "asinh": arcsinh, "acosh": arccosh, "atanh": arctanh, "expm1": expm1, "log2": log2, "log10": log10,
    "exp2": exp2, "square": square, "reciprocal": reciprocal, "floor": floor, "ceil": ceil, "round": round,
    "trunc": trunc, "remainder": mod, "erf": erf, "floor_divide": _floor_divide,
})
extend_namespace({"log1p": log1p, "sign": sign}, replace=True)
