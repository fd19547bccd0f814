"""The convolutional side of ``gradlab train --model cnn``: images from a table, the LeNet-style network, its
description, size check and pictures (the rest of the job is :mod:`gradlab.app.train`'s).

A table of N rows and P features is read as N grey square images 1 × s × s when P = s² (row by row, as the
digits dataset stores them); its pixels are divided by the largest |value| (16 for the digits) so they lie in
[-1, 1], unless ``--standardize`` standardises each pixel instead.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParameterError, ShapeError
from ..nn.conv_layers import Conv2d
from ..nn.layers import Linear
from ..nn.models import lenet
from ..viz.filters import plot_feature_maps, plot_filters

MODELS = ("mlp", "cnn")
# the cnn's own defaults, used when the flag is not given (the mlp keeps TrainSpec's)
CNN_DEFAULTS = {"epochs": 10, "lr": 0.003}
CNN_CHANNELS, CNN_KERNEL = (16, 32), 3


def image_side(X, data_name) -> int:
    """s when the rows of X (N, s²) are square grey images; ShapeError naming the data otherwise."""
    features = X.shape[1]
    side = math.isqrt(features)
    if side * side != features or side < 4:
        raise ShapeError(f"train: --model cnn needs square grey images stored one pixel per feature (such as the "
                         f"digits' 64 = 8×8) of at least 4×4, but {data_name} has {features} feature"
                         f"{'s' if features != 1 else ''}; use --model mlp for tables")
    return side


def as_images(X, side, standardized):
    """(N, 1, s, s) images and the sentence saying how the pixels were scaled."""
    if standardized:
        return X.reshape(len(X), 1, side, side), "pixels standardised one by one (--standardize)"
    top = float(np.max(np.abs(X))) if X.size else 0.0
    scale = top if top > 0 else 1.0
    return (X / scale).reshape(len(X), 1, side, side), f"pixels divided by {scale:g}, the largest |value|"


def build(side, outputs, seed):
    """The LeNet-style network of the command: ``gl.nn.models.lenet`` with 16 and 32 channels of 3×3 kernels."""
    return lenet(in_channels=1, image_size=side, classes=outputs, channels=CNN_CHANNELS, kernel_size=CNN_KERNEL,
                 rng=seed)


def architecture(model) -> str:
    """'conv 3×3 1→16, ReLU, max-pool 2, …, dense 128→120, ReLU, …' from the model's layers."""
    parts = []
    for layer in model.children():
        if isinstance(layer, Conv2d):
            k = "×".join(map(str, layer.kernel_size))
            parts.append(f"conv {k} {layer.in_channels}→{layer.out_channels}")
        elif isinstance(layer, Linear):
            parts.append(f"dense {layer.in_features}→{layer.out_features}")
        elif type(layer).__name__ == "MaxPool2d":
            parts.append(f"max-pool {layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]}")
        elif type(layer).__name__ == "Flatten":
            parts.append("flatten")
        else:
            parts.append(type(layer).__name__)
    return ", ".join(parts)


def work(model, side) -> tuple:
    """(parameters, multiply-adds of one image's forward pass) of the LeNet-style ``model`` on s × s images."""
    macs, size = 0, side
    for layer in model.children():
        if isinstance(layer, Conv2d):
            pad = layer.padding[0] if isinstance(layer.padding, tuple) else 0
            size = size + 2 * pad - layer.kernel_size[0] + 1
            macs += layer.out_channels * layer.in_channels * layer.kernel_size[0] * layer.kernel_size[1] * size * size
        elif type(layer).__name__ == "MaxPool2d":
            size //= 2
        elif isinstance(layer, Linear):
            macs += layer.in_features * layer.out_features
    return model.num_parameters(), macs


def check_size(model, side, samples, epochs, batch_size, memory, max_work, fraction):
    """Refuse, with a sentence, a cnn run whose memory or work cannot fit this machine; returns the estimates."""
    params, macs = work(model, side)
    activations = 4 * min(batch_size, samples) * (macs // 9 + side * side)  # a generous bound on a batch's maps
    need = 8 * (4 * params + 2 * samples * (side * side + 1) + activations)
    if need > fraction * memory:
        raise ParameterError(f"train: the cnn on {samples:,} images {side}×{side} needs about {need / 2 ** 30:.1f} GiB, "
                             f"more than half of this machine's {memory / 2 ** 30:.0f} GiB; use fewer samples")
    total = 3.0 * epochs * samples * macs
    if total > max_work:
        raise ParameterError(f"train: {epochs:,} epochs of the cnn over {samples:,} images is about {total:.1e} "
                             f"multiply-adds (roughly {total / 1e10 / 3600:,.0f} hours); use fewer epochs or samples")
    return need, total


# the pictures of ``gradlab train`` that a cnn run does not draw, and why
SKIPPED = ["decision boundary: the inputs are images, not points in a plane",
           "network diagram: it draws dense layers' neurons; see filters.png and feature_maps.png instead"]


def figures(model, X) -> dict:
    """{name: Figure} of a cnn run: the first convolution's kernels and the feature maps of the image X[0]."""
    return {"filters": plot_filters(model[0], title="Learned kernels of the first convolution"),
            "feature_maps": plot_feature_maps(model, X[0], title="Feature maps of the first image")}


CAPTIONS = {"filters": "The 3×3 kernels of the first convolution after training (blue positive, red negative).",
            "feature_maps": "The first image and the activations after each convolution and max-pool."}
