"""Convolution and pooling rows (NCHW, as PyTorch): conv1d, conv2d, conv_transpose2d, max/avg/adaptive pooling."""

from __future__ import annotations
