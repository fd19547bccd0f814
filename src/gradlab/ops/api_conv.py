"""Public functions over the convolution and pooling rows (re-exported by ``gradlab``).

``torch.nn.functional``'s names, arguments and defaults, NCHW layout. Each takes Tensors or array-likes of a
floating dtype (float32 stays float32) and returns a Tensor. Unbatched inputs are accepted where PyTorch
accepts them ((C, H, W) for the 2-d functions, (C, L) for conv1d): a batch axis of 1 is added and removed
(two reshape nodes in the graph). Arguments are checked before anything runs; a misfit raises
:class:`ShapeError` or :class:`ParameterError` naming the function, the values and what was expected.
Not supported (refused with a clear message): ``ceil_mode=True``, ``return_indices=True``,
``divisor_override``; conv1d is conv2d on a height-1 image (its graph shows conv2d between two reshapes).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.tensor import Tensor, apply
from . import conv as CV
from .conv_im2col import out_size
from . import conv_pool as CP
from .api import reshape

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


def _shape_dtype(fn, name, a):
    if isinstance(a, Tensor):
        d = a.data
    elif hasattr(a, "shape") and hasattr(a, "dtype"):
        d = a
    else:
        d = np.asarray(a)
    if d.dtype.kind != "f":
        raise InputTypeError(f"{fn}: {name} must have a floating dtype (float32 or float64), got {d.dtype}")
    return tuple(d.shape)


def _int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _pair(fn, name, v, n=2, low=1):
    """``v`` (an int or a sequence of ``n`` ints, each ≥ ``low``) as an n-tuple."""
    vals = (v,) * n if _int(v) else tuple(v) if isinstance(v, (tuple, list)) else None
    if vals is None or len(vals) != n or not all(_int(a) and a >= low for a in vals):
        what = "a positive int" if low == 1 else "an int ≥ 0"
        raise ParameterError(f"{fn}: {name} must be {what} or a sequence of {n} of them, got {v!r}")
    return tuple(int(a) for a in vals)


def _batched(fn, x, shape, nd):
    """(x with a batch axis, whether one was added) for an input of ``nd`` (batched) or ``nd − 1`` axes."""
    if len(shape) == nd:
        return x, False
    if len(shape) == nd - 1:
        return reshape(x, (1,) + shape), True
    what = {3: "(N, C, L) or (C, L)", 4: "(N, C, H, W) or (C, H, W)"}[nd]
    raise ShapeError(f"{fn}: input must have shape {what}, got {shape}")


def _unbatch(out, added):
    return reshape(out, tuple(out.shape[1:])) if added else out


def _groups(fn, groups, c_in, c_out):
    if not _int(groups) or groups < 1:
        raise ParameterError(f"{fn}: groups must be a positive int, got {groups!r}")
    for what, n in (("in_channels", c_in), ("out_channels", c_out)):
        if n % groups:
            raise ParameterError(f"{fn}: groups = {groups} must divide {what} = {n}")
    return int(groups)


def _check_out(fn, spatial, kernel, stride, pads, dilation):
    outs = tuple(out_size(spatial[i], kernel[i], stride[i], pads[i], dilation[i]) for i in range(2))
    if min(outs) < 1:
        eff = tuple(dilation[i] * (kernel[i] - 1) + 1 for i in range(2))
        padded = tuple(spatial[i] + pads[i][0] + pads[i][1] for i in range(2))
        raise ShapeError(f"{fn}: the (dilated) kernel of size {eff} is larger than the padded input of size "
                         f"{padded}")
    return outs


def _operands(fn, x, weight, stride, dilation, layout):
    """A convolution's input (batched: ``added`` says whether an axis was added), its shapes, and its stride and
    dilation as pairs; the weight must be 4-d in ``layout``."""
    xs, ws = _shape_dtype(fn, "input", x), _shape_dtype(fn, "weight", weight)
    x, added = _batched(fn, x, xs, 4)
    xs = (1,) + xs if added else xs
    if len(ws) != 4:
        raise ShapeError(f"{fn}: weight must have shape {layout}, got {ws}")
    return x, added, xs, ws, _pair(fn, "stride", stride), _pair(fn, "dilation", dilation)


def _conv2d(fn, x, weight, bias, stride, padding, dilation, groups):
    x, added, xs, ws, stride, dilation = _operands(fn, x, weight, stride, dilation,
                                                   "(out_channels, in_channels/groups, kH, kW)")
    groups = _groups(fn, groups, xs[1], ws[0])
    if xs[1] != ws[1] * groups:
        raise ShapeError(f"{fn}: input has {xs[1]} channels but weight of shape {ws} with groups = {groups} expects "
                         f"{ws[1] * groups}")
    if bias is not None and _shape_dtype(fn, "bias", bias) != (ws[0],):
        raise ShapeError(f"{fn}: bias must have shape ({ws[0]},), got {_shape_dtype(fn, 'bias', bias)}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if stride != (1, 1):
                raise ParameterError(f"{fn}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
            tot = [dilation[i] * (ws[2 + i] - 1) for i in range(2)]
            pads = tuple((t // 2, t - t // 2) for t in tot)  # the odd one after, where PyTorch puts it
        else:
            raise ParameterError(f"{fn}: padding must be an int, a pair of ints, 'same' or 'valid', got {padding!r}")
    else:
        p = _pair(fn, "padding", padding, low=0)
        pads = ((p[0], p[0]), (p[1], p[1]))
    _check_out(fn, xs[2:], ws[2:], stride, pads, dilation)
    out = apply(CV.CONV2D, x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return _unbatch(out, added)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation, ``torch.nn.functional.conv2d``.

    x (N, C, H, W) or (C, H, W); weight (O, C/groups, kH, kW); bias (O,) or None → (N, O, Ho, Wo) with
    Ho = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1. ``stride``, ``padding`` and ``dilation`` are ints or pairs;
    ``padding`` may also be 'valid' (0) or 'same' (stride 1 only; an odd total padding puts the extra row
    and column after, as PyTorch does). Gradients: ∂x = conv_transpose2d(G, W), ∂W = x ⋆ G, ∂b = Σ G.
    """
    return _conv2d("conv2d", x, weight, bias, stride, padding, dilation, groups)


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation, ``torch.nn.functional.conv1d``: conv2d on a height-1 image.

    x (N, C, L) or (C, L); weight (O, C/groups, k); bias (O,) or None → (N, O, Lo); ``stride``, ``padding``,
    ``dilation`` ints (or 1-tuples), ``padding`` also 'same' or 'valid'.
    """
    fn = "conv1d"
    xs, ws = _shape_dtype(fn, "input", x), _shape_dtype(fn, "weight", weight)
    x, added = _batched(fn, x, xs, 3)
    xs = (1,) + xs if added else xs
    if len(ws) != 3:
        raise ShapeError(f"{fn}: weight must have shape (out_channels, in_channels/groups, k), got {ws}")
    one = {k: _pair(fn, k, v, 1)[0] for k, v in (("stride", stride), ("dilation", dilation))}
    pad = padding if isinstance(padding, str) else (0, _pair(fn, "padding", padding, 1, low=0)[0])
    out = _conv2d(fn, reshape(x, (xs[0], xs[1], 1, xs[2])), reshape(weight, (ws[0], ws[1], 1, ws[2])), bias,
                  (1, one["stride"]), pad, (1, one["dilation"]), groups)
    out = reshape(out, (xs[0], out.shape[1], out.shape[3]))
    return _unbatch(out, added)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution, ``torch.nn.functional.conv_transpose2d``: the adjoint of conv2d in its input.

    x (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, kH, kW); bias (C_out,) or None →
    (N, C_out, Ho, Wo), Ho = (H − 1)s − 2p + d(kH − 1) + output_padding + 1. ``output_padding`` (< stride or
    < dilation, as in PyTorch) picks among the input sizes a strided conv2d maps to the same output size.
    """
    fn = "conv_transpose2d"
    x, added, xs, ws, stride, dilation = _operands(fn, x, weight, stride, dilation,
                                                   "(in_channels, out_channels/groups, kH, kW)")
    if isinstance(padding, str):
        raise ParameterError(f"{fn}: padding must be an int or a pair of ints (no 'same'/'valid', as in PyTorch), "
                             f"got {padding!r}")
    p, op = _pair(fn, "padding", padding, low=0), _pair(fn, "output_padding", output_padding, low=0)
    for i in range(2):
        if op[i] >= max(stride[i], dilation[i]):
            raise ParameterError(f"{fn}: output_padding {op} must be smaller than stride {stride} or dilation "
                                 f"{dilation} in each dimension")
    groups = _groups(fn, groups, ws[0], ws[1] * (groups if _int(groups) and groups > 0 else 1))
    if xs[1] != ws[0]:
        raise ShapeError(f"{fn}: input has {xs[1]} channels but weight of shape {ws} expects {ws[0]}")
    c_out = ws[1] * groups
    if bias is not None and _shape_dtype(fn, "bias", bias) != (c_out,):
        raise ShapeError(f"{fn}: bias must have shape ({c_out},), got {_shape_dtype(fn, 'bias', bias)}")
    size = tuple((xs[2 + i] - 1) * stride[i] - 2 * p[i] + dilation[i] * (ws[2 + i] - 1) + op[i] + 1 for i in range(2))
    if min(size) < 1:
        raise ShapeError(f"{fn}: the output size {size} is not positive (input {xs[2:]}, kernel {ws[2:]}, stride "
                         f"{stride}, padding {p})")
    pads = tuple((p[i], p[i] - op[i]) for i in range(2))  # the padding of the conv2d it is the adjoint of
    out = apply(CV.CONV_TRANSPOSE2D, x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups,
                size=size)
    return _unbatch(out, added)


