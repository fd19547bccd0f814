"""Matrices kept in the form the derivation gives them: Diag(d) plus a few outer products, exactly.

A Hessian such as Diag(p) − ppᵀ (softmax cross-entropy) has n² entries but only 2n numbers of content.
``to_numpy(expr, structured=True)`` compiles such a result to a function returning a
:class:`DiagPlusLowRank`: the vector d and the factors U, V of D + U Vᵀ, computed in O(n·k) instead of
O(n²). It is the same matrix, not an approximation: ``np.asarray(H)`` (or ``H.toarray()``) gives the dense
n×n array entry for entry, ``H @ v`` a product in O(n·k), ``H.diagonal()`` and ``H.trace()`` without it.

:func:`diag_plus_low_rank` reads the form off an expression: a sum of scaled terms, each a Diag(vector),
an identity, or an outer product u vᵀ of two vectors. Anything else (A + Aᵀ, Xᵀ Diag(w) X) has no such
form, and the compiled function returns the dense array as before.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ShapeError


class DiagPlusLowRank:
    """The n×n matrix Diag(d) + U Vᵀ, held as d (n,), U (n, k) and V (n, k).

    Behaves as the matrix it stands for where it matters: ``shape``, ``dtype``, ``np.asarray`` (the dense
    array), ``@`` with a vector (n,) or a matrix (n, m) on either side, ``diagonal()``, ``trace()``, ``.T``.
    """

    __array_priority__ = 20  # ndarray @ H defers to H.__rmatmul__

    def __init__(self, d, U, V):
        d, U, V = np.asarray(d, dtype=np.float64), np.asarray(U, dtype=np.float64), np.asarray(V, dtype=np.float64)
        n = d.shape[0]
        if d.ndim != 1 or U.ndim != 2 or U.shape != V.shape or U.shape[0] != n:
            raise ShapeError(f"DiagPlusLowRank: needs d (n,), U and V (n, k) alike; got {d.shape}, {U.shape}, "
                             f"{V.shape}")
        self.d, self.U, self.V = d, U, V

    @property
    def shape(self):
        return (self.d.shape[0], self.d.shape[0])

    @property
    def dtype(self):
        return self.d.dtype

    @property
    def ndim(self):
        return 2

    @property
    def rank_of_update(self):
        """k, the number of outer products."""
        return self.U.shape[1]

    def toarray(self):
        """The dense n×n array (O(n²k) work and n² memory): one pass to write U Vᵀ, then d on the diagonal."""
        if self.U.shape[1] == 1:
            out = np.multiply.outer(self.U[:, 0], self.V[:, 0])
        else:
            out = self.U @ self.V.T
        out.flat[::self.shape[0] + 1] += self.d
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.toarray()
        return out if dtype is None else out.astype(dtype)

    def _operand(self, x, side):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[0 if side == "right" else -1] != self.shape[0]:
            raise ShapeError(f"DiagPlusLowRank: cannot multiply a {self.shape} matrix "
                             + (f"by shape {x.shape}" if side == "right" else f"from the left by shape {x.shape}"))
        return x

    def __matmul__(self, x):
        x = self._operand(x, "right")
        dx = self.d * x if x.ndim == 1 else self.d[:, None] * x
        return dx + self.U @ (self.V.T @ x)

    def __rmatmul__(self, x):
        x = self._operand(x, "left")
        return x * self.d + (x @ self.U) @ self.V.T

    def diagonal(self):
        """diag(H) (n,): d + Σₖ Uᵢₖ Vᵢₖ."""
        return self.d + np.einsum("ik,ik->i", self.U, self.V)

    def trace(self):
        return float(np.sum(self.diagonal()))

    @property
    def T(self):
        return DiagPlusLowRank(self.d, self.V, self.U)

    def __repr__(self):
        n = self.shape[0]
        return f"DiagPlusLowRank(n={n}, outer products={self.rank_of_update})"


def diag_plus_low_rank(expr):
    """The terms of ``expr`` (n×n) as ``[(kind, coefficients, parts)]``, or None when it has no such form.

    kind 'diag' with parts (v,) for c·Diag(v) (v n×1), 'eye' with () for c·I, 'outer' with (u, w) for c·u wᵀ
    (u n×1, w 1×n); coefficients are the 1×1 expressions multiplying the term.
    """
    terms = []
    if expr.shape[0] != expr.shape[1] or not _collect(expr, (), terms):
        return None
    return terms


def _collect(e, coef, out):
    if e.op == "add":
        return _collect(e.args[0], coef, out) and _collect(e.args[1], coef, out)
    if e.op == "scale":
        return _collect(e.args[1], coef + (e.args[0],), out)
    if e.op == "diag":
        out.append(("diag", coef, (e.args[0],)))
        return True
    if e.op == "eye":
        out.append(("eye", coef, ()))
        return True
    if e.op == "matmul" and e.args[0].shape[1] == 1 and e.args[1].shape[0] == 1:
        out.append(("outer", coef, (e.args[0], e.args[1])))
        return True
    return False


def compile_structured(terms, compiled):
    """A function env -> DiagPlusLowRank from the terms and ``compiled(expr)`` (an expression's closure)."""
    pieces = [(kind, [compiled(c) for c in coef], [compiled(p) for p in parts]) for kind, coef, parts in terms]

    k = sum(kind == "outer" for kind, _, _ in pieces)

    def run(env, n):
        d = np.zeros(n)
        U, V = np.empty((n, k)), np.empty((n, k))
        j = 0
        for kind, coef, parts in pieces:
            c = 1.0
            for factor in coef:
                c *= float(factor(env)[0, 0])
            if kind == "eye":
                d += c
            elif kind == "diag":
                d += c * parts[0](env)[:, 0]
            else:
                np.multiply(parts[0](env)[:, 0], c, out=U[:, j])
                V[:, j] = parts[1](env)[0, :]
                j += 1
        return DiagPlusLowRank(d, U, V)

    return run
