"""Element-wise mathematical functions (trigonometric, hyperbolic, logarithms, rounding, erf): one row each."""

from __future__ import annotations
