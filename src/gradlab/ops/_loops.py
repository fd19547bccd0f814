"""The training step's fast loops: the rules of a few rows written out for NumPy batches, and the compiled kernels.

A row in ``ops/nn.py`` or ``ops/losses.py`` states its rule once, for any array namespace (NumPy,
array-api-strict, gradlab Tensors): the forward pass and the VJPs as the textbook writes them. On the
training path the arrays are NumPy batches (N, features), where the same rule is cheaper written out:
one NumPy call per step of the rule, array methods instead of NumPy's dispatching functions,
``ndarray.dot`` for small products, in-place updates of arrays the loop itself made, and, where the C
extension is built (:mod:`gradlab.core.native`), one compiled pass instead of several NumPy calls. All
of that lives here, so a row names its fast path as one call::

    out = _loops.linear(x, w, b)      # the NumPy twin of the rule
    if out is None:                   # not arrays this loop takes: the row's rule runs
        ...

**The contract.** Every function returns None when it does not take its arguments (not NumPy arrays, or
not the shapes it is written for), and then has changed nothing. Otherwise it returns what the row's
rule returns: the same values, and the same bits where the function says so. The compiled kernels keep
the same contract one level down (they return False, or None, and the NumPy code here runs), and this
NumPy code stays their reference. Tests compare each loop with its rule
(``tests/core/test_fast_paths.py``) and each kernel with its NumPy code (``tests/core/test_native.py``).

:data:`KERNELS` is the compiled module or None; setting it to None here turns every kernel off for the
rows (tests do, to compare both ways).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.native import KERNELS
from ..core.primitive import constant, unbroadcast

ndarray = np.ndarray

# Products below this many multiply-adds use the method ndarray.dot, which is @ for one or two axes and
# costs less per call (about 0.55 µs against 1.2 µs on a course example's arrays; np.dot takes 0.85 µs,
# for its dispatch). Larger ones use @, whose BLAS call measured 1-5% faster than dot's from a million
# multiply-adds on (1024 and 4096 rows).
SMALL_PRODUCT = 1 << 20

# from this many elements on, ReLU's backward multiplies a boolean mask into δW in place
# (at 8192 elements both ways cost the same; at 2 million the mask saves a fifth)
IN_PLACE_MASK_SIZE = 8192

BIAS_ACTS = ("relu", "identity")  # the activations the compiled bias_act applies after z + b


# ------------------------------------------------------------------ linear
def linear(x, w, b):
    """x Wᵀ + b for NumPy rows x (N, in) or (in,): the product, then the bias added in place."""
    if type(x) is not ndarray or type(w) is not ndarray or x.ndim > 2 or (b is not None and type(b) is not ndarray):
        return None
    out = x.dot(w.T) if x.size * w.shape[0] < SMALL_PRODUCT else x @ w.T
    if b is not None:
        if type(b) is ndarray and (out.dtype is b.dtype or out.dtype == b.dtype):
            # out is a fresh array: add in place, no temporary; a bias row (1, out) broadcasts
            # over a one-row batch in 0.5 µs where the vector (out,) takes 1.2 µs
            out += b[None] if out.ndim == 2 and b.ndim == 1 else b
        else:
            out = out + b
    return out


def linear_dx(g, w):
    """G W for NumPy G (N, out) or (out,)."""
    if type(g) is not ndarray or type(w) is not ndarray or g.ndim > 2:
        return None
    return g.dot(w) if g.size * w.shape[1] < SMALL_PRODUCT else g @ w


def linear_dw(g, x):
    """Gᵀ X for NumPy G (N, out) and X (N, in)."""
    if type(g) is not ndarray or g.ndim != 2 or type(x) is not ndarray or x.ndim != 2:
        return None
    return g.T.dot(x) if g.size * x.shape[1] < SMALL_PRODUCT else g.T @ x


def column_sums(g):
    """1ᵀG for NumPy G (N, out): the product it is, one BLAS call, faster than a reduction on small G."""
    if type(g) is not ndarray or g.ndim != 2:
        return None
    return constant("ones", (g.shape[0],), g.dtype).dot(g)


# ------------------------------------------------------------- activations
def relu_grad(g, a):
    """g ⊙ H(z) from a = max(z, 0) ≥ 0 for NumPy arrays: sign(a) is exactly the 0/1 mask, a float (no bool
    cast), multiplied in place: one new array instead of two. At a = 0 it gives 0·g (−0 for g < 0)."""
    if type(a) is not ndarray or type(g) is not ndarray:
        return None
    mask = np.sign(a)
    mask *= g
    return mask


# ------------------------------------------------------------- dense stack
def dense_forward(x, wb, activations, slope, act_forward):
    """The dense row's forward loop for a batch of NumPy rows x (N, features); (output, every a⁽ᵏ⁾), or None.

    Each step one NumPy call: z = a Wᵀ + b (the bias added in place, as a row), then ReLU in place with a
    0-d zero of the array's dtype, or z + b and ReLU in one compiled pass (bit for bit those calls).
    Other activations are the row's own ``act_forward(name, z, slope)``.
    """
    if type(x) is not ndarray or x.ndim != 2 or any(w is not None and type(w) is not ndarray for w in wb):
        return None  # a Tensor among the weights (a second derivative): the general path records it
    n = x.shape[0]
    zero = constant("zeros", (), x.dtype)  # as a NumPy operand, cheaper than the float 0.0
    acts = [x]
    h = x
    k = 0
    for name in activations:
        W, b = wb[k], wb[k + 1]
        k += 2
        z = h.dot(W.T) if n * W.size < SMALL_PRODUCT else h @ W.T
        if KERNELS is not None and b is not None and name in BIAS_ACTS and KERNELS.bias_act(z, b, name == "relu"):
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
            h = act_forward(name, z, slope)
        acts.append(h)
    return h, acts


def delta_recursion(g, acts, wb, activations, slope, needs, act_backward):
    """The dense row's δ recursion for a batch of NumPy rows (N, features): its gradients, or None.

    ``acts`` are the forward pass's activations, the input x first. The row's rules with the calls
    written out, one NumPy call each: δ = g ⊙ H(z) for ReLU (H from a = max(z, 0): sign(a)·g, compiled
    where built, or a boolean mask multiplied in place into an array this loop made once it is large),
    ∂L/∂W = δᵀa, ∂L/∂b = 1ᵀδ, ∂L/∂a = δW. Other activations are the row's own
    ``act_backward(name, g, a, slope)``. ``g`` and ``acts`` are only read.
    """
    x = acts[0]
    if type(g) is not ndarray or g.ndim != 2 or type(x) is not ndarray or x.ndim != 2 or any(
            w is not None and type(w) is not ndarray for w in wb) or any(type(a) is not ndarray for a in acts):
        return None
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
                if own and out.size >= IN_PLACE_MASK_SIZE:
                    delta = g
                    np.multiply(g, out > 0, out=g)
                else:
                    delta = np.sign(out)
                    delta *= g
        else:
            delta = act_backward(activations[k], g, out, slope)
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


# ---------------------------------------------------------- squared error
def sum_of_squares(d):
    """Σ d² of a NumPy array in one call."""
    if type(d) is not ndarray:
        return None
    return np.vdot(d, d)


def seed_times(g, scale, d):
    """(g · scale) d for the scalar seed g of ``loss.backward()`` (a 0-d NumPy array): one array operation."""
    if type(g) is not ndarray or g.ndim != 0:
        return None
    return d * (float(g) * scale)


# ------------------------------------------------------------ cross-entropy
def log_softmax(z):
    """ln softmax(z) along the last axis of a NumPy array: array methods skip NumPy's dispatch wrappers."""
    if type(z) is not ndarray:
        return None
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(z, p):
    """−Σ_c p_c ln softmax(z)_c along the last axis, for NumPy z and p."""
    if type(z) is not ndarray or type(p) is not ndarray:
        return None
    return -(p * log_softmax(z)).sum(axis=-1)


