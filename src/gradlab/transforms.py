"""Function transforms: grad, value_and_grad, vjp, jvp, jacobian, hessian.

Layout conventions (stated again in each docstring):

* ``grad`` returns arrays with the shape of the variable — **denominator
  layout**: for L: ℝ^{m×n} → ℝ, ∂L/∂X is m × n.
* ``jacobian`` returns shape ``out.shape + in.shape`` — **numerator layout**:
  for f: ℝⁿ → ℝᵐ an m × n matrix, as lecture notes write it.

The functions given to a transform take and return gradlab Tensors (the
operators and ``gl.*`` functions work on them). Arguments may be numbers,
lists, arrays or Tensors. Transforms nest: ``jacobian(grad(f))`` is the
Hessian, computed exactly by differentiating the backward pass itself.
"""

from __future__ import annotations

import numpy as np

from .core.errors import GraphError, InputTypeError, ParameterError, ShapeError
from .core.graph import backprop
from .core.tensor import MODE, Tensor, as_array


def _argnums(argnums, n, name):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -n <= a < n:
            raise ParameterError(f"{name}: argnums {argnums!r} is out of range for {n} positional argument(s)")
    return single, tuple(a % n for a in nums)


def _wrap(args, nums, name):
    """Leaf tensors for the differentiated arguments; nested if any of them is already a Tensor, or any other
    argument is a Tensor that requires a gradient (an outer transform differentiates through this one: the
    mixed second derivative ∂²f/∂y∂x of ``jacobian(grad(f, 0), 1)`` needs the gradient as a Tensor)."""
    args = list(args)
    nested = any(isinstance(args[i], Tensor) for i in nums) or any(
        isinstance(a, Tensor) and a.requires_grad for a in args)
    wrt = []
    for i in nums:
        a = args[i]
        kind = np.asarray(a.data if isinstance(a, Tensor) else 0.0).dtype.kind
        if isinstance(a, Tensor) and kind != "f":
            raise InputTypeError(f"{name}: argument {i} is a tensor of dtype {a.data.dtype}; integers and booleans "
                                 "(indices, masks) cannot be differentiated: pass floats, or leave the argument "
                                 "out of argnums")
        if isinstance(a, Tensor):
            t = a if a.requires_grad else Tensor(a.data, requires_grad=True)
        else:
            t = Tensor(as_array(a, op="grad"), requires_grad=True)
        args[i] = t
        wrt.append(t)
    return args, wrt, nested


def _call(f, args, name):
    prev = MODE.grad_enabled
    MODE.grad_enabled = True
    try:
        out = f(*args)
    finally:
        MODE.grad_enabled = prev
    if not isinstance(out, Tensor):
        out = Tensor(as_array(out, op=name))
    return out


def _zeros_for(t, nested):
    z = np.zeros(t.data.shape, dtype=t.data.dtype)
    return Tensor(z) if nested else z


def _finish(grads, wrt, nested):
    out = []
    for g, t in zip(grads, wrt):
        if g is None:
            out.append(_zeros_for(t, nested))
        elif nested:
            out.append(g if isinstance(g, Tensor) else Tensor(g))
        else:
            out.append(np.asarray(g.data if isinstance(g, Tensor) else g))
    return out


def value_and_grad(f, argnums=0):
    """Transform ``f`` (Tensors → scalar Tensor) into ``x ↦ (f(x), ∇f(x))``.

    The gradient has the shape of its argument (denominator layout). With a
    tuple ``argnums`` the second result is a tuple of gradients.
    """

    def value_and_grad_f(*args):
        single, nums = _argnums(argnums, len(args), "grad")
        args, wrt, nested = _wrap(args, nums, "grad")
        out = _call(f, args, "grad")
        if out.size != 1:
            raise ShapeError(
                f"grad: the function must return a scalar, got shape {out.shape}; use gl.jacobian or gl.vjp "
                "for vector-valued functions"
            )
        seed = np.ones(out.data.shape, dtype=out.data.dtype)
        if out.requires_grad:
            grads = backprop(out, Tensor(seed) if nested else seed, wrt=wrt, retain_graph=nested,
                             create_graph=nested)
        else:
            grads = [None] * len(wrt)
        grads = _finish(grads, wrt, nested)
        value = out if nested else float(np.asarray(out.data).reshape(()))
        return value, (grads[0] if single else tuple(grads))

    value_and_grad_f.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_grad_f


