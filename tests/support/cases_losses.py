"""Grad-check cases for the fused loss rows of ``gradlab/ops/losses.py``."""

import numpy as np

import gradlab.ops.losses  # noqa: F401  (registers the rows)

_R = np.random.default_rng(7)


def _probs(shape):
    return 0.1 + 0.8 * _R.random(shape)


def _rows(shape):
    p = _R.random(shape) + 0.1
    return p / p.sum(axis=-1, keepdims=True)


CASES = {
    "binary_cross_entropy": [
        ((_probs((4,)), _probs((4,))), {}),
        ((_probs((3, 2)), _probs((3, 2))), {}),
        ((_probs((3, 1)), _probs((3, 1))), {}),
    ],
    "bce_with_logits": [
        ((_R.standard_normal((4,)) * 2, _probs((4,))), {}),
        ((_R.standard_normal((3, 2)) * 2, _probs((3, 2))), {}),
    ],
    "softmax_cross_entropy": [
        ((_R.standard_normal((4, 3)), _rows((4, 3))), {}),
        ((_R.standard_normal((5,)), _rows((5,))), {}),
        ((_R.standard_normal((2, 4)), _R.random((2, 4))), {}),  # rows not summing to 1
    ],
    "cross_entropy_loss": [
        ((_R.standard_normal((4, 3)), _rows((4, 3))), {"reduction": "mean"}),
        ((_R.standard_normal((4, 3)), _rows((4, 3))), {"reduction": "sum"}),
        ((_R.standard_normal((5,)), _rows((5,))), {"reduction": "mean"}),
        ((_R.standard_normal((2, 4)), _R.random((2, 4))), {"reduction": "mean"}),  # rows not summing to 1
    ],
}
