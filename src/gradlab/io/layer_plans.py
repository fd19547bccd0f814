"""The architecture checks of the convolution, pooling, reshaping and normalisation layers of a model file.

Each checker reads one layer's config field by field (:mod:`gradlab.io.fields`), with the ranges the layer's
constructor and PyTorch require, plus the limits of :mod:`gradlab.io.limits` where a field sets the size of
what the forward pass allocates (``MAX_WINDOW``), and appends the layer's state — parameters, then buffers, in
the order of ``state_dict()`` — to the plan as ``(name, shape, dtype)``. Nothing is built here.

========================  ===========================================================================
layer                     state (dtype: the layer's, float64 unless ``"dtype": "float32"``)
========================  ===========================================================================
Conv1d, Conv2d            weight (C_out, C_in/groups, *kernel_size), bias (C_out,)
ConvTranspose2d           weight (C_in, C_out/groups, kH, kW), bias (C_out,)
BatchNorm1d/2d            weight, bias (C,) if affine; running_mean, running_var (C,) and
                          num_batches_tracked () int64 if track_running_stats
LayerNorm                 weight, bias: normalized_shape (with elementwise_affine; bias if bias)
Embedding                 weight (num_embeddings, embedding_dim)
Standardize               mean, std: the sample shape (values checked after reading: finite, std > 0)
MaxPool2d, AvgPool2d,     none
AdaptiveAvgPool2d,
Flatten, Unflatten,
Dropout
========================  ===========================================================================
"""

from __future__ import annotations

from . import fields as f
from . import limits
from .fields import ArchitectureError
from ..nn.conv_layers import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, Flatten, MaxPool2d, \
    Unflatten
from ..nn.norm_layers import BatchNorm1d, BatchNorm2d, Dropout, Embedding, LayerNorm
from ..nn.preprocess import Standardize, check_statistics

_W = limits.MAX_WINDOW


