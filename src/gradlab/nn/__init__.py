"""Neural-network building blocks, named as in ``torch.nn``.

Modules (``Module``, ``Linear``, ``Sequential``, ``MLP``), activations with
their derivatives, losses, initialisers (``gl.nn.init``), functional forms
(``gl.nn.functional``), configs (``from_config``) and PyTorch interop
(``to_torch`` / ``from_torch``; torch is imported only when they are called).
"""

from __future__ import annotations

from . import functional, init
from .activations import (
    ACTIVATIONS,
    ELU,
    GELU,
    SELU,
    Activation,
    GradientWarning,
    Hardsigmoid,
    Hardtanh,
    Identity,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Step,
    Tanh,
    get_activation,
)
from .containers import MLP, Sequential
from .interop import from_torch, to_torch
from .layers import Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss
from .module import MODULE_TYPES, Module, configurable, from_config

__all__ = [
    "Module", "Sequential", "Linear", "MLP", "from_config", "configurable", "MODULE_TYPES",
    "Activation", "Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus", "Softmax", "ACTIVATIONS",
    "GELU", "ELU", "SELU", "SiLU", "Mish", "ReLU6", "Hardtanh", "Hardsigmoid", "Softsign", "LogSigmoid",
    "get_activation", "GradientWarning",
    "Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "init", "functional", "to_torch", "from_torch",
]

# the layers, losses and utilities past the first round's: each module's __all__ lists its names
from . import conv_layers, losses_more, models, norm_layers, utils  # noqa: E402
from .conv_layers import *  # noqa: E402,F401,F403
from .losses_more import *  # noqa: E402,F401,F403
from .norm_layers import *  # noqa: E402,F401,F403

__all__ += conv_layers.__all__ + norm_layers.__all__ + losses_more.__all__ + ["utils", "models"]

# preprocessing stored in a model (gl.nn.Standardize, first layer of a model saved with its scaling)
from . import preprocess  # noqa: E402
from .preprocess import Standardize  # noqa: E402

__all__ += preprocess.__all__