def softmax_cross_entropy_dz(g, z, p):
    """g (softmax(z) Σ_c p_c − p) for NumPy arrays, softmax(z) normalised in place."""
    if type(z) is not ndarray or type(p) is not ndarray or type(g) is not ndarray:
        return None
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    e *= p.sum(axis=-1, keepdims=True)
    e -= p
    return e * g[..., None]


def cross_entropy(z, p, scale):
    """(−scale Σ p ln softmax(z), softmax(z)) for NumPy logits z (..., C) and targets p, or None.

    One compiled pass where the kernels are built and take the arrays; else the NumPy code below, whose
    operations the kernel does in the same order and dtype (NumPy's exp, log and pairwise sums), so the two
    give the same bits.
    """
    if type(z) is not ndarray or type(p) is not ndarray:
        return None
    if KERNELS is not None:
        e = np.empty_like(z)
        total = KERNELS.softmax_xent(z, p, e)
        if total is not None:
            return (0 - z.dtype.type(total)) * scale, e  # 0 − t: a zero loss is +0
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    shifted -= np.log(total)                           # ln softmax(z) = (z − max z) − ln Σ e^{z − max z}
    with np.errstate(invalid="ignore"):  # 0·(−inf) of a masked logit: counted as 0 below
        if p.shape == shifted.shape:
            shifted *= p                               # the terms p ln softmax(z), in place
            terms = shifted
        else:                                          # a broadcast target (the kernel refuses these)
            terms = p * shifted
    total_p = terms.sum()                              # Σ over samples and classes
    if not math.isfinite(total_p):  # a masked logit (−inf) with target 0 counts 0, not 0·(−inf)
        total_p = np.where(p != 0, terms, 0.0).sum()
    loss = (0 - total_p) * scale   # 0 − t, not −t: a zero loss is +0 (as PyTorch), not −0
    e /= total                                         # softmax(z), kept for the backward pass
    return loss, e


def cross_entropy_dz(s, p, g, scale, shape):
    """(s Σ_c p_c − p)·g·scale of z's ``shape`` from the saved softmax s = softmax(z), for NumPy s and g."""
    if type(s) is not ndarray or type(g) is not ndarray:
        return None
    factor = float(g) * scale
    if KERNELS is not None:
        dz = np.empty_like(s)
        if KERNELS.xent_grad(s, p, dz, factor):  # one compiled pass, not the four calls below
            return dz
    dz = s * p.sum(axis=-1, keepdims=True)
    dz -= p
    dz *= factor
    return unbroadcast(dz, shape)
