"""Creating and converting tensors: zeros, ones, full, eye, arange, linspace, the ``*_like`` family, seeded
random tensors, and ``astype``.

Every function takes ``dtype`` (None: float64, gradlab's default, except ``randint``: int64) and
``requires_grad`` (floating-point dtypes only). Shapes may be given as PyTorch writes them
(``gl.zeros(2, 3)``) or as NumPy does (``gl.zeros((2, 3))``). The random functions take ``seed``: an
int for a reproducible draw, a ``numpy.random.Generator`` to continue one, or None for gradlab's default
generator (seeded with 0 at import, reset by ``gl.manual_seed``).
None of them records anything in a graph: the results are leaves.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.constraints import BOOL, SEED, declare
from ..core.errors import InputTypeError, ParameterError
from ..core.seed import as_generator
from ..core.tensor import Tensor, _refuse_grad, _resolve_dtype, apply, as_array
from . import elementwise as E
from .api import extend_namespace

__all__ = ["zeros", "ones", "full", "eye", "arange", "linspace", "zeros_like", "ones_like", "full_like",
           "rand", "randn", "randint", "astype"]


def _shape(op, shape):
    """``(2, 3)`` from ``(2, 3)``, ``((2, 3),)``, ``([2, 3],)`` or ``()``; each length an int ≥ 0."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    out = []
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
            raise ParameterError(f"{op}: a shape is lengths, each an int ≥ 0; got {tuple(shape)!r}")
        out.append(int(n))
    return tuple(out)


def _leaf(op, array, requires_grad):
    if requires_grad is not False and requires_grad is not True:
        raise ParameterError(f"{op}: requires_grad must be True or False, got {requires_grad!r}")
    if requires_grad and array.dtype.kind != "f":
        _refuse_grad(array.dtype, op)
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype.type)


def _dtype(op, dtype, default=np.float64):
    d = _resolve_dtype(dtype, op)
    return default if d is None else d


