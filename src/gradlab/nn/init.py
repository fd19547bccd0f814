"""Weight initialisers. Each returns a new float64 NumPy array of ``shape``.

Every function takes an explicit ``rng``: a seed (int) or a
``numpy.random.Generator``. ``rng=None`` draws from gradlab's module-level
generator, seeded with 0 at import and reset by :func:`manual_seed` (the
counterpart of ``torch.manual_seed``), so a script that builds its layers in
the same order gets the same weights on every run.

Fans follow PyTorch: for a weight of shape (out, in), fan_in = in and
fan_out = out; for a vector (n,), both are n.

=====================  =================================================
xavier_uniform         U(−a, a),  a = gain·√(6 / (fan_in + fan_out))
xavier_normal          N(0, s²),  s = gain·√(2 / (fan_in + fan_out))
kaiming_uniform        U(−b, b),  b = gain·√(3 / fan),  gain = √(2 / (1 + a²))
kaiming_normal         N(0, s²),  s = gain / √fan
zeros, constant        every entry 0, or ``value``
from_array             a copy of a given array (shape-checked)
=====================  =================================================
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..core.constraints import FAN_MODES, SEED, declare, refusal
from ..core import seed as _seed
from ..core.errors import ParameterError, ShapeError

def manual_seed(seed: int) -> None:
    """Reset gradlab's default generator (``gl.manual_seed``; like ``torch.manual_seed``)."""
    _seed.manual_seed(seed)


def as_generator(rng, owner="init") -> np.random.Generator:
    """A ``numpy.random.Generator`` from None (gradlab's default one), a seed or a Generator."""
    return _seed.as_generator(rng, owner)


def _shape(shape, owner):
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise refusal(owner, "shape", shape, "a tuple of ints") from None
    if any(s < 0 for s in shape):
        raise refusal(owner, "shape", shape, "a tuple of sizes ≥ 0")
    return shape


def fans(shape) -> tuple:
    """(fan_in, fan_out) of a weight: (in, out) for (out, in); (n, n) for (n,)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str = "linear", param=None) -> float:
    """Recommended gain for a nonlinearity (PyTorch's table)."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    raise ParameterError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
                         "use 'linear', 'sigmoid', 'tanh', 'relu' or 'leaky_relu'")


@declare(rng=SEED)
def xavier_uniform(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)). ``shape`` e.g. (out, in)."""
    shape = _shape(shape, "xavier_uniform")
    fan_in, fan_out = fans(shape)
    a = gain * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    return as_generator(rng, "xavier_uniform").uniform(-a, a, size=shape)


@declare(rng=SEED)
def xavier_normal(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot normal: N(0, s²) with s = gain·√(2/(fan_in + fan_out)). ``shape`` e.g. (out, in)."""
    shape = _shape(shape, "xavier_normal")
    fan_in, fan_out = fans(shape)
    s = gain * math.sqrt(2.0 / max(fan_in + fan_out, 1))
    return as_generator(rng, "xavier_normal").normal(0.0, s, size=shape)


def _kaiming_std(shape, a, mode, nonlinearity, owner):
    fan_in, fan_out = fans(shape)
    fan = max(fan_in if mode == "fan_in" else fan_out, 1)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


@declare(mode=FAN_MODES, rng=SEED)
def kaiming_uniform(shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    rng=None) -> np.ndarray:
    """He uniform: U(−b, b) with b = √3·gain/√fan. ``shape`` e.g. (out, in).

    With ``a = √5`` (PyTorch's default for ``Linear``) b = 1/√fan_in.
    """
    shape = _shape(shape, "kaiming_uniform")
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity, "kaiming_uniform")
    return as_generator(rng, "kaiming_uniform").uniform(-bound, bound, size=shape)


@declare(mode=FAN_MODES, rng=SEED)
def kaiming_normal(shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                   rng=None) -> np.ndarray:
    """He normal: N(0, s²) with s = gain/√fan (gain √2 for ReLU). ``shape`` e.g. (out, in)."""
    shape = _shape(shape, "kaiming_normal")
    s = _kaiming_std(shape, a, mode, nonlinearity, "kaiming_normal")
    return as_generator(rng, "kaiming_normal").normal(0.0, s, size=shape)


@declare(rng=SEED)
def uniform(shape, low: float = 0.0, high: float = 1.0, rng=None) -> np.ndarray:
    """U(low, high) of ``shape``."""
    shape = _shape(shape, "uniform")
    return as_generator(rng, "uniform").uniform(low, high, size=shape)


@declare(rng=SEED)
def normal(shape, mean: float = 0.0, std: float = 1.0, rng=None) -> np.ndarray:
    """N(mean, std²) of ``shape``."""
    shape = _shape(shape, "normal")
    return as_generator(rng, "normal").normal(mean, std, size=shape)


def zeros(shape, rng=None) -> np.ndarray:
    """All zeros (``rng`` accepted for a uniform signature, unused)."""
    return np.zeros(_shape(shape, "zeros"))


def constant(shape, value: float = 0.0, rng=None) -> np.ndarray:
    """Every entry equal to ``value``."""
    return np.full(_shape(shape, "constant"), float(value))


def from_array(shape, array, rng=None) -> np.ndarray:
    """A float64 copy of ``array``, which must have ``shape``."""
    shape = _shape(shape, "from_array")
    arr = np.array(array, dtype=np.float64)
    if arr.shape != shape:
        raise ShapeError(f"from_array: the array has shape {arr.shape} but shape {shape} was asked for")
    return arr


INITIALISERS = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "kaiming_uniform": kaiming_uniform,
    "kaiming_normal": kaiming_normal,
    "he_uniform": kaiming_uniform,
    "he_normal": kaiming_normal,
    "zeros": zeros,
}