def grad(f, argnums=0):
    """Transform a scalar function ``f`` into its gradient function.

    ``grad(f)(x)`` has the shape of ``x`` (denominator layout: ∂L/∂X is m × n
    for X of shape m × n). ``argnums`` picks the argument(s) to differentiate.
    """
    vg = value_and_grad(f, argnums)

    def grad_f(*args):
        return vg(*args)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def vjp(f, *xs):
    """Evaluate ``f(*xs)`` and return ``(out, vjp_fn)``.

    ``vjp_fn(v)`` (v of the output's shape) returns the tuple of
    ``vᵀ ∂f/∂xᵢ``, each with the shape of ``xᵢ``. ``out`` is a NumPy array.
    """
    args, wrt, nested = _wrap(xs, tuple(range(len(xs))), "vjp")
    out = _call(f, args, "vjp")

    def vjp_fn(v):
        vd = v if isinstance(v, Tensor) and nested else as_array(v.data if isinstance(v, Tensor) else v, op="vjp")
        if tuple(np.shape(vd.data if isinstance(vd, Tensor) else vd)) != out.shape:
            raise ShapeError(f"vjp: the cotangent has shape {np.shape(vd)} but the output has shape {out.shape}")
        if not out.requires_grad:
            return tuple(_zeros_for(t, nested) for t in wrt)
        if nested and not isinstance(vd, Tensor):
            vd = Tensor(vd)
        grads = backprop(out, vd, wrt=wrt, retain_graph=True, create_graph=nested or isinstance(vd, Tensor))
        return tuple(_finish(grads, wrt, nested or isinstance(vd, Tensor)))

    return (out if nested else np.asarray(out.data)), vjp_fn


def jvp(f, xs, vs):
    """Forward-mode product: returns ``(f(xs), J·vs)``.

    ``xs`` and ``vs`` are sequences of the same length and shapes (one
    tangent per argument). Computed exactly by transposing the VJP (the
    backward pass is itself differentiated), so no step size is involved.
    """
    xs, vs = tuple(xs), tuple(vs)
    if len(xs) != len(vs):
        raise ParameterError(f"jvp: got {len(xs)} primal(s) but {len(vs)} tangent(s)")
    args, wrt, _ = _wrap(xs, tuple(range(len(xs))), "jvp")
    out = _call(f, args, "jvp")
    vs = [as_array(v, op="jvp") for v in vs]
    for v, t in zip(vs, wrt):
        if v.shape != t.shape:
            raise ShapeError(f"jvp: tangent of shape {v.shape} for a primal of shape {t.shape}")
    if not out.requires_grad:
        return np.asarray(out.data), np.zeros(out.shape)
    u = Tensor(np.zeros(out.shape, dtype=out.data.dtype), requires_grad=True)
    gx = backprop(out, u, wrt=wrt, retain_graph=True, create_graph=True)
    total = None
    for g, v in zip(gx, vs):
        if g is None or not isinstance(g, Tensor):
            continue
        term = (g * v).sum()
        total = term if total is None else total + term
    if total is None or not total.requires_grad:
        return np.asarray(out.data), np.zeros(out.shape)
    (jv,) = backprop(total, np.ones((), dtype=out.data.dtype), wrt=[u])
    jv = np.zeros(out.shape) if jv is None else np.asarray(jv)
    return np.asarray(out.data), jv


def jacobian(f, argnums=0):
    """Transform ``f`` into its Jacobian function, **numerator layout**.

    The result has shape ``out.shape + x.shape``: for f: ℝⁿ → ℝᵐ an m × n
    matrix whose row i is ∇fᵢᵀ, as lecture notes write it. Row by row, exactly.
    """

    def jacobian_f(*args):
        single, nums = _argnums(argnums, len(args), "jacobian")
        args2, wrt, nested = _wrap(args, nums, "jacobian")
        out = _call(f, args2, "jacobian")
        oshape = out.shape
        m = int(np.prod(oshape))
        jacs = [np.zeros((m,) + t.shape) for t in wrt]
        if out.requires_grad:
            for k in range(m):
                e = np.zeros(m, dtype=out.data.dtype)
                e[k] = 1.0
                grads = backprop(out, e.reshape(oshape), wrt=wrt, retain_graph=True)
                for J, g in zip(jacs, grads):
                    if g is not None:
                        J[k] = np.asarray(g.data if isinstance(g, Tensor) else g)
        jacs = [J.reshape(oshape + t.shape) for J, t in zip(jacs, wrt)]
        return jacs[0] if single else tuple(jacs)

    jacobian_f.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    return jacobian_f


def hessian(f, argnums=0):
    """Transform a scalar ``f`` into its Hessian: shape ``x.shape + x.shape``.

    The exact Jacobian of the gradient (the backward pass differentiated).
    """
    if not isinstance(argnums, int):
        raise ParameterError("hessian: argnums must be a single int")
    return jacobian(grad(f, argnums), argnums)


__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "GraphError"]
