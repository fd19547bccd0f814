"""Primitives: one row per operation, and the registry that holds the rows.

A :class:`Primitive` keeps side by side everything gradlab knows about one
operation:

* ``forward(*inputs, **params)`` computes the output array;
* ``vjps[i](g, out, *inputs, **params)`` is the vector–Jacobian product for
  input ``i``: given the upstream gradient ``g`` (shape of ``out``) it returns
  ``gᵀ ∂out/∂input_i`` with the shape of the output's broadcast of input ``i``
  (the engine sums broadcast axes back to the input's own shape);
* ``jacobian(argnum, out, *inputs, **params)`` returns the explicit Jacobian
  of shape ``out.shape + input.shape`` (numerator layout) — for teaching and
  tests, never on the training path;
* optionally, for a fused operation whose inputs share backward work (the
  dense stack of an MLP), ``forward_saving`` returns ``(out, saved)`` and
  ``vjp_all(g, out, *inputs, saved=..., needs=..., **params)`` returns every
  input's gradient at once (None where ``needs[i]`` is false), each of
  exactly that input's shape and held by nothing else (never ``g`` itself, nor
  a view of an input or of saved data), so the engine can store it as a
  leaf's ``.grad`` without a copy. The engine
  uses them on the training path; ``vjps`` stays the reference every other
  consumer (Jacobians, higher derivatives, the explainer) uses;
* ``latex`` is the forward formula and ``dlatex[i]`` the local derivative with
  respect to input ``i``, both with ``$x``, ``$y``... placeholders the
  explainer fills in;
* optionally ``hint(datas, params)``: when the forward pass fails on its
  inputs' shapes, the message that says which input does not fit and why
  (matmul's inner dimensions), or None for the generic message.

Rules compute through the array namespace of their arguments, so they run on
NumPy arrays, on array-api-strict arrays, and on gradlab Tensors (which is
how higher derivatives — Hessians, forward mode — come for free).
"""

from __future__ import annotations

import numpy as np

PRIMITIVES: dict[str, "Primitive"] = {}


class Primitive:
    """One row of a rule table. See the module docstring for the fields."""

    __slots__ = ("name", "forward", "vjps", "jacobian", "latex", "dlatex", "nargs", "doc", "argnames",
                 "forward_saving", "vjp_all", "hint", "optional")

    def __init__(self, name, forward, vjps, jacobian=None, latex="", dlatex=(), doc="", argnames=("x", "y", "z"),
                 forward_saving=None, vjp_all=None, hint=None, optional=False):
        self.name = name
        self.optional = optional  # whether an input may be None (a missing bias)
        self.hint = hint
        self.forward_saving = forward_saving
        self.vjp_all = vjp_all
        self.argnames = tuple(argnames)
        self.forward = forward
        self.vjps = vjps
        self.jacobian = jacobian if jacobian is not None else jacobian_from_vjp
        self.latex = latex
        self.dlatex = tuple(dlatex)
        self.nargs = len(vjps) if isinstance(vjps, tuple) else None  # None: any number of inputs
        self.doc = doc

    def __repr__(self):
        return f"Primitive({self.name!r})"

    def explicit_jacobian(self, argnum, *inputs, **params):
        """Jacobian of the output with respect to ``inputs[argnum]``.

        Shape ``out.shape + inputs[argnum].shape`` (numerator layout).
        """
        out = self.forward(*inputs, **params)
        return self.jacobian(self, argnum, out, *inputs, **params)


class Variadic:
    """VJP table of a primitive with any number of inputs (concatenate, stack).

    ``fn(i, g, out, *inputs, **params)`` gives the gradient of input ``i``.
    """

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def __getitem__(self, i):
        fn = self.fn

        def vjp_i(g, out, *inputs, **params):
            return fn(i, g, out, *inputs, **params)

        return vjp_i


def register(name, forward, vjps, jacobian=None, latex="", dlatex=(), doc="", argnames=("x", "y", "z"),
             forward_saving=None, vjp_all=None, hint=None, optional=False):
    """Create a :class:`Primitive` row and add it to :data:`PRIMITIVES`.

    ``argnames`` are the placeholder names of the inputs in ``latex`` and
    ``dlatex`` (``$x`` is input 0 unless said otherwise); ``optional`` lets
    inputs after the first be None (a layer without bias).
    """
    if name in PRIMITIVES:
        raise ValueError(f"register: a primitive named {name!r} already exists")
    prim = Primitive(name, forward, vjps, jacobian, latex, dlatex, doc, argnames, forward_saving, vjp_all, hint,
                     optional)
    PRIMITIVES[name] = prim
    return prim


