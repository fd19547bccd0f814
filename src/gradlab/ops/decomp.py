"""Linear algebra past the product: solve, Cholesky, eigh, SVD, QR, pinv, matrix powers, Kronecker, einsum."""

from __future__ import annotations
