"""Linear algebra past the product: solve, Cholesky, eigh, SVD, QR, pinv, matrix powers, Kronecker, einsum.

Decompositions with several outputs (eigh, svd, qr) are **one row each whose
output packs the results into one array** along the second-to-last axis; the
public functions (``gl.eigh``...) unpack it with ``getitem`` rows. So the
decomposition is computed once, and gradients reaching any combination of the
outputs add up in the packed cotangent (an unused output contributes zeros):

=========  ==========================================  ==========================
row        packed output                                unpacked by gl.<name>
=========  ==========================================  ==========================
eigh       (…, n + 1, n): [wᵀ; V]                      w = P[…, 0, :], V = P[…, 1:, :]
svd        (…, m + 1 + n, k): [U; sᵀ; V]  (V = Vhᵀ)    U, S, Vh = V.mT
qr         (…, m + n, k): [Q; Rᵀ]                      Q, R = (P[…, m:, :]).mT
=========  ==========================================  ==========================

The VJPs are PyTorch's (FunctionsManual.cpp: cholesky_backward after Murray
2016, linalg_eig_backward, svd_backward, linalg_qr_backward, pinv_backward),
written with array-API operations only, so they run on Tensors (second
derivatives) and on array-api-strict arrays.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from ..core.primitive import namespace, register
from ..core.tensor import Tensor
from .linalg import _add_axis


def _ns(g, out):
    """The namespace the VJP computes in: the Tensor one whenever g or out is a Tensor."""
    xp = namespace(g)
    return namespace(out) if xp is np else xp


def _const(xp, arr, like):
    """A NumPy constant in namespace ``xp`` (Tensors take NumPy constants as they are)."""
    if xp is np or isinstance(like, Tensor):
        return arr.astype(like.dtype) if isinstance(like.dtype, np.dtype) else arr
    return xp.asarray(arr, dtype=like.dtype)


def _eye(xp, n, like):
    return _const(xp, np.eye(n), like)


def _diag_embed(v, eye):
    """(…, n) → (…, n, n) with v on the diagonal."""
    return _add_axis(v, -2) * eye


def _drop_last(x):
    """(…, n, 1) → (…, n)."""
    return namespace(x).reshape(x, tuple(x.shape[:-1]))


def _values(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _nonzero(x):
    """True when the cotangent ``x`` has a non-zero entry (a zero one is what an unused output receives)."""
    return bool(np.any(_values(x) != 0))


# ------------------------------------------------------------------ solve
def solve_fwd(a, b, vector=False):
    xp = namespace(a)
    try:
        x = xp.linalg.solve(a, _add_axis(b, -1) if vector else b)
    except np.linalg.LinAlgError:
        raise ParameterError(f"solve: A (shape {tuple(a.shape)}) is singular: A X = B has no unique solution") from None
    return _drop_last(x) if vector else x


def solve_db(g, out, a, b, vector=False):
    xp = _ns(g, out)
    r = xp.linalg.solve(a.mT, _add_axis(g, -1) if vector else g)
    return _drop_last(r) if vector else r


def solve_da(g, out, a, b, vector=False):
    gb = solve_db(g, out, a, b, vector=vector)
    if vector:
        return -(_add_axis(gb, -1) * _add_axis(out, -2))
    return -(gb @ out.mT)


# --------------------------------------------------------------- cholesky
def cholesky_fwd(a, upper=False):
    xp = namespace(a)
    try:
        return xp.linalg.cholesky((a + a.mT) / 2, upper=upper)
    except np.linalg.LinAlgError:
        raise ParameterError(f"cholesky: the input (shape {tuple(a.shape)}) is not symmetric positive definite") from None


def _phi_mask(n):
    m = np.tril(np.ones((n, n)))
    m[np.diag_indices(n)] = 0.5
    return m


def cholesky_da(g, out, a, upper=False):
    xp = _ns(g, out)
    L, gL = (out.mT, g.mT) if upper else (out, g)
    n = L.shape[-1]
    Linv = xp.linalg.inv(L)
    phi = (L.mT @ gL) * _const(xp, _phi_mask(n), out)
    s = Linv.mT @ phi @ Linv
    return (s + s.mT) / 2


# ------------------------------------------------------------------- eigh
def eigh_fwd(a):
    xp = namespace(a)
    w, v = xp.linalg.eigh((a + a.mT) / 2)
    return xp.concat([_add_axis(w, -2), v], axis=-2)


def eigh_da(g, out, a):
    xp = _ns(g, out)
    n = out.shape[-1]
    w, v = out[..., 0, :], out[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    eye = _eye(xp, n, out)
    inner = _diag_embed(gw, eye)
    if _nonzero(gv):  # an eigenvector cotangent of zeros (unused) adds nothing, as PyTorch's undefined gV
        vtgv = v.mT @ gv
        skew = (vtgv - vtgv.mT) / 2
        e = _add_axis(w, -2) - _add_axis(w, -1) + eye  # e_ij = w_j − w_i, 1 on the diagonal
        inner = skew / e + inner
    return v @ inner @ v.mT


# -------------------------------------------------------------------- svd
def svd_fwd(a, full_matrices=False):
    xp = namespace(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    m, n = a.shape[-2], a.shape[-1]
    parts = [u, _add_axis(s, -2), vh.mT]
    if full_matrices:  # U (m, m), s (k,), V (n, n): padded with zeros to the width max(m, n)
        w = max(m, n)
        batch = tuple(a.shape[:-2])
        parts = [p if p.shape[-1] == w else xp.concat([p, xp.zeros(batch + (p.shape[-2], w - p.shape[-1]), dtype=a.dtype)],
                                                         axis=-1) for p in parts]
    return xp.concat(parts, axis=-2)


def svd_da(g, out, a, full_matrices=False):
    xp = _ns(g, out)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices:
        gu, gv = g[..., :m, :], g[..., m + 1:, :]
        if _nonzero(gu) or _nonzero(gv):
            raise ParameterError("svd: the gradient through U or Vh is not defined with full_matrices=True "
                                 "(as in PyTorch); use full_matrices=False, or only S")
        u, v = out[..., :m, :k], out[..., m + 1:, :k]
        return u @ _diag_embed(g[..., m, :k], _eye(xp, k, out)) @ v.mT
    u, s, v = out[..., :m, :], out[..., m, :], out[..., m + 1:, :]
    gu, gs, gv = g[..., :m, :], g[..., m, :], g[..., m + 1:, :]
    eye = _eye(xp, k, out)
    ga = _diag_embed(gs, eye)
    use_u, use_v = _nonzero(gu), _nonzero(gv)  # a cotangent of zeros (an unused U or Vh) adds nothing
    if not (use_u or use_v):
        return u @ ga @ v.mT
    utgu = u.mT @ gu
    utgu = utgu - utgu.mT
    vtgv = v.mT @ gv
    vtgv = vtgv - vtgv.mT
    s2 = s * s
    e = _add_axis(s2, -2) - _add_axis(s2, -1) + eye  # e_jk = s_k² − s_j², 1 on the diagonal
    ga = (utgu * _add_axis(s, -2) + _add_axis(s, -1) * vtgv) / e + ga
    if m > n and use_u:
        gus = gu / _add_axis(s, -2)
        ga = u @ ga + gus - u @ (u.mT @ gus)
        return ga @ v.mT
    if m < n and use_v:
        sgvh = gv.mT / _add_axis(s, -1)
        ga = ga @ v.mT + sgvh - (sgvh @ v) @ v.mT
        return u @ ga
    return u @ ga @ v.mT


# --------------------------------------------------------------------- qr
def qr_fwd(a):
    xp = namespace(a)
    q, r = xp.linalg.qr(a)
    return xp.concat([q, r.mT], axis=-2)


def _qr_square_backward(xp, gq, gr, q, r):
    """PyTorch's linalg_qr_backward for m ≥ n: gA = (gQ + Q syminvadj(triu(R gRᵀ − Qᵀ gQ))) R⁻ᵀ."""
    n = r.shape[-1]
    M = gr @ r.mT - q.mT @ gq
    upper = M * _const(xp, np.triu(np.ones((n, n))), r)
    strict = M * _const(xp, np.triu(np.ones((n, n)), 1), r)
    ga = q @ (upper + strict.mT) + gq
    return xp.linalg.solve(r, ga.mT).mT


