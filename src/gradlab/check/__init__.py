"""Gradient checking: analytic gradients against central finite differences.

``check_grad(f, *inputs)`` compares, for every input, the gradient gradlab
computes with central differences (f(x + εe) − f(x − εe)) / 2ε in float64:

* ``mode='full'``: the whole Jacobian, entry by entry (small inputs);
* ``mode='adjoint'``: random directions u, v and the identity
  ⟨u, Jᵀv⟩ = ⟨Ju, v⟩ (large inputs: two function calls per direction);
* ``mode='auto'``: full when the Jacobian has at most 20,000 entries.

Relative error of an entry: |a − n| / max(|a|, |n|, 1e-12). An entry passes
when its relative error is at most ``rtol`` (default 1e-5) **or** its
absolute difference is at most ``atol`` (default 1e-7; relative error means
nothing for entries that are zero up to rounding). The default step is
ε = 1e-6·max(1, |x|), which balances truncation (O(ε²)) and rounding
(O(1e-16/ε)) errors for smooth functions of O(1) values.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import GRAD_CHECK_MODES, CallableC, declare
from ..core.errors import GradlabError, InputTypeError, NonFiniteError
from ..core.tensor import Tensor, as_array
from ..transforms import jacobian as _jacobian
from ..transforms import vjp as _vjp

DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-7
FULL_LIMIT = 20_000


class GradientCheckError(GradlabError, AssertionError):
    """Raised by :func:`assert_grad` when a gradient disagrees with finite differences."""


class InputCheck:
    """The result for one input: worst entry, its values, pass or fail."""

    __slots__ = ("index", "shape", "max_rel_error", "max_abs_error", "worst", "analytic", "numeric", "passed", "mode")

    def __init__(self, index, shape, max_rel_error, max_abs_error, worst, analytic, numeric, passed, mode):
        self.index, self.shape, self.mode = index, shape, mode
        self.max_rel_error, self.max_abs_error = max_rel_error, max_abs_error
        self.worst, self.analytic, self.numeric, self.passed = worst, analytic, numeric, passed


class GradCheckReport:
    """What :func:`check_grad` found; ``bool(report)`` is True when every input passed."""

    def __init__(self, name, inputs, rtol, atol, eps):
        self.name, self.inputs, self.rtol, self.atol, self.eps = name, inputs, rtol, atol, eps

    @property
    def passed(self) -> bool:
        return all(i.passed for i in self.inputs)

    def __bool__(self):
        return self.passed

    def __str__(self):
        head = f"gradient check of {self.name}: {'PASSED' if self.passed else 'FAILED'} " \
               f"(rtol={self.rtol:g}, atol={self.atol:g}, eps={self.eps})"
        lines = [head]
        for r in self.inputs:
            where = "entry " + str(r.worst) if r.mode == "full" else f"direction {r.worst}"
            lines.append(
                f"  input {r.index} {r.shape} [{r.mode}]: max relative error {r.max_rel_error:.3e}, "
                f"max abs error {r.max_abs_error:.3e} at {where}: analytic {r.analytic:.10g} vs numeric "
                f"{r.numeric:.10g}  {'ok' if r.passed else 'MISMATCH'}"
            )
        return "\n".join(lines)

    __repr__ = __str__


def _fval(f, args):
    out = f(*[Tensor(a) for a in args])
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


# an ``f`` that cannot be called is refused in one sentence (instead of "'int' object is not callable")
FUNCTION = CallableC("a function of Tensors returning a Tensor (such as lambda x: gl.sum(x * x))", error=InputTypeError)


def _steps(x, eps):
    return eps * np.maximum(1.0, np.abs(x)) if eps is None or np.isscalar(eps) else eps


@declare(f=FUNCTION, mode=GRAD_CHECK_MODES)
def check_grad(f, *inputs, eps=None, rtol=None, atol=None, mode="auto", seed=0, directions=3) -> GradCheckReport:
    """Compare gradlab's derivatives of ``f`` with central finite differences.

    Args:
        f: a function of Tensors returning a Tensor of any shape.
        *inputs: the point, one array-like per argument of ``f`` (any shapes);
            they are converted to float64.
        eps: finite-difference step (default 1e-6·max(1, |x|) per entry).
        rtol, atol: tolerances (defaults 1e-5 and 1e-7; see the module doc).
        mode: 'full', 'adjoint' or 'auto'.
        seed: seed of the random directions of the adjoint test.

    Returns:
        A :class:`GradCheckReport` (prints readably; truthy when all pass).
    """
    rtol = DEFAULT_RTOL if rtol is None else float(rtol)
    atol = DEFAULT_ATOL if atol is None else float(atol)
    base = 1e-6 if eps is None else float(eps)
    xs = [np.array(as_array(x, "float64", op="check_grad"), dtype=np.float64) for x in inputs]
    for k, x in enumerate(xs):
        if not np.all(np.isfinite(x)):
            raise NonFiniteError(f"check_grad: input {k} (shape {x.shape}) contains NaN or inf; "
                                 "finite differences need finite inputs")
    with np.errstate(all="ignore"):
        out0 = _fval(f, xs)
    if not np.all(np.isfinite(out0)):
        raise NonFiniteError(f"check_grad: f returned NaN or inf at the given point (output shape {out0.shape})")
    results = []
    rng = np.random.default_rng(seed)
    for i, x in enumerate(xs):
        m = mode
        if m == "auto":
            m = "full" if out0.size * x.size <= FULL_LIMIT else "adjoint"
        if m == "full":
            results.append(_full(f, xs, i, out0, base, rtol, atol))
        else:
            results.append(_adjoint(f, xs, i, out0, base, rtol, atol, rng, directions))
    return GradCheckReport(getattr(f, "__name__", "f"), results, rtol, atol, base)


def _compare(a, n, rtol, atol):
    diff = np.abs(a - n)
    rel = diff / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-12)
    ok = (rel <= rtol) | (diff <= atol)
    return diff, rel, ok


def _full(f, xs, i, out0, base, rtol, atol):
    x = xs[i]
    J = np.asarray(_jacobian(f, argnums=i)(*xs), dtype=np.float64).reshape(out0.size, x.size)
    N = _central_differences(f, xs, i, out0.size, base)
    diff, rel, ok = _compare(J, N, rtol, atol)
    score = np.where(ok, 0.0, rel) if not ok.all() else rel
    k = int(np.argmax(score)) if score.size else 0
    r, c = divmod(k, max(x.size, 1))
    worst = (np.unravel_index(r, out0.shape) if out0.shape else ()) + (np.unravel_index(c, x.shape) if x.shape else ())
    worst = tuple(int(w) for w in worst)
    return InputCheck(i, x.shape, float(rel.max(initial=0.0)), float(diff.max(initial=0.0)), worst,
                      float(J.reshape(-1)[k]) if J.size else 0.0, float(N.reshape(-1)[k]) if N.size else 0.0,
                      bool(ok.all()), "full")


def _adjoint(f, xs, i, out0, base, rtol, atol, rng, directions):
    x = xs[i]
    _, vjp_fn = _vjp(f, *xs)
    worst = (0.0, 0.0, 0.0, 0.0, 0, True)
    all_ok = True
    for d in range(directions):
        u = rng.standard_normal(x.shape)
        v = rng.standard_normal(out0.shape)
        analytic = float(np.sum(u * np.asarray(vjp_fn(v)[i])))
        h = base * max(1.0, float(np.max(np.abs(x), initial=0.0)))
        args_p, args_m = list(xs), list(xs)
        args_p[i] = x + h * u
        args_m[i] = x - h * u
        numeric = float(np.sum(v * (_fval(f, args_p) - _fval(f, args_m)) / (2 * h)))
        diff, rel, ok = _compare(np.array(analytic), np.array(numeric), rtol, atol)
        ok = bool(ok)
        all_ok &= ok
        if float(rel) >= worst[1] or (not ok and worst[5]):
            worst = (float(diff), float(rel), analytic, numeric, d, ok)
    return InputCheck(i, x.shape, worst[1], worst[0], worst[4], worst[2], worst[3], all_ok, "adjoint")


def assert_grad(f, *inputs, **kwargs) -> GradCheckReport:
    """Like :func:`check_grad`, but raise :class:`GradientCheckError` with the report on a mismatch."""
    report = check_grad(f, *inputs, **kwargs)
    if not report.passed:
        raise GradientCheckError(str(report))
    return report


@declare(f=FUNCTION)
def numerical_jacobian(f, *inputs, argnum=0, eps=1e-6):
    """Central-difference Jacobian of ``f`` w.r.t. ``inputs[argnum]``, shape ``out.shape + x.shape``."""
    xs = [np.array(as_array(x, "float64"), dtype=np.float64) for x in inputs]
    out0 = _fval(f, xs)
    N = _central_differences(f, xs, argnum, out0.size, eps)
    return N.reshape(out0.shape + xs[argnum].shape)


def _central_differences(f, xs, i, n_out, base):
    """(n_out, x.size): column j is (f(x + h eⱼ) − f(x − h eⱼ)) / 2h with h = base·max(1, |xⱼ|), x = xs[i]."""
    x = xs[i]
    N = np.zeros((n_out, x.size))
    flat = x.reshape(-1)
    for j in range(x.size):
        h = base * max(1.0, abs(flat[j]))
        plus, minus = flat.copy(), flat.copy()
        plus[j] += h
        minus[j] -= h
        args_p, args_m = list(xs), list(xs)
        args_p[i], args_m[i] = plus.reshape(x.shape), minus.reshape(x.shape)
        N[:, j] = ((_fval(f, args_p) - _fval(f, args_m)) / (2 * h)).reshape(-1)
    return N


__all__ = ["check_grad", "assert_grad", "numerical_jacobian", "GradCheckReport", "GradientCheckError"]
