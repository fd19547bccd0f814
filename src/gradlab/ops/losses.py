"""Fused loss primitives: the three losses whose gradient is "prediction − target".

Each row computes a per-element (or per-sample) loss; the loss modules in
``gradlab.nn.losses`` reduce it with ``mean`` or ``sum``. They are fused
(one row instead of log, sigmoid, multiply...) for two reasons a lecture on backpropagation
point at: numerical stability, and the clean gradient they derive:

* ``binary_cross_entropy(p, y)``: ℓ = −[y ln p + (1 − y) ln(1 − p)] on
  probabilities p. Each log is clamped at −100 (as PyTorch does), so p = 0
  or 1 gives a finite loss of at most 100 instead of inf.
  ∂ℓ/∂p = (p − y) / (p(1 − p)) (denominator clamped at 1e-12).
* ``bce_with_logits(z, y)``: the same loss on a logit, p = σ(z), written
  ℓ = max(z, 0) − z y + ln(1 + e^{−|z|}) so logits of ±1e4 neither overflow
  nor lose the loss. ∂ℓ/∂z = σ(z) − y: the familiar "ŷ − y".
* ``softmax_cross_entropy(z, p)``: ℓ = −Σ_c p_c ln softmax(z)_c along the
  last axis, z (..., C) logits, p (..., C) target probabilities (one-hot
  rows for class indices). Output (...,). ∂ℓ/∂z = softmax(z)·Σ_c p_c − p,
  which is softmax(z) − p when each target row sums to 1.
* ``cross_entropy_loss(z, p, reduction)``: the same loss already reduced
  ('mean' over the samples, or 'sum'), as one row with a joint backward
  pass: the forward keeps softmax(z), so ∂L/∂z = (softmax(z)·Σ_c p_c − p)/N
  costs four array operations (nn.CrossEntropyLoss's training path).

The rules are written for any array namespace. The rows' NumPy twins on
training batches (fewer calls; the cross-entropy row's forward and backward
pass as one compiled loop each, bit for bit the NumPy code) are named calls
into :mod:`gradlab.ops._loops`, which return None for arrays they do not take.
"""

from __future__ import annotations

import math

from ..core.primitive import elementwise_jacobian as EJ
from ..core.primitive import namespace, namespace_of, register, unbroadcast
from . import _loops
from .elementwise import sigmoid_array

LOG_FLOOR = -100.0  # PyTorch's clamp of each log in BCELoss
_EXP_FLOOR = 3.720075976020836e-44  # e^-100: smaller probabilities would give log < -100
PROB_EPS = 1e-12  # PyTorch's floor of p(1 - p) in the BCE gradient


def clamped_log(p):
    """max(ln p, −100) without evaluating ln 0."""
    xp = namespace(p)
    return xp.maximum(xp.log(xp.maximum(p, _EXP_FLOOR)), LOG_FLOOR)


# ------------------------------------------------------ binary cross-entropy
def bce_fwd(p, y):
    return -(y * clamped_log(p) + (1 - y) * clamped_log(1 - p))


def bce_dp(g, out, p, y):
    xp = namespace(p)
    return g * (p - y) / xp.maximum(p * (1 - p), PROB_EPS)


def bce_dy(g, out, p, y):
    return g * (clamped_log(1 - p) - clamped_log(p))


# ------------------------------------------ binary cross-entropy on logits
def bce_logits_fwd(z, y):
    xp = namespace(z)
    return xp.maximum(z, 0.0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))


def bce_logits_dz(g, out, z, y):
    return g * (sigmoid_array(z) - y)


def bce_logits_dy(g, out, z, y):
    return -g * z


# ---------------------------------------------- softmax cross-entropy
def _log_softmax_last(z):
    ls = _loops.log_softmax(z)  # NumPy: array methods
    if ls is not None:
        return ls
    xp = namespace(z)
    m = xp.max(z, axis=-1, keepdims=True)
    shifted = z - m
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=-1, keepdims=True))


def _column(g):
    """g of shape (...,) as (..., 1), to broadcast over the classes."""
    return namespace(g).reshape(g, tuple(g.shape) + (1,))


def softmax_ce_fwd(z, p):
    out = _loops.softmax_cross_entropy(z, p)
    if out is not None:
        return out
    xp = namespace(z)
    return -xp.sum(p * _log_softmax_last(z), axis=-1)


def softmax_ce_dz(g, out, z, p):
    dz = _loops.softmax_cross_entropy_dz(g, z, p)
    if dz is not None:
        return dz
    xp = namespace(z)
    e = xp.exp(z - xp.max(z, axis=-1, keepdims=True))
    s = e / xp.sum(e, axis=-1, keepdims=True)
    return _column(g) * (s * xp.sum(p, axis=-1, keepdims=True) - p)


def softmax_ce_dp(g, out, z, p):
    return -_column(g) * _log_softmax_last(z)


