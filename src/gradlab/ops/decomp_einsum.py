"""The einsum row: parsing subscripts (implicit output, ellipsis, repeated indices) and its VJPs.

The row's ``subscripts`` parameter is always explicit and without ellipsis
(``'...ij,...jk'`` with a (2, 3, 4) and a (4, 5) operand becomes
``'aij,jk->aik'``): :func:`parse` does that once, in ``gl.einsum``.

The VJP of operand i is itself an einsum: of the upstream gradient, the other
operands, an identity matrix for each repeated index of operand i (its
gradient lives on a diagonal) and a vector of ones for each index only
operand i has (summed in the forward pass, so broadcast back)::

    'ij,jk->ik'   ∂/∂A = einsum('ik,jk->ij', G, B)
    'ii->i'       ∂/∂A = einsum('i,ia->ia', g, I)
    'ij->'        ∂/∂A = einsum(',i,j->ij', g, 1, 1)
"""

from __future__ import annotations

import string

import numpy as np

from ..core.errors import ParameterError, ShapeError
from ..core.primitive import Variadic, namespace, register

LETTERS = string.ascii_letters


def parse(subscripts, shapes):
    """Validate ``subscripts`` against the operands' ``shapes``; return the explicit form without ellipsis.

    Raises ParameterError for a malformed string and ShapeError for operands that do not fit it.
    """
    if not isinstance(subscripts, str):
        raise ParameterError(f"einsum: subscripts must be a string such as 'ij,jk->ik', got {subscripts!r}")
    s = subscripts.replace(" ", "")
    if s.count("->") > 1 or ("-" in s.replace("->", "")) or (">" in s.replace("->", "")):
        raise ParameterError(f"einsum: subscripts {subscripts!r} must have at most one '->'")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    bad = sorted({c for c in lhs + rhs if c not in LETTERS and c not in ",."})
    if bad:
        raise ParameterError(f"einsum: subscripts {subscripts!r} may hold only letters, ',', '...' and '->', got {bad}")
    for t in terms + [rhs]:
        if t.replace("...", "").count(".") or t.count("...") > 1:
            raise ParameterError(f"einsum: subscripts {subscripts!r}: '.' only as one '...' per term")
    if len(terms) != len(shapes):
        raise ParameterError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), got {len(shapes)}")
    used = set(c for c in s if c in LETTERS)
    free = [c for c in LETTERS if c not in used]
    ell_dims = []
    for t, shp in zip(terms, shapes):
        named = len(t.replace("...", ""))
        if ("..." in t and named > len(shp)) or ("..." not in t and named != len(shp)):
            raise ShapeError(f"einsum: term {t!r} does not fit an operand of shape {tuple(shp)} ({len(shp)} dimensions)")
        ell_dims.append(len(shp) - named if "..." in t else 0)
    n_ell = max(ell_dims, default=0)
    ell = "".join(free[:n_ell])
    sizes = {}
    explicit = []
    for t, shp, k in zip(terms, shapes, ell_dims):
        t = t.replace("...", ell[n_ell - k:]) if "..." in t else t
        for c in set(t):
            dims = {d for ch, d in zip(t, shp) if ch == c}
            if len(dims) > 1:
                raise ShapeError(f"einsum: index {c!r} is repeated in term {t!r} over axes of different sizes {sorted(dims)}")
        for c, d in zip(t, shp):
            if c in sizes and d != sizes[c] and 1 not in (d, sizes[c]):
                raise ShapeError(f"einsum: index {c!r} has sizes {sizes[c]} and {d} in {subscripts!r} with operand "
                                 f"shapes {[tuple(x) for x in shapes]}")
            sizes[c] = max(sizes.get(c, d), d) if c in sizes else d
        explicit.append(t)
    if arrow:
        if n_ell and "..." not in rhs:
            raise ParameterError(f"einsum: subscripts {subscripts!r}: the operands have '...' axes, so the output "
                                 "needs '...' too (as NumPy)")
        out = rhs.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise ParameterError(f"einsum: output index {c!r} appears more than once in {subscripts!r}")
            if c not in "".join(explicit):
                raise ParameterError(f"einsum: output index {c!r} of {subscripts!r} is in no input term")
    else:  # implicit: the ellipsis, then the indices that appear once, in alphabetical order
        joined = "".join(t.replace("...", "") for t in terms)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return ",".join(explicit) + "->" + out


def einsum_fwd(*operands, subscripts):
    return np.einsum(subscripts, *operands)


def _sizes(terms, shapes):
    sizes = {}
    for t, shp in zip(terms, shapes):
        for c, d in zip(t, shp):
            prev = sizes.get(c)
            sizes[c] = d if prev is None or prev == 1 else prev  # a length-1 axis broadcasts (also to length 0)
    return sizes


def einsum_d(i, g, out, *operands, subscripts):
    xp = namespace(g) if namespace(g) is not np else namespace(out)
    lhs, out_term = subscripts.split("->")
    terms = lhs.split(",")
    shapes = [tuple(np.shape(o)) for o in operands]
    sizes = _sizes(terms, shapes)
    own = terms[i]
    used = set(subscripts)
    free = iter(c for c in LETTERS if c not in used)
    ins, args = [out_term], [g]
    elsewhere = set(out_term)
    for j, (t, o) in enumerate(zip(terms, operands)):
        if j == i:
            continue
        full = tuple(sizes[c] for c in t)
        if tuple(np.shape(o)) != full:  # an axis of length 1 broadcast against the others
            o = xp.broadcast_to(o, full)
        ins.append(t)
        args.append(o)
        elsewhere |= set(t)
    dtype = np.result_type(*(np.asarray(a).dtype if isinstance(a, np.ndarray) else np.float64 for a in args[:1]))
    result, seen = [], set()
    for c in own:
        if c in seen:  # a repeated index: the gradient sits on the diagonal, an identity links the copies
            fresh = next(free)
            ins.append(c + fresh)
            args.append(_constant(xp, np.eye(sizes[c], dtype=dtype), g))
            result.append(fresh)
        else:
            seen.add(c)
            result.append(c)
    for c in seen - elsewhere:  # summed in the forward pass by this operand alone: broadcast back
        ins.append(c)
        args.append(_constant(xp, np.ones(sizes[c], dtype=dtype), g))
    return xp.einsum(",".join(ins) + "->" + "".join(result), *args)


def _constant(xp, arr, like):
    if xp is np or type(like).__module__.startswith("gradlab"):
        return arr
    return xp.asarray(arr)


EINSUM = register("einsum", einsum_fwd, Variadic(einsum_d), latex=r"\operatorname{einsum}($x, $y)",
                  dlatex=(r"\operatorname{einsum}((\cdot), \ldots)",),
                  doc="Einstein summation over explicit subscripts (gl.einsum makes them explicit: implicit output, "
                      "ellipsis as letters). Each operand's gradient is an einsum of the upstream gradient with "
                      "the other operands (identities for repeated indices, ones for indices only it has). "
                      "Linear in each operand: no non-differentiable points.")
