"""Fused neural-network primitives.

``linear(x, W, b) = x Wᵀ + b`` is one primitive rather than three (matmul,
transpose, add) because it is the training path's hot spot: one node, three
short VJPs, no transposed copies.

With X of shape (N, in), W (out, in), b (out,) and G = ∂L/∂Z of shape (N, out):
∂L/∂X = G W,  ∂L/∂W = Gᵀ X,  ∂L/∂b = 1ᵀ G (column sums).

The dense stack's NumPy loops hand two element-wise steps to compiled loops
when the C extension is built (:mod:`gradlab.core.native`): z + b with ReLU
in the forward pass, sign(a)·g in the backward pass, each bit for bit what
the NumPy calls give.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ParameterError
from ..core.native import KERNELS
from ..core.primitive import constant, namespace, register, unbroadcast
from ..core.tensor import apply


# Products of NumPy matrices (the training path) below this many multiply-adds use the method
# ndarray.dot, which is @ for one or two axes and costs less per call (about 0.55 µs against 1.2 µs
# on a course example's arrays; np.dot takes 0.85 µs, for its dispatch). Larger ones use @, whose
# BLAS call measured 1-5% faster than dot's from a million multiply-adds on (1024 and 4096 rows).
SMALL_PRODUCT = 1 << 20


def linear_fwd(x, w, b=None):
    if type(x) is np.ndarray and type(w) is np.ndarray and x.ndim <= 2:
        out = x.dot(w.T) if x.size * w.shape[0] < SMALL_PRODUCT else x @ w.T
        if b is not None:
            if type(b) is np.ndarray and (out.dtype is b.dtype or out.dtype == b.dtype):
                # out is a fresh array: add in place, no temporary; a bias row (1, out) broadcasts
                # over a one-row batch in 0.5 µs where the vector (out,) takes 1.2 µs
                out += b[None] if out.ndim == 2 and b.ndim == 1 else b
            else:
                out = out + b
        return out
    out = x @ w.mT
    return out if b is None else out + b


def linear_dx(g, out, x, w, b=None):
    if type(g) is np.ndarray and type(w) is np.ndarray and g.ndim <= 2:
        return g.dot(w) if g.size * w.shape[1] < SMALL_PRODUCT else g @ w
    return g @ w


def linear_dw(g, out, x, w, b=None):
    if type(g) is np.ndarray and g.ndim == 2 and type(x) is np.ndarray and x.ndim == 2:
        return g.T.dot(x) if g.size * x.shape[1] < SMALL_PRODUCT else g.T @ x
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
        # the column sums 1ᵀG as the product it is: one BLAS call, faster than a reduction on small G
        return constant("ones", (g.shape[0],), g.dtype).dot(g)
    return namespace(g).sum(g, axis=tuple(range(g.ndim - 1)))


LINEAR = register("linear", linear_fwd, (linear_dx, linear_dw, linear_db), latex="$x $W^{T} + $b",
                  dlatex=("(\\cdot) $W", "(\\cdot)^{T} $x", r"\mathbf{1}^{T} (\cdot)"), argnames=("x", "W", "b"))


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
    s = np.vdot(d, d) if type(d) is np.ndarray else namespace(d).sum(d * d)  # Σ d² in one call
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
    if type(g) is np.ndarray and g.ndim == 0:  # the scalar seed of loss.backward(): one array operation
        gp = d * (float(g) * scale)
    else:
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
# nn.Sequential. Its joint VJP is the homework's δ recursion:
#   δ⁽ᴸ⁾ = g ⊙ f′(z⁽ᴸ⁾),  ∂L/∂W⁽ᴸ⁾ = δ⁽ᴸ⁾ᵀ a⁽ᴸ⁻¹⁾,  ∂L/∂b⁽ᴸ⁾ = 1ᵀ δ⁽ᴸ⁾,  ∂L/∂a⁽ᴸ⁻¹⁾ = δ⁽ᴸ⁾ W⁽ᴸ⁾.
# Every f′ is computed from the activation's output a = f(z), so only the
# activations are saved (the same arrays a hand-written NumPy step keeps).

def _act_forward(name, z, slope):
    """f(z), overwriting z when it is a fresh NumPy array (it always is here)."""
    if name == "relu":
        if type(z) is np.ndarray:
            return np.maximum(z, 0.0, out=z)
        return namespace(z).maximum(z, 0.0)
    if name == "leaky_relu":
        return namespace(z).where(z > 0, z, slope * z)
    if name == "sigmoid":
        from .elementwise import sigmoid_array

        return sigmoid_array(z)
    if name == "tanh":
        return namespace(z).tanh(z)
    return z


def _act_backward(name, g, a, slope):
    """g ⊙ f′(z) from the output a = f(z)."""
    if name == "relu":
        if type(a) is np.ndarray:
            # a = max(z, 0) ≥ 0, so sign(a) is exactly the 0/1 mask H(z): a float, no bool cast;
            # multiplied in place, one new array instead of two
            mask = np.sign(a)
            mask *= g
            return mask
        return namespace(a).where(a > 0, g, 0.0)
    if name == "leaky_relu":
        return namespace(a).where(a > 0, g, slope * g)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "tanh":
        return g * (1 - a * a)
    return g


DENSE_ACTIVATIONS = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")


def dense_stack_forward_saving(x, *wb, activations=(), negative_slope=0.01):
    if type(x) is np.ndarray and x.ndim == 2 and type(wb[0]) is np.ndarray:
        return _dense_forward_numpy(x, wb, activations, negative_slope)
    return _dense_forward(x, wb, activations, negative_slope)


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


def _dense_forward_numpy(x, wb, activations, slope):
    """The forward loop for a batch of NumPy rows (N, features), each step one NumPy call.

    z = a Wᵀ + b (the bias added in place, as a row), then ReLU in place with a
    0-d zero of the array's dtype; other activations go through ``_act_forward``.
    Tests check it against :func:`_dense_forward`.
    """
    n = x.shape[0]
    zero = constant("zeros", (), x.dtype)  # as a NumPy operand, cheaper than the float 0.0
    acts = [x]
    h = x
    k = 0
    for name in activations:
        W, b = wb[k], wb[k + 1]
        k += 2
        z = h.dot(W.T) if n * W.size < SMALL_PRODUCT else h @ W.T
        if KERNELS is not None and b is not None and name in _BIAS_ACTS and KERNELS.bias_act(z, b, name == "relu"):
            # z + b, then ReLU, in one compiled pass (bit for bit the calls below)
            acts.append(z)
            h = z
            continue
        if b is not None:
            if z.dtype is b.dtype:
                z += b[None]
            else:
                z = z + b
        if name == "relu":
            h = np.maximum(z, zero, out=z)
        else:
            h = _act_forward(name, z, slope)
        acts.append(h)
    return h, acts


def dense_stack_fwd(x, *wb, activations=(), negative_slope=0.01):
    return dense_stack_forward_saving(x, *wb, activations=activations, negative_slope=negative_slope)[0]


def dense_stack_vjp_all(g, out, x, *wb, saved=None, needs=None, activations=(), negative_slope=0.01):
    """Gradients of (x, W1, b1, W2, b2, ...) by the δ recursion; None where not needed."""
    acts = saved if saved is not None else dense_stack_forward_saving(
        x, *wb, activations=activations, negative_slope=negative_slope)[1]
    if needs is None:
        needs = [True] * (1 + len(wb))
    if type(g) is np.ndarray and g.ndim == 2 and type(x) is np.ndarray and x.ndim == 2 and type(wb[0]) is np.ndarray:
        return _delta_recursion_numpy(g, acts, wb, activations, negative_slope, needs)
    return _delta_recursion(g, acts, wb, activations, negative_slope, needs)


def _delta_recursion(g, acts, wb, activations, slope, needs):
    """The δ recursion through any array namespace (the reference for the NumPy loop below)."""
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


def _delta_recursion_numpy(g, acts, wb, activations, slope, needs):
    """The loop of :func:`dense_stack_vjp_all` for a batch of NumPy rows (N, features).

    The rules of :func:`_delta_recursion` with the calls written out, one NumPy
    call each: δ = g ⊙ H(z) for ReLU (H from a = max(z, 0): sign(a) on small
    arrays, a boolean mask multiplied in place on large ones), ∂L/∂W = δᵀa,
    ∂L/∂b = 1ᵀδ, ∂L/∂a = δW. This is the training step's hot loop; tests check
    it against the general loop.
    """
    n = g.shape[0]
    ones = constant("ones", (n,), g.dtype)  # the row 1ᵀ (a δ of another dtype is promoted; the engine casts)
    grads = [None] * (1 + len(wb))
    k = len(activations) - 1
    own = False  # g is an array this loop made (δW of the layer above), so it may be overwritten
    while k >= 0:
        out = acts[k + 1]  # this layer's output a⁽ᵏ⁺¹⁾; its input is acts[k]
        if activations[k] == "relu":
            delta = g if own or KERNELS is None else np.empty_like(g)
            if KERNELS is None or not KERNELS.relu_grad(g, out, delta):  # sign(a)·g compiled, bit for bit
                if own and out.size >= _IN_PLACE_MASK_SIZE:
                    delta = g
                    np.multiply(g, out > 0, out=g)
                else:
                    delta = np.sign(out)
                    delta *= g
        else:
            delta = _act_backward(activations[k], g, out, slope)
        j = 2 * k + 1
        W = wb[j - 1]
        small = n * W.size < SMALL_PRODUCT  # both products below cost n·in·out multiply-adds
        if needs[j]:
            grads[j] = delta.T.dot(acts[k]) if small else delta.T @ acts[k]
        if needs[j + 1]:
            grads[j + 1] = ones.dot(delta)
        if k or needs[0]:
            g = delta.dot(W) if small else delta @ W
            own = True
        k -= 1
    if needs[0]:
        grads[0] = g
    return grads


_BIAS_ACTS = ("relu", "identity")  # the activations the compiled bias_act applies

# from this many elements on, ReLU's backward multiplies a boolean mask into δW in place
# (at 8192 elements both ways cost the same; at 2 million the mask saves a fifth)
_IN_PLACE_MASK_SIZE = 8192


class _DenseVJPs:
    """Per-input VJPs of the dense stack (the reference path): each runs the joint rule."""

    def __getitem__(self, i):
        def vjp_i(g, out, *inputs, **params):
            return dense_stack_vjp_all(g, out, *inputs, **params)[i]

        return vjp_i


DENSE_STACK = register(
    "dense_stack", dense_stack_fwd, _DenseVJPs(), latex=r"f_L(\cdots f_1($x W_1^{T} + b_1) \cdots)",
    dlatex=(r"\delta^{(1)} W^{(1)}", r"\delta^{(\ell)T} a^{(\ell-1)}", r"\mathbf{1}^{T}\delta^{(\ell)}"),
    forward_saving=dense_stack_forward_saving, vjp_all=dense_stack_vjp_all,
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
