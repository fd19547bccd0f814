"""Normalisation and regularisation layers, as ``torch.nn``'s: BatchNorm1d, BatchNorm2d, LayerNorm, Dropout,
Embedding.

BatchNorm and LayerNorm are composed of existing rows (``mean``, ``var`` with correction 0, ``sqrt``,
arithmetic), so their gradients (first and second order) are exact by construction:

    x̂ = (x − mean) / √(var + eps),   y = x̂ · weight + bias

BatchNorm's running statistics are buffers (``running_mean``, ``running_var``, ``num_batches_tracked``): in
``state_dict()`` under PyTorch's names, not parameters. Dropout draws its mask from ``rng`` (None: gradlab's
default generator, reset by ``gl.manual_seed``).
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from ..core.constraints import BOOL, PROBABILITY, POSITIVE_FLOAT, POSITIVE_INT, SEED, AnyOf, Optional, Options, \
    SequenceOf, declare
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.seed import as_generator
from ..core.tensor import Tensor
from ..ops import api as F
from ..ops import api_reduce as FR
from .layers import DTYPES
from .module import Module, configurable

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "Dropout", "Embedding"]

MOMENTUM = Optional(PROBABILITY)  # None: the cumulative average
SHAPE = AnyOf(POSITIVE_INT, SequenceOf(POSITIVE_INT, min_length=1), text="an int ≥ 1 or a non-empty list of them")
NOT_IN_PLACE = Options(False, text="False (gradlab never overwrites its input)")


def _tensor(x, owner) -> Tensor:
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except InputTypeError as exc:
        raise InputTypeError(f"{owner}: expected a Tensor or an array of numbers as input ({exc})") from None


def _dtype(dtype):
    return np.float64 if dtype is None else np.dtype(dtype).type


class ConfigMixin:
    """``to_config``/``from_config`` from ``_config_keys``: the constructor arguments, stored as attributes of
    the same names (PyTorch's argument names; plain JSON values). ``from_config`` seeds a private generator,
    so loading a model file does not move gradlab's default one."""

    _config_keys: tuple = ()

    def to_config(self) -> dict:
        cfg = {"type": type(self).__name__}
        for k in self._config_keys:
            v = getattr(self, k)
            cfg[k] = list(v) if isinstance(v, tuple) else v
        dt = getattr(self, "_dtype_name", None)
        if dt is not None:
            cfg["dtype"] = dt
        return cfg

    @classmethod
    def from_config(cls, config):
        args = {k: (tuple(v) if isinstance(v, list) else v) for k, v in config.items() if k != "type"}
        unknown = sorted(set(args) - set(cls._config_keys) - {"dtype"})
        if unknown:
            raise ParameterError(f"from_config: a {cls.__name__} config has unknown keys {unknown}; "
                                 f"expected {list(cls._config_keys)}")
        params = inspect.signature(cls.__init__).parameters
        missing = [n for n, p in params.items() if n != "self" and p.default is p.empty and n not in args]
        if missing:
            raise ParameterError(f"from_config: a {cls.__name__} config needs {missing}, got keys {sorted(config)}")
        if "rng" in params:
            args["rng"] = 0
        return cls(**args)

    def _set_dtype(self, dtype):
        dt = _dtype(dtype)
        object.__setattr__(self, "_dtype_name", None if dt is np.float64 else np.dtype(dt).name)
        return dt


# --------------------------------------------------------------------------- batch normalisation
class _BatchNorm(ConfigMixin, Module):
    _config_keys = ("num_features", "eps", "momentum", "affine", "track_running_stats")
    _dims: tuple = ()

    @declare(num_features=POSITIVE_INT, eps=POSITIVE_FLOAT, momentum=MOMENTUM, affine=BOOL,
             track_running_stats=BOOL, dtype=DTYPES)
    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype=None):
        super().__init__()
        dt = self._set_dtype(dtype)
        self.num_features, self.eps = int(num_features), float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        c = self.num_features
        self.weight = Tensor(np.ones(c, dtype=dt), requires_grad=True) if affine else None
        self.bias = Tensor(np.zeros(c, dtype=dt), requires_grad=True) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dt))
            self.register_buffer("running_var", np.ones(c, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0 (as PyTorch's)."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Running statistics reset; weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            self.bias.data[...] = 0

    def forward(self, x):
        name = type(self).__name__
        x = _tensor(x, name)
        shape = x.shape
        if x.ndim not in self._dims:
            dims = " or ".join(f"{d}-d" for d in self._dims)
            raise ShapeError(f"{name}: expected a {dims} input (N, C{', ...' if max(self._dims) > 2 else ''}), "
                             f"got shape {shape}")
        if shape[1] != self.num_features:
            raise ShapeError(f"{name}: the input has {shape[1]} channels (axis 1 of shape {shape}) but the layer "
                             f"was built with num_features={self.num_features}")
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = (1, self.num_features) + (1,) * (x.ndim - 2)
        use_batch = self.training or self.running_mean is None
        if use_batch:
            n = int(np.prod([shape[a] for a in axes]))
            if n <= 1:
                raise ShapeError(f"{name}: training needs more than 1 value per channel to compute a batch "
                                 f"variance, got input shape {shape}")
            mean = F.mean(x, axis=axes, keepdims=True)
            var = FR.var(x, axis=axes, keepdims=True, correction=0)
            if self.training and self.running_mean is not None:
                self._update(x.data, axes, n)
        else:
            mean = np.array(self.running_mean.data).reshape(bshape)
            var = np.array(self.running_var.data).reshape(bshape)
        y = (x - mean) / F.sqrt(var + self.eps)
        if self.affine:
            y = y * F.reshape(self.weight, bshape) + F.reshape(self.bias, bshape)
        return y

    def _update(self, data, axes, n):
        """Running statistics after one training batch (PyTorch's formulas and order of operations)."""
        self.num_batches_tracked.data[...] += 1
        m = 1.0 / float(self.num_batches_tracked.data) if self.momentum is None else self.momentum
        bmean = data.mean(axis=axes)
        centred = data - bmean.reshape((1, -1) + (1,) * (data.ndim - 2))
        unbiased = (centred * centred).sum(axis=axes) / (n - 1)
        rm, rv = self.running_mean.data, self.running_var.data
        rm[...] = m * bmean + (1 - m) * rm
        rv[...] = m * unbiased + (1 - m) * rv

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


@configurable
class BatchNorm1d(_BatchNorm):
    """Batch normalisation over axis 1, as ``torch.nn.BatchNorm1d``.

    Training: each channel is normalised with the batch mean and biased variance (over N, and L for 3-d
    input); the running statistics become (1 − momentum)·running + momentum·batch, with the unbiased
    variance (``momentum=None``: the cumulative average, 1/num_batches_tracked). Eval: the running
    statistics (or the batch's when ``track_running_stats=False``).

    Args:
        num_features: C. eps: added to the variance. momentum: in [0, 1] or None.
        affine: learn weight (C,) = 1 and bias (C,) = 0. track_running_stats: keep the buffers
        running_mean (C,), running_var (C,), num_batches_tracked (0-d int64).
        dtype: 'float64' (default) or 'float32'.

    Shapes: x (N, C) or (N, C, L) → the same shape.
    """

    _dims = (2, 3)


@configurable
class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images per channel, as ``torch.nn.BatchNorm2d`` (statistics over N, H, W);
    arguments, buffers and modes as :class:`BatchNorm1d`.

    Shapes: x (N, C, H, W) → (N, C, H, W).
    """

    _dims = (4,)


# --------------------------------------------------------------------------- layer normalisation
@configurable
class LayerNorm(ConfigMixin, Module):
    """Layer normalisation over the last dimensions, as ``torch.nn.LayerNorm``.

    y = (x − mean) / √(var + eps) · weight + bias, mean and biased var over the last
    len(normalized_shape) axes of each sample; no running statistics, same in train and eval.

    Args:
        normalized_shape: int or tuple: the trailing shape of the input.
        eps: added to the variance.
        elementwise_affine: learn weight = 1 and bias = 0 of shape normalized_shape.
        bias: learn the bias (with elementwise_affine).
        dtype: 'float64' (default) or 'float32'.

    Shapes: x (..., *normalized_shape) → the same shape.
    """

    _config_keys = ("normalized_shape", "eps", "elementwise_affine", "bias")

    @declare(normalized_shape=SHAPE, eps=POSITIVE_FLOAT, elementwise_affine=BOOL, bias=BOOL, dtype=DTYPES)
    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 dtype=None):
        super().__init__()
        dt = self._set_dtype(dtype)
        shape = (int(normalized_shape),) if isinstance(normalized_shape, numbers.Integral) \
            else tuple(int(s) for s in normalized_shape)
        self.normalized_shape, self.eps = shape, float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight = Tensor(np.ones(shape, dtype=dt), requires_grad=True) if elementwise_affine else None
        self.bias = Tensor(np.zeros(shape, dtype=dt), requires_grad=True) if elementwise_affine and bias else None

    def to_config(self):
        cfg = super().to_config()
        cfg["bias"] = self.bias is not None or not self.elementwise_affine
        return cfg

    def forward(self, x):
        x = _tensor(x, "LayerNorm")
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape or x.ndim < k:
            raise ShapeError(f"LayerNorm: the input's last {k} dimensions must be {self.normalized_shape} "
                             f"(normalized_shape), got shape {x.shape}")
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = F.mean(x, axis=axes, keepdims=True)
        var = FR.var(x, axis=axes, keepdims=True, correction=0)
        y = (x - mean) / F.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


# --------------------------------------------------------------------------- dropout
@configurable
class Dropout(ConfigMixin, Module):
    """Inverted dropout, as ``torch.nn.Dropout``.

    Training: each entry is zeroed with probability p and the others are scaled by 1/(1 − p)
    (y = x · mask/(1 − p), PyTorch's order of operations; p = 1 gives x · 0, p = 0 the input itself,
    drawing nothing).
    Eval: the input itself.

    Args:
        p: the probability of zeroing an entry, in [0, 1].
        inplace: False only (PyTorch's argument; gradlab never overwrites its input).
        rng: None (gradlab's default generator, reset by ``gl.manual_seed``), a seed (a generator of
            this layer's own) or a numpy Generator.

    Attributes:
        last_mask: the boolean keep-mask of the last training call (x's shape), or None.

    Shapes: x any shape → the same shape.
    """

    _config_keys = ("p",)

    @declare(p=PROBABILITY, inplace=NOT_IN_PLACE, rng=SEED)
    def __init__(self, p: float = 0.5, inplace: bool = False, rng=None):
        super().__init__()
        self.p = float(p)
        self.inplace = False
        object.__setattr__(self, "_rng", None if rng is None else as_generator(rng, "Dropout"))
        object.__setattr__(self, "last_mask", None)

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "type" and k in cls._config_keys})

    def forward(self, x):
        x = _tensor(x, "Dropout")
        if not self.training:
            return x
        if self.p == 0.0:  # PyTorch returns the input itself, drawing nothing
            return x
        if self.p == 1.0:
            keep = np.zeros(x.shape, dtype=bool)
            object.__setattr__(self, "last_mask", keep)
            return x * np.zeros(x.shape, dtype=x.data.dtype)
        gen = self._rng if self._rng is not None else as_generator(None)
        keep = gen.random(x.shape) >= self.p
        object.__setattr__(self, "last_mask", keep)
        scale = np.asarray(1.0 / (1.0 - self.p), dtype=x.data.dtype)
        return x * (keep.astype(x.data.dtype) * scale)

    def extra_repr(self):
        return f"p={self.p}, inplace=False"


# --------------------------------------------------------------------------- embedding
@configurable
class Embedding(ConfigMixin, Module):
    """A lookup table of vectors, as ``torch.nn.Embedding``: out[...] = weight[index[...]].

    Args:
        num_embeddings: rows of the table. embedding_dim: length of each vector.
        padding_idx: None or a row (negative counts from the end) that is initialised to zeros and
            gets no gradient.
        rng: seed or numpy Generator of the initial weights (None: gradlab's default generator).
        dtype: 'float64' (default) or 'float32'.

    Attributes:
        weight: Tensor (num_embeddings, embedding_dim) ~ N(0, 1), requires_grad.

    Shapes: index (any shape) of integers in [0, num_embeddings) → (*index.shape, embedding_dim).
    """

    _config_keys = ("num_embeddings", "embedding_dim", "padding_idx")

    @declare(num_embeddings=POSITIVE_INT, embedding_dim=POSITIVE_INT, rng=SEED, dtype=DTYPES)
    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx=None, rng=None, dtype=None):
        super().__init__()
        dt = self._set_dtype(dtype)
        n, d = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not isinstance(padding_idx, numbers.Integral) or isinstance(padding_idx, bool) \
                    or not -n <= padding_idx < n:
                raise ParameterError(f"The 'padding_idx' parameter of Embedding must be None or an int in "
                                     f"[{-n}, {n}) (num_embeddings={n}). Got {padding_idx!r}.")
            padding_idx = int(padding_idx) % n
        self.num_embeddings, self.embedding_dim, self.padding_idx = n, d, padding_idx
        w = as_generator(rng, "Embedding").standard_normal((n, d))
        if padding_idx is not None:
            w[padding_idx] = 0.0
        self.weight = Tensor(w.astype(dt), requires_grad=True)

    def forward(self, index):
        data = index.data if isinstance(index, Tensor) else np.asarray(index)
        if data.dtype.kind not in "iu":
            raise InputTypeError(f"Embedding: the index must hold integers (e.g. dtype int64), got dtype "
                                 f"{data.dtype}")
        n = self.num_embeddings
        if data.size and (data.min() < 0 or data.max() >= n):
            bad = data[(data < 0) | (data >= n)].flat[0]
            raise ParameterError(f"Embedding: index {bad} is out of range [0, {n}) (num_embeddings={n})")
        idx = data.astype(np.intp)
        out = F.getitem(self.weight, idx)
        if self.padding_idx is not None and np.any(idx == self.padding_idx):
            pad = (idx == self.padding_idx)[..., None]
            out = F.where(pad, F.getitem(self.weight.detach(), idx), out)  # same values, no gradient there
        return out

    def extra_repr(self):
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