def qr_da(g, out, a):
    xp = _ns(g, out)
    m, n = a.shape[-2], a.shape[-1]
    q, r = out[..., :m, :], out[..., m:, :].mT
    gq, gr = g[..., :m, :], g[..., m:, :].mT
    if m >= n:
        return _qr_square_backward(xp, gq, gr, q, r)
    # m < n: A = [X | Y], R = [U | V] with X = Q U square (PyTorch's wide case)
    y, u = a[..., :, m:], r[..., :, :m]
    gu, gv = gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_backward(xp, gq + y @ gv.mT, gu, q, u)
    gy = q @ gv
    shape = tuple(np.broadcast_shapes(tuple(gx.shape[:-2]), tuple(gy.shape[:-2])))
    return xp.concat([xp.broadcast_to(gx, shape + tuple(gx.shape[-2:])), xp.broadcast_to(gy, shape + tuple(gy.shape[-2:]))],
                     axis=-1)


# ------------------------------------------------------------------- pinv
def pinv_fwd(a):
    return namespace(a).linalg.pinv(a)


def pinv_da(g, out, a):
    """PyTorch's pinv_backward (exact where the rank is constant near A, e.g. full rank)."""
    m, n = a.shape[-2], a.shape[-1]
    p, ph, gh = out, out.mT, g.mT
    if m <= n:
        K = gh @ p
        Kph = K @ ph
        return -(p @ K).mT + Kph - (a @ p) @ Kph + (ph @ p) @ (gh - K @ a)
    K = p @ gh
    phK = ph @ K
    return -(K @ p).mT + (gh - a @ K) @ p @ ph + phK - phK @ p @ a


