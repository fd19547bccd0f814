"""The references a derived result is compared with: automatic differentiation and finite differences.

:mod:`.verify` compares every kind of result with two independent references: gradlab's automatic differentiation
of the same expression tree (:func:`~.codegen.to_gradlab`) and central finite differences of the NumPy function
(Richardson-extrapolated), each arranged as the result is — gradients and Jacobians row-major, matrix Jacobians and
second derivatives in vec order (columns stacked).
"""

from __future__ import annotations

import numpy as np

from .. import transforms
from ..ops import api as ops_api
from .codegen import to_gradlab


def _fd(f, data, name, sizes):
    """∂f/∂X by central differences (row-major, as gradients and vector Jacobians are compared): a 1-D array for a
    scalar f, else (size of f) × (size of X). See :func:`differences`."""
    out = differences(lambda **d: f(dims=sizes, **d), data, name, "C")
    return out[0] if out.shape[0] == 1 else out


def differences(f, data, name, order="F"):
    """∂vec(f)/∂vec(X), (size of f) × (size of X), entries taken in ``order`` ('F': columns stacked, 'C': rows):
    central differences with steps h and 2h combined by Richardson extrapolation (4D(h) − D(2h))/3, whose truncation
    error is O(h⁴), so steep functions (x ⊘ X⁻¹ near a zero entry) are still checked reliably."""
    x0 = data[name]
    flat = x0.reshape(-1, order=order)
    out = None
    for i in range(flat.size):
        h = 1e-6 * max(1.0, abs(flat[i]))

        def at(step):
            x = flat.copy()
            x[i] += step
            return np.asarray(f(**{**data, name: x.reshape(x0.shape, order=order)})).reshape(-1, order=order)

        col = (4 * (at(h) - at(-h)) / (2 * h) - (at(2 * h) - at(-2 * h)) / (4 * h)) / 3
        if out is None:
            out = np.zeros((col.size, flat.size))
        out[:, i] = col
    return out


def vec_f(a):
    """vec(A): the columns of a 2-D array stacked (column stacking), as a 1-D array."""
    return np.asarray(a).reshape(-1, order="F")


def _vec_pairs(j, out_shape, in_shape):
    """A row-major Jacobian of shape out_shape + in_shape as ∂vec(out)/∂vec(in): (size out) × (size in)."""
    j = np.asarray(j).reshape(tuple(out_shape) + tuple(in_shape))
    return j.transpose(1, 0, 3, 2).reshape(out_shape[0] * out_shape[1], in_shape[0] * in_shape[1])


def _autodiff(expr, data, name, sizes, kind, name2=None):
    f = to_gradlab(expr)
    others = {k: v for k, v in data.items() if k not in (name, name2)}
    if kind == "hessian":
        if name2 == name:
            def fn(t):
                return ops_api.reshape(f(dims=sizes, **others, **{name: t}), ())
            h = transforms.hessian(fn)(data[name])
        else:  # the block of the Hessian of both variables together, one vector z = [x; y] (row-major pieces)
            x, y = data[name], data[name2]

            def fn(z):
                t = ops_api.reshape(ops_api.getitem(z, slice(0, x.size)), x.shape)
                s = ops_api.reshape(ops_api.getitem(z, slice(x.size, x.size + y.size)), y.shape)
                return ops_api.reshape(f(dims=sizes, **others, **{name: t, name2: s}), ())
            whole = transforms.hessian(fn)(np.concatenate([x.reshape(-1), y.reshape(-1)]))
            h = np.asarray(whole)[:x.size, x.size:]
        return _vec_pairs(h, data[name].shape, data[name2].shape)
    if kind in ("vec_jacobian", "derivative"):
        def fn(t):
            return f(dims=sizes, **others, **{name: t})
        jac = np.asarray(transforms.jacobian(fn)(data[name]))
        out_shape = jac.shape[:2]
        return _vec_pairs(jac, out_shape, data[name].shape)

    def fn(t):
        out = f(dims=sizes, **others, **{name: t})
        return ops_api.reshape(out, (-1,)) if kind == "jacobian" else ops_api.reshape(out, ())

    if kind == "gradient":
        return np.asarray(transforms.grad(fn)(data[name])).reshape(-1)
    jac = np.asarray(transforms.jacobian(fn)(data[name]))
    return jac.reshape(jac.shape[0], -1)


def _autodiff_gradient(expr, name, sizes):
    """x ↦ the autodiff gradient of the scalar ``expr`` with respect to ``name`` (a NumPy function of all the data)."""
    f = to_gradlab(expr)

    def grad_at(**data):
        others = {k: v for k, v in data.items() if k != name}

        def fn(t):
            return ops_api.reshape(f(dims=sizes, **others, **{name: t}), ())

        return np.asarray(transforms.grad(fn)(data[name]))

    return grad_at