def _conv(cfg, where, prefix, out, n, transposed):
    keys = ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
            "padding_mode", "dtype"] + (["output_padding"] if transposed else [])
    f.keys(cfg, keys, where)
    c_in, c_out = f.integer(cfg, "in_channels", where), f.integer(cfg, "out_channels", where)
    groups = f.integer(cfg, "groups", where, default=1)
    if c_in % groups or c_out % groups:
        raise ArchitectureError(f"{where}.groups ({groups}) must divide in_channels ({c_in}) and out_channels "
                                f"({c_out})")
    kernel = f.sizes(cfg, "kernel_size", where, n)
    stride = f.sizes(cfg, "stride", where, n, default=1)
    f.sizes(cfg, "dilation", where, n, default=1)
    padding = cfg.get("padding", 0)
    if isinstance(padding, str) and not transposed:
        f.word(cfg, "padding", where, ("same", "valid"))
        if padding == "same" and any(s != 1 for s in stride):
            raise ArchitectureError(f"{where}.padding 'same' needs stride 1 (as PyTorch), got stride {list(stride)}")
    else:
        f.sizes(cfg, "padding", where, n, low=0, default=0)
    if transposed:
        dilation = f.sizes(cfg, "dilation", where, n, default=1)
        extra = f.sizes(cfg, "output_padding", where, n, low=0, default=0)
        if any(op >= max(s, d) for op, s, d in zip(extra, stride, dilation)):
            raise ArchitectureError(f"{where}.output_padding {list(extra)} must be smaller than stride "
                                    f"{list(stride)} or dilation {list(dilation)} in each dimension")
    f.word(cfg, "padding_mode", where, ("zeros",), default="zeros")
    bias, dtype = f.boolean(cfg, "bias", where), f.dtype(cfg, where)
    weight = (c_in, c_out // groups) if transposed else (c_out, c_in // groups)
    out.params.append((f"{prefix}weight", weight + kernel, dtype))
    if bias:
        out.params.append((f"{prefix}bias", (c_out,), dtype))


def _conv1d(cfg, where, prefix, out):
    _conv(cfg, where, prefix, out, 1, False)


def _conv2d(cfg, where, prefix, out):
    _conv(cfg, where, prefix, out, 2, False)


def _conv_transpose2d(cfg, where, prefix, out):
    _conv(cfg, where, prefix, out, 2, True)


def _pool(cfg, where, effective):
    kernel = f.sizes(cfg, "kernel_size", where, 2)
    if cfg.get("stride") is not None:
        f.sizes(cfg, "stride", where, 2)
    padding = f.sizes(cfg, "padding", where, 2, low=0, default=0)
    if effective:  # max pooling has a dilation
        f.sizes(cfg, "dilation", where, 2, default=1)
    f.word(cfg, "ceil_mode", where, (False,), default=False)
    for p, k in zip(padding, kernel):
        if 2 * p > k:
            raise ArchitectureError(f"{where}.padding {list(padding)} must be at most half of kernel_size "
                                    f"{list(kernel)}, as PyTorch requires")


def _max_pool2d(cfg, where, prefix, out):
    f.keys(cfg, MaxPool2d._config_keys, where)
    _pool(cfg, where, effective=True)
    f.word(cfg, "return_indices", where, (False,), default=False)


def _avg_pool2d(cfg, where, prefix, out):
    f.keys(cfg, AvgPool2d._config_keys, where)
    _pool(cfg, where, effective=False)
    f.boolean(cfg, "count_include_pad", where)
    f.word(cfg, "divisor_override", where, (None,), default=None)


def _adaptive_avg_pool2d(cfg, where, prefix, out):
    f.keys(cfg, AdaptiveAvgPool2d._config_keys, where)
    value = cfg.get("output_size")
    ok = (type(value) is int and 1 <= value <= _W) or (
        isinstance(value, list) and len(value) == 2 and all(v is None or (type(v) is int and 1 <= v <= _W)
                                                            for v in value))
    if not ok:
        raise ArchitectureError(f"{where}.output_size must be a JSON int in [1, {_W:,}] or a pair of them or null, "
                                f"got {value!r:.60}")


def _dim(cfg, key, where, default=f.REQUIRED):
    return f.integer(cfg, key, where, low=-limits.MAX_DIM, high=limits.MAX_DIM - 1, default=default)


def _flatten(cfg, where, prefix, out):
    f.keys(cfg, Flatten._config_keys, where)
    _dim(cfg, "start_dim", where, default=1)
    _dim(cfg, "end_dim", where, default=-1)


def _unflatten(cfg, where, prefix, out):
    f.keys(cfg, Unflatten._config_keys, where)
    _dim(cfg, "dim", where)
    f.shape(cfg, "unflattened_size", where, allow_minus_one=True)


def _batch_norm(cfg, where, prefix, out):
    f.keys(cfg, (*BatchNorm1d._config_keys, "dtype"), where)
    c = f.integer(cfg, "num_features", where)
    f.number(cfg, "eps", where, default=1e-5, low=0.0, low_open=True)
    f.number(cfg, "momentum", where, default=0.1, low=0.0, high=1.0, nullable=True)
    affine, track = f.boolean(cfg, "affine", where), f.boolean(cfg, "track_running_stats", where)
    dtype = f.dtype(cfg, where)
    if affine:
        out.params += [(f"{prefix}weight", (c,), dtype), (f"{prefix}bias", (c,), dtype)]
    if track:
        out.params += [(f"{prefix}running_mean", (c,), dtype), (f"{prefix}running_var", (c,), dtype),
                       (f"{prefix}num_batches_tracked", (), "int64")]


def _layer_norm(cfg, where, prefix, out):
    f.keys(cfg, (*LayerNorm._config_keys, "dtype"), where)
    shape = f.shape(cfg, "normalized_shape", where)
    f.number(cfg, "eps", where, default=1e-5, low=0.0, low_open=True)
    affine, bias = f.boolean(cfg, "elementwise_affine", where), f.boolean(cfg, "bias", where)
    dtype = f.dtype(cfg, where)
    if affine:
        out.params.append((f"{prefix}weight", shape, dtype))
        if bias:
            out.params.append((f"{prefix}bias", shape, dtype))


def _dropout(cfg, where, prefix, out):
    f.keys(cfg, Dropout._config_keys, where)
    f.number(cfg, "p", where, default=0.5, low=0.0, high=1.0)


def _embedding(cfg, where, prefix, out):
    f.keys(cfg, (*Embedding._config_keys, "dtype"), where)
    n, d = f.integer(cfg, "num_embeddings", where), f.integer(cfg, "embedding_dim", where)
    if cfg.get("padding_idx") is not None:
        f.integer(cfg, "padding_idx", where, low=-n, high=n - 1, what=f"in [{-n}, {n}) (num_embeddings {n}) or null")
    out.params.append((f"{prefix}weight", (n, d), f.dtype(cfg, where)))


def _standardize(cfg, where, prefix, out):
    f.keys(cfg, ("shape", "dtype"), where)
    shape, dtype = f.shape(cfg, "shape", where), f.dtype(cfg, where)
    out.params += [(f"{prefix}mean", shape, dtype), (f"{prefix}std", shape, dtype)]
    out.values.append((prefix, where, _standardize_values))


def _standardize_values(state, prefix, where):
    """The values of a Standardize read from the file: mean finite, std finite and > 0."""
    try:
        check_statistics(state[f"{prefix}mean"], state[f"{prefix}std"], owner=f"{where} (a Standardize)")
    except ValueError as exc:
        raise ArchitectureError(str(exc)) from None


#: {type: (class, checker)} of the layers of this module
LAYERS = {
    "Conv1d": (Conv1d, _conv1d), "Conv2d": (Conv2d, _conv2d), "ConvTranspose2d": (ConvTranspose2d, _conv_transpose2d),
    "MaxPool2d": (MaxPool2d, _max_pool2d), "AvgPool2d": (AvgPool2d, _avg_pool2d),
    "AdaptiveAvgPool2d": (AdaptiveAvgPool2d, _adaptive_avg_pool2d), "Flatten": (Flatten, _flatten),
    "Unflatten": (Unflatten, _unflatten), "BatchNorm1d": (BatchNorm1d, _batch_norm),
    "BatchNorm2d": (BatchNorm2d, _batch_norm), "LayerNorm": (LayerNorm, _layer_norm), "Dropout": (Dropout, _dropout),
    "Embedding": (Embedding, _embedding), "Standardize": (Standardize, _standardize),
}
