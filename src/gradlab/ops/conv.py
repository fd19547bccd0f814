"""Convolution rows (NCHW, as PyTorch): conv2d, conv_transpose2d and conv2d_weight; pooling in ``conv_pool``.

Three rows close each other under differentiation. With B(x, W) = conv2d(x, W) (a bilinear map), its VJPs
are the two adjoints of B:

* ∂L/∂x = Bₓ*(G; W) = conv_transpose2d(G, W): the *full* convolution of G with the flipped kernel (G's
  entries spread back over the windows they were computed from);
* ∂L/∂W = B_W*(x; G) = conv2d_weight(x, G): the correlation of the input with G (x ⋆ G);
* ∂L/∂b = Σ G over the batch and spatial axes.

conv_transpose2d(Y, W) = Bₓ*(Y; W) has VJPs conv2d(H, W) (for Y) and conv2d_weight(H, Y) (for W); and
conv2d_weight(x, G) = B_W*(x; G) has VJPs conv_transpose2d(G, H) (for x) and conv2d(x, H) (for G). On
Tensors each VJP applies the other row, so second and higher derivatives come for free.

Parameters, normalised by :mod:`gradlab.ops.api_conv`: ``stride`` and ``dilation`` pairs,
``padding`` a pair of (before, after) pairs — the padding of the convolution B (negative: cropped, which a
transposed convolution's ``output_padding`` can need) — and ``groups``; ``size`` is the transposed
convolution's output (H, W), ``kernel`` conv2d_weight's (kH, kW).

Computation (NumPy only, :mod:`gradlab.ops.conv_im2col`; the array API standard has no strided views):
im2col as an ``as_strided`` view of the padded input, copied once into a matrix and multiplied once (BLAS;
float32 stays float32); on the training path the forward pass keeps that matrix for ∂W. The transposed
convolution is col2im: one product gives each entry's kernel-weighted window, added back with one strided
addition per kernel tap — the textbook's full convolution with the flipped kernel, without multiplying the
zeros a stride inserts.
"""

from __future__ import annotations

import numpy as np

from ..core.primitive import namespace, register
from ..core.tensor import Tensor, apply
from .conv_im2col import col2im, conv_forward, im2col, weight_from_cols

def data(a):
    """The NumPy array of ``a`` (a Tensor's data)."""
    return a.data if isinstance(a, Tensor) else a


def call(prim, *args, **params):
    """``prim`` on ``args``: recorded by ``apply`` when one is a Tensor (second derivatives), else its forward."""
    if any(isinstance(a, Tensor) for a in args):
        return apply(prim, *args, **params)
    return prim.forward(*args, **params)


