"""Pooling rows (NCHW, as PyTorch): max_pool2d, avg_pool2d and adaptive_avg_pool2d.

max_pool2d takes the windows as one ``as_strided`` view of the input padded with −∞; its VJP sends each
G entry to the *first* maximum of its window (PyTorch's choice at ties), a scatter-add that on Tensors is
the ``scatter_add_along`` row (whose VJP is a gather), so second derivatives are exact (zero almost
everywhere, as for any piecewise linear map).

Where the C extension is built, max pooling's backward is one compiled pass (``_kernels.maxpool_grad``), with
the same rule; the NumPy code is the reference (tests/core/test_conv_kernels.py compares them).

avg_pool2d and adaptive_avg_pool2d are linear maps that factor over the two spatial axes: with 0/1 window
matrices Aₕ (Ho, H) and A_w (Wo, W), out = (Aₕ x A_wᵀ) / D, D the window sizes (kH·kW, the real entries
only with ``count_include_pad=False``, or PyTorch's adaptive start/end windows). Their VJP is the transpose
Aₕᵀ (G / D) A_w: each G entry spread evenly over its window. Both run through the array namespace (two
matrix products), so these two rows run on the array API standard too.
"""

from __future__ import annotations

import functools

import numpy as np

from ..core.native import KERNELS
from ..core.primitive import namespace, register
from ..core.tensor import Tensor
from .conv import data
from .conv_im2col import out_size, pad_crop
from .shape_index import scatter_into


# ---------------------------------------------------------------- max_pool2d
def _taps(x, kernel, stride, padding, dilation):
    """The kH·kW strided views (N, C, Ho, Wo) of x padded with −∞, one per kernel tap, in row-major order."""
    outs = tuple(out_size(x.shape[2 + i], kernel[i], stride[i], (padding[i], padding[i]), dilation[i]) for i in (0, 1))
    xp_ = pad_crop(x, ((padding[0],) * 2, (padding[1],) * 2), value=-np.inf)
    (Ho, Wo), (sh, sw), (dh, dw) = outs, stride, dilation
    return [xp_[:, :, i * dh:i * dh + (Ho - 1) * sh + 1:sh, j * dw:j * dw + (Wo - 1) * sw + 1:sw]
            for i in range(kernel[0]) for j in range(kernel[1])]


def max_pool2d_forward_saving(x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
    """(out, tap): each window's maximum (NaN if it holds one, as PyTorch) and the tap (row-major, int8) that
    the gradient goes to: the first maximum, or PyTorch's last NaN."""
    x = np.asarray(x)
    taps = _taps(x, kernel_size, stride, padding, dilation)  # (NumPy's passes over all windows at once beat a
    # compiled loop over the windows here: each window's few taps make a serial chain of comparisons)
    best = taps[0].copy()
    for v in taps[1:]:
        np.maximum(best, v, out=best)
    kind = np.int8 if len(taps) < 128 else np.int32
    tap = np.zeros(best.shape, dtype=kind)
    found = taps[0] == best
    for t in range(1, len(taps)):  # the first tap equal to the maximum: boolean arithmetic, no np.where
        eq = taps[t] == best
        eq &= ~found
        tap += eq.astype(kind) * kind(t)
        found |= eq
    if best.dtype.kind == "f" and np.isnan(best).any():
        for t in range(len(taps)):
            tap = np.where(np.isnan(taps[t]), kind(t), tap)
    return best, tap


def max_pool2d_fwd(x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
    """x (N, C, H, W) → (N, C, Ho, Wo): the largest entry of each window (padding counts as −∞)."""
    return max_pool2d_forward_saving(x, kernel_size, stride, padding, dilation)[0]


def _spread_to_taps(g, tap, shape, kernel, stride, padding, dilation):
    """∂L/∂x (N, C, H, W): each G entry added at its window's winning tap (summed where windows overlap)."""
    N, C, H, W = shape
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    Ho, Wo = tap.shape[2:]
    if KERNELS is not None and tap.dtype == np.int8:  # one compiled pass: each G entry added at its tap
        dx = np.zeros(shape, dtype=g.dtype)
        if KERNELS.maxpool_grad(dx, np.ascontiguousarray(g), tap, *kernel, *stride, *dilation, *padding):
            return dx
    dx = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=g.dtype)
    tiling = sh >= (kernel[0] - 1) * dh + 1 and sw >= (kernel[1] - 1) * dw + 1  # windows never overlap
    zero = g.dtype.type(0)
    finite = bool(np.isfinite(g).all())  # then g · mask is g where the tap won and 0 elsewhere, as np.where
    for t in range(kernel[0] * kernel[1]):
        i, j = divmod(t, kernel[1])
        view = dx[:, :, i * dh:i * dh + (Ho - 1) * sh + 1:sh, j * dw:j * dw + (Wo - 1) * sw + 1:sw]
        if tiling and finite:
            np.multiply(g, tap == t, out=view)
        elif tiling:  # np.where, not g · mask: an infinite or NaN G entry reaches its own tap only
            view[...] = np.where(tap == t, g, zero)
        else:
            view += g * (tap == t) if finite else np.where(tap == t, g, zero)
    return dx[:, :, ph:ph + H, pw:pw + W]


def max_pool2d_vjp_all(g, out, x, saved=None, needs=None, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0),
                       dilation=(1, 1)):
    return [_spread_to_taps(np.asarray(g), saved, x.shape, kernel_size, stride, padding, dilation)]


