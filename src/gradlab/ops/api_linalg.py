"""Public functions over the linalg rows (re-exported by ``gradlab``).

Decompositions with several results return named tuples of Tensors (``EighResult``, ``SVDResult``,
``QRResult``); each result is a slice of one packed row (see :mod:`gradlab.ops.decomp`), so the
gradients of any combination of them add up.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from ..core.errors import ParameterError, ShapeError
from ..core.tensor import Tensor, apply
from . import decomp as D
from . import decomp_einsum as DE
from .api import _arg, _as_tensor_arg, _square, extend_namespace, matrix_transpose, mul

__all__ = ["solve", "cholesky", "eigh", "svd", "qr", "pinv", "matrix_power", "kron", "einsum", "tensordot", "dot"]

EighResult = namedtuple("EighResult", "eigenvalues eigenvectors")
SVDResult = namedtuple("SVDResult", "U S Vh")
QRResult = namedtuple("QRResult", "Q R")


def _shape(x):
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def _matrix(x, op):
    x = _as_tensor_arg(x, op)
    if len(_shape(x)) < 2:
        raise ShapeError(f"{op}: expected a matrix (m, n) or a stack of them (…, m, n), got shape {_shape(x)}")
    return x


def _flag(value, op, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{op}: {name} must be True or False, got {value!r}")
    return bool(value)


def _solve(A, B, vector):
    sa, sb = _shape(A), _shape(B)
    n = sa[-1]
    rows = sb[-1] if vector else sb[-2]
    if rows != n:
        want = f"(…, {n})" if vector else f"(…, {n}, k)"
        raise ShapeError(f"solve: B must be {want} to match A of shape {sa}, got shape {sb}")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-1] if vector else sb[:-2])
    except ValueError:
        raise ShapeError(f"solve: the batch dimensions of A {sa} and B {sb} cannot be broadcast together") from None
    return apply(D.SOLVE, A, B, vector=vector)


def solve(A, B):
    """X with A X = B: A (…, n, n) invertible; B (…, n) (a vector, or a batch of them when B.shape ==
    A.shape[:-1], as PyTorch) → X (…, n), or B (…, n, k) → X (…, n, k). Batch axes broadcast.

    Gradient: ∂/∂B = A⁻ᵀG (one more solve), ∂/∂A = −(A⁻ᵀG)Xᵀ. A singular A is refused (ParameterError).
    """
    A, B = _as_tensor_arg(A, "solve"), _as_tensor_arg(B, "solve")
    _square(A, "solve")
    sa, sb = _shape(A), _shape(B)
    if not sb:
        raise ShapeError(f"solve: B must be (…, n) or (…, n, k), got a scalar")
    return _solve(A, B, len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1]))


def cholesky(A, upper=False):
    """The Cholesky factor of a symmetric positive-definite A (…, n, n): L (…, n, n) lower triangular with
    L Lᵀ = A (upper=True: U = Lᵀ, A = Uᵀ U).

    A is read as the symmetric matrix (A + Aᵀ)/2 (for a symmetric A, exactly A), so the gradient is
    symmetric: PyTorch's (Murray 2016), Ā = sym(L⁻ᵀ Φ(Lᵀ L̄) L⁻¹) with Φ the lower triangle, diagonal
    halved. A matrix that is not positive definite is refused (ParameterError).
    """
    A = _as_tensor_arg(A, "cholesky")
    _square(A, "cholesky")
    return apply(D.CHOLESKY, A, upper=_flag(upper, "cholesky", "upper"))


def eigh(A):
    """Eigen-decomposition of a symmetric A (…, n, n): (eigenvalues (…, n) ascending, eigenvectors (…, n, n)
    as columns), of (A + Aᵀ)/2 (for a symmetric A, exactly A).

    Gradient of both results as PyTorch: Ā = V (skew(Vᵀ V̄)/E + Diag(w̄)) Vᵀ, E_ij = w_j − w_i. With repeated
    eigenvalues the eigenvectors are not unique and their part of the gradient is inf/NaN, as PyTorch's
    (the eigenvalues' part alone stays finite). Eigenvector signs are LAPACK's.
    """
    A = _as_tensor_arg(A, "eigh")
    _square(A, "eigh")
    P = apply(D.EIGH, A)
    return EighResult(P[..., 0, :], P[..., 1:, :])


def svd(A, full_matrices=False):
    """Singular value decomposition A = U Diag(S) Vh of A (…, m, n), k = min(m, n): U (…, m, k), S (…, k)
    descending, Vh (…, k, n); full_matrices=True: U (…, m, m), Vh (…, n, n).

    Gradient of all three as PyTorch's svd_backward. Repeated singular values (and, with U or Vh used and
    m ≠ n, a zero one) give inf/NaN, as PyTorch. With full_matrices=True only S has a gradient: a gradient
    reaching U or Vh is refused (ParameterError), as PyTorch. Singular-vector signs are LAPACK's.
    """
    A = _matrix(A, "svd")
    full = _flag(full_matrices, "svd", "full_matrices")
    m, n = _shape(A)[-2:]
    k = min(m, n)
    P = apply(D.SVD, A, full_matrices=full)
    if full:
        return SVDResult(P[..., :m, :m], P[..., m, :k], matrix_transpose(P[..., m + 1:, :n]))
    return SVDResult(P[..., :m, :], P[..., m, :], matrix_transpose(P[..., m + 1:, :]))


def qr(A):
    """Reduced QR decomposition of A (…, m, n), k = min(m, n): Q (…, m, k) with orthonormal columns and
    R (…, k, n) upper triangular (LAPACK's signs: the diagonal of R may be negative), A = Q R.

    Gradient of both as PyTorch's linalg_qr_backward (m ≥ n; m < n through A = [X | Y]). It divides by
    the diagonal of R: a rank-deficient (leading block of) A gives inf/NaN.
    """
    A = _matrix(A, "qr")
    m = _shape(A)[-2]
    P = apply(D.QR, A)
    return QRResult(P[..., :m, :], matrix_transpose(P[..., m:, :]))


def pinv(A):
    """Moore–Penrose pseudo-inverse A⁺ (…, n, m) of A (…, m, n) (singular values below max(m, n)·eps·σ_max
    are treated as zero, as NumPy).

    Gradient as PyTorch's pinv_backward: exact where the rank does not change near A (full-rank A); at a
    rank change A⁺ is not continuous and the formula is that of the constant-rank branch.
    """
    A = _matrix(A, "pinv")
    return apply(D.PINV, A)


def matrix_power(A, n):
    """Aⁿ for a square A (…, k, k) and an integer n: n = 0 gives I (gradient 0), n < 0 gives (A⁻¹)^|n|
    (a singular A is refused). Gradient Σᵢ (Aᵀ)ⁱ G (Aᵀ)ⁿ⁻¹⁻ⁱ; for n < 0 through the inverse."""
    A = _as_tensor_arg(A, "matrix_power")
    _square(A, "matrix_power")
    if not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_)):
        raise ParameterError(f"matrix_power: n must be an integer, got {n!r}")
    return apply(D.MATRIX_POWER, A, n=int(n))


def kron(a, b):
    """Kronecker product of a and b of any ndim, as np.kron: the shorter shape is padded with leading 1s;
    the result has shape (a₀b₀, a₁b₁, …). Bilinear: gradients are sums of G against the other operand."""
    a, b = _as_tensor_arg(a, "kron"), _as_tensor_arg(b, "kron")
    return apply(D.KRON, a, b)


def einsum(subscripts, *operands):
    """Einstein summation as np.einsum: ``'ij,jk->ik'``, implicit output (``'ij,jk'``: the indices seen once,
    in alphabetical order), repeated indices (``'ii->i'`` the diagonal, ``'ii'`` the trace), ``'...'`` for
    broadcast axes, axes of length 1 broadcast. The result's shape is the output term's sizes.

    Linear in each operand: the gradient of operand i is an einsum of G with the other operands.
    """
    if not operands:
        raise ParameterError("einsum: needs at least one operand")
    ops = [_as_tensor_arg(o, "einsum") for o in operands]
    explicit = DE.parse(subscripts, [_shape(o) for o in ops])
    return apply(DE.EINSUM, *ops, subscripts=explicit)


def _axis_list(ax, nd, op, which):
    items = [ax] if isinstance(ax, numbers.Integral) else list(ax)
    out = []
    for a in items:
        if not isinstance(a, numbers.Integral) or isinstance(a, bool):
            raise ParameterError(f"{op}: axes of {which} must be integers, got {ax!r}")
        if not -nd <= a < nd:
            raise ShapeError(f"{op}: axis {a} is out of range for {which} with {nd} dimensions")
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ParameterError(f"{op}: axes of {which} {ax!r} repeat an axis")
    return out


def tensordot(a, b, axes=2):
    """Sum of products over axes: ``axes=k`` pairs the last k axes of a with the first k of b; ``axes=(ax_a,
    ax_b)`` pairs the listed axes. Result: a's other axes, then b's (as np.tensordot). Computed by the
    einsum row (its gradients)."""
    a, b = _as_tensor_arg(a, "tensordot"), _as_tensor_arg(b, "tensordot")
    sa, sb = _shape(a), _shape(b)
    if isinstance(axes, numbers.Integral) and not isinstance(axes, bool):
        if not 0 <= axes <= min(len(sa), len(sb)):
            raise ParameterError(f"tensordot: axes={axes} must be between 0 and {min(len(sa), len(sb))} for shapes "
                                 f"{sa} and {sb}")
        ax_a, ax_b = list(range(len(sa) - axes, len(sa))), list(range(axes))
    else:
        try:
            first, second = axes
        except (TypeError, ValueError):
            raise ParameterError(f"tensordot: axes must be an int or a pair (axes of a, axes of b), got {axes!r}") from None
        ax_a, ax_b = _axis_list(first, len(sa), "tensordot", "a"), _axis_list(second, len(sb), "tensordot", "b")
        if len(ax_a) != len(ax_b):
            raise ParameterError(f"tensordot: {len(ax_a)} axes of a cannot pair with {len(ax_b)} axes of b")
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise ShapeError(f"tensordot: axis {i} of a (size {sa[i]}) and axis {j} of b (size {sb[j]}) differ "
                             f"(shapes {sa} and {sb})")
    letters = iter(DE.LETTERS)
    ta = [next(letters) for _ in sa]
    tb = [next(letters) for _ in sb]
    for i, j in zip(ax_a, ax_b):
        tb[j] = ta[i]
    out = [c for k, c in enumerate(ta) if k not in ax_a] + [c for k, c in enumerate(tb) if k not in ax_b]
    return apply(DE.EINSUM, a, b, subscripts="".join(ta) + "," + "".join(tb) + "->" + "".join(out))


def dot(a, b):
    """np.dot: scalars multiply; vectors (n,)·(n,) → scalar; a (…, n) · b (n,) → (…); a (…, n) · b (…, n, k)
    sums over a's last and b's second-to-last axis → a.shape[:-1] + b.shape[:-2] + (k,). Computed by
    the einsum row (mul for a scalar)."""
    a, b = _as_tensor_arg(a, "dot"), _as_tensor_arg(b, "dot")
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return mul(a, b)
    j = len(sb) - 2 if len(sb) >= 2 else 0
    if sa[-1] != sb[j]:
        which = "second-to-last" if len(sb) >= 2 else "only"
        raise ShapeError(f"dot: the last axis of a (shape {sa}) and the {which} axis of b (shape {sb}) differ: "
                         f"{sa[-1]} and {sb[j]}")
    return tensordot(a, b, axes=([len(sa) - 1], [j]))


# ----------------------------------------------- the Tensor namespace (array API semantics)
def _xp_solve(x1, x2):
    """xp.linalg.solve as the array API standard: x2 is a vector only when it is 1-D."""
    x1, x2 = _as_tensor_arg(x1, "solve"), _as_tensor_arg(x2, "solve")
    _square(x1, "solve")
    return _solve(x1, x2, len(_shape(x2)) == 1)


def _xp_svd(x, full_matrices=True):
    return svd(x, full_matrices=full_matrices)


def _xp_qr(x, mode="reduced"):
    if mode != "reduced":
        raise ParameterError(f"qr: only mode='reduced' is supported, got {mode!r}")
    return qr(x)


def _xp_pinv(x, rtol=None):
    if rtol is not None:
        raise ParameterError(f"pinv: only the default rtol is supported, got {rtol!r}")
    return pinv(x)


extend_namespace({"solve": _xp_solve, "cholesky": cholesky, "eigh": eigh, "svd": _xp_svd, "qr": _xp_qr,
                  "pinv": _xp_pinv, "matrix_power": matrix_power}, linalg=True)
extend_namespace({"einsum": einsum, "tensordot": tensordot})
