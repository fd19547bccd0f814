"""Every layer of the convolutional-network work in several settings, with an input for each, and a way to fill a
layer's parameters and buffers with random values: what the model-file and the interop tests both go through."""

from __future__ import annotations

import numpy as np

import gradlab as gl

RNG = np.random.default_rng(7)
IMG = RNG.standard_normal((6, 2, 9, 8))
SEQ = RNG.standard_normal((4, 4, 11))
VEC = RNG.standard_normal((7, 5))
TOKENS = RNG.integers(0, 10, size=(4, 3))


def layer_cases(float32=()):
    """``[(name, make, x)]``: ``make()`` builds a fresh layer (in float32 when its name is in ``float32``)."""

    def dt(name):
        return "float32" if name in float32 else None

    return [
        ("conv1d", lambda: gl.nn.Conv1d(4, 6, 3, padding="same", dilation=2, groups=2, dtype=dt("conv1d"), rng=0),
         SEQ),
        ("conv1d-stride", lambda: gl.nn.Conv1d(4, 2, 2, stride=3, bias=False, dtype=dt("conv1d-stride"), rng=0), SEQ),
        ("conv2d", lambda: gl.nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), dtype=dt("conv2d"), rng=0), IMG),
        ("conv2d-valid", lambda: gl.nn.Conv2d(2, 4, 2, padding="valid", groups=2, dtype=dt("conv2d-valid"), rng=0),
         IMG),
        ("conv-transpose2d", lambda: gl.nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2,
                                                           rng=0), IMG),
        ("conv-transpose2d-dilated", lambda: gl.nn.ConvTranspose2d(2, 1, (2, 3), dilation=(2, 1), bias=False, rng=0),
         IMG),
        ("maxpool2d", lambda: gl.nn.MaxPool2d(3, stride=2, padding=1), IMG),
        ("maxpool2d-dilated", lambda: gl.nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)), IMG),
        ("avgpool2d", lambda: gl.nn.AvgPool2d(2, padding=1, count_include_pad=False), IMG),
        ("adaptive-avgpool2d", lambda: gl.nn.AdaptiveAvgPool2d((3, None)), IMG),
        ("flatten", lambda: gl.nn.Flatten(0, 2), IMG),
        ("unflatten", lambda: gl.nn.Unflatten(1, (5, -1)), RNG.standard_normal((3, 10))),
        ("batchnorm1d", lambda: gl.nn.BatchNorm1d(5, eps=1e-3, momentum=None), VEC),
        ("batchnorm1d-3d", lambda: gl.nn.BatchNorm1d(4, momentum=0.3, dtype=dt("batchnorm1d-3d")), SEQ),
        ("batchnorm2d", lambda: gl.nn.BatchNorm2d(2), IMG),
        ("batchnorm2d-no-affine", lambda: gl.nn.BatchNorm2d(2, affine=False), IMG),
        ("batchnorm1d-no-stats", lambda: gl.nn.BatchNorm1d(5, track_running_stats=False), VEC),
        ("layernorm", lambda: gl.nn.LayerNorm((9, 8), eps=1e-4, bias=False), IMG),
        ("layernorm-plain", lambda: gl.nn.LayerNorm(5, elementwise_affine=False), VEC),
        ("dropout", lambda: gl.nn.Dropout(0.2), VEC),
        ("embedding", lambda: gl.nn.Embedding(10, 3, padding_idx=-1, dtype=dt("embedding"), rng=0), TOKENS),
    ]


def randomise_state(module, rng):
    """Every parameter and buffer of ``module`` set to random values (running variances positive, counts ≥ 1)."""
    for name, t in module._state().items():
        if t.data.dtype.kind == "i":
            t.data[...] = rng.integers(1, 50)
        elif name.endswith("running_var"):
            t.data[...] = rng.uniform(0.5, 2.0, size=t.data.shape)
        else:
            t.data[...] = rng.standard_normal(t.data.shape)
