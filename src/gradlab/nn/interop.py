"""PyTorch interop: carry a Sequential MLP to torch and back.

torch is imported only inside these functions, so ``import gradlab`` never
imports it (extra ``gradlab[torch]``). Supported layers: Linear and the
activations Identity, Sigmoid, Tanh, ReLU, LeakyReLU (negative_slope),
Softmax (dim), GELU (approximate), ELU (alpha), SELU, SiLU, Mish, ReLU6,
Hardtanh (min_val, max_val), Hardsigmoid, Softsign and LogSigmoid, each with
its arguments. Step has no torch counterpart and is refused. Weights are
copied (never shared); their dtype is kept (float64 stays float64).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputTypeError, require
from .activations import (
    ELU, GELU, SELU, Hardsigmoid, Hardtanh, Identity, LeakyReLU, LogSigmoid, Mish, ReLU, ReLU6, Sigmoid, SiLU,
    Softmax, Softsign, Tanh,
)
from .layers import Linear
from .containers import Sequential

# the activations without arguments; each has the same name in torch.nn
_SIMPLE = (Identity, Sigmoid, Tanh, ReLU, SELU, SiLU, Mish, ReLU6, Hardsigmoid, Softsign, LogSigmoid)
_SUPPORTED = ("Linear, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax, GELU, ELU, SELU, SiLU, Mish, ReLU6, "
              "Hardtanh, Hardsigmoid, Softsign, LogSigmoid")


def _torch_layer(torch, module, index):

    nn = torch.nn
    if isinstance(module, Linear):
        w = module.weight.data
        layer = nn.Linear(module.in_features, module.out_features, bias=module.bias is not None,
                          dtype=torch.float32 if w.dtype == np.float32 else torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.array(w)))
            if module.bias is not None:
                layer.bias.copy_(torch.from_numpy(np.array(module.bias.data)))
        return layer
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
    raise InputTypeError(f"to_torch: layer {index} ({type(module).__name__}) has no PyTorch counterpart here; "
                         f"supported: {_SUPPORTED}")


def to_torch(model):
    """A ``torch.nn.Sequential`` with the same layers and a copy of the weights.

    Args:
        model: a gradlab Sequential/MLP (or a single supported layer).
    Returns:
        ``torch.nn.Sequential``; it computes the same function on (N, in) inputs.
    """
    torch = require("torch", "torch")

    layers = list(model) if isinstance(model, Sequential) else [model]
    return torch.nn.Sequential(*[_torch_layer(torch, m, i) for i, m in enumerate(layers)])


def _gradlab_layer(torch, module, index):

    nn = torch.nn
    if isinstance(module, nn.Linear):
        w = module.weight.detach().cpu().numpy()
        dtype = "float32" if w.dtype == np.float32 else "float64"
        layer = Linear(module.in_features, module.out_features, bias=module.bias is not None, init="zeros",
                       dtype=dtype)
        layer.weight.data[...] = w
        if module.bias is not None:
            layer.bias.data[...] = module.bias.detach().cpu().numpy()
        return layer
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
    raise InputTypeError(f"from_torch: layer {index} ({type(module).__name__}) is not supported; "
                         f"supported: {_SUPPORTED}")


def from_torch(module):
    """A gradlab Sequential from a ``torch.nn.Sequential`` (or one layer) of supported layers.

    float32 torch weights stay float32 (``Linear(..., dtype='float32')``);
    call ``.double()`` on the torch module first for float64.
    """
    torch = require("torch", "torch")

    layers = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    return Sequential(*[_gradlab_layer(torch, m, i) for i, m in enumerate(layers)])
