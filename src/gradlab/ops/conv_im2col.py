"""The NumPy kernels of the convolution rows: im2col, the convolution as one product, col2im, ∂W.

im2col is an ``as_strided`` view (N, C, kH, kW, Ho, ·) of the padded input, copied once into the matrix
(N, groups, C/groups·kH·kW, ·) that one stacked ``np.matmul`` (BLAS; float32 stays float32) multiplies by
the kernel. With stride 1 along the width the view runs over whole padded rows ("wide" columns, Wv = the
padded width): each window row is then one contiguous run, which copies several times faster than Wo-long
pieces; the Wv − Wo columns past the last window are computed and dropped. col2im (the transposed
convolution, the textbook's full convolution with the flipped kernel) is one product and one addition per
kernel tap, over contiguous runs of the flattened image when the stride is 1.

Where the C extension is built (``gradlab.core.native``), the window copy and col2im's additions are one
compiled pass each (``_kernels.im2col``, ``_kernels.col2im``: the same numbers, col2im's in the same order);
the NumPy code below stays the reference and runs everywhere else (tests/core/test_conv_kernels.py
compares the two).
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..core.native import KERNELS


_POOL: dict = {}  # (shape, dtype) -> arrays of that kind this module handed out before
_POOL_BYTES = 64 * 2**20  # the most memory the pool keeps


def workspace(shape, dtype):
    """An uninitialised array of ``shape`` and ``dtype``, reused from an earlier call when nothing holds it any
    more (a training step's im2col matrix is released by the backward pass, and the next step's has the same
    shape): fresh memory of a few MB costs the step hundreds of page faults, more than the copy itself.
    """
    key = (tuple(shape), np.dtype(dtype))
    arrays = _POOL.setdefault(key, [])
    for a in arrays:
        if sys.getrefcount(a) == 3:  # the list, the loop variable, getrefcount's argument: no one else
            return a
    a = np.empty(shape, dtype=dtype)
    if a.nbytes * (1 + sum(len(v) for v in _POOL.values())) <= _POOL_BYTES and len(arrays) < 4:
        arrays.append(a)
    return a


def pad_crop(x, padding, value=0.0):
    """``x`` (N, C, H, W) with ``padding`` ((top, bottom), (left, right)) added; negative amounts crop."""
    (t, b), (l, r) = padding
    if t < 0 or b < 0 or l < 0 or r < 0:
        H, W = x.shape[-2:]
        x = x[..., max(-t, 0):H - max(-b, 0), max(-l, 0):W - max(-r, 0)]
        t, b, l, r = max(t, 0), max(b, 0), max(l, 0), max(r, 0)
    if t or b or l or r:
        N, C, H, W = x.shape
        out = np.full((N, C, H + t + b, W + l + r), value, dtype=x.dtype)
        out[:, :, t:t + H, l:l + W] = x
        return out
    return x


def out_size(n, k, stride, pad, dilation):
    """Output length of a window of ``k`` taps (dilation d) sliding with ``stride`` over ``n`` + padding."""
    return (n + pad[0] + pad[1] - dilation * (k - 1) - 1) // stride + 1


def windows(xp_, kernel, stride, dilation, outs):
    """The read-only view (N, C, kH, kW, Ho, Wo) of the padded ``xp_`` (N, C, H, W): im2col without a copy."""
    N, C = xp_.shape[:2]
    sN, sC, sH, sW = xp_.strides
    return as_strided(xp_, (N, C, kernel[0], kernel[1], outs[0], outs[1]),
                      (sN, sC, sH * dilation[0], sW * dilation[1], sH * stride[0], sW * stride[1]), writeable=False)


def im2col(x, kernel, stride, padding, dilation, groups, outs=None):
    """(cols (N, groups, C/groups·kH·kW, Ho·Wv), (Ho, Wo), Wv): Wv = Wo, or the padded width ("wide")."""
    N, C = x.shape[:2]
    if outs is None:
        outs = tuple(out_size(x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i]) for i in (0, 1))
    Ho, Wo = outs
    kg = (C // groups) * kernel[0] * kernel[1]
    if KERNELS is not None and type(x) is np.ndarray and Ho > 0 and Wo > 0:  # one compiled pass
        cols = workspace((N, C * kernel[0] * kernel[1], Ho * Wo), x.dtype)
        if KERNELS.im2col(x, cols, kernel[0], kernel[1], Ho, Wo, stride[0], stride[1], dilation[0], dilation[1],
                          padding[0][0], padding[1][0]):
            return cols.reshape(N, groups, kg, Ho * Wo), outs, Wo
    cropped = pad_crop(x, tuple((min(a, 0), min(b, 0)) for a, b in padding))
    (t, b), (l, r) = ((max(a, 0), max(c, 0)) for a, c in padding)
    H, W = cropped.shape[2:]
    Hp, Wp = H + t + b, W + l + r
    if stride[1] != 1 or Wp > 2 * Wo:  # narrow columns
        view = windows(pad_crop(cropped, ((t, b), (l, r))), kernel, stride, dilation, outs)
        return view.reshape(N, groups, kg, Ho * Wo), outs, Wo
    tail = (kernel[1] - 1) * dilation[1]
    flat = np.zeros((N, C, Hp * Wp + tail), dtype=x.dtype)
    flat[..., :Hp * Wp].reshape(N, C, Hp, Wp)[:, :, t:t + H, l:l + W] = cropped
    s = flat.itemsize
    view = as_strided(flat, (N, C, kernel[0], kernel[1], Ho, Wp),
                      (flat.strides[0], flat.strides[1], dilation[0] * Wp * s, dilation[1] * s, stride[0] * Wp * s, s),
                      writeable=False)
    return view.reshape(N, groups, kg, Ho * Wp), outs, Wp


def conv_forward(x, w, b, stride, padding, dilation, groups):
    """(out (N, O, Ho, Wo), (cols, Wv)): the convolution and the im2col matrix its ∂W reuses."""
    N, O, G = x.shape[0], w.shape[0], groups
    cols, (Ho, Wo), Wv = im2col(x, tuple(w.shape[2:]), stride, padding, dilation, G)
    out = np.matmul(w.reshape(G, O // G, -1), cols).reshape(N, O, Ho, Wv)  # one stacked product, NCHW order
    if Wv != Wo:
        out = np.ascontiguousarray(out[..., :Wo])  # contiguous: the element-wise rows after it run faster
    if b is not None:
        out += b.reshape(-1, 1, 1)
    return out, (cols, Wv)


def weight_from_cols(cols, Wv, g, kernel, groups):
    """∂W (O, C/groups, kH, kW) = Σₙ G[n] colsᵀ[n]: the correlation of the input (as im2col) with G."""
    N, O, Ho, Wo = g.shape
    G = groups
    if Wv != Wo:  # G widened with zeros to the wide columns
        gw = np.zeros((N, O, Ho, Wv), dtype=g.dtype)
        gw[..., :Wo] = g
        g = gw
    dw = np.matmul(g.reshape(N, G, O // G, Ho * Wv), cols.transpose(0, 1, 3, 2))  # (N, G, O/G, Kg)
    dw = dw[0] if N == 1 else dw.sum(axis=0)
    return dw.reshape(O, -1, kernel[0], kernel[1])


def col2im(y, w, b, stride, padding, dilation, groups, size):
    """The transposed convolution (N, C, size): y (N, O, Hi, Wi), w (O, C/groups, kH, kW), b (C,) or None."""
    N, O, Hi, Wi = y.shape
    _, Cg, kH, kW = w.shape
    G, (sh, sw), (dh, dw), t, l = groups, stride, dilation, padding[0][0], padding[1][0]
    C = G * Cg
    if KERNELS is not None and type(y) is np.ndarray and y.dtype == w.dtype and Hi > 0 and Wi > 0:
        # cols (N, C·kH·kW, Hi·Wi) in (channel, tap) order, then one compiled scatter-add pass
        wc = w.reshape(G, O // G, Cg * kH * kW).transpose(0, 2, 1)
        cols = np.matmul(wc, y.reshape(N, G, O // G, Hi * Wi), out=workspace((N, G, Cg * kH * kW, Hi * Wi), y.dtype))
        cols = cols.reshape(N, C * kH * kW, Hi * Wi)
        out = np.zeros((N, C) + tuple(size), dtype=cols.dtype)
        if KERNELS.col2im(out, cols, kH, kW, Hi, Wi, sh, sw, dh, dw, t, l):
            if b is not None:
                out += b.reshape(-1, 1, 1)
            return out
    Hq = max(t + size[0], (Hi - 1) * sh + (kH - 1) * dh + 1)
    Wq = max(l + size[1], (Wi - 1) * sw + (kW - 1) * dw + 1)
    wt = w.reshape(G, O // G, Cg, kH, kW).transpose(0, 3, 4, 2, 1).reshape(G, kH * kW * Cg, O // G)
    if sh == 1 and sw == 1:
        # y widened to the padded rows' width Wq (zeros after): each kernel tap adds one contiguous run of the
        # flattened image, at offset (i·dh)·Wq + j·dw
        if Wq > Wi:
            yw = np.zeros((N, O, Hi, Wq), dtype=y.dtype)
            yw[..., :Wi] = y
        else:
            yw = y
        cols = np.matmul(wt, yw.reshape(N, G, O // G, Hi * Wq)).reshape(N, G, kH, kW, Cg, Hi * Wq)
        flat = np.zeros((N, G, Cg, Hq * Wq + (kW - 1) * dw), dtype=cols.dtype)
        for i in range(kH):
            for j in range(kW):
                o = i * dh * Wq + j * dw
                flat[..., o:o + Hi * Wq] += cols[:, :, i, j]
        buf = flat[..., :Hq * Wq].reshape(N, C, Hq, Wq)
    else:
        # each window's contribution (N, G, kH, kW, C/G, Hi, Wi), added one strided slice per kernel tap
        cols = np.matmul(wt, y.reshape(N, G, O // G, Hi * Wi)).reshape(N, G, kH, kW, Cg, Hi, Wi)
        buf = np.zeros((N, C, Hq, Wq), dtype=cols.dtype)
        b5 = buf.reshape(N, G, Cg, Hq, Wq)
        for i in range(kH):
            for j in range(kW):
                b5[..., i * dh:i * dh + (Hi - 1) * sh + 1:sh, j * dw:j * dw + (Wi - 1) * sw + 1:sw] += cols[:, :, i, j]
    out = buf[:, :, t:t + size[0], l:l + size[1]]
    if b is not None:
        out += b.reshape(-1, 1, 1)
    return out
