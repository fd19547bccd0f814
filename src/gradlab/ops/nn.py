"""Fused neural-network primitives.

``linear(x, W, b) = x Wᵀ + b`` is one primitive rather than three (matmul,
transpose, add) because it is the training path's hot spot: one node, three
short VJPs, no transposed copies.

With X of shape (N, in), W (out, in), b (out,) and G = ∂L/∂Z of shape (N, out):
∂L/∂X = G W,  ∂L/∂W = Gᵀ X,  ∂L/∂b = 1ᵀ G (column sums).

Each rule below is written once for any array namespace. Where a rule has a
NumPy twin for training batches (fewer calls, in-place updates, compiled
loops), the row names it as one call into :mod:`gradlab.ops._loops`, which
returns None for arrays it does not take; the rule then runs as written.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParameterError
from ..core.primitive import namespace, register, unbroadcast
from ..core.tensor import apply
from . import _loops
from .elementwise import sigmoid_array


def linear_fwd(x, w, b=None):
    out = _loops.linear(x, w, b)  # NumPy rows: the cheaper product, the bias added in place
    if out is None:
        out = x @ w.mT
        if b is not None:
            out = out + b
    return out


def linear_dx(g, out, x, w, b=None):
    dx = _loops.linear_dx(g, w)
    return dx if dx is not None else g @ w


def linear_dw(g, out, x, w, b=None):
    dw = _loops.linear_dw(g, x)
    if dw is not None:
        return dw
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
    db = _loops.column_sums(g)  # 1ᵀG as a product
    return db if db is not None else namespace(g).sum(g, axis=tuple(range(g.ndim - 1)))


def _shape(d):
    return tuple(np.shape(d))


def linear_hint(datas, params):
    """The message for a failed forward of ``linear``: which of x, W and b does not fit."""
    x, w = _shape(datas[0]), _shape(datas[1])
    b = _shape(datas[2]) if datas[2] is not None else None
    if len(w) != 2:
        return f"linear: weight must be a matrix (out_features, in_features), got shape {w}"
    if not x or x[-1] != w[1]:
        return (f"linear: input of shape {x} has {x[-1] if x else 0} features but the weight of shape {w} "
                f"expects in_features = {w[1]}")
    if b is not None and b not in ((w[0],), ()):
        return f"linear: bias of shape {b} does not match out_features = {w[0]} (expected ({w[0]},))"
    return None


LINEAR = register("linear", linear_fwd, (linear_dx, linear_dw, linear_db), latex="$x $W^{T} + $b",
                  dlatex=("(\\cdot) $W", "(\\cdot)^{T} $x", r"\mathbf{1}^{T} (\cdot)"), argnames=("x", "W", "b"),
                  hint=linear_hint, optional=True)


# ------------------------------------------------------------ mean squared error
def _mse_scale(d, reduction):
    """∂L/∂d per unit of d = p − t: 2/n for 'mean' (n elements of d, broadcast shape), 2 for 'sum' and 'none'."""
    if reduction != "mean":
        return 2.0
    return 2.0 / d.size if d.size else math.nan  # the mean of no elements is NaN, as in PyTorch


def mse_loss_forward_saving(p, t, reduction="mean"):
    """The loss and the residual d = p − t, which the backward pass reuses."""
    d = p - t
    if reduction == "none":
        return d * d, d
    s = _loops.sum_of_squares(d)  # NumPy: Σ d² in one call
    if s is None:
        s = namespace(d).sum(d * d)
    if reduction != "mean":
        return s, d
    return (s / d.size if d.size else s * math.nan), d  # the mean of no elements: NaN of s's dtype


def mse_loss_fwd(p, t, reduction="mean"):
    return mse_loss_forward_saving(p, t, reduction)[0]


def mse_loss_dp(g, out, p, t, reduction="mean"):
    d = p - t
    return (g * _mse_scale(d, reduction)) * d


def mse_loss_dt(g, out, p, t, reduction="mean"):
    return -mse_loss_dp(g, out, p, t, reduction)


def mse_loss_vjp_all(g, out, p, t, saved=None, needs=None, reduction="mean"):
    """Both gradients from the saved residual: ±(2/n) g d ('mean'), ±2 g d ('sum', 'none')."""
    d = saved if saved is not None else p - t
    scale = _mse_scale(d, reduction)
    gp = _loops.seed_times(g, scale, d)  # the scalar seed of loss.backward(): one array operation
    if gp is None:
        gp = (g * scale) * d
    dp = unbroadcast(gp, p.shape) if needs is None or needs[0] else None  # each input's own shape
    dt = unbroadcast(-gp, t.shape) if needs is None or needs[1] else None
    return [dp, dt]


MSE_LOSS = register("mse_loss", mse_loss_fwd, (mse_loss_dp, mse_loss_dt),
                    latex=r"\frac{1}{n}\lVert $x - $y \rVert^{2}", dlatex=(r"\frac{2}{n}($x - $y)", r"-\frac{2}{n}($x - $y)"),
                    argnames=("x", "y"), forward_saving=mse_loss_forward_saving, vjp_all=mse_loss_vjp_all,
                    doc="reduction 'mean' divides by the number of elements n, 'sum' does not, 'none' keeps them.")


# ----------------------------------------------------------------- dense stack
# A chain Linear → activation → Linear → ... as one row: the fast path of
# nn.Sequential. Its joint VJP is the textbook δ recursion:
#   δ⁽ᴸ⁾ = g ⊙ f′(z⁽ᴸ⁾),  ∂L/∂W⁽ᴸ⁾ = δ⁽ᴸ⁾ᵀ a⁽ᴸ⁻¹⁾,  ∂L/∂b⁽ᴸ⁾ = 1ᵀ δ⁽ᴸ⁾,  ∂L/∂a⁽ᴸ⁻¹⁾ = δ⁽ᴸ⁾ W⁽ᴸ⁾.
# Every f′ is computed from the activation's output a = f(z), so only the
# activations are saved (the same arrays a hand-written NumPy step keeps).

def _act_forward(name, z, slope):
    """f(z) element-wise."""
    if name == "relu":
        return namespace(z).maximum(z, 0.0)
    if name == "leaky_relu":
        return namespace(z).where(z > 0, z, slope * z)
    if name == "sigmoid":
        return sigmoid_array(z)
    if name == "tanh":
        return namespace(z).tanh(z)
    return z


def _act_backward(name, g, a, slope):
    """g ⊙ f′(z) from the output a = f(z)."""
    if name == "relu":
        delta = _loops.relu_grad(g, a)  # NumPy: sign(a)·g
        return delta if delta is not None else namespace(g).where(a > 0, g, 0.0)
    if name == "leaky_relu":
        return namespace(g).where(a > 0, g, slope * g)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "tanh":
        return g * (1 - a * a)
    return g


DENSE_ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")


def dense_stack_forward_saving(x, *wb, activations=(), negative_slope=0.01):
    """(output, every activation a⁽ᵏ⁾), which the δ recursion reuses."""
    fast = _loops.dense_forward(x, wb, activations, negative_slope, _act_forward)  # NumPy rows (N, features)
    return fast if fast is not None else _dense_forward(x, wb, activations, negative_slope)


def _dense_forward(x, wb, activations, slope):
    """a⁽ᵏ⁺¹⁾ = f(a⁽ᵏ⁾ W⁽ᵏ⁾ᵀ + b⁽ᵏ⁾) through any array namespace; returns (output, every a⁽ᵏ⁾)."""
    acts = [x]
    h = x
    k = 0
    for name in activations:
        h = _act_forward(name, linear_fwd(h, wb[k], wb[k + 1]), slope)
        acts.append(h)
        k += 2
    return h, acts


def dense_stack_fwd(x, *wb, activations=(), negative_slope=0.01):
    return dense_stack_forward_saving(x, *wb, activations=activations, negative_slope=negative_slope)[0]


def dense_stack_vjp_all(g, out, x, *wb, saved=None, needs=None, activations=(), negative_slope=0.01):
    """Gradients of (x, W1, b1, W2, b2, ...) by the δ recursion; None where not needed."""
    acts = saved if saved is not None else dense_stack_forward_saving(
        x, *wb, activations=activations, negative_slope=negative_slope)[1]
    if needs is None:
        needs = [True] * (1 + len(wb))
    grads = _loops.delta_recursion(g, acts, wb, activations, negative_slope, needs, _act_backward)  # NumPy rows
    return grads if grads is not None else _delta_recursion(g, acts, wb, activations, negative_slope, needs)


def _delta_recursion(g, acts, wb, activations, slope, needs):
    """The δ recursion through any array namespace (the reference for the NumPy loop)."""
    grads = [None] * (1 + len(wb))
    for k in range(len(activations) - 1, -1, -1):
        delta = _act_backward(activations[k], g, acts[k + 1], slope)
        j = 2 * k + 1  # grads[j] is ∂L/∂W⁽ᵏ⁾, grads[j + 1] is ∂L/∂b⁽ᵏ⁾
        W = wb[j - 1]
        if needs[j]:
            grads[j] = linear_dw(delta, None, acts[k], W)
        if needs[j + 1]:
            grads[j + 1] = linear_db(delta, None, acts[k], W)
        if k > 0 or needs[0]:
            g = linear_dx(delta, None, acts[k], W)
    if needs[0]:
        grads[0] = g
    return grads


class _DenseVJPs:
    """Per-input VJPs of the dense stack (the reference path): each runs the joint rule."""

    def __getitem__(self, i):
        def vjp_i(g, out, *inputs, **params):
            return dense_stack_vjp_all(g, out, *inputs, **params)[i]

        return vjp_i


DENSE_STACK = register(
    "dense_stack", dense_stack_fwd, _DenseVJPs(), latex=r"f_L(\cdots f_1($x W_1^{T} + b_1) \cdots)",
    dlatex=(r"\delta^{(1)} W^{(1)}", r"\delta^{(\ell)T} a^{(\ell-1)}", r"\mathbf{1}^{T}\delta^{(\ell)}"),
    forward_saving=dense_stack_forward_saving, vjp_all=dense_stack_vjp_all, optional=True,
    doc="Linear layers with element-wise activations as one node (nn.Sequential's fast path); the backward "
        "pass is the δ recursion, computed once for all inputs.")


def dense_stack(x, layers, activations, negative_slope=0.01):
    """Apply Linear/activation pairs as one node.

    A leaky_relu needs ``negative_slope`` ≥ 0 here (the backward pass reads
    the sign of z from the activation's output).

    Args:
        x: Tensor (N, in) or (in,).
        layers: sequence of (weight (out, in), bias (out,)) Tensors.
        activations: one name per layer from ``DENSE_ACTIVATIONS``.
    """
    flat = []
    for W, b in layers:
        flat.append(W)
        flat.append(b)
    return dense_stack_flat(x, flat, tuple(activations), negative_slope)


def dense_stack_flat(x, flat, activations, negative_slope=0.01):
    """:func:`dense_stack` with the parameters as one list (W1, b1, W2, b2, ...) and ``activations`` a tuple."""
    if negative_slope < 0 and "leaky_relu" in activations:
        raise ParameterError(
            f"dense_stack: leaky_relu with negative_slope {negative_slope} cannot be fused: the backward pass reads "
            "the sign of z from the output a = f(z), which a negative slope makes positive on both sides; "
            "apply the layers one by one (gl.linear, gl.leaky_relu)")
    return apply(DENSE_STACK, x, *flat, activations=activations, negative_slope=negative_slope)
