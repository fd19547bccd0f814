"""Linear algebra: matmul, transpose, trace, diag, inv, det, logdet, outer.

The VJPs are the matrix-calculus results a textbook lists, in denominator
layout (a gradient has its variable's shape):

=============  =========================  ==============================
operation      forward                    ∂L/∂input
=============  =========================  ==============================
matmul         C = A B                    ∂L/∂A = G Bᵀ,  ∂L/∂B = Aᵀ G
transpose      C = Aᵀ                     ∂L/∂A = Gᵀ
trace          c = tr A                   ∂L/∂A = g I
inv            C = A⁻¹                    ∂L/∂A = −Cᵀ G Cᵀ
det            c = det A                  ∂L/∂A = g c A⁻ᵀ
logdet         c = ln |det A|             ∂L/∂A = g A⁻ᵀ
outer          C = a bᵀ                   ∂L/∂a = G b,  ∂L/∂b = Gᵀ a
=============  =========================  ==============================
"""

from __future__ import annotations

import numpy as np

from ..core.primitive import namespace, register
from ..core.primitive import jacobian_from_vjp


def _add_axis(g, position):
    """Insert an axis of length 1 into ``g``: at the end (-1) or before the last (-2)."""
    shape = tuple(g.shape)
    new = shape + (1,) if position == -1 else shape[:-1] + (1,) + shape[-1:]
    return namespace(g).reshape(g, new)


def matmul_fwd(a, b):
    return a @ b


def matmul_da(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
        return g * b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return _add_axis(g, -1) * b
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        xp = namespace(g)
        return xp.reshape(b @ _add_axis(g, -1), tuple(b.shape[:-1]))
    return g @ b.mT


def matmul_db(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if b.ndim == 1:
        xp = namespace(g)
        return xp.reshape(g, (-1,)) @ xp.reshape(a, (-1, a.shape[-1]))
    if a.ndim == 1:
        xp = namespace(g)
        return xp.reshape(a, (-1, 1)) * _add_axis(g, -2)
    return a.mT @ g


def matmul_jacobian(prim, argnum, out, a, b):
    """Explicit Jacobian of C = A B (2-D): ∂Cᵢⱼ/∂Aₚ𝑞 = δᵢₚ B𝑞ⱼ and ∂Cᵢⱼ/∂Bₚ𝑞 = Aᵢₚ δ𝑞ⱼ."""

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2:
        return jacobian_from_vjp(prim, argnum, out, a, b)
    m, n = a.shape[0], b.shape[1]
    if argnum == 0:
        return np.einsum("ip,qj->ijpq", np.eye(m), b)
    return np.einsum("ip,jq->ijpq", a, np.eye(n))


def transpose_fwd(x, axes=None):
    return namespace(x).permute_dims(x, axes)


def transpose_dx(g, out, x, axes=None):
    inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
    return namespace(g).permute_dims(g, inverse)


def trace_fwd(x):
    return namespace(x).linalg.trace(x)


def trace_dx(g, out, x):
    xp = namespace(g)
    return _add_axis(_add_axis(g, -1), -1) * xp.eye(x.shape[-1], dtype=x.dtype)


def diag_fwd(v):
    xp = namespace(v)
    return xp.eye(v.shape[-1], dtype=v.dtype) * _add_axis(v, -2)


def diag_dv(g, out, v):
    return namespace(g).linalg.diagonal(g)


def diagonal_fwd(x):
    return namespace(x).linalg.diagonal(x)


def diagonal_dx(g, out, x):
    return namespace(g).eye(x.shape[-1], dtype=x.dtype) * _add_axis(g, -2)


def inv_fwd(x):
    return namespace(x).linalg.inv(x)


def inv_dx(g, out, x):
    return -(out.mT @ g @ out.mT)


def det_fwd(x):
    return namespace(x).linalg.det(x)


def det_dx(g, out, x):
    xp = namespace(g)
    return _add_axis(_add_axis(g * out, -1), -1) * xp.linalg.inv(x).mT


def logdet_fwd(x):
    return namespace(x).linalg.slogdet(x)[1]


def logdet_dx(g, out, x):
    xp = namespace(g)
    return _add_axis(_add_axis(g, -1), -1) * xp.linalg.inv(x).mT


def outer_fwd(a, b):
    xp = namespace(a)
    return xp.reshape(a, (-1, 1)) * xp.reshape(b, (1, -1))


def outer_da(g, out, a, b):
    return g @ b


def outer_db(g, out, a, b):
    return a @ g


def matmul_hint(datas, params):
    """The message for a failed forward of ``matmul``: which dimensions differ."""
    a, b = tuple(np.shape(datas[0])), tuple(np.shape(datas[1]))
    if not a or not b:
        return f"matmul: {a} @ {b}: both operands need at least one dimension (use * for scalars)"
    ka = a[-1]
    kb = b[-2] if len(b) >= 2 else b[0]
    if ka != kb:
        return f"matmul: {a} @ {b}: inner dimensions {ka} and {kb} differ"
    return f"matmul: {a} @ {b}: batch dimensions {a[:-2]} and {b[:-2]} cannot be broadcast"


MATMUL = register("matmul", matmul_fwd, (matmul_da, matmul_db), matmul_jacobian, "$x $y", ("(\\cdot) $y^{T}", "$x^{T} (\\cdot)"),
                  doc="Vector·vector, matrix·vector, vector·matrix, matrix·matrix and batched (broadcast) products.",
                  hint=matmul_hint)
TRANSPOSE = register("transpose", transpose_fwd, (transpose_dx,), latex="$x^{T}", dlatex=("(\\cdot)^{T}",))
TRACE = register("trace", trace_fwd, (trace_dx,), latex=r"\operatorname{tr}($x)", dlatex=("I",))
DIAG = register("diag", diag_fwd, (diag_dv,), latex=r"\operatorname{Diag}($x)", dlatex=(r"\operatorname{diag}(\cdot)",))
DIAGONAL = register("diagonal", diagonal_fwd, (diagonal_dx,), latex=r"\operatorname{diag}($x)",
                    dlatex=(r"\operatorname{Diag}(\cdot)",))
INV = register("inv", inv_fwd, (inv_dx,), latex="$x^{-1}", dlatex=(r"-$x^{-T} (\cdot) $x^{-T}",))
DET = register("det", det_fwd, (det_dx,), latex=r"\det $x", dlatex=(r"\det($x)\, $x^{-T}",))
LOGDET = register("logdet", logdet_fwd, (logdet_dx,), latex=r"\ln\lvert\det $x\rvert", dlatex=("$x^{-T}",),
                  doc="log |det X| (the slogdet magnitude); the sign is not differentiable and is ignored.")
OUTER = register("outer", outer_fwd, (outer_da, outer_db), latex="$x $y^{T}", dlatex=(r"(\cdot) $y", r"(\cdot)^{T} $x"))