def _pool_args(fn, x, kernel_size, stride, padding, dilation, ceil_mode):
    xs = _shape_dtype(fn, "input", x)
    x, added = _batched(fn, x, xs, 4)
    xs = (1,) + xs if added else xs
    if ceil_mode:
        raise ParameterError(f"{fn}: ceil_mode=True is not supported (gradlab floors the output size), got True")
    k = _pair(fn, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _pair(fn, "stride", stride)
    p, d = _pair(fn, "padding", padding, low=0), _pair(fn, "dilation", dilation)
    for i in range(2):
        if p[i] > k[i] // 2:  # PyTorch's rule, for max and average pooling alike (the kernel, not its dilation)
            raise ParameterError(f"{fn}: padding {p} must be at most half the kernel size {k} (as in PyTorch)")
    _check_out(fn, xs[2:], k, s, [(a, a) for a in p], d)
    return x, added, k, s, p, d


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling, ``torch.nn.functional.max_pool2d``: the largest entry of each window (padding is −∞).

    x (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo); ``stride`` defaults to ``kernel_size``. The gradient goes
    to the first maximum of each window (PyTorch's choice at ties).
    """
    if return_indices:
        raise ParameterError("max_pool2d: return_indices=True is not supported, got True")
    x, added, k, s, p, d = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return _unbatch(apply(CP.MAX_POOL2D, x, kernel_size=k, stride=s, padding=p, dilation=d), added)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average pooling, ``torch.nn.functional.avg_pool2d``: the mean of each window.

    x (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo); ``stride`` defaults to ``kernel_size``; zero padding counts
    in the mean unless ``count_include_pad`` is False.
    """
    if divisor_override is not None:
        raise ParameterError(f"avg_pool2d: divisor_override is not supported, got {divisor_override!r}")
    x, added, k, s, p, _ = _pool_args("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    return _unbatch(apply(CP.AVG_POOL2D, x, kernel_size=k, stride=s, padding=p,
                          count_include_pad=bool(count_include_pad)), added)


def adaptive_avg_pool2d(x, output_size):
    """Adaptive average pooling, ``torch.nn.functional.adaptive_avg_pool2d``.

    x (N, C, H, W) or (C, H, W) → (N, C, Ho, Wo) with (Ho, Wo) = ``output_size`` (an int, a pair; None keeps
    that input size). Window o covers [⌊oH/Ho⌋, ⌈(o+1)H/Ho⌉): PyTorch's rule, windows may overlap.
    """
    fn = "adaptive_avg_pool2d"
    xs = _shape_dtype(fn, "input", x)
    x, added = _batched(fn, x, xs, 4)
    xs = (1,) + xs if added else xs
    size = (output_size,) * 2 if output_size is None or _int(output_size) else tuple(output_size)
    if len(size) != 2:
        raise ParameterError(f"{fn}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(xs[2 + i] if size[i] is None else size[i] for i in range(2))
    size = _pair(fn, "output_size", size)
    if min(xs[2:]) < 1:
        raise ShapeError(f"{fn}: input must have non-empty spatial axes, got {xs}")
    return _unbatch(apply(CP.ADAPTIVE_AVG_POOL2D, x, output_size=size), added)
