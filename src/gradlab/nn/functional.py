"""Functional forms of the activations and losses (``gl.nn.functional``).

Each function takes Tensors or arrays and returns a Tensor; shapes as in the
module of the same name (``relu`` ↔ ``ReLU``, ``mse_loss`` ↔ ``MSELoss``).
"""

from __future__ import annotations

from ..ops import api as F
from .activations import Identity
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

linear = F.linear
sigmoid = F.sigmoid
tanh = F.tanh
relu = F.relu
log_softmax = F.log_softmax


def identity(z):
    """z unchanged (as a Tensor)."""
    return Identity()(z)


def step(z, threshold: float = 0.0):
    """The unit step: 1 where z ≥ threshold, else 0. Zero gradient everywhere."""
    return 1.0 - F.heaviside(F.sub(float(threshold), z))


def leaky_relu(z, negative_slope: float = 0.01):
    """z for z > 0, negative_slope·z otherwise."""
    return F.leaky_relu(z, negative_slope)


def softmax(z, dim: int = -1):
    """softmax along ``dim`` (default the last axis)."""
    return F.softmax(z, axis=dim)


def mse_loss(prediction, target, reduction: str = "mean"):
    """Mean squared error; see :class:`MSELoss`."""
    return MSELoss(reduction)(prediction, target)


def binary_cross_entropy(prediction, target, reduction: str = "mean"):
    """Binary cross-entropy on probabilities; see :class:`BCELoss`."""
    return BCELoss(reduction)(prediction, target)


def binary_cross_entropy_with_logits(prediction, target, reduction: str = "mean"):
    """Binary cross-entropy on logits; see :class:`BCEWithLogitsLoss`."""
    return BCEWithLogitsLoss(reduction)(prediction, target)


def cross_entropy(prediction, target, reduction: str = "mean"):
    """Cross-entropy of logits (N, C) with class indices (N,) or probabilities (N, C)."""
    return CrossEntropyLoss(reduction)(prediction, target)


__all__ = ["linear", "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "log_softmax",
           "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy"]
