"""Reading a matrix off a linear expression: :func:`linear_coefficient` gives M with e = M u.

The deriver finds a Jacobian J as the gradient of uᵀf, which is Jᵀu for a fresh vector u; J is read off it here.
"""

from __future__ import annotations

from ..core.errors import DerivationError
from . import expr as E
from .printing import to_text
from .simplify import simplify


def linear_coefficient(e, u):
    """M with e = M u, for e (k×1 or 1×1) linear in the column vector u; else DerivationError."""
    name = u.attrs[0]
    if not e.depends_on(name):
        return None
    op = e.op
    if e == u:
        return E.eye(u.shape[0])
    if op == "add":
        parts = [linear_coefficient(a, u) for a in e.args]
        parts = [p for p in parts if p is not None]
        return parts[0] if len(parts) == 1 else E.add(parts[0], parts[1])
    if op == "matmul":
        a, b = e.args
        if b.depends_on(name):
            return E.matmul(a, linear_coefficient(b, u))
        if b.is_scalar:
            return E.scale(b, linear_coefficient(a, u))
    if op == "scale":
        c, a = e.args
        if a.depends_on(name):
            return E.scale(c, linear_coefficient(a, u))
        if a.shape[1] == 1:
            return E.matmul(a, linear_coefficient(c, u))
    if op == "had" and e.shape[1] == 1:
        a, b = e.args
        if b.depends_on(name) and not a.depends_on(name):
            return E.matmul(E.diag(a), linear_coefficient(b, u))
        if a.depends_on(name) and not b.depends_on(name):
            return E.matmul(E.diag(b), linear_coefficient(a, u))
    if op == "T" and e.is_scalar:
        return linear_coefficient(e.args[0], u)
    if op == "frob" and e.args[1].shape[1] == 1 and not e.args[0].depends_on(name):
        return E.matmul(E.transpose(e.args[0]), linear_coefficient(e.args[1], u))
    if op == "matmul" and e.is_scalar and not e.args[1].depends_on(name):  # a row times a column: ab = bᵀaᵀ
        return E.matmul(E.transpose(e.args[1]), linear_coefficient(simplify(E.transpose(e.args[0])), u))
    if op == "sum":
        return linear_coefficient(_sum_as_product(e.args[0]), u)
    raise DerivationError(f"derive: could not read the Jacobian off Jᵀ{name} = {to_text(e)}, which should be a "
                          f"matrix times {name}; differentiate a scalar such as sum(f) instead")


def _sum_as_product(a):
    """sum(A) as 𝟏ᵀA, A𝟏 or 𝟏ᵀA𝟏 (simplified), a 1×1 product that :func:`linear_coefficient` can read."""
    if a.shape[1] == 1:
        return simplify(E.matmul(E.transpose(E.ones(a.shape[0])), a))
    if a.shape[0] == 1:
        return simplify(E.matmul(a, E.ones(a.shape[1])))
    return simplify(E.matmul(E.matmul(E.transpose(E.ones(a.shape[0])), a), E.ones(a.shape[1])))