def zeros(*shape, dtype=None, requires_grad=False):
    """A tensor of zeros; ``shape`` as ints or one tuple: ``zeros(2, 3)`` or ``zeros((2, 3))`` → (2, 3)."""
    return _leaf("zeros", np.zeros(_shape("zeros", shape), dtype=_dtype("zeros", dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    """A tensor of ones; ``shape`` as ints or one tuple → that shape."""
    return _leaf("ones", np.ones(_shape("ones", shape), dtype=_dtype("ones", dtype)), requires_grad)


def _fill(op, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{op}: fill_value must be a real number (inf and nan allowed), got {value!r}")
    return value


def full(shape, fill_value, dtype=None, requires_grad=False):
    """A tensor of ``shape`` (an int or a tuple) holding ``fill_value`` everywhere."""
    shape = _shape("full", (shape,) if isinstance(shape, numbers.Integral) else (shape,))
    return _leaf("full", _exactly("full", np.full(shape, _fill("full", fill_value)), _dtype("full", dtype)), requires_grad)


def eye(n, m=None, k=0, dtype=None, requires_grad=False):
    """The identity: ones on diagonal ``k`` of an (n, m) matrix (m defaults to n), zeros elsewhere."""
    for name, v in (("n", n), ("m", n if m is None else m)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
            raise ParameterError(f"eye: {name} must be an int ≥ 0, got {v!r}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ParameterError(f"eye: the diagonal k must be an int, got {k!r}")
    return _leaf("eye", np.eye(n, m, k, dtype=_dtype("eye", dtype)), requires_grad)


def _exactly(op, values, dtype):
    """``values`` converted to ``dtype``, refused where that changes a value (0.5 as an int)."""
    return as_array(values, dtype, op=op)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Evenly spaced values in [start, stop) with ``step`` (one argument: [0, start)) → shape (count,).

    As NumPy and PyTorch; the dtype is float64 unless given (``dtype='int64'`` for indices).
    """
    if stop is None:
        start, stop = 0, start
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise ParameterError(f"arange: {name} must be a finite number, got {v!r}")
    if step == 0:
        raise ParameterError("arange: step must not be 0")
    values = np.arange(start, stop, step)
    return _leaf("arange", _exactly("arange", values, _dtype("arange", dtype)), requires_grad)


def linspace(start, stop, num=None, endpoint=True, dtype=None, requires_grad=False, steps=None):
    """``num`` evenly spaced values from start to stop (stop included unless ``endpoint=False``) → (num,).

    ``num`` is NumPy's name and ``steps`` PyTorch's; give one of them (NumPy's default is 50).
    """
    if num is not None and steps is not None:
        raise ParameterError(f"linspace: give num (NumPy's name) or steps (PyTorch's), not both; got {num} and {steps}")
    count = 50 if num is None and steps is None else (num if num is not None else steps)
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
        raise ParameterError(f"linspace: the number of values must be an int ≥ 0, got {count!r}")
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise ParameterError(f"linspace: {name} must be a finite number, got {v!r}")
    values = np.linspace(start, stop, int(count), endpoint=bool(endpoint))
    return _leaf("linspace", _exactly("linspace", values, _dtype("linspace", dtype)), requires_grad)


def _like(op, x, dtype):
    data = x.data if isinstance(x, Tensor) else as_array(x, op=op)
    return tuple(np.shape(data)), (data.dtype.type if dtype is None else _dtype(op, dtype))


def zeros_like(x, dtype=None, requires_grad=False):
    """Zeros with the shape of ``x`` (a Tensor or array) and its dtype unless ``dtype`` is given."""
    shape, dt = _like("zeros_like", x, dtype)
    return _leaf("zeros_like", np.zeros(shape, dtype=dt), requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    """Ones with the shape of ``x`` and its dtype unless ``dtype`` is given."""
    shape, dt = _like("ones_like", x, dtype)
    return _leaf("ones_like", np.ones(shape, dtype=dt), requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    """``fill_value`` with the shape of ``x`` and its dtype unless ``dtype`` is given."""
    shape, dt = _like("full_like", x, dtype)
    return _leaf("full_like", _exactly("full_like", np.full(shape, _fill("full_like", fill_value)), dt), requires_grad)


def _rng(seed):
    return as_generator(seed)  # None: gradlab's default generator (reset by gl.manual_seed)


def _float_dtype(op, dtype):
    dt = _dtype(op, dtype)
    if np.dtype(dt).kind != "f":
        raise InputTypeError(f"{op}: draws real numbers; dtype must be 'float64' or 'float32', got {dtype!r}")
    return dt


@declare(seed=SEED, requires_grad=BOOL)
def rand(*shape, seed=None, dtype=None, requires_grad=False):
    """Uniform draws from [0, 1) of ``shape`` (ints or one tuple); ``seed`` an int, a Generator or None."""
    dt = _float_dtype("rand", dtype)
    return _leaf("rand", _rng(seed).random(_shape("rand", shape)).astype(dt), requires_grad)


@declare(seed=SEED, requires_grad=BOOL)
def randn(*shape, seed=None, dtype=None, requires_grad=False):
    """Standard normal draws (mean 0, variance 1) of ``shape``; ``seed`` an int, a Generator or None."""
    dt = _float_dtype("randn", dtype)
    return _leaf("randn", _rng(seed).standard_normal(_shape("randn", shape)).astype(dt), requires_grad)


@declare(seed=SEED)
def randint(low, high=None, size=(), seed=None, dtype="int64"):
    """Integers drawn uniformly from [low, high) (one bound: [0, low)) of shape ``size`` (an int or tuple).

    As NumPy's ``Generator.integers`` and PyTorch's ``randint``; int64 unless ``dtype`` says otherwise.
    """
    if high is None:
        low, high = 0, low
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ParameterError(f"randint: {name} must be an int, got {v!r}")
    if high <= low:
        raise ParameterError(f"randint: needs low < high, got low={low} and high={high}")
    dt = np.dtype(_dtype("randint", dtype))
    info = np.iinfo(dt) if dt.kind in "iu" else None
    if info is None or low < info.min or high - 1 > info.max:
        raise ParameterError(f"randint: integers in [{low}, {high}) do not fit dtype {dt.name}"
                             + (f" ([{info.min}, {info.max}])" if info is not None else " (an integer dtype)"))
    shape = _shape("randint", (size,) if isinstance(size, numbers.Integral) else (size,))
    values = _rng(seed).integers(low, high, size=shape)
    return Tensor(_exactly("randint", values, _dtype("randint", dtype)), dtype=_dtype("randint", dtype))


def astype(x, dtype):
    """``x`` (a Tensor or array of any shape) as ``dtype``, same shape: a copy.

    Between floating-point dtypes (float64 ↔ float32) it is a row and the gradient flows, cast back to the
    input's dtype (as PyTorch's ``.to``). To an integer or boolean dtype the result holds no gradient (values
    not held exactly, such as 1.5 as an int, are refused); from one, the result is a new leaf.
    """
    dt = np.dtype(_resolve_dtype(dtype, "astype") or np.float64)
    data = x.data if isinstance(x, Tensor) else as_array(x, op="astype")
    if dt.kind == "f" and data.dtype.kind == "f":
        return apply(E.ASTYPE, x, dtype=dt)
    return Tensor.wrap(_exactly("astype", np.asarray(data), dt.type) if dt.kind != "f" else np.asarray(data).astype(dt))


extend_namespace({"astype": astype}, replace=True)  # VJPs that cast (a mask to floats, a gradient back) on Tensors
