"""The activations courses teach after ReLU (GELU, ELU, SELU, SiLU, Mish, ReLU6, hardtanh, …): one row each."""

from __future__ import annotations
