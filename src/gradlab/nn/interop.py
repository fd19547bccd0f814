"""PyTorch interop: carry a Sequential MLP to torch and back.

torch is imported only inside these functions, so ``import gradlab`` never
imports it. Supported layers: Linear and the activations Identity, Sigmoid,
Tanh, ReLU, LeakyReLU, Softmax (Step has no torch counterpart).
"""

from __future__ import annotations

from ..core.errors import InputTypeError, require


def to_torch(model):
    """A ``torch.nn.Sequential`` with the same layers and weights (float64 stays float64)."""
    raise NotImplementedError


def from_torch(module):
    """A gradlab Sequential from a ``torch.nn.Sequential`` (or one layer) of supported layers."""
    raise NotImplementedError
