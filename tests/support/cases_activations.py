"""Grad-check cases for the activation rows of ``gradlab/ops/activations.py`` (values away from the kinks)."""

import numpy as np

import gradlab.ops.activations  # noqa: F401  (registers the rows)

_R = np.random.default_rng(18)
SHAPES = [(), (3,), (2, 3)]


def _away(shape, kinks=(0.0,), margin=0.15, scale=2.0):
    """Random values in (−2·scale, 2·scale), at least ``margin`` from every kink."""
    z = _R.uniform(-2 * scale, 2 * scale, shape)
    for k in kinks:
        near = np.abs(z - k) < margin
        z = np.where(near, k + np.where(z >= k, margin, -margin) * 2, z)
    return np.asarray(z, dtype=np.float64)


CASES = {
    "gelu": [((_away(s),), {"approximate": a}) for s in SHAPES for a in ("none", "tanh")],
    "elu": [((_away(s),), {"alpha": a}) for s, a in zip(SHAPES, (1.0, 0.5, 2.0))],
    "selu": [((_away(s),), {}) for s in SHAPES],
    "silu": [((_away(s),), {}) for s in SHAPES],
    "mish": [((_away(s),), {}) for s in SHAPES],
    "softsign": [((_away(s),), {}) for s in SHAPES],
    "relu6": [((_away(s, (0.0, 6.0), scale=4.0),), {}) for s in SHAPES],
    "hardsigmoid": [((_away(s, (-3.0, 3.0), scale=2.5),), {}) for s in SHAPES],
    "hardtanh": [((_away(s, (-1.0, 1.0)),), {"min_val": -1.0, "max_val": 1.0}) for s in SHAPES]
    + [((_away((2, 3), (-0.5, 2.0)),), {"min_val": -0.5, "max_val": 2.0})],
}
