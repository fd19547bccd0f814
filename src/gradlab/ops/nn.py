"""Fused neural-network primitives.

``linear(x, W, b) = x Wᵀ + b`` is one primitive rather than three (matmul,
transpose, add) because it is the training path's hot spot: one node, three
short VJPs, no transposed copies.

With X of shape (N, in), W (out, in), b (out,) and G = ∂L/∂Z of shape (N, out):
∂L/∂X = G W,  ∂L/∂W = Gᵀ X,  ∂L/∂b = 1ᵀ G (column sums).
"""

from __future__ import annotations

import numpy as np

from ..core.primitive import namespace, register


def linear_fwd(x, w, b=None):
    out = x @ w.mT
    if b is not None:
        if type(out) is np.ndarray and out.dtype == np.result_type(out, b):
            out += b  # out is a fresh array: add in place, no temporary
        else:
            out = out + b
    return out


def linear_dx(g, out, x, w, b=None):
    return g @ w


def linear_dw(g, out, x, w, b=None):
    if x.ndim == 1:  # one sample: the outer product g xᵀ
        xp = namespace(g)
        return xp.reshape(g, (-1, 1)) * xp.reshape(x, (1, -1))
    if x.ndim == 2:
        return g.mT @ x
    xp = namespace(g)
    return xp.reshape(g, (-1, g.shape[-1])).mT @ xp.reshape(x, (-1, x.shape[-1]))


def linear_db(g, out, x, w, b=None):
    if g.ndim == 1:
        return g
    if type(g) is np.ndarray and g.ndim == 2:
        return g.sum(axis=0)
    return namespace(g).sum(g, axis=tuple(range(g.ndim - 1)))


LINEAR = register("linear", linear_fwd, (linear_dx, linear_dw, linear_db), latex="$x $W^{T} + $b",
                  dlatex=("(\\cdot) $W", "(\\cdot)^{T} $x", r"\mathbf{1}^{T} (\cdot)"), argnames=("x", "W", "b"))