# ---------------------------------------------------------------- conv2d
def conv2d_fwd(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """x (N, C, H, W), w (O, C/groups, kH, kW), b (O,) or None → (N, O, Ho, Wo)."""
    return conv_forward(np.asarray(x), np.asarray(w), b, stride, padding, dilation, groups)[0]


def conv2d_forward_saving(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """The training path: the output and the im2col matrix, which ∂W reuses instead of copying it again."""
    return conv_forward(x, w, b, stride, padding, dilation, groups)


def conv2d_vjp_all(g, out, x, w, b=None, saved=None, needs=None, stride=(1, 1), padding=((0, 0), (0, 0)),
                   dilation=(1, 1), groups=1):
    """All three gradients on NumPy arrays: col2im for x, the saved im2col matrix for W, Σ G for b."""
    g = np.asarray(g)
    p = (stride, padding, dilation, groups)
    dx = col2im(g, w, None, *p, tuple(x.shape[2:])) if needs is None or needs[0] else None
    dw = weight_from_cols(*saved, g, tuple(w.shape[2:]), groups) if needs is None or needs[1] else None
    db = g.sum(axis=(0, 2, 3)) if b is not None and (needs is None or needs[2]) else None
    return [dx, dw, db]


def conv2d_dx(g, out, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    return call(CONV_TRANSPOSE2D, g, w, None, stride=stride, padding=padding, dilation=dilation, groups=groups,
                size=tuple(x.shape[2:]))


def conv2d_dw(g, out, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    return call(CONV2D_WEIGHT, x, g, stride=stride, padding=padding, dilation=dilation, groups=groups,
                kernel=tuple(w.shape[2:]))


def conv_db(g, out, *inputs, **params):
    return namespace(g).sum(g, axis=(0, 2, 3))


# ---------------------------------------------------------------- conv_transpose2d
def conv_transpose2d_fwd(y, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                         size=None):
    """y (N, O, Hi, Wi), w (O, C/groups, kH, kW), b (C,) or None → (N, C, H, W), (H, W) = ``size``.

    The adjoint of conv2d(·, w) with these parameters for an input of spatial size ``size``: the full
    convolution of y with the kernel, computed as col2im (each y entry times the kernel, added back over the
    window it was computed from); the same numbers as the textbook's zeros-inserted correlation with the
    flipped kernel, without the zeros.
    """
    return col2im(np.asarray(y), np.asarray(w), b, stride, padding, dilation, groups, size)


def conv_transpose2d_dy(h, out, y, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                        size=None):
    r = call(CONV2D, h, w, None, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if tuple(r.shape[2:]) != tuple(y.shape[2:]):  # an output_padding ≥ stride: the extra rows get nothing back
        r = r[:, :, :y.shape[2], :y.shape[3]]
    return r


def conv_transpose2d_dw(h, out, y, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                        size=None):
    return call(CONV2D_WEIGHT, h, y, stride=stride, padding=padding, dilation=dilation, groups=groups,
                kernel=tuple(w.shape[2:]))


# ---------------------------------------------------------------- conv2d_weight: ∂L/∂W
def conv2d_weight_fwd(x, g, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1, kernel=(1, 1)):
    """x (N, C, H, W), g (N, O, Ho, Wo) → (O, C/groups, kH, kW): the correlation x ⋆ g, Σ over n and the windows.

    dW[o, c, i, j] = Σₙ Σ_{p,q} g[n, o, p, q] x_pad[n, c, p·s + i·d, q·s + j·d] (c within o's group).
    """
    g = np.asarray(g)
    cols, _, Wv = im2col(np.asarray(x), kernel, stride, padding, dilation, groups, tuple(g.shape[2:]))
    return weight_from_cols(cols, Wv, g, kernel, groups)


def conv2d_weight_dx(h, out, x, g, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                     kernel=(1, 1)):
    return call(CONV_TRANSPOSE2D, g, h, None, stride=stride, padding=padding, dilation=dilation, groups=groups,
                size=tuple(x.shape[2:]))


def conv2d_weight_dg(h, out, x, g, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                     kernel=(1, 1)):
    r = call(CONV2D, x, h, None, stride=stride, padding=padding, dilation=dilation, groups=groups)
    if tuple(r.shape[2:]) != tuple(g.shape[2:]):
        r = r[:, :, :g.shape[2], :g.shape[3]]
    return r


CONV2D = register(
    "conv2d", conv2d_fwd, (conv2d_dx, conv2d_dw, conv_db), argnames=("x", "W", "b"), optional=True,
    forward_saving=conv2d_forward_saving, vjp_all=conv2d_vjp_all,
    latex=r"$x \star $W + $b",
    dlatex=(r"\operatorname{conv\_transpose}((\cdot), $W)", r"$x \star (\cdot)", r"\sum_{n,h,w} (\cdot)"),
    doc="Cross-correlation, PyTorch's conv2d (NCHW). ∂L/∂x is the transposed convolution of G with the kernel "
        "(the full convolution with the flipped kernel), ∂L/∂W the correlation x ⋆ G of the input with G, "
        "∂L/∂b = Σ G over the batch and spatial axes. Exact; every VJP is a convolution row, so second "
        "derivatives are exact too.")
CONV_TRANSPOSE2D = register(
    "conv_transpose2d", conv_transpose2d_fwd, (conv_transpose2d_dy, conv_transpose2d_dw, conv_db),
    argnames=("x", "W", "b"), optional=True,
    latex=r"\operatorname{conv\_transpose}($x, $W) + $b",
    dlatex=(r"(\cdot) \star $W", r"(\cdot) \star $x", r"\sum_{n,h,w} (\cdot)"),
    doc="PyTorch's conv_transpose2d: the adjoint of conv2d in its input (zeros inserted between the entries, "
        "full correlation with the flipped kernel). ∂L/∂x = conv2d(G, W), ∂L/∂W = G ⋆ x (the correlation of "
        "the upstream gradient with the input), ∂L/∂b = Σ G over the batch and spatial axes.")
CONV2D_WEIGHT = register(
    "conv2d_weight", conv2d_weight_fwd, (conv2d_weight_dx, conv2d_weight_dg), argnames=("x", "G"),
    latex=r"$x \star $G",
    dlatex=(r"\operatorname{conv\_transpose}($G, (\cdot))", r"\operatorname{conv2d}($x, (\cdot))"),
    doc="∂L/∂W of conv2d as a row (torch.nn.grad.conv2d_weight): the correlation x ⋆ G of the input with the "
        "upstream gradient. Bilinear; its VJPs are conv_transpose2d(G, H) and conv2d(x, H).")

from . import conv_pool  # noqa: E402,F401  (registers the pooling rows)
