"""Grad-check cases for the convolution and pooling rows of ``gradlab/ops/conv.py`` and ``conv_pool.py``.

Row parameters are the normalised ones the public functions pass (pairs; padding as (before, after) pairs).
Sizes are tiny: the table checks full Jacobians and second derivatives against finite differences. Max-pool
inputs are distinct values (no ties, where the gradient jumps).
"""

import numpy as np

import gradlab.ops.conv  # noqa: F401  (registers the rows)

from support.primitive_cases import Const

_R = np.random.default_rng(19)


def _n(*shape):
    return _R.standard_normal(shape)


def _distinct(*shape):
    return (_R.permutation(int(np.prod(shape))) * 0.31 - 2.0).reshape(shape)


def _p(stride=1, pad=0, dilation=1, groups=1, **extra):
    s = stride if isinstance(stride, tuple) else (stride, stride)
    d = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    pads = pad if isinstance(pad, tuple) else ((pad, pad), (pad, pad))
    return {"stride": s, "padding": pads, "dilation": d, "groups": groups, **extra}


CASES = {
    "conv2d": [
        ((_n(1, 2, 4, 4), _n(3, 2, 2, 2), _n(3)), _p()),
        ((_n(2, 1, 5, 4), _n(2, 1, 3, 2), Const(None)), _p(stride=(2, 1), pad=1)),
        ((_n(1, 2, 5, 5), _n(2, 1, 2, 2), _n(2)), _p(dilation=2, groups=2, pad=((0, 1), (1, 0)))),  # 'same'-like
    ],
    "conv_transpose2d": [
        ((_n(1, 2, 3, 3), _n(2, 2, 2, 2), _n(2)), _p(stride=2, size=(6, 6))),  # padding (0, −0): output_padding 0
        ((_n(1, 2, 2, 3), _n(2, 1, 3, 2), Const(None)), _p(stride=(2, 1), pad=((1, 0), (0, 0)), groups=2, size=(4, 4))),
    ],
    "conv2d_weight": [
        ((_n(1, 2, 4, 4), _n(1, 3, 3, 3)), _p(kernel=(2, 2))),
        ((_n(2, 2, 5, 4), _n(2, 2, 2, 3)), _p(stride=2, pad=((0, 0), (1, 1)), groups=2, kernel=(2, 2))),
    ],
    "max_pool2d": [
        ((_distinct(1, 2, 4, 4),), {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0), "dilation": (1, 1)}),
        ((_distinct(1, 1, 5, 4),), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "dilation": (1, 1)}),
        ((_distinct(1, 1, 5, 5),), {"kernel_size": (2, 2), "stride": (1, 2), "padding": (0, 0), "dilation": (2, 1)}),
    ],
    "avg_pool2d": [
        ((_n(1, 2, 4, 4),), {"kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0), "count_include_pad": True}),
        ((_n(1, 1, 5, 4),), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "count_include_pad": False}),
    ],
    "adaptive_avg_pool2d": [
        ((_n(1, 2, 5, 4),), {"output_size": (3, 3)}),  # overlapping windows
        ((_n(2, 1, 3, 3),), {"output_size": (1, 1)}),
    ],
}

_WHY = "the array API standard has no strided views (as_strided), which im2col and the pooling windows need"
NOT_ARRAY_API = {name: (_WHY, None) for name in ("conv2d", "conv_transpose2d", "conv2d_weight", "max_pool2d")}
