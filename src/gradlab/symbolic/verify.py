"""Numerical verification of derived gradients and Jacobians.

``verify(expr, wrt)`` draws random data of concrete, distinct sizes for the
named dimensions (so no matrix is accidentally square), evaluates the derived
result with :func:`~gradlab.symbolic.codegen.to_numpy`, and compares it with

* gradlab's automatic differentiation of the same expression tree, built from
  gradlab Tensor ops (:func:`~gradlab.symbolic.codegen.to_gradlab`), and
* central finite differences of the NumPy function.

Data is drawn so the check is meaningful: arguments of ReLU / Heaviside / abs
have both positive and negative entries, none within 1e-3 of the kink;
symbols inside log, √ or negative powers are positive; square symbols inside
inv, det or logdet are well-conditioned (diagonally dominant).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import DerivationError, ParameterError
from . import expr as X
from .codegen import _symbols, to_gradlab, to_numpy
from .derive import Derivation, derive

RTOL_AUTODIFF = 1e-8
RTOL_FD = 1e-5
KINKS = ("relu", "heaviside", "abs", "sign")


class VerifyReport:
    """What :func:`verify` found. ``bool(report)`` is True when every comparison passed.

    ``max_rel_error_autodiff`` and ``max_rel_error_fd``: the largest relative
    error (max |derived − reference| / max |reference|) over all trials;
    ``trials``: the sizes used in each trial.
    """

    def __init__(self, wrt, kind, layout, trials, err_ad, err_fd, rtol_ad, rtol_fd):
        self.wrt, self.kind, self.layout, self.trials = wrt, kind, layout, trials
        self.max_rel_error_autodiff, self.max_rel_error_fd = err_ad, err_fd
        self.rtol_autodiff, self.rtol_fd = rtol_ad, rtol_fd

    @property
    def max_rel_error(self):
        return max(self.max_rel_error_autodiff, self.max_rel_error_fd)

    @property
    def passed(self):
        return self.max_rel_error_autodiff <= self.rtol_autodiff and self.max_rel_error_fd <= self.rtol_fd

    def __bool__(self):
        return self.passed

    def __str__(self):
        sizes = "; ".join(", ".join(f"{k}={v}" for k, v in t.items()) or "fixed sizes" for t in self.trials)
        return (f"verify ∂/∂{self.wrt} ({self.kind}, {self.layout} layout): {'PASSED' if self.passed else 'FAILED'} — "
                f"{len(self.trials)} trials [{sizes}]: largest relative error vs automatic differentiation "
                f"{self.max_rel_error_autodiff:.2e} (tol {self.rtol_autodiff:g}), vs finite differences "
                f"{self.max_rel_error_fd:.2e} (tol {self.rtol_fd:g})")

    __repr__ = __str__

    def to_json(self):
        return {"wrt": self.wrt, "kind": self.kind, "layout": self.layout, "passed": self.passed,
                "max_rel_error_autodiff": self.max_rel_error_autodiff, "max_rel_error_fd": self.max_rel_error_fd,
                "trials": self.trials}


def _rel(a, b):
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, float(np.max(np.abs(a))) if a.size else 0.0)
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    if scale < 1e-12:
        return diff
    return diff / scale


def _constraints(expr):
    """Names of symbols that must be positive, and square symbols that must be invertible."""
    positive, invertible = set(), set()
    for n in expr.walk():
        positive_arg = (n.op == "fn" and n.attrs[0] == "log") or (n.op == "pow" and (n.attrs[0] < 0 or
                                                                                  n.attrs[0].denominator != 1))
        if positive_arg:
            for m in n.args[0].walk():
                if m.op == "sym":
                    positive.add(m.attrs[0])
        if n.op in ("inv", "det", "logdet"):
            for m in n.args[0].walk():
                if m.op == "sym" and m.shape[0] == m.shape[1]:
                    invertible.add(m.attrs[0])
    return positive, invertible


def _kink_args(expr):
    return [n.args[0] for n in expr.walk() if n.op == "fn" and n.attrs[0] in KINKS]


def draw_sizes(expr, rng):
    """Distinct sizes 2..7 for the named dimensions (non-square wherever the shapes allow)."""
    dims = sorted({d for n in expr.walk() for d in n.shape if isinstance(d, str)} |
                  {n.attrs[0] for n in expr.walk() if n.op == "dim"})
    pool = list(rng.permutation(np.arange(2, 8)))
    while len(pool) < len(dims):
        pool.append(len(pool) + 2)
    return {d: int(s) for d, s in zip(dims, pool)}


def draw_data(expr, sizes, rng, tries=60):
    """Random arrays for the symbols of ``expr`` that satisfy the constraints above."""
    shapes = _symbols(expr)
    positive, invertible = _constraints(expr)
    kinks = [to_numpy(k) for k in _kink_args(expr)]
    best = None
    for attempt in range(tries):
        data = {}
        for name, shp in shapes.items():
            r, c = (s if isinstance(s, int) else sizes[s] for s in shp)
            if name in positive:
                a = rng.uniform(0.5, 1.5, size=(r, c))
            elif name in invertible and r == c:
                a = rng.normal(size=(r, c)) * 0.5 + r * np.eye(r)
            else:
                a = rng.normal(size=(r, c))
            data[name] = a
        ok_margin, ok_signs = True, True
        for k in kinks:
            v = k(dims=sizes, **{n: data[n] for n in k.symbols})
            if np.min(np.abs(v)) < 1e-3:
                ok_margin = False
            if v.size > 1 and not (np.any(v > 0) and np.any(v < 0)):
                ok_signs = False
        if ok_margin and ok_signs:
            return data
        if ok_margin and best is None:
            best = data
    if best is None:
        raise DerivationError("verify: could not draw data away from the kinks of relu/heaviside/abs")
    return best


def _fd(f, data, name, sizes):
    x0 = data[name]
    out = np.zeros(x0.size if f(dims=sizes, **data).size == 1 else (f(dims=sizes, **data).size, x0.size))
    flat = x0.reshape(-1)
    for i in range(flat.size):
        eps = 1e-6 * max(1.0, abs(flat[i]))
        xp, xm = flat.copy(), flat.copy()
        xp[i] += eps
        xm[i] -= eps
        fp = f(dims=sizes, **{**data, name: xp.reshape(x0.shape)}).reshape(-1)
        fm = f(dims=sizes, **{**data, name: xm.reshape(x0.shape)}).reshape(-1)
        col = (fp - fm) / (2 * eps)
        if out.ndim == 1:
            out[i] = col[0]
        else:
            out[:, i] = col
    return out


def _autodiff(expr, data, name, sizes, kind):
    import gradlab as gl

    f = to_gradlab(expr)
    others = {k: v for k, v in data.items() if k != name}

    def fn(t):
        out = f(dims=sizes, **others, **{name: t})
        return gl.reshape(out, (-1,)) if kind == "jacobian" else gl.reshape(out, ())

    if kind == "gradient":
        return np.asarray(gl.grad(fn)(data[name])).reshape(-1)
    jac = np.asarray(gl.jacobian(fn)(data[name]))
    return jac.reshape(jac.shape[0], -1)


def _on_simplex(data, names, rng):
    """Labels that sum to one (as ``sums_to_one`` assumes): positive entries normalised per column."""
    for n in names:
        a = rng.uniform(0.1, 1.0, size=data[n].shape)
        data[n] = a / a.sum(axis=0, keepdims=True)


def verify(expr, wrt, result=None, trials=3, seed=0, shapes=None, rtol_autodiff=RTOL_AUTODIFF, rtol_fd=RTOL_FD,
           sums_to_one=None):
    """Check a derived gradient (or Jacobian) numerically; returns a :class:`VerifyReport`.

    ``expr``: Expr or string (with ``shapes``); ``wrt``: symbol or name;
    ``result``: a :class:`Derivation`, an :class:`Expr` (a gradient with the
    shape of wrt, or a numerator-layout Jacobian), or None to derive it now.
    Each of ``trials`` draws fresh sizes and data from ``seed``. Vectors named in
    ``sums_to_one`` (by default those the Derivation assumed) are drawn with
    positive entries that sum to one.
    """
    if isinstance(expr, str):
        from .parse import parse

        expr = parse(expr, shapes or {})
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ParameterError(f"The 'trials' parameter of verify must be an int >= 1. Got {trials!r}.")
    if result is None:
        result = derive(expr, wrt, sums_to_one=sums_to_one or ())
    if isinstance(result, Derivation):
        deriv = result
        name = deriv.wrt.attrs[0]
        kind, layout, g = deriv.kind, deriv.layout, deriv.result
        if sums_to_one is None:
            sums_to_one = deriv.sums_to_one
    elif isinstance(result, X.Expr):
        name = wrt if isinstance(wrt, str) else wrt.attrs[0]
        kind = "gradient" if expr.is_scalar else "jacobian"
        layout = "denominator" if kind == "gradient" else "numerator"
        g = result
    else:
        raise DerivationError(f"verify: result must be a Derivation, an expression or None, got {result!r}")
    wrt_shape = _symbols(expr).get(name)
    if wrt_shape is None:
        raise DerivationError(f"verify: the expression does not contain {name!r}")
    flip = (kind == "gradient" and layout == "numerator") or (kind == "jacobian" and layout == "denominator")
    rng = np.random.default_rng(seed)
    f_np = to_numpy(expr)
    g_np = to_numpy(g)
    err_ad = err_fd = 0.0
    used = []
    for _ in range(trials):
        sizes = draw_sizes(expr, rng)
        data = draw_data(expr, sizes, rng)
        _on_simplex(data, sums_to_one or (), rng)
        derived = g_np(dims=sizes, **{k: data[k] for k in g_np.symbols})
        if flip:
            derived = derived.T
        derived = derived.reshape(-1) if kind == "gradient" else derived.reshape(derived.shape[0], -1)
        ad = _autodiff(expr, data, name, sizes, kind)
        fd = _fd(f_np, data, name, sizes)
        if kind == "jacobian" and derived.shape != ad.shape:
            derived = derived.reshape(ad.shape)
        err_ad = max(err_ad, _rel(derived, ad))
        err_fd = max(err_fd, _rel(derived, fd))
        used.append(sizes)
    return VerifyReport(name, kind, layout, used, err_ad, err_fd, rtol_autodiff, rtol_fd)
