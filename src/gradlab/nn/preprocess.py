"""Preprocessing as a layer: ``Standardize(mean, std)`` computes (x − mean) / std feature by feature.

A model saved with its preprocessing (``gl.save(model, path, standardizer=...)``, ``gradlab train
--standardize``) starts with this layer, so ``gl.load(path).predict(raw X)`` gives what the trained model gives
on the scaled X. ``mean`` and ``std`` are buffers (in ``state_dict()`` as ``mean`` and ``std``), never learned;
their shape is one sample's shape: (features,) for a table, (C, H, W) for images. Made of the ``sub`` and ``div``
rows, so gradients with respect to x are exact (∂y/∂x = 1/std, element by element).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.tensor import Tensor
from .module import Module, configurable

__all__ = ["Standardize"]

_DTYPES = {None: np.float64, "float64": np.float64, "float32": np.float32, np.float64: np.float64,
           np.float32: np.float32}


def _stat(value, name, shape=None) -> np.ndarray:
    try:
        arr = np.array(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputTypeError(f"Standardize: {name} must be an array of numbers, got {type(value).__name__}") from None
    if arr.ndim == 0 or arr.size == 0:
        raise ShapeError(f"Standardize: {name} must have one sample's shape, such as (features,), got shape "
                         f"{arr.shape}")
    if shape is not None and arr.shape != shape:
        raise ShapeError(f"Standardize: std has shape {arr.shape} but mean has shape {shape}; they must be equal")
    return arr


def check_statistics(mean, std, owner="Standardize") -> None:
    """Refuse a mean that is not finite or a std that is not finite and > 0, naming the first bad entry."""
    for name, arr, ok, what in (("mean", mean, np.isfinite(mean), "finite"),
                                ("std", std, np.isfinite(std) & (std > 0), "finite and > 0")):
        if not ok.all():
            i = tuple(int(k) for k in np.argwhere(~ok)[0])
            raise ParameterError(f"{owner}: {name}[{', '.join(map(str, i))}] is {float(arr[i])!r}; every entry "
                                 f"of {name} must be {what}")


@configurable
class Standardize(Module):
    """y = (x − mean) / std, broadcast over the batch axis: a model's stored input scaling.

    Args:
        mean: array of one sample's shape S ((features,) for tables), finite.
        std: array of shape S, finite and > 0 (a Standardizer's scale_: constant features have 1).
        dtype: 'float64' (default) or 'float32', the dtype of the buffers.

    Shapes: x (N, *S) → (N, *S). ``Standardize.from_standardizer(gl.data.Standardizer().fit(X))``.
    """

    def __init__(self, mean, std, dtype=None):
        super().__init__()
        if dtype not in _DTYPES:
            raise ParameterError(f"Standardize: dtype must be 'float64' or 'float32', got {dtype!r:.60}")
        dt = _DTYPES[dtype]
        m = _stat(mean, "mean")
        s = _stat(std, "std", m.shape)
        check_statistics(m, s)
        object.__setattr__(self, "_dtype_name", None if dt is np.float64 else "float32")
        self.register_buffer("mean", m.astype(dt))
        self.register_buffer("std", s.astype(dt))

    @classmethod
    def from_standardizer(cls, standardizer, dtype=None) -> "Standardize":
        """The layer of a fitted :class:`gradlab.data.Standardizer` (its mean_ and scale_)."""
        if getattr(standardizer, "mean_", None) is None or getattr(standardizer, "scale_", None) is None:
            raise ParameterError(f"Standardize.from_standardizer: expected a fitted gl.data.Standardizer (call "
                                 f"fit(X_train) first), got {standardizer!r:.80}")
        return cls(standardizer.mean_, standardizer.scale_, dtype=dtype)

    @property
    def shape(self) -> tuple:
        """One sample's shape S."""
        return tuple(self.mean.shape)

    def forward(self, x):
        if not isinstance(x, Tensor):
            try:
                x = Tensor(x)
            except InputTypeError as exc:
                raise InputTypeError(f"Standardize: expected a Tensor or an array of numbers ({exc})") from None
        if tuple(x.shape[1:]) != self.shape:
            raise ShapeError(f"Standardize: the input has shape {tuple(x.shape)} but the layer scales samples of "
                             f"shape {self.shape}, so the input must be (N, {', '.join(map(str, self.shape))})")
        return (x - self.mean) / self.std

    def extra_repr(self) -> str:
        return f"features={self.shape[0] if len(self.shape) == 1 else self.shape}"

    def to_config(self) -> dict:
        cfg = {"type": "Standardize", "shape": list(self.shape)}
        if self._dtype_name:
            cfg["dtype"] = self._dtype_name
        return cfg

    @classmethod
    def from_config(cls, config):
        """A layer of the config's shape with mean 0 and std 1 (the values come from a state dict or file)."""
        unknown = sorted(set(config) - {"type", "shape", "dtype"})
        if unknown:
            raise ParameterError(f"from_config: a Standardize config has unknown keys {unknown}; expected "
                                 "['shape', 'dtype']")
        shape = config.get("shape")
        if not isinstance(shape, (list, tuple)) or not shape or not all(type(v) is int and v >= 1 for v in shape):
            raise ParameterError(f"from_config: a Standardize config needs 'shape', a list of ints ≥ 1, got "
                                 f"{shape!r:.60}")
        return cls(np.zeros(shape), np.ones(shape), dtype=config.get("dtype"))
