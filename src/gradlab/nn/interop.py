"""PyTorch interop: carry a Sequential network to torch and back.

torch is imported only inside these functions, so ``import gradlab`` never
imports it (extra ``gradlab[torch]``). Supported layers, each with its
arguments (PyTorch's names) and a copy of its weights and buffers:

- Linear, Conv1d, Conv2d, ConvTranspose2d (padding_mode 'zeros' only),
  BatchNorm1d, BatchNorm2d (with running_mean, running_var and
  num_batches_tracked), LayerNorm, Embedding (max_norm None and
  scale_grad_by_freq False only; torch's ``sparse`` is dropped: the gradient
  has the same numbers, dense);
- MaxPool2d (return_indices and ceil_mode False only), AvgPool2d (ceil_mode
  False and divisor_override None only), AdaptiveAvgPool2d, Flatten,
  Unflatten (int dim only), Dropout (inplace False only);
- the activations Identity, Sigmoid, Tanh, ReLU, LeakyReLU (negative_slope),
  Softmax (dim), GELU (approximate), ELU (alpha), SELU, SiLU, Mish, ReLU6,
  Hardtanh (min_val, max_val), Hardsigmoid, Softsign and LogSigmoid;
- Sequential, nested or not (an MLP becomes a torch Sequential).

Step has no torch counterpart and is refused, as is every layer or argument
not listed. Weights and buffers are copied (never shared); their dtype is kept
(float64 stays float64; torch tensors of other dtypes than float32/float64 are
refused). Each layer's training/eval mode is carried over, so BatchNorm
computes the same in both modes; Dropout agrees in eval mode only (in training
mode each library draws its own mask).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputTypeError, require
from .activations import (
    ELU, GELU, SELU, Hardsigmoid, Hardtanh, Identity, LeakyReLU, LogSigmoid, Mish, ReLU, ReLU6, Sigmoid, SiLU,
    Softmax, Softsign, Tanh,
)
from .containers import Sequential
from .conv_layers import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, Flatten, MaxPool2d, Unflatten
from .layers import Linear
from .norm_layers import BatchNorm1d, BatchNorm2d, Dropout, Embedding, LayerNorm

# the activations without arguments; each has the same name in torch.nn
_SIMPLE = (Identity, Sigmoid, Tanh, ReLU, SELU, SiLU, Mish, ReLU6, Hardsigmoid, Softsign, LogSigmoid)
_CONVS = (Conv1d, Conv2d, ConvTranspose2d)
_NORMS = (BatchNorm1d, BatchNorm2d)
_SUPPORTED = ("Sequential, Linear, Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, "
              "Flatten, Unflatten, BatchNorm1d, BatchNorm2d, LayerNorm, Dropout, Embedding, Identity, Sigmoid, Tanh, "
              "ReLU, LeakyReLU, Softmax, GELU, ELU, SELU, SiLU, Mish, ReLU6, Hardtanh, Hardsigmoid, Softsign, "
              "LogSigmoid")


def _dtype_name(module) -> str:
    """'float64' or 'float32': the dtype of a gradlab layer (its weight's, or the one it was built with)."""
    for name in ("weight", "running_mean"):
        t = getattr(module, name, None)
        if t is not None:
            return t.data.dtype.name
    return getattr(module, "_dtype_name", None) or "float64"


def _copy_to_torch(torch, layer, module, names):
    with torch.no_grad():
        for name in names:
            ours = getattr(module, name, None)
            if ours is not None:
                getattr(layer, name).copy_(torch.from_numpy(np.array(ours.data)))


def _torch_layer(torch, module, where):
    nn = torch.nn
    if isinstance(module, Sequential):  # an MLP too
        seq = nn.Sequential(*[_torch_module(torch, m, f"{where}.{i}") for i, m in enumerate(module)])
        return seq
    dtype = {"float32": torch.float32, "float64": torch.float64}.get(_dtype_name(module), torch.float64)
    if isinstance(module, Linear):
        layer = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None, dtype=dtype)
        _copy_to_torch(torch, layer, module, ("weight", "bias"))
        return layer
    if isinstance(module, _CONVS):
        kw = dict(stride=module.stride, padding=module.padding, dilation=module.dilation, groups=module.groups,
                  bias=module.bias is not None, padding_mode=module.padding_mode, dtype=dtype)
        if isinstance(module, ConvTranspose2d):
            kw["output_padding"] = module.output_padding
        layer = getattr(nn, type(module).__name__)(module.in_channels, module.out_channels, module.kernel_size, **kw)
        _copy_to_torch(torch, layer, module, ("weight", "bias"))
        return layer
    if isinstance(module, _NORMS):
        layer = getattr(nn, type(module).__name__)(module.num_features, eps=module.eps, momentum=module.momentum,
                                                   affine=module.affine,
                                                   track_running_stats=module.track_running_stats, dtype=dtype)
        _copy_to_torch(torch, layer, module, ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"))
        return layer
    if isinstance(module, LayerNorm):
        layer = nn.LayerNorm(module.normalized_shape, eps=module.eps, elementwise_affine=module.elementwise_affine,
                             bias=module.to_config()["bias"], dtype=dtype)
        _copy_to_torch(torch, layer, module, ("weight", "bias"))
        return layer
    if isinstance(module, Embedding):
        layer = nn.Embedding(module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx, dtype=dtype)
        _copy_to_torch(torch, layer, module, ("weight",))
        return layer
    plain = {MaxPool2d: nn.MaxPool2d, AvgPool2d: nn.AvgPool2d, AdaptiveAvgPool2d: nn.AdaptiveAvgPool2d,
             Flatten: nn.Flatten, Unflatten: nn.Unflatten, Dropout: nn.Dropout}
    if type(module) in plain:  # the arguments are torch's, in to_config
        return plain[type(module)](**{k: v for k, v in module.to_config().items() if k != "type"})
    simple = {cls: getattr(nn, cls.__name__) for cls in _SIMPLE}
    if type(module) in simple:
        return simple[type(module)]()
    if isinstance(module, LeakyReLU):
        return nn.LeakyReLU(module.negative_slope)
    if isinstance(module, Softmax):
        return nn.Softmax(dim=module.dim)
    if isinstance(module, GELU):
        return nn.GELU(approximate=module.approximate)
    if isinstance(module, ELU):
        return nn.ELU(alpha=module.alpha)
    if isinstance(module, Hardtanh):
        return nn.Hardtanh(min_val=module.min_val, max_val=module.max_val)
    raise InputTypeError(f"to_torch: layer {where} ({type(module).__name__}) has no PyTorch counterpart here; "
                         f"supported: {_SUPPORTED}")


def _torch_module(torch, module, where):
    layer = _torch_layer(torch, module, where)
    layer.training = bool(module.training)  # this module's mode only: its children carry their own
    return layer


def to_torch(model):
    """A ``torch.nn.Sequential`` with the same layers, modes and a copy of the weights and buffers.

    Args:
        model: a gradlab Sequential/MLP (or a single supported layer).
    Returns:
        ``torch.nn.Sequential``; it computes the same function on the same inputs (e.g. (N, in) for an MLP,
        (N, C, H, W) for a CNN), in float64 when the model is float64.
    Raises:
        InputTypeError: naming the first layer (dotted position) that has no PyTorch counterpart.
    """
    torch = require("torch", "torch")

    layers = list(model) if isinstance(model, Sequential) else [model]
    seq = torch.nn.Sequential(*[_torch_module(torch, m, str(i)) for i, m in enumerate(layers)])
    seq.training = bool(model.training)
    return seq


# --------------------------------------------------------------------------- from torch
def _torch_dtype(torch, module, where) -> str:
    for name in ("weight", "running_mean"):
        t = getattr(module, name, None)
        if isinstance(t, torch.Tensor):
            if t.dtype not in (torch.float32, torch.float64):
                raise InputTypeError(f"from_torch: layer {where} ({type(module).__name__}) has {name} of dtype "
                                     f"{t.dtype}; gradlab layers are float64 or float32 (call .double() first)")
            return "float32" if t.dtype == torch.float32 else "float64"
    return "float64"


def _copy_from_torch(layer, module, names):
    for name in names:
        t = getattr(module, name, None)
        if t is not None and getattr(layer, name, None) is not None:
            getattr(layer, name).data[...] = t.detach().cpu().numpy()


def _refuse(where, module, what):
    raise InputTypeError(f"from_torch: layer {where} ({type(module).__name__}) has {what}; gradlab computes "
                         f"only the default, so it is not converted")


def _gradlab_layer(torch, module, where):
    nn = torch.nn
    if isinstance(module, nn.Sequential):
        return Sequential(*[_gradlab_module(torch, m, f"{where}.{i}") for i, m in enumerate(module)])
    dtype = _torch_dtype(torch, module, where)
    if isinstance(module, nn.Linear):
        layer = Linear(module.in_features, module.out_features, bias=module.bias is not None, init="zeros",
                       dtype=dtype)
        _copy_from_torch(layer, module, ("weight", "bias"))
        return layer
    convs = {nn.Conv1d: Conv1d, nn.Conv2d: Conv2d, nn.ConvTranspose2d: ConvTranspose2d}
    if type(module) in convs:
        if module.padding_mode != "zeros":
            _refuse(where, module, f"padding_mode={module.padding_mode!r} (gradlab pads with zeros)")
        kw = dict(stride=module.stride, padding=module.padding, dilation=module.dilation, groups=module.groups,
                  bias=module.bias is not None, rng=0, dtype=dtype)
        if type(module) is nn.ConvTranspose2d:
            kw["output_padding"] = module.output_padding
        layer = convs[type(module)](module.in_channels, module.out_channels, module.kernel_size, **kw)
        _copy_from_torch(layer, module, ("weight", "bias"))
        return layer
    norms = {nn.BatchNorm1d: BatchNorm1d, nn.BatchNorm2d: BatchNorm2d}
    if type(module) in norms:
        layer = norms[type(module)](module.num_features, eps=module.eps, momentum=module.momentum,
                                    affine=module.affine, track_running_stats=module.track_running_stats,
                                    dtype=dtype)
        _copy_from_torch(layer, module, ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"))
        return layer
    if type(module) is nn.LayerNorm:
        layer = LayerNorm(tuple(module.normalized_shape), eps=module.eps,
                          elementwise_affine=module.elementwise_affine,
                          bias=module.bias is not None or not module.elementwise_affine, dtype=dtype)
        _copy_from_torch(layer, module, ("weight", "bias"))
        return layer
    if type(module) is nn.Embedding:
        if module.max_norm is not None:
            _refuse(where, module, f"max_norm={module.max_norm!r} (gradlab never renormalises rows)")
        if module.scale_grad_by_freq:
            _refuse(where, module, "scale_grad_by_freq=True")
        layer = Embedding(module.num_embeddings, module.embedding_dim, padding_idx=module.padding_idx, rng=0,
                          dtype=dtype)
        _copy_from_torch(layer, module, ("weight",))
        return layer
    if type(module) is nn.MaxPool2d:
        if module.return_indices or module.ceil_mode:
            _refuse(where, module, " and ".join(f"{k}=True" for k in ("return_indices", "ceil_mode")
                                                 if getattr(module, k)))
        return MaxPool2d(module.kernel_size, stride=module.stride, padding=module.padding, dilation=module.dilation)
    if type(module) is nn.AvgPool2d:
        if module.ceil_mode or module.divisor_override is not None:
            _refuse(where, module, " and ".join((["ceil_mode=True"] if module.ceil_mode else [])
                                                + ([f"divisor_override={module.divisor_override!r}"]
                                                   if module.divisor_override is not None else [])))
        return AvgPool2d(module.kernel_size, stride=module.stride, padding=module.padding,
                         count_include_pad=bool(module.count_include_pad))
    if type(module) is nn.AdaptiveAvgPool2d:
        size = module.output_size
        return AdaptiveAvgPool2d(size if isinstance(size, int) else tuple(size))
    if type(module) is nn.Flatten:
        return Flatten(module.start_dim, module.end_dim)
    if type(module) is nn.Unflatten:
        if not isinstance(module.dim, int):
            _refuse(where, module, f"a named dimension {module.dim!r} (gradlab tensors have no names)")
        return Unflatten(module.dim, tuple(module.unflattened_size))
    if type(module) is nn.Dropout:
        if module.inplace:
            _refuse(where, module, "inplace=True (gradlab never overwrites its input)")
        return Dropout(float(module.p))
    simple = {getattr(nn, cls.__name__): cls for cls in _SIMPLE}
    if type(module) in simple:  # the exact type first: torch's ReLU6 is a Hardtanh
        return simple[type(module)]()
    if isinstance(module, nn.LeakyReLU):
        return LeakyReLU(float(module.negative_slope))
    if isinstance(module, nn.Softmax):
        return Softmax(dim=-1 if module.dim is None else int(module.dim))
    if isinstance(module, nn.GELU):
        return GELU(approximate=module.approximate)
    if isinstance(module, nn.ELU):
        return ELU(alpha=float(module.alpha))
    if isinstance(module, nn.Hardtanh):
        return Hardtanh(min_val=float(module.min_val), max_val=float(module.max_val))
    raise InputTypeError(f"from_torch: layer {where} ({type(module).__name__}) is not supported; "
                         f"supported: {_SUPPORTED}")


def _gradlab_module(torch, module, where):
    layer = _gradlab_layer(torch, module, where)
    object.__setattr__(layer, "training", bool(module.training))  # this module's mode: children carry their own
    return layer


def from_torch(module):
    """A gradlab Sequential from a ``torch.nn.Sequential`` (or one layer) of supported layers.

    Each layer keeps its arguments, training/eval mode, weights and buffers (copied). float32 torch
    weights stay float32 (``dtype='float32'``); call ``.double()`` on the torch module first for float64.

    Raises:
        InputTypeError: naming the first layer (dotted position) or argument gradlab does not compute.
    """
    torch = require("torch", "torch")

    layers = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    seq = Sequential(*[_gradlab_module(torch, m, str(i)) for i, m in enumerate(layers)])
    object.__setattr__(seq, "training", bool(module.training))
    return seq
