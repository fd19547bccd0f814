"""Pictures of a convolutional network: its learned kernels (``plot_filters``) and what its convolution and
pooling layers make of one image (``plot_feature_maps``).

Every small image is drawn with ``imshow`` of the numbers themselves (no resampling, no normalisation of the
data): a kernel's picture holds exactly ``weight[o, i]``, a feature map's exactly the activation. Kernels share
one symmetric colour scale per layer (blue positive, red negative, white zero); feature maps are grey.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..core.constraints import declare
from ..core.errors import InputTypeError, ShapeError
from ..core.graph import no_grad
from ..core.tensor import Tensor
from ..nn.containers import Sequential
from ..nn.conv_layers import AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d
from ..nn.module import Module
from . import _mpl

__all__ = ["plot_filters", "plot_feature_maps", "conv_layers", "feature_maps"]

POOLS = (MaxPool2d, AvgPool2d, AdaptiveAvgPool2d)
MAX_PANELS = 1024  # small images in one figure: past this a picture takes minutes and shows nothing readable


def _layers(model, owner):
    """The layers of ``model`` in order, nested Sequentials unrolled; a single layer is a list of itself."""
    if isinstance(model, Sequential):
        out = []
        for child in model.children():
            out += _layers(child, owner) if isinstance(child, Sequential) else [child]
        return out
    if isinstance(model, Module):
        return [model]
    raise InputTypeError(f"{owner}: expected a gl.nn.Conv2d layer or a gl.nn.Sequential holding some, "
                         f"got {type(model).__name__}")


def conv_layers(model) -> list:
    """The ``Conv2d`` layers of ``model`` (a Conv2d, or a Sequential, nested ones included), in order."""
    return [m for m in _layers(model, "conv_layers") if isinstance(m, Conv2d)]


def _check_panels(owner, count):
    if count > MAX_PANELS:
        raise ShapeError(f"{owner}: the picture would hold {count:,} small images, more than {MAX_PANELS:,}; "
                         "draw one layer at a time (e.g. model[0])")


def _blank(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)


def _grid(outputs, inputs):
    """(rows, columns) of a layer's kernels: outputs × inputs, or wrapped 8 to a row for a single input."""
    if inputs == 1 and outputs > 8:
        return -(-outputs // 8), 8
    return outputs, inputs


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_filters(conv_layer_or_model, path=None, *, title: str = "Learned convolution kernels"):
    """Each kernel of each ``Conv2d`` as a small image: for a layer of weight (C_out, C_in, kH, kW), a grid of
    C_out rows (output channels) × C_in columns (input channels), the image in row o, column i being
    ``weight[o, i]`` (kH × kW); a layer with one input channel wraps its kernels 8 to a row. A model gets one
    such grid per Conv2d, top to bottom.

    Args:
        conv_layer_or_model: a ``gl.nn.Conv2d`` or a ``gl.nn.Sequential`` holding Conv2d layers.
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        title: the figure title.

    Returns:
        the matplotlib ``Figure``; its axes are the kernels, layer by layer, row by row
        (``fig.axes[o * C_in + i]`` is kernel (o, i) of the first layer), each holding one image.

    Raises:
        InputTypeError when there is no Conv2d to draw; ShapeError past 1,024 kernels in one figure.
    """
    convs = conv_layers(conv_layer_or_model)
    if not convs:
        raise InputTypeError(f"plot_filters: {type(conv_layer_or_model).__name__} holds no Conv2d layer; "
                             "expected a gl.nn.Conv2d or a Sequential holding some")
    weights = [np.asarray(c.weight.data, dtype=np.float64) for c in convs]
    _check_panels("plot_filters", sum(w.shape[0] * w.shape[1] for w in weights))
    with _mpl.style():
        grids = [_grid(w.shape[0], w.shape[1]) for w in weights]
        cols = max(c for _, c in grids)
        heights = [r for r, _ in grids]
        fig = _mpl.new_figure(min(max(1.0 + 0.8 * cols, 4.0), 16.0),
                              min(max(1.2 + 0.8 * sum(heights) + 0.5 * len(weights), 3.0), 40.0))
        subfigs = fig.subfigures(len(weights), 1, squeeze=False, height_ratios=[h + 0.8 for h in heights])[:, 0]
        for k, (sub, w, (rows, columns)) in enumerate(zip(subfigs, weights, grids)):
            limit = float(np.max(np.abs(w))) or 1.0
            grid = sub.subplots(rows, columns, squeeze=False).ravel()
            for ax in grid[w.shape[0] * w.shape[1]:]:
                ax.remove()  # the empty cells of a wrapped single-input layer
            axes = grid[:w.shape[0] * w.shape[1]].reshape(w.shape[0], w.shape[1])
            for o in range(w.shape[0]):
                for i in range(w.shape[1]):
                    ax = axes[o, i]
                    ax.imshow(w[o, i], cmap="RdBu", vmin=-limit, vmax=limit, interpolation="nearest")
                    _blank(ax)
                    if o == 0 and w.shape[1] > 1:
                        ax.set_title(f"in {i}", fontsize=8, fontweight="normal")
                    if i == 0:
                        ax.set_ylabel(f"out {o}", fontsize=8)
            sub.suptitle(f"Conv2d {k + 1}: weight {tuple(w.shape)}, colour ±{limit:.3g}", fontsize=10)
        fig.suptitle(title)
    return _mpl.finish(fig, path, "plot_filters")


def _image(x, owner):
    data = np.asarray(x.data if isinstance(x, Tensor) else x)
    if data.dtype.kind not in "biuf":
        raise InputTypeError(f"{owner}: x must be a numeric image, got dtype {data.dtype}")
    if data.ndim == 4 and data.shape[0] == 1:
        data = data[0]
    if data.ndim == 2:
        data = data[None]
    if data.ndim != 3:
        raise ShapeError(f"{owner}: x must be one image (C, H, W), (1, C, H, W) or (H, W), got shape {data.shape}")
    return data


def feature_maps(model, x, owner="feature_maps") -> list:
    """[(name, activation (C, H, W))] of one image: the input, then the output of every Conv2d and pooling layer.

    Args:
        model: a ``gl.nn.Sequential`` (its layers run one by one; nested Sequentials unrolled) or one layer.
        x: one image (C, H, W), (1, C, H, W) or (H, W) of the model's input.

    The layers run without recording a graph (``gl.no_grad``), in the model's dtype, in evaluation mode (the
    model's own modes are restored after).
    """
    layers = _layers(model, owner)
    data = _image(x, owner)
    params = list(model.parameters())
    dtype = params[0].data.dtype if params else np.float64
    h = Tensor(np.ascontiguousarray(data[None], dtype=dtype))
    maps = [("input", data.astype(np.float64))]
    look = model.evaluating() if hasattr(model, "evaluating") else contextlib.nullcontext()
    with no_grad(), look:  # evaluation mode: a picture changes no running statistics and draws no dropout mask
        for index, layer in enumerate(layers):
            h = layer(h)
            if isinstance(layer, (Conv2d,) + POOLS):
                maps.append((f"{index}: {type(layer).__name__}", np.asarray(h.data[0], dtype=np.float64)))
    return maps


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_feature_maps(model, x, path=None, *, title: str = "Feature maps of one image"):
    """The input image and the activations after each ``Conv2d`` and pooling layer, one row per layer and one
    small grey image per channel (row 0: the input's channels).

    Args:
        model: a ``gl.nn.Sequential`` holding Conv2d / pooling layers (e.g. ``gl.nn.models.lenet``), or one layer.
        x: one image (C, H, W), (1, C, H, W) or (H, W).
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        title: the figure title.

    Returns:
        the matplotlib ``Figure``; its axes are the channels, row by row (input first), each holding one image
        equal to the activation ``feature_maps(model, x)[row][1][channel]``.

    Raises:
        InputTypeError when the model holds no Conv2d or pooling layer; ShapeError for x that is not one image.
    """
    maps = feature_maps(model, x, "plot_feature_maps")
    if len(maps) == 1:
        raise InputTypeError(f"plot_feature_maps: {type(model).__name__} holds no Conv2d or pooling layer; "
                             "expected a Sequential such as gl.nn.models.lenet(...)")
    _check_panels("plot_feature_maps", sum(m.shape[0] for _, m in maps))
    with _mpl.style():
        cols = max(m.shape[0] for _, m in maps)
        fig = _mpl.new_figure(min(1.2 + 0.9 * cols, 18.0), 1.4 + 1.2 * len(maps))
        subfigs = fig.subfigures(len(maps), 1, squeeze=False)[:, 0]
        for sub, (name, m) in zip(subfigs, maps):
            axes = sub.subplots(1, m.shape[0], squeeze=False)[0]
            for c, ax in enumerate(axes):
                ax.imshow(m[c], cmap="gray", interpolation="nearest")
                _blank(ax)
            sub.suptitle(f"{name}: {m.shape[0]} × {m.shape[1]}×{m.shape[2]}", fontsize=10)
        fig.suptitle(title)
    return _mpl.finish(fig, path, "plot_feature_maps")
