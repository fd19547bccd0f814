"""Symbolic shapes: every value is a matrix ``(rows, cols)``.

A dimension is a name (``'m'``) or a positive int. Scalars are ``(1, 1)``,
column vectors ``(n, 1)``. Two dimensions agree when they are the same name
or the same number; ``'n'`` and ``3`` are different.
"""

from __future__ import annotations

import numbers

from ..core.errors import ShapeError

SCALAR = (1, 1)


class Prod(tuple):
    """A product of dimensions, m·n (the length of vec(X) for an m×n X): a sorted tuple of names and at most one
    int factor. Made by :func:`mul_dims`; two products are equal when they have the same factors."""

    __slots__ = ()

    def __str__(self):
        return "·".join(str(f) for f in self)

    def __repr__(self):
        return f"Prod({tuple(self)!r})"


def norm_dim(d, where="shape"):
    """A dimension from user input: a name (identifier) or an int >= 1."""
    if isinstance(d, Prod):
        return d
    if isinstance(d, bool):
        raise ShapeError(f"{where}: a dimension must be a name or a positive int, got {d!r}")
    if isinstance(d, numbers.Integral):
        d = int(d)
        if d < 1 or d > 10**6:
            raise ShapeError(f"{where}: a dimension must be between 1 and 1000000, got {d}")
        return d
    if isinstance(d, str):
        s = d.strip()
        if s.isdigit():
            return norm_dim(int(s), where)
        if s.isidentifier() and len(s) <= 32:
            return s
    raise ShapeError(f"{where}: a dimension must be a name like 'm' or a positive int, got {d!r}")


def norm_shape(shape, where="shape"):
    """A (rows, cols) tuple from a tuple/list/str; ``()`` or ``1`` means a scalar, ``(n,)`` a column."""
    if isinstance(shape, str):
        parts = [p for p in shape.replace("×", ",").replace("x", ",").split(",") if p.strip()] \
            if not shape.strip().isidentifier() else [shape]
        shape = tuple(parts)
    elif isinstance(shape, numbers.Integral):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise ShapeError(f"{where}: a shape must be a tuple like ('m', 'n'), a string like 'm,n' or an int, "
                         f"got {shape!r}")
    shape = tuple(shape)
    if len(shape) == 0:
        return SCALAR
    if len(shape) == 1:
        return (norm_dim(shape[0], where), 1)
    if len(shape) == 2:
        return (norm_dim(shape[0], where), norm_dim(shape[1], where))
    raise ShapeError(f"{where}: symbols are scalars, vectors or matrices (at most 2 dimensions), got {shape!r}")


def _factors(d):
    return list(d) if isinstance(d, Prod) else [d]


def mul_dims(*dims):
    """The dimension d₁·d₂·…: an int when every factor is one, else a :class:`Prod` (1s dropped)."""
    coef, names = 1, []
    for d in dims:
        for f in _factors(d):
            if isinstance(f, int):
                coef *= f
            else:
                names.append(f)
    if not names:
        return coef
    names.sort()
    if coef == 1 and len(names) == 1:
        return names[0]
    return Prod(([coef] if coef != 1 else []) + names)


def size(d, sizes):
    """The size of dimension ``d`` given ``sizes`` {name: int}: an int as it is, a name looked up, a product
    multiplied out."""
    if isinstance(d, int):
        return d
    if isinstance(d, Prod):
        out = 1
        for f in d:
            out *= size(f, sizes)
        return out
    return sizes[d]


def names_in(d):
    """The dimension names a dimension is made of (a name, the names of a product, none for an int)."""
    return [f for f in _factors(d) if isinstance(f, str)]


def fmt(shape) -> str:
    """``('m', 'n')`` → ``'m×n'``; a product dimension is written ``m·n``."""
    return f"{shape[0]}×{shape[1]}"


def is_scalar(shape) -> bool:
    return shape == SCALAR


def is_column(shape) -> bool:
    return shape[1] == 1


def is_square(shape) -> bool:
    return shape[0] == shape[1]


def transpose(shape):
    return (shape[1], shape[0])


def dims_of(shape):
    """The symbolic (named) dimensions of a shape."""
    return [n for d in shape for n in names_in(d)]