# ------------------------------------------------------------ matrix_power
def matrix_power_fwd(a, n=1):
    xp = namespace(a)
    try:
        return xp.linalg.matrix_power(a, n)
    except np.linalg.LinAlgError:
        raise ParameterError(f"matrix_power: the input (shape {tuple(a.shape)}) is singular, so its power {n} "
                             "(through the inverse) does not exist") from None


def matrix_power_da(g, out, a, n=1):
    xp = _ns(g, out)
    if n == 0:
        return g * 0
    b = a if n > 0 else xp.linalg.inv(a)
    k = abs(n)
    bt = b.mT
    powers = [None, bt]  # powers[i] = (Bᵀ)^i, None for the identity
    for _ in range(2, k):
        powers.append(powers[-1] @ bt)
    gb = None
    for i in range(k):
        left, right = powers[i], powers[k - 1 - i]
        term = g if left is None else left @ g
        term = term if right is None else term @ right
        gb = term if gb is None else gb + term
    return gb if n > 0 else -(bt @ gb @ bt)


# ------------------------------------------------------------------- kron
def _kron_layout(sa, sb):
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + tuple(sa), (1,) * (nd - len(sb)) + tuple(sb)
    ra = tuple(d for p in zip(sa, (1,) * nd) for d in p)
    rb = tuple(d for p in zip((1,) * nd, sb) for d in p)
    both = tuple(d for p in zip(sa, sb) for d in p)
    return nd, ra, rb, both, tuple(x * y for x, y in zip(sa, sb))


def kron_fwd(a, b):
    xp = namespace(a) if namespace(a) is not np else namespace(b)
    nd, ra, rb, both, shape = _kron_layout(tuple(a.shape), tuple(b.shape))
    return xp.reshape(xp.reshape(a, ra) * xp.reshape(b, rb), shape)


def _kron_d(g, other, own_shape, other_layout, axes_start, both):
    xp = namespace(g)
    prod = xp.reshape(g, both) * xp.reshape(other, other_layout)
    axes = tuple(range(axes_start, len(both), 2))
    if axes:
        prod = xp.sum(prod, axis=axes)
    return xp.reshape(prod, own_shape)