def namespace(a):
    """The array namespace of ``a`` (NumPy for NumPy arrays and scalars)."""
    if type(a) is np.ndarray or isinstance(a, np.generic):
        return np
    try:
        return a.__array_namespace__()
    except AttributeError:
        return np


def namespace_of(*arrays):
    """The namespace of several operands: the first one's that is not NumPy (Tensors, array-api-strict), else
    NumPy's — so a rule mixing a NumPy constant with a Tensor records its graph."""
    for a in arrays:
        xp = namespace(a)
        if xp is not np:
            return xp
    return np


_CONSTANTS: dict = {}


def constant(kind, shape, dtype):
    """A read-only array, cached per kind, shape and dtype: 'ones', 'zeros' or 'eye' (shape (n, n)).

    The training path reuses a few fixed arrays on every step: the seed 1 of
    ``loss.backward()``, the row 1ᵀ of a bias gradient, a 0-d zero as a NumPy
    operand, the identity whose rows are one-hot targets. Making them once
    saves a call each time; the cache forgets everything past 128 entries.
    """
    key = (kind, shape, dtype)
    arr = _CONSTANTS.get(key)
    if arr is None:
        if len(_CONSTANTS) >= 128:
            _CONSTANTS.clear()
        arr = np.eye(shape[0], dtype=dtype) if kind == "eye" else (np.ones if kind == "ones" else np.zeros)(shape, dtype)
        arr.flags.writeable = False
        _CONSTANTS[key] = arr
    return arr


def unbroadcast(g, shape):
    """Sum ``g`` over the axes broadcasting added, so it gets ``shape``.

    ``g`` has the broadcast shape of an operation's output; ``shape`` is an
    input's shape. Leading axes are summed away; axes of length 1 in
    ``shape`` are summed with ``keepdims``.
    """
    gshape = tuple(g.shape)
    if gshape == tuple(shape):
        return g
    xp = namespace(g)
    lead = len(gshape) - len(shape)
    if lead > 0:
        g = xp.sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    if tuple(g.shape) != tuple(shape):
        g = xp.reshape(g, tuple(shape))
    return g


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def jacobian_from_vjp(prim, argnum, out, *inputs, **params):
    """Build a Jacobian row by row: row k is the VJP of the k-th unit vector.

    Used for rows whose Jacobian has no simpler closed form; it is exact
    (no finite differences). Shape ``out.shape + inputs[argnum].shape``.
    """
    xp = namespace(out)
    x = inputs[argnum]
    oshape, ishape = tuple(out.shape), tuple(np.shape(x))
    m, n = _size(oshape), _size(ishape)
    rows = []
    vjp = prim.vjps[argnum]
    for k in range(m):
        e = np.zeros(m, dtype=np.float64)
        e[k] = 1.0
        g = xp.asarray(np.reshape(e, oshape), dtype=out.dtype) if xp is not np else np.reshape(e, oshape)
        r = unbroadcast(vjp(g, out, *inputs, **params), ishape)
        rows.append(np.reshape(np.asarray(r, dtype=np.float64), (n,)))
    J = np.stack(rows) if rows else np.zeros((0, n))
    return J.reshape(oshape + ishape)


def elementwise_jacobian(prim, argnum, out, *inputs, **params):
    """Jacobian of an element-wise operation: Diag of the local derivative.

    For y = f(x) element-wise, ∂yᵢ/∂xⱼ = f′(xᵢ) δᵢⱼ: the Jacobian is the
    diagonal matrix diag(f′(x)) (slides: "element-wise operations have
    diagonal Jacobians"). When the input was broadcast, each output entry
    depends on the one input entry it was broadcast from.
    """
    x = inputs[argnum]
    oshape, ishape = tuple(np.shape(out)), tuple(np.shape(x))
    ones = np.ones(oshape, dtype=np.float64)
    local = np.broadcast_to(np.asarray(prim.vjps[argnum](ones, out, *inputs, **params), dtype=np.float64), oshape)
    m = _size(oshape)
    # index of the input entry each output entry reads
    src = np.broadcast_to(np.arange(_size(ishape)).reshape(ishape) if ishape else np.array(0), oshape).reshape(m)
    J = np.zeros((m, _size(ishape)))
    J[np.arange(m), src] = local.reshape(m)
    return J.reshape(oshape + ishape)
