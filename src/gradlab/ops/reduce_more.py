"""More reductions: min, prod, var, std, cumsum, cumprod, the p-norm and the singular-value norms.

Same conventions as :mod:`gradlab.ops.reduce` (``axis`` None or a sorted
tuple of non-negative axes; ``()`` for a 0-d input, which reduces nothing).
The cumulative rows take one int ``axis`` (``None`` only for a 0-d input).

Zeros in prod and cumprod: the gradient of xᵢ is the product of the other
entries, computed exactly (no division by a zero): the first zero of each
slice is taken out (replaced by 1) and the rule recurses on what is left, so
first, second and higher derivatives are exact with any number of zeros.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from ..core.primitive import namespace, namespace_of, register
from ..core.tensor import Tensor
from .reduce import expand, max_dx


def _values(a):
    """The NumPy values of ``a`` (a NumPy, array-api-strict or gradlab array): masks are computed on them."""
    if isinstance(a, Tensor):
        return np.asarray(a.data)
    return np.asarray(a)


def _mask(like, arr):
    """A NumPy bool mask in the namespace of ``like`` (NumPy and Tensors take NumPy masks as they are)."""
    if isinstance(like, (Tensor, np.ndarray, np.generic)):
        return arr
    return namespace(like).asarray(arr)


# ---------------------------------------------------------------- min

def min_fwd(x, axis=None, keepdims=False):
    return namespace(x).min(x, axis=axis, keepdims=keepdims)


# ---------------------------------------------------------------- prod

def _first_zero(z, axes):
    """Mask of the first True of ``z`` in each slice over ``axes`` (C order over those axes)."""
    nd = z.ndim
    axes = tuple(range(nd)) if axes is None else tuple(axes)
    if not axes:
        return z.copy()
    dest = tuple(range(nd - len(axes), nd))
    moved = np.moveaxis(z, axes, dest)
    flat = moved.reshape(moved.shape[:nd - len(axes)] + (-1,))
    first = flat & (np.cumsum(flat, axis=-1) == 1)
    return np.moveaxis(first.reshape(moved.shape), dest, axes)


def prod_fwd(x, axis=None, keepdims=False):
    return namespace(x).prod(x, axis=axis, keepdims=keepdims)


def prod_dx(g, out, x, axis=None, keepdims=False):
    xp = namespace_of(g, out, x)
    return _prod_grad(xp, expand(g, x, axis, keepdims), expand(out, x, axis, keepdims), x, axis)


def _prod_grad(xp, g, out, x, axis):
    """g ∏_{j≠i} x_j (g and out in the keepdims shape): g·out/x without zeros; with zeros, the first zero of
    each slice gets g·∏(the others) and every other entry x_z times the gradient of the product with x_z → 1."""
    z = _values(x) == 0
    if not z.any():
        return g * out / x
    first = _first_zero(z, axis)
    has = np.any(first, axis=axis, keepdims=True)
    y = xp.where(_mask(x, first), 1.0, x)
    p = xp.prod(y, axis=axis, keepdims=True)
    xz = xp.where(_mask(x, has), xp.sum(xp.where(_mask(x, first), x, 0.0), axis=axis, keepdims=True), 1.0)
    rest = _prod_grad(xp, g, p, y, axis)
    bad = np.logical_and(has, ~np.isfinite(_values(rest)))  # x_z · ∞ where the others' product overflows: the
    if bad.any():  # entry's gradient is x_z = 0 times a finite product (PyTorch's 0), not 0 · ∞
        rest = xp.where(_mask(x, bad), 0.0, rest)
    return xp.where(_mask(x, first), g * p, xz * rest)


# ---------------------------------------------------------------- var, std

def _dof(x, axis, correction):
    n = 1
    for i, d in enumerate(x.shape):
        if axis is None or i in axis:
            n *= d
    return n - correction


def var_fwd(x, axis=None, keepdims=False, correction=1):
    xp = namespace(x)
    d = x - xp.mean(x, axis=axis, keepdims=True)
    return xp.sum(d * d, axis=axis, keepdims=keepdims) / _dof(x, axis, correction)


def var_dx(g, out, x, axis=None, keepdims=False, correction=1):
    xp = namespace_of(g, x)
    d = x - xp.mean(x, axis=axis, keepdims=True)
    return expand(g, x, axis, keepdims) * d * (2.0 / _dof(x, axis, correction))


def std_fwd(x, axis=None, keepdims=False, correction=1):
    return namespace(x).sqrt(var_fwd(x, axis, keepdims, correction))


def std_dx(g, out, x, axis=None, keepdims=False, correction=1):
    xp = namespace_of(g, out, x)
    d = x - xp.mean(x, axis=axis, keepdims=True)
    o = expand(out, x, axis, keepdims)
    zero = _mask(x, np.broadcast_to(_values(o) == 0, tuple(x.shape)))
    return xp.where(zero, 0.0, expand(g, x, axis, keepdims) * d / (xp.where(zero, 1.0, o) * _dof(x, axis, correction)))


# ---------------------------------------------------------------- cumsum, cumprod

def cumsum_fwd(x, axis=None):
    xp = namespace(x)
    if axis is None:  # a 0-d value: its own running sum
        return x * 1.0
    return xp.cumulative_sum(x, axis=axis)


def _reverse_cumsum(xp, g, axis):
    """Σ_{k ≥ i} g_k along ``axis``: the total minus the running sum before i (no flip needed)."""
    return xp.sum(g, axis=axis, keepdims=True) - xp.cumulative_sum(g, axis=axis) + g


def cumsum_dx(g, out, x, axis=None):
    if axis is None:
        return g
    return _reverse_cumsum(namespace_of(g, x), g, axis)


def cumprod_fwd(x, axis=None):
    xp = namespace(x)
    if axis is None:
        return x * 1.0
    return xp.cumulative_prod(x, axis=axis)


def cumprod_dx(g, out, x, axis=None):
    if axis is None:
        return g
    return _cumprod_grad(namespace_of(g, out, x), g, out, x, axis)


def _cumprod_grad(xp, g, out, x, axis):
    """Σ_{k ≥ i} g_k ∏_{j ≤ k, j ≠ i} x_j. Before the first zero z of a slice: Σ_{k≥i} g_k out_k / x_i; at z: the
    same sums with x_z → 1; after z: x_z times the gradient of the running product with x_z → 1."""
    z = _values(x) == 0
    if not z.any():
        return _reverse_cumsum(xp, g * out, axis) / x
    count = np.cumsum(z, axis=axis)
    before, first = count == 0, z & (count == 1)
    mb, mf = _mask(x, before), _mask(x, first)
    a = _reverse_cumsum(xp, g * out, axis) / xp.where(mb, x, 1.0)
    y = xp.where(mf, 1.0, x)
    cy = xp.cumulative_prod(y, axis=axis)
    b = _reverse_cumsum(xp, g * cy, axis)
    xz = xp.sum(xp.where(mf, x, 0.0), axis=axis, keepdims=True)
    rest = _cumprod_grad(xp, g, cy, y, axis)
    bad = np.logical_and(count > 0, ~np.isfinite(_values(rest)))  # after the zero: 0 times a product that
    if bad.any():  # overflowed is 0 (PyTorch's), not 0 · ∞
        rest = xp.where(_mask(x, bad), 0.0, rest)
    return xp.where(mb, a, xp.where(mf, b, xz * rest))


# ---------------------------------------------------------------- the p-norm

def pnorm_fwd(x, p=3.0, axis=None, keepdims=False):
    """(Σ|x|ᵖ)^(1/p), computed as m (Σ(|x|/m)ᵖ)^(1/p) with m = max|x| (1 where that is 0 or not finite)."""
    xp = namespace(x)
    a = xp.abs(x)
    m = xp.max(a, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m) & (m > 0), m, 1.0)
    s = xp.sum((a / m) ** p, axis=axis, keepdims=True) ** (1.0 / p) * m
    if not keepdims:
        s = xp.reshape(s, tuple(n for i, n in enumerate(x.shape) if not (axis is None or i in axis)))
    return s


def pnorm_dx(g, out, x, p=3.0, axis=None, keepdims=False):
    """g sign(x) (|x|/‖x‖)^(p−1); 0 where ‖x‖ = 0 and, as PyTorch, where xᵢ = 0 (the p < 1 case)."""
    xp = namespace_of(g, out, x)
    o = expand(out, x, axis, keepdims)
    ov = _values(o) == 0
    skip = _mask(x, ov | (_values(x) == 0))
    base = xp.where(skip, 1.0, xp.abs(x) / xp.where(_mask(x, ov), 1.0, o))
    return xp.where(skip, 0.0, expand(g, x, axis, keepdims) * xp.sign(x) * base ** (p - 1.0))


# ---------------------------------------------------------------- norms of the singular values

def _svd(x, op):
    linalg = namespace(x).linalg
    svd = getattr(linalg, "svd", None)
    if svd is None:
        raise ParameterError(f"{op}: its gradient needs the singular value decomposition, which this array "
                             "namespace lacks (second derivatives need gl.svd)")
    return svd(x, full_matrices=False)


def nuclear_fwd(x):
    xp = namespace(x)
    return xp.sum(xp.linalg.svdvals(x), axis=-1)


def nuclear_dx(g, out, x):
    u, s, vh = _svd(x, "nuclear_norm")
    xp = namespace_of(g, x)
    return xp.reshape(g, tuple(g.shape) + (1, 1)) * (u @ vh)


def spectral_fwd(x, smallest=False):
    xp = namespace(x)
    s = xp.linalg.svdvals(x)
    return xp.min(s, axis=-1) if smallest else xp.max(s, axis=-1)


def spectral_dx(g, out, x, smallest=False):
    """g u₁v₁ᵀ; k tied extreme singular values share it evenly (Σ uᵢvᵢᵀ / k, as PyTorch's amax of svdvals)."""
    u, s, vh = _svd(x, "spectral_norm")
    xp = namespace_of(g, x)
    extreme = xp.min(s, axis=-1, keepdims=True) if smallest else xp.max(s, axis=-1, keepdims=True)
    hit = xp.astype(s == extreme, s.dtype)
    share = hit / xp.sum(hit, axis=-1, keepdims=True)
    return xp.reshape(g, tuple(g.shape) + (1, 1)) * ((u * xp.reshape(share, tuple(share.shape[:-1]) + (1, -1))) @ vh)


TIES = ("Ties share the gradient evenly: each of k equal extremes gets g/k (as PyTorch's amax/amin; "
        "torch.max(x, dim) gives it all to one index instead).")
ZEROS = "Exact with zeros: each entry gets the product of the others, with any number of zeros, at every order."

MIN = register("min", min_fwd, (max_dx,), latex=r"\min_i $x_i", dlatex=(r"[$x_i = \min_j $x_j] / \#\text{ties}",),
               doc=TIES)
PROD = register("prod", prod_fwd, (prod_dx,), latex=r"\prod_i $x_i", dlatex=(r"\prod_{j \ne i} $x_j",), doc=ZEROS)
VAR = register("var", var_fwd, (var_dx,), latex=r"\frac{1}{n - c}\sum_i ($x_i - \bar{$x})^2",
               dlatex=(r"\frac{2}{n - c}($x - \bar{$x})",),
               doc="n − correction must be positive (refused otherwise by gl.var).")
STD = register("std", std_fwd, (std_dx,), latex=r"\sqrt{\operatorname{var}($x)}",
               dlatex=(r"\frac{$x - \bar{$x}}{(n - c)\,\sigma}",),
               doc="At a constant input (σ = 0) the gradient is 0, as PyTorch's.")
CUMSUM = register("cumsum", cumsum_fwd, (cumsum_dx,), latex=r"\sum_{j \le i} $x_j",
                  dlatex=(r"\sum_{k \ge i} g_k",), doc="The gradient is the reversed running sum of g.")
CUMPROD = register("cumprod", cumprod_fwd, (cumprod_dx,), latex=r"\prod_{j \le i} $x_j",
                   dlatex=(r"\sum_{k \ge i} g_k \prod_{j \le k, j \ne i} $x_j",), doc=ZEROS)
PNORM = register("pnorm", pnorm_fwd, (pnorm_dx,), latex=r"\|$x\|_p",
                 dlatex=(r"\operatorname{sign}($x) (|$x| / \|$x\|_p)^{p-1}",),
                 doc="Gradient 0 where the norm is 0 and, as PyTorch, at entries equal to 0 (p < 1).")
NUCLEAR = register("nuclear_norm", nuclear_fwd, (nuclear_dx,), latex=r"\|$x\|_*", dlatex=(r"U V^{T}",),
                   doc="Gradient U Vᵀ of the thin SVD (PyTorch's svdvals convention; at a zero singular value "
                       "the singular vectors LAPACK returns are used).")
SPECTRAL = register("spectral_norm", spectral_fwd, (spectral_dx,), latex=r"\|$x\|_2", dlatex=(r"u_1 v_1^{T}",),
                    doc="Gradient u₁v₁ᵀ (ord −2: of the smallest singular value); k tied singular values share it "
                        "evenly, as PyTorch's amax/amin of svdvals.")