BCE = register("binary_cross_entropy", bce_fwd, (bce_dp, bce_dy), EJ,
               latex=r"-[$y \ln $p + (1 - $y) \ln(1 - $p)]",
               dlatex=(r"\frac{$p - $y}{$p(1 - $p)}", r"\ln(1 - $p) - \ln $p"),
               doc="binary cross-entropy on probabilities, logs clamped at -100", argnames=("p", "y"))
BCE_LOGITS = register("bce_with_logits", bce_logits_fwd, (bce_logits_dz, bce_logits_dy), EJ,
                      latex=r"\max($z, 0) - $z $y + \ln(1 + e^{-|$z|})",
                      dlatex=(r"\sigma($z) - $y", r"-$z"),
                      doc="binary cross-entropy on logits, stable for any logit", argnames=("z", "y"))
SOFTMAX_CE = register("softmax_cross_entropy", softmax_ce_fwd, (softmax_ce_dz, softmax_ce_dp),
                      latex=r"-\sum_c $p_c \ln \operatorname{softmax}($z)_c",
                      dlatex=(r"\operatorname{softmax}($z) - $p", r"-\ln \operatorname{softmax}($z)"),
                      doc="cross-entropy of logits against target probabilities, along the last axis",
                      argnames=("z", "p"))


# ------------------------------------- cross-entropy, reduced, in one row
def _ce_scale(z, reduction):
    """1/N for 'mean', N = the number of samples of logits z (..., C) (NaN for none, as the mean of nothing);
    1 for 'sum'."""
    if reduction != "mean":
        return 1.0
    n = math.prod(z.shape[:-1])  # 1 for a single row (C,)
    return 1.0 / n if n else math.nan


def cross_entropy_loss_forward_saving(z, p, reduction="mean"):
    """The reduced loss −(1/N)Σ p ln softmax(z) ('mean') or −Σ p ln softmax(z) ('sum'), and softmax(z)."""
    scale = _ce_scale(z, reduction)
    fast = _loops.cross_entropy(z, p, scale)  # NumPy: one compiled pass where built, the same bits
    if fast is not None:
        return fast
    xp = namespace(z)
    ls = _log_softmax_last(z)
    return -xp.sum(p * ls) * scale, xp.exp(ls)


def cross_entropy_loss_fwd(z, p, reduction="mean"):
    return cross_entropy_loss_forward_saving(z, p, reduction)[0]


def cross_entropy_loss_dz(g, out, z, p, reduction="mean"):
    xp = namespace(z)
    s = xp.exp(_log_softmax_last(z))
    return (g * _ce_scale(z, reduction)) * (s * xp.sum(p, axis=-1, keepdims=True) - p)


def cross_entropy_loss_dp(g, out, z, p, reduction="mean"):
    return -(g * _ce_scale(z, reduction)) * _log_softmax_last(z)


def cross_entropy_loss_vjp_all(g, out, z, p, saved=None, needs=None, reduction="mean"):
    """Both gradients, ∂L/∂z = (softmax(z) Σ_c p_c − p)·g/N from the saved softmax(z)."""
    dz = dp = None
    if needs is None or needs[0]:
        dz = _loops.cross_entropy_dz(saved, p, g, _ce_scale(z, reduction), z.shape)  # NumPy: one compiled pass
        if dz is None:
            dz = unbroadcast(cross_entropy_loss_dz(g, out, z, p, reduction), z.shape)
    if needs is None or needs[1]:
        dp = unbroadcast(cross_entropy_loss_dp(g, out, z, p, reduction), p.shape)
    return [dz, dp]


CROSS_ENTROPY_LOSS = register(
    "cross_entropy_loss", cross_entropy_loss_fwd, (cross_entropy_loss_dz, cross_entropy_loss_dp),
    latex=r"-\frac{1}{N}\sum_{n,c} $p_{nc} \ln \operatorname{softmax}($z)_{nc}",
    dlatex=(r"\frac{1}{N}(\operatorname{softmax}($z) - $p)", r"-\frac{1}{N}\ln \operatorname{softmax}($z)"),
    argnames=("z", "p"), forward_saving=cross_entropy_loss_forward_saving, vjp_all=cross_entropy_loss_vjp_all,
    doc="softmax cross-entropy of logits (..., C) against target probabilities, reduced over the samples: "
        "'mean' divides by their number N, 'sum' does not.")


# ------------------------------------- regression losses and the log-probability losses (torch.nn's names)
def l1_fwd(x, y):
    d = x - y
    return namespace(d).abs(d)


def l1_dx(g, out, x, y):
    d = x - y
    return g * namespace(d).sign(d)  # 0 at x = y, as PyTorch


def l1_dy(g, out, x, y):
    return -l1_dx(g, out, x, y)


def huber_fwd(x, y, delta=1.0):
    d = x - y
    xp = namespace(d)
    z = xp.abs(d)
    return xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))  # PyTorch's expression, bit for bit