def max_index(x, kernel_size, stride, padding, dilation):
    """(N, C, Ho·Wo) flat index into each (H·W) image of the first maximum of every window."""
    x = np.asarray(x)
    tap = max_pool2d_forward_saving(x, kernel_size, stride, padding, dilation)[1]
    N, C, Ho, Wo = tap.shape
    i, j = np.divmod(tap.astype(np.int64), kernel_size[1])
    rows = (np.arange(Ho) * stride[0] - padding[0])[:, None] + i * dilation[0]
    cols = (np.arange(Wo) * stride[1] - padding[1]) + j * dilation[1]
    return (rows * x.shape[3] + cols).reshape(N, C, Ho * Wo)


def max_pool2d_dx(g, out, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
    xd = data(x)
    N, C, H, W = xd.shape
    if isinstance(g, Tensor):  # a scatter row (its VJP a gather): second derivatives
        idx = max_index(xd, kernel_size, stride, padding, dilation)
        xp = namespace(g)
        flat = xp.reshape(g, (N, C, idx.shape[2]))
        return xp.reshape(scatter_into(flat, idx, 2, (N, C, H * W)), (N, C, H, W))
    tap = max_pool2d_forward_saving(xd, kernel_size, stride, padding, dilation)[1]
    return _spread_to_taps(np.asarray(g), tap, xd.shape, kernel_size, stride, padding, dilation)


# ---------------------------------------------------------------- average pooling as two window matrices
@functools.lru_cache(maxsize=256)
def window_matrix(n, starts, ends):
    """The (len(starts), n) 0/1 matrix whose row o is 1 on [starts[o], ends[o]) ∩ [0, n), and the row counts."""
    pos = np.arange(n)
    A = ((pos >= np.array(starts)[:, None]) & (pos < np.array(ends)[:, None])).astype(np.float64)
    A.flags.writeable = False
    return A


def _sliding(n, k, s, p):
    m = out_size(n, k, s, (p, p), 1)
    starts = tuple(o * s - p for o in range(m))
    return starts, tuple(a + k for a in starts)


def _adaptive(n, m):
    return tuple(o * n // m for o in range(m)), tuple(-(-(o + 1) * n // m) for o in range(m))


def _mats(x, spans, divisor):
    """Aₕ, A_w as arrays of x's namespace and dtype, and the divisor D (a number or an (Ho, Wo) array)."""
    xp = namespace(x)
    dt = x.dtype
    Ah, Aw = (window_matrix(x.shape[2 + i], *spans[i]) for i in (0, 1))
    if divisor is None:
        D = np.outer(Ah.sum(axis=1), Aw.sum(axis=1))
        D = xp.asarray(D, dtype=dt) if xp is not np else D.astype(dt)
    else:
        D = divisor
    if xp is np:
        return Ah.astype(dt, copy=False), Aw.astype(dt, copy=False), D
    return xp.asarray(Ah, dtype=dt), xp.asarray(Aw, dtype=dt), D


def window_sum(x, Ah, Aw):
    """Aₕ x A_wᵀ over the last two axes of x (N, C, H, W) → (N, C, Ho, Wo)."""
    if type(x) is np.ndarray:  # NumPy: two BLAS products of 2-D matrices
        N, C, H, W = x.shape
        t = np.dot(x.reshape(N * C * H, W), Aw.T).reshape(N, C, H, Aw.shape[0])
        return np.tensordot(t, Ah, axes=([2], [1])).transpose(0, 1, 3, 2)
    xp = namespace(x)
    return xp.matmul(xp.matmul(Ah, x), xp.matrix_transpose(Aw))


def window_spread(g, Ah, Aw):
    """Aₕᵀ g A_w: (N, C, Ho, Wo) → (N, C, H, W), the transpose of :func:`window_sum`."""
    if type(g) is np.ndarray:
        N, C, Ho, Wo = g.shape
        t = np.dot(np.ascontiguousarray(g).reshape(N * C * Ho, Wo), Aw).reshape(N, C, Ho, Aw.shape[1])
        return np.tensordot(t, Ah, axes=([2], [0])).transpose(0, 1, 3, 2)
    xp = namespace(g)
    if isinstance(g, Tensor):
        Ah, Aw = np.asarray(Ah), np.asarray(Aw)
        return xp.matmul(xp.matmul(np.ascontiguousarray(Ah.T), g), Aw)
    return xp.matmul(xp.matmul(xp.matrix_transpose(Ah), g), Aw)


def _avg_spans(x, kernel_size, stride, padding):
    return tuple(_sliding(x.shape[2 + i], kernel_size[i], stride[i], padding[i]) for i in (0, 1))


def avg_pool2d_fwd(x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True):
    """x (N, C, H, W) → (N, C, Ho, Wo): each window's sum over kH·kW (over its real entries when
    ``count_include_pad`` is False)."""
    Ah, Aw, D = _mats(x, _avg_spans(x, kernel_size, stride, padding),
                      float(kernel_size[0] * kernel_size[1]) if count_include_pad else None)
    return window_sum(x, Ah, Aw) / D


def avg_pool2d_dx(g, out, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), count_include_pad=True):
    Ah, Aw, D = _mats(data(x), _avg_spans(x, kernel_size, stride, padding),
                      float(kernel_size[0] * kernel_size[1]) if count_include_pad else None)
    return window_spread(g / D, Ah, Aw)


def adaptive_avg_pool2d_fwd(x, output_size=(1, 1)):
    """x (N, C, H, W) → (N, C, Ho, Wo), window o over [⌊oH/Ho⌋, ⌈(o+1)H/Ho⌉) (PyTorch's rule; windows may
    overlap)."""
    Ah, Aw, D = _mats(x, tuple(_adaptive(x.shape[2 + i], output_size[i]) for i in (0, 1)), None)
    return window_sum(x, Ah, Aw) / D


def adaptive_avg_pool2d_dx(g, out, x, output_size=(1, 1)):
    Ah, Aw, D = _mats(data(x), tuple(_adaptive(x.shape[2 + i], output_size[i]) for i in (0, 1)), None)
    return window_spread(g / D, Ah, Aw)


MAX_POOL2D = register(
    "max_pool2d", max_pool2d_fwd, (max_pool2d_dx,), argnames=("x",),
    forward_saving=max_pool2d_forward_saving, vjp_all=max_pool2d_vjp_all,
    latex=r"\operatorname{maxpool}($x)", dlatex=(r"\operatorname{scatter}_{\arg\max}(\cdot)",),
    doc="The largest entry of each window (padding is −∞; NaN if the window holds one). Gradient: G goes to "
        "the first maximum of each window (PyTorch's choice at ties; its last NaN), summed where windows "
        "overlap; second derivatives are zero.")
AVG_POOL2D = register(
    "avg_pool2d", avg_pool2d_fwd, (avg_pool2d_dx,), argnames=("x",),
    latex=r"\operatorname{avgpool}($x)", dlatex=(r"A_{h}^{T} \frac{(\cdot)}{D} A_{w}",),
    doc="The mean of each window: (Aₕ x A_wᵀ)/D with 0/1 window matrices, D = kH·kW (or the real entries with "
        "count_include_pad=False). Gradient Aₕᵀ(G/D)A_w: each G entry spread evenly over its window.")
ADAPTIVE_AVG_POOL2D = register(
    "adaptive_avg_pool2d", adaptive_avg_pool2d_fwd, (adaptive_avg_pool2d_dx,), argnames=("x",),
    latex=r"\operatorname{adaptiveavgpool}($x)", dlatex=(r"A_{h}^{T} \frac{(\cdot)}{D} A_{w}",),
    doc="The mean over PyTorch's adaptive windows [⌊oH/Ho⌋, ⌈(o+1)H/Ho⌉) (they may overlap): "
        "(Aₕ x A_wᵀ)/D. "
        "Gradient Aₕᵀ(G/D)A_w: each G entry spread evenly over its window.")
