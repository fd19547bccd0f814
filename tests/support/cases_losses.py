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


def _away(shape, gap=0.15, scale=2.0):
    """Differences x − y kept ``gap`` away from 0 and from ±1 (the kinks of l1, Huber and smooth L1 at δ = β = 1)."""
    d = _R.uniform(gap, scale, shape) * _R.choice([-1.0, 1.0], shape)
    d = np.where(np.abs(np.abs(d) - 1.0) < gap, d + np.sign(d) * 2 * gap, d)
    y = _R.standard_normal(shape)
    return y + d, y


def _weighted_onehot(shape, axis=1):
    """Rows of class weights: w_t at each sample's target class t (along ``axis``), 0 elsewhere."""
    moved = np.moveaxis(np.zeros(shape), axis, -1)
    idx = _R.integers(0, shape[axis], size=moved.shape[:-1])
    np.put_along_axis(moved, idx[..., None], _R.uniform(0.5, 2.0, idx.shape)[..., None], -1)
    return np.moveaxis(moved, -1, axis)


CASES.update({
    "l1_loss": [(_away((4,)), {}), (_away((3, 2)), {})],
    "huber_loss": [(_away((5,)), {}), (_away((3, 2), scale=3.0), {"delta": 1.0}),
                   ((_away((4,), scale=0.4, gap=0.05)), {"delta": 0.5 + 1e-3})],
    "smooth_l1_loss": [(_away((5,)), {}), (_away((3, 2), scale=3.0), {"beta": 1.0}),
                       ((_away((4,), scale=0.4, gap=0.05)), {"beta": 2.0})],
    "kl_div": [((np.log(_rows((3, 4))), _rows((3, 4))), {}),
               ((np.log(_rows((2, 3))), np.log(_rows((2, 3)))), {"log_target": True})],
    "nll_loss": [((np.log(_rows((4, 3))), _weighted_onehot((4, 3))), {}),
                 ((np.log(_rows((2, 3, 5))), _weighted_onehot((2, 3, 5))), {"axis": 1}),
                 ((np.log(_rows((5,))), _weighted_onehot((5,), axis=0)), {"axis": 0}),
                 ((_R.standard_normal((3, 4)), _R.random((3, 4)) + 0.1), {})],  # any weights w
})
