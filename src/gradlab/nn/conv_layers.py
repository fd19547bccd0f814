"""Convolution, pooling and reshaping layers, as ``torch.nn``'s: Conv1d, Conv2d, ConvTranspose2d, MaxPool2d,
AvgPool2d, AdaptiveAvgPool2d, Flatten, Unflatten.

The layers hold the parameters and call the functions ``gl.conv1d``, ``gl.conv2d``, ``gl.conv_transpose2d``,
``gl.max_pool2d``, ``gl.avg_pool2d`` and ``gl.adaptive_avg_pool2d`` (``torch.nn.functional``'s signatures),
which compute the values and gradients. Weights are initialised as PyTorch's: kaiming-uniform with a = √5,
i.e. U(−1/√fan_in, 1/√fan_in), and the bias U(−1/√fan_in, 1/√fan_in), where fan_in = weight.shape[1] × the
kernel's size, drawn from ``rng`` (None: gradlab's default generator).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.constraints import BOOL, INT, NON_NEGATIVE_INT, POSITIVE_INT, SEED, AnyOf, Optional, Options, \
    SequenceOf, declare
from ..core.errors import ParameterError, ShapeError
from ..core.seed import as_generator
from ..core.tensor import Tensor
from ..ops import api as F
from ..ops import api_conv as FC
from . import init as I
from .layers import DTYPES
from .module import Module, configurable
from .norm_layers import ConfigMixin, _tensor

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Flatten",
           "Unflatten"]


def _sizes(n, low, text):
    one = POSITIVE_INT if low == 1 else NON_NEGATIVE_INT
    return AnyOf(one, SequenceOf(one, length=n), text=f"{text} or a {'pair' if n == 2 else 'list of 1'} of them")


SIZE1, SIZE2 = _sizes(1, 1, "an int ≥ 1"), _sizes(2, 1, "an int ≥ 1")
PAD1, PAD2 = _sizes(1, 0, "an int ≥ 0"), _sizes(2, 0, "an int ≥ 0")
CONV_PAD1 = AnyOf(PAD1, Options("same", "valid"), text="an int ≥ 0, a list of 1 of them, 'same' or 'valid'")
CONV_PAD2 = AnyOf(PAD2, Options("same", "valid"), text="an int ≥ 0, a pair of them, 'same' or 'valid'")
ZEROS = Options("zeros", text="'zeros' (the only padding gradlab computes)")
OPT_SIZE2 = Optional(SIZE2)
# what gl.max_pool2d / gl.avg_pool2d compute: the layers refuse the rest when they are built
FLOOR = Options(False, text="False (gradlab floors the output size)")
NO_INDICES = Options(False, text="False (gradlab's max_pool2d returns no indices)")
NO_DIVISOR = Options(None, text="None (gradlab divides by the window's size)")
OUTPUT_SIZE = AnyOf(POSITIVE_INT, SequenceOf(Optional(POSITIVE_INT), length=2),
                    text="an int ≥ 1 or a pair of them (None keeps the input's size)")


def _tuple(v, n):
    return tuple(int(s) for s in v) if isinstance(v, (tuple, list)) else (int(v),) * n


# --------------------------------------------------------------------------- convolutions
class _ConvNd(ConfigMixin, Module):
    _n = 2
    _function = "conv2d"
    _transposed = False
    _config_keys = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                    "bias", "padding_mode")

    def _build(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
               padding_mode, rng, dtype, output_padding=None):
        name, n = type(self).__name__, self._n
        dt = self._set_dtype(dtype)
        if in_channels % groups or out_channels % groups:
            raise ParameterError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must both "
                                 f"be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size, self.stride = _tuple(kernel_size, n), _tuple(stride, n)
        self.dilation = _tuple(dilation, n)
        if isinstance(padding, str):
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ParameterError(f"{name}: padding='same' needs stride 1 (as PyTorch), got stride "
                                     f"{self.stride}")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n)
        if output_padding is not None:
            self.output_padding = _tuple(output_padding, n)
            if any(op >= max(s, d) for op, s, d in zip(self.output_padding, self.stride, self.dilation)):
                raise ParameterError(f"{name}: output_padding {self.output_padding} must be smaller than stride "
                                     f"{self.stride} or dilation {self.dilation}")
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        gen = as_generator(rng, name)
        w = I.kaiming_uniform(shape, a=math.sqrt(5), rng=gen)
        self.weight = Tensor(w.astype(dt), requires_grad=True)
        if bias:
            fan_in = I.fans(shape)[0]
            bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            self.bias = Tensor(gen.uniform(-bound, bound, size=(self.out_channels,)).astype(dt), requires_grad=True)
        else:
            self.bias = None

    def to_config(self):
        cfg = super().to_config()
        cfg["bias"] = self.bias is not None
        return cfg

    def _kwargs(self):
        kw = {"stride": self.stride, "padding": self.padding, "dilation": self.dilation, "groups": self.groups}
        if self._transposed:
            kw["output_padding"] = self.output_padding
        return kw

    def forward(self, x):
        x = _tensor(x, type(self).__name__)
        return getattr(FC, self._function)(x, self.weight, self.bias, **self._kwargs())

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


@configurable
class Conv1d(_ConvNd):
    """1-d convolution (cross-correlation), as ``torch.nn.Conv1d``.

    Args:
        in_channels, out_channels: C_in and C_out (both divisible by ``groups``).
        kernel_size, stride, dilation: ints ≥ 1 (or lists of one). padding: int ≥ 0, 'same' (stride 1
        only) or 'valid'. groups: blocked connections. bias: learn a bias (C_out,).
        padding_mode: 'zeros' only. rng: seed or Generator (None: the default one). dtype: 'float64'/'float32'.

    Attributes:
        weight: (C_out, C_in/groups, k); bias: (C_out,) or None.

    Shapes: x (N, C_in, L) or (C_in, L) → (N, C_out, L_out), L_out = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1.
    """

    _n, _function = 1, "conv1d"

    @declare(in_channels=POSITIVE_INT, out_channels=POSITIVE_INT, kernel_size=SIZE1, stride=SIZE1,
             padding=CONV_PAD1, dilation=SIZE1, groups=POSITIVE_INT, bias=BOOL, padding_mode=ZEROS, rng=SEED,
             dtype=DTYPES)
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", rng=None, dtype=None):
        super().__init__()
        self._build(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    rng, dtype)


@configurable
class Conv2d(_ConvNd):
    """2-d convolution (cross-correlation), as ``torch.nn.Conv2d``; arguments as :class:`Conv1d` with pairs.

    Attributes:
        weight: (C_out, C_in/groups, kH, kW); bias: (C_out,) or None.

    Shapes: x (N, C_in, H, W) or (C_in, H, W) → (N, C_out, H_out, W_out),
    H_out = ⌊(H + 2p₀ − d₀(kH − 1) − 1)/s₀⌋ + 1 (likewise W_out).
    """

    @declare(in_channels=POSITIVE_INT, out_channels=POSITIVE_INT, kernel_size=SIZE2, stride=SIZE2,
             padding=CONV_PAD2, dilation=SIZE2, groups=POSITIVE_INT, bias=BOOL, padding_mode=ZEROS, rng=SEED,
             dtype=DTYPES)
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", rng=None, dtype=None):
        super().__init__()
        self._build(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    rng, dtype)


@configurable
class ConvTranspose2d(_ConvNd):
    """2-d transposed convolution (the gradient of Conv2d with respect to its input), as
    ``torch.nn.ConvTranspose2d``.

    Args: as :class:`Conv2d` (padding ints only), plus ``output_padding`` (smaller than stride or dilation).

    Attributes:
        weight: (C_in, C_out/groups, kH, kW); bias: (C_out,) or None.

    Shapes: x (N, C_in, H, W) → (N, C_out, H_out, W_out),
    H_out = (H − 1)s₀ − 2p₀ + d₀(kH − 1) + output_padding₀ + 1 (likewise W_out).
    """

    _function, _transposed = "conv_transpose2d", True
    _config_keys = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups",
                    "bias", "dilation", "padding_mode")

    @declare(in_channels=POSITIVE_INT, out_channels=POSITIVE_INT, kernel_size=SIZE2, stride=SIZE2, padding=PAD2,
             output_padding=PAD2, groups=POSITIVE_INT, bias=BOOL, dilation=SIZE2, padding_mode=ZEROS, rng=SEED,
             dtype=DTYPES)
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", rng=None, dtype=None):
        super().__init__()
        self._build(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    rng, dtype, output_padding=output_padding)


# --------------------------------------------------------------------------- pooling
class _Pool(ConfigMixin, Module):
    _function = ""

    def _store(self, **kw):
        for k, v in kw.items():
            setattr(self, k, tuple(v) if isinstance(v, list) else v)

    def forward(self, x):
        x = _tensor(x, type(self).__name__)
        return getattr(FC, self._function)(x, **{k: getattr(self, k) for k in self._config_keys})

    def extra_repr(self):
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._config_keys)


@configurable
class MaxPool2d(_Pool):
    """Maximum over sliding windows, as ``torch.nn.MaxPool2d`` (calls ``gl.max_pool2d``).

    Args: kernel_size, stride (None: kernel_size), padding (≤ half the kernel size, as PyTorch; padded with −inf),
    dilation; return_indices and ceil_mode: False only (PyTorch's arguments; gradlab computes neither).

    Shapes: x (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out),
    H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈⌉ with ceil_mode).
    """

    _function = "max_pool2d"
    _config_keys = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")

    @declare(kernel_size=SIZE2, stride=OPT_SIZE2, padding=PAD2, dilation=SIZE2, return_indices=NO_INDICES,
             ceil_mode=FLOOR)
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self._store(kernel_size=kernel_size, stride=kernel_size if stride is None else stride, padding=padding,
                    dilation=dilation, return_indices=bool(return_indices), ceil_mode=bool(ceil_mode))

    def extra_repr(self):  # as torch's: return_indices is not shown
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._config_keys if k != "return_indices")


@configurable
class AvgPool2d(_Pool):
    """Mean over sliding windows, as ``torch.nn.AvgPool2d`` (calls ``gl.avg_pool2d``).

    Args: kernel_size, stride (None: kernel_size), padding (zeros, ≤ half the kernel), count_include_pad
    (divide by the window's full size); ceil_mode False and divisor_override None only (PyTorch's arguments;
    gradlab computes neither).

    Shapes: x (N, C, H, W) or (C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2p − k)/s⌋ + 1.
    """

    _function = "avg_pool2d"
    _config_keys = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")

    @declare(kernel_size=SIZE2, stride=OPT_SIZE2, padding=PAD2, ceil_mode=FLOOR, count_include_pad=BOOL,
             divisor_override=NO_DIVISOR)
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self._store(kernel_size=kernel_size, stride=kernel_size if stride is None else stride, padding=padding,
                    ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad),
                    divisor_override=divisor_override)


@configurable
class AdaptiveAvgPool2d(_Pool):
    """Mean over the windows that split the input into ``output_size`` cells, as ``torch.nn.AdaptiveAvgPool2d``
    (calls ``gl.adaptive_avg_pool2d``). Window i of n over a length L spans [⌊iL/n⌋, ⌈(i+1)L/n⌉).

    Shapes: x (N, C, H, W) or (C, H, W) → (N, C, *output_size) (None in output_size keeps that size).
    """

    _function = "adaptive_avg_pool2d"
    _config_keys = ("output_size",)

    @declare(output_size=OUTPUT_SIZE)
    def __init__(self, output_size):
        super().__init__()
        self._store(output_size=output_size)


# --------------------------------------------------------------------------- reshaping
@configurable
class Flatten(ConfigMixin, Module):
    """Merge the dimensions start_dim..end_dim into one, as ``torch.nn.Flatten``.

    Shapes: x (N, C, H, W) → (N, C·H·W) with the defaults (start_dim=1, end_dim=-1).
    """

    _config_keys = ("start_dim", "end_dim")

    @declare(start_dim=INT, end_dim=INT)
    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        x = _tensor(x, "Flatten")
        shape, nd = x.shape, max(x.ndim, 1)
        s, e = self.start_dim, self.end_dim
        if not (-nd <= s < nd and -nd <= e < nd):
            raise ShapeError(f"Flatten: start_dim={s} and end_dim={e} must be dimensions of the input, which has "
                             f"shape {shape}")
        s, e = s % nd, e % nd
        if s > e:
            raise ShapeError(f"Flatten: start_dim={self.start_dim} comes after end_dim={self.end_dim} for an input "
                             f"of shape {shape}")
        if x.ndim == 0:
            return F.reshape(x, (1,))
        new = shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]
        return F.reshape(x, new)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


@configurable
class Unflatten(ConfigMixin, Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be −1), as ``torch.nn.Unflatten``.

    Shapes: x (N, C·H·W) → (N, C, H, W) with dim=1, unflattened_size=(C, H, W).
    """

    _config_keys = ("dim", "unflattened_size")

    @declare(dim=INT, unflattened_size=SequenceOf(AnyOf(POSITIVE_INT, Options(-1)), min_length=1))
    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        sizes = tuple(int(s) for s in unflattened_size)
        if sizes.count(-1) > 1:
            raise ParameterError(f"The 'unflattened_size' parameter of Unflatten must have at most one -1. "
                                 f"Got {list(unflattened_size)!r}.")
        self.dim, self.unflattened_size = int(dim), sizes

    def forward(self, x):
        x = _tensor(x, "Unflatten")
        shape, nd = x.shape, x.ndim
        if not -nd <= self.dim < max(nd, 1) or nd == 0:
            raise ShapeError(f"Unflatten: dim={self.dim} is not a dimension of the input, which has shape {shape}")
        d = self.dim % nd
        sizes, n = self.unflattened_size, shape[d]
        known = int(np.prod([s for s in sizes if s != -1]))
        if (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
            raise ShapeError(f"Unflatten: dimension {d} of size {n} (input shape {shape}) cannot be split into "
                             f"{sizes}")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
        return F.reshape(x, shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