def huber_dx(g, out, x, y, delta=1.0):
    d = x - y
    xp = namespace(d)
    return g * xp.minimum(xp.maximum(d, -delta), delta)


def huber_dy(g, out, x, y, delta=1.0):
    return -huber_dx(g, out, x, y, delta)


def smooth_l1_fwd(x, y, beta=1.0):
    d = x - y
    xp = namespace(d)
    z = xp.abs(d)
    return xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)  # PyTorch's expression, bit for bit


def smooth_l1_dx(g, out, x, y, beta=1.0):
    d = (x - y) / beta
    xp = namespace(d)
    return g * xp.minimum(xp.maximum(d, -1.0), 1.0)


def smooth_l1_dy(g, out, x, y, beta=1.0):
    return -smooth_l1_dx(g, out, x, y, beta)


def _safe_log(y):
    """ln y, with ln 1 = 0 put where y = 0 (so y ln y is 0 there, as xlogy)."""
    xp = namespace(y)
    return xp.log(xp.where(y == 0, y * 0 + 1, y))  # (y·0 + 1: the namespaces of Tensors have no ones_like)


def kl_div_fwd(x, y, log_target=False):
    if log_target:
        return namespace(y).exp(y) * (y - x)
    return y * _safe_log(y) - y * x  # PyTorch: xlogy(y, y) − y x


def kl_div_dx(g, out, x, y, log_target=False):
    return -g * (namespace(y).exp(y) if log_target else y)


def kl_div_dy(g, out, x, y, log_target=False):
    if log_target:
        return g * namespace(y).exp(y) * (y - x + 1)
    return g * (_safe_log(y) + 1 - x)


def _expand_at(g, axis):
    """g (the reduced shape) with a 1 inserted at ``axis``, to broadcast over the classes."""
    shape = list(g.shape)
    shape.insert(axis, 1)
    return namespace(g).reshape(g, tuple(shape))


def nll_fwd(x, w, axis=1):
    xp = namespace_of(x, w)
    return -xp.sum(xp.where(w != 0, w * x, xp.zeros_like(x)), axis=axis)  # one nonzero term: −w_t x_t exactly


def nll_dx(g, out, x, w, axis=1):
    return -_expand_at(g, axis) * w


def nll_dw(g, out, x, w, axis=1):
    return -_expand_at(g, axis) * x


L1 = register("l1_loss", l1_fwd, (l1_dx, l1_dy), EJ, latex=r"\lvert $x - $y \rvert",
              dlatex=(r"\operatorname{sign}($x - $y)", r"-\operatorname{sign}($x - $y)"), argnames=("x", "y"),
              doc="absolute error |x − y|; the gradient at x = y is 0 (sign(0), as PyTorch)")
HUBER = register("huber_loss", huber_fwd, (huber_dx, huber_dy), EJ,
                 latex=r"\begin{cases}\tfrac12($x - $y)^2 & |$x - $y| < \delta\\ \delta(|$x - $y| - \tfrac12\delta)"
                       r" & \text{else}\end{cases}",
                 dlatex=(r"\operatorname{clip}($x - $y, -\delta, \delta)", r"-\operatorname{clip}($x - $y, -\delta, \delta)"),
                 argnames=("x", "y"), doc="Huber loss with threshold delta > 0 (smooth: the gradient is continuous)")
SMOOTH_L1 = register("smooth_l1_loss", smooth_l1_fwd, (smooth_l1_dx, smooth_l1_dy), EJ,
                     latex=r"\begin{cases}\tfrac{0.5($x - $y)^2}{\beta} & |$x - $y| < \beta\\ |$x - $y| - \tfrac12\beta"
                           r" & \text{else}\end{cases}",
                     dlatex=(r"\operatorname{clip}(($x - $y)/\beta, -1, 1)", r"-\operatorname{clip}(($x - $y)/\beta, -1, 1)"),
                     argnames=("x", "y"), doc="smooth L1 loss with threshold beta > 0 (Huber / beta); beta = 0 is l1_loss")
KL_DIV = register("kl_div", kl_div_fwd, (kl_div_dx, kl_div_dy), EJ,
                  latex=r"$y (\ln $y - $x)", dlatex=(r"-$y", r"\ln $y + 1 - $x"), argnames=("x", "y"),
                  doc="pointwise KL divergence y(ln y − x) of log-probabilities x (0 where y = 0); with "
                      "log_target, e^y (y − x). The gradient for y at y = 0 is not defined (−inf here)")
NLL = register("nll_loss", nll_fwd, (nll_dx, nll_dw),
               latex=r"-\sum_c $w_c $x_c", dlatex=(r"-$w", r"-$x"), argnames=("x", "w"),
               doc="negative log-likelihood −Σ_c w_c x_c along the class axis, w the weighted one-hot rows of the "
                   "targets (zero for ignored ones): −weight[t]·x_t per sample")