def kron_da(g, out, a, b):
    nd, ra, rb, both, _ = _kron_layout(tuple(a.shape), tuple(b.shape))
    return _kron_d(g, b, tuple(a.shape), rb, 1, both)


def kron_db(g, out, a, b):
    nd, ra, rb, both, _ = _kron_layout(tuple(a.shape), tuple(b.shape))
    return _kron_d(g, a, tuple(b.shape), ra, 0, both)


SOLVE = register("solve", solve_fwd, (solve_da, solve_db), latex="$x^{-1} $y",
                 dlatex=(r"-$x^{-T} (\cdot) X^{T}", r"$x^{-T} (\cdot)"), argnames=("x", "y"),
                 doc="X = A⁻¹B by LU (A (…, n, n), B (…, n) with vector=True or (…, n, k)). ∂/∂B = A⁻ᵀG (a solve), "
                     "∂/∂A = −(A⁻ᵀG)Xᵀ. A singular A is refused.")
CHOLESKY = register("cholesky", cholesky_fwd, (cholesky_da,), latex=r"\operatorname{chol}($x)",
                    dlatex=(r"\operatorname{sym}(L^{-T} \Phi(L^{T} (\cdot)) L^{-1})",),
                    doc="L with LLᵀ = (A + Aᵀ)/2 (Lᵀ with upper=True). Gradient as PyTorch (Murray 2016), "
                        "symmetrised: the input is read as the symmetric matrix (A + Aᵀ)/2. Not positive definite: refused.")
EIGH = register("eigh", eigh_fwd, (eigh_da,), latex=r"\operatorname{eigh}($x)",
                dlatex=(r"V (\operatorname{skew}(V^{T} \bar{V}) / E + \operatorname{Diag}(\bar{w})) V^{T}",),
                doc="Packed [wᵀ; V] (…, n + 1, n) of (A + Aᵀ)/2, eigenvalues ascending. Gradient as PyTorch; "
                    "with repeated eigenvalues the eigenvector part divides by 0 (inf/NaN), as PyTorch's.")
SVD = register("svd", svd_fwd, (svd_da,), latex=r"\operatorname{svd}($x)",
               dlatex=(r"U (\ldots) V^{T}",),
               doc="Packed [U; sᵀ; V] (…, m + 1 + n, k) (full_matrices: width max(m, n), zero-padded). Gradient as "
                   "PyTorch's svd_backward; repeated (or, for m ≠ n with U/Vh used, zero) singular values divide by 0 "
                   "(inf/NaN). full_matrices=True: only S has a gradient; through U or Vh it is refused.")
QR = register("qr", qr_fwd, (qr_da,), latex=r"\operatorname{qr}($x)", dlatex=(r"(\ldots) R^{-T}",),
              doc="Packed [Q; Rᵀ] (…, m + n, k), reduced (Householder, LAPACK's signs). Gradient as PyTorch's "
                  "linalg_qr_backward (m ≥ n; m < n by the split A = [X | Y]); R must be invertible on the leading block.")
PINV = register("pinv", pinv_fwd, (pinv_da,), latex="$x^{+}", dlatex=(r"\text{pinv backward}",),
                doc="Moore–Penrose pseudo-inverse. Gradient as PyTorch's pinv_backward: exact where the rank is "
                    "constant near A (full rank); at a rank change the pseudo-inverse is not continuous.")
MATRIX_POWER = register("matrix_power", matrix_power_fwd, (matrix_power_da,), latex="$x^{n}",
                        dlatex=(r"\sum_{i} (X^{T})^{i} (\cdot) (X^{T})^{n-1-i}",),
                        doc="Aⁿ for an integer n (n = 0: I, gradient 0; n < 0: (A⁻¹)^|n|, singular A refused).")
KRON = register("kron", kron_fwd, (kron_da, kron_db), latex=r"$x \otimes $y",
                dlatex=(r"\sum (\cdot) \odot $y", r"\sum (\cdot) \odot $x"),
                doc="Kronecker product of arrays of any ndim (the shorter shape padded with leading 1s, as np.kron).")

from . import decomp_einsum  # noqa: E402,F401  (registers einsum)
