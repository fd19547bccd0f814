"""Numerical verification of derived gradients and Jacobians.

``verify(expr, wrt)`` draws random data of concrete, distinct sizes for the
named dimensions (so no matrix is accidentally square), evaluates the derived
result with :func:`~gradlab.symbolic.codegen.to_numpy`, and compares it with

* gradlab's automatic differentiation of the same expression tree, built from
  gradlab Tensor ops (:func:`~gradlab.symbolic.codegen.to_gradlab`), and
* central finite differences of the NumPy function.

Data is drawn so the check is meaningful: arguments of ReLU / Heaviside / abs
(the element-wise functions marked ``kink`` in :mod:`.functions`) have both
positive and negative entries, none within 1e-3 of the kink; symbols inside log
(marked ``positive``), √ or negative powers are positive; square symbols inside
inv, det or logdet are well-conditioned (diagonally dominant). A draw where a
matrix is singular or a value is NaN or ∞ is replaced by a fresh one; sizes
are checked before anything is allocated.
"""

from __future__ import annotations


import numpy as np

from ..core.constraints import NON_NEGATIVE_INT, POSITIVE_INT, check
from ..core.errors import DerivationError, ShapeError
from . import shapes as S
from .codegen import _compile, _np_node, _symbols, to_numpy
from .derivation import Derivation
from .derive import derive
from .expr import Expr
from .functions import FUNCTIONS
from .parse import parse
from .references import _autodiff, _autodiff_gradient, _fd, differences, vec_f

RTOL_AUTODIFF = 1e-8
RTOL_FD = 1e-5
# Where the reference gradient is zero or tiny, errors are measured against FLOOR × (the largest |value| of any
# sub-expression): central differences with step 1e-6 carry rounding noise of about 1e-10 times that magnitude.
FLOOR_FD = 1e-3
FLOOR_AUTODIFF = 1e-4
MAX_ELEMENTS = 1_000_000      # numbers in one array verify allocates
MAX_VERIFY_WORK = 200_000_000  # estimated arithmetic operations of one trial (finite differences dominate)
MAX_COND = 1e8                 # matrices under inv, det, logdet worse conditioned than this are redrawn
REDRAWS = 8                    # fresh data sets tried when a draw hits a singular matrix or a NaN / ∞


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
        self.steps = None  # a StepsReport when verify(..., steps=True)

    @property
    def max_rel_error(self):
        return max(self.max_rel_error_autodiff, self.max_rel_error_fd)

    @property
    def passed(self):
        ok = self.max_rel_error_autodiff <= self.rtol_autodiff and self.max_rel_error_fd <= self.rtol_fd
        return ok and (self.steps is None or self.steps.passed)

    @property
    def first_failed_step(self):
        """(index, Step) of the first step that is not an identity with the one before, or None."""
        return None if self.steps is None else self.steps.first_failed

    def __bool__(self):
        return self.passed

    def __str__(self):
        sizes = "; ".join(", ".join(f"{k}={v}" for k, v in t.items()) or "fixed sizes" for t in self.trials)
        return (f"verify ∂/∂{self.wrt} ({self.kind}, {self.layout} layout): {'PASSED' if self.passed else 'FAILED'} — "
                f"{len(self.trials)} trials [{sizes}]: largest relative error vs automatic differentiation "
                f"{self.max_rel_error_autodiff:.2e} (tol {self.rtol_autodiff:g}), vs finite differences "
                f"{self.max_rel_error_fd:.2e} (tol {self.rtol_fd:g})" + ("" if self.steps is None else
                                                                       "\n" + str(self.steps)))

    __repr__ = __str__

    def _repr_html_(self):
        """A notebook's view: the verdict and a table of the two comparisons."""
        from html import escape

        rows = [("automatic differentiation", self.max_rel_error_autodiff, self.rtol_autodiff),
                ("finite differences", self.max_rel_error_fd, self.rtol_fd)]
        cells = "".join(f"<tr><td>{name}</td><td>{err:.2e}</td><td>{tol:g}</td><td>{'yes' if err <= tol else 'NO'}"
                        "</td></tr>" for name, err, tol in rows)
        sizes = "; ".join(", ".join(f"{k}={v}" for k, v in t.items()) or "fixed sizes" for t in self.trials)
        steps = "" if self.steps is None else f"<pre>{escape(str(self.steps))}</pre>"
        return (f"<p><b>verify ∂/∂{escape(str(self.wrt))} ({escape(self.kind)}, {escape(self.layout)} layout): "
                f"{'PASSED' if self.passed else 'FAILED'}</b> — {len(self.trials)} trials [{escape(sizes)}]</p>"
                "<table><thead><tr><th>compared with</th><th>largest relative error</th><th>tolerance</th>"
                f"<th>within</th></tr></thead><tbody>{cells}</tbody></table>{steps}")

    def to_json(self):
        out = {"wrt": self.wrt, "kind": self.kind, "layout": self.layout, "passed": self.passed,
               "max_rel_error_autodiff": self.max_rel_error_autodiff, "max_rel_error_fd": self.max_rel_error_fd,
               "trials": self.trials}
        if self.steps is not None:
            out["steps"] = self.steps.to_json()
        return out


def _rel(a, b, floor=1e-12):
    """max |a − b| / max(|a|, |b|, floor): relative where the reference is large, absolute (in units of
    ``floor``) where it is zero or tiny, so rounding noise around a zero gradient does not count as an error."""
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, float(np.max(np.abs(a))) if a.size else 0.0)
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return diff / max(scale, floor)


def _constraints(expr):
    """Names of symbols that must be positive, and square symbols that must be invertible."""
    positive, invertible = set(), set()
    for n in expr.walk():
        positive_arg = (n.op == "fn" and FUNCTIONS[n.attrs[0]].positive) or (
            n.op == "pow" and (n.attrs[0] < 0 or n.attrs[0].denominator != 1))
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
    return [n.args[0] for n in expr.walk() if n.op == "fn" and FUNCTIONS[n.attrs[0]].kink]


def draw_sizes(expr, rng):
    """Distinct sizes 2..7 for the named dimensions (non-square wherever the shapes allow)."""
    dims = sorted({d for n in expr.walk() for d in S.dims_of(n.shape)} |
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
            r, c = (S.size(s, sizes) for s in shp)
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


def _on_simplex(data, names, rng):
    """Labels that sum to one (as ``sums_to_one`` assumes): positive entries normalised over a column vector, or
    over each row of a matrix."""
    for n in names:
        a = rng.uniform(0.1, 1.0, size=data[n].shape)
        data[n] = a / a.sum(axis=0 if a.shape[1] == 1 else 1, keepdims=True)


def _resolve(expr, wrt, result, sums_to_one):
    """(name, kind, layout, derived expression, sums_to_one, second name) from what verify was given."""
    if result is None:
        result = derive(expr, wrt, sums_to_one=sums_to_one or ())
    if isinstance(result, Derivation):
        if sums_to_one is None:
            sums_to_one = result.sums_to_one
        second = result.wrt2.attrs[0] if result.wrt2 is not None else None
        return result.wrt.attrs[0], result.kind, result.layout, result.result, sums_to_one, second
    if isinstance(result, Expr):
        name = wrt if isinstance(wrt, str) else wrt.attrs[0]
        kind = "gradient" if expr.is_scalar else "jacobian"
        return name, kind, "denominator" if kind == "gradient" else "numerator", result, sums_to_one, None
    raise DerivationError(f"verify: result must be a Derivation, an expression or None, got {result!r}")


def _check_args(trials, seed):
    check("verify", "trials", trials, POSITIVE_INT)
    check("verify", "seed", seed, NON_NEGATIVE_INT)


def verify(expr, wrt, result=None, trials=3, seed=0, shapes=None, rtol_autodiff=RTOL_AUTODIFF, rtol_fd=RTOL_FD,
           sums_to_one=None, steps=False):
    """Check a derived result numerically; returns a :class:`VerifyReport`.

    ``expr``: Expr or string (with ``shapes``); ``wrt``: symbol or name;
    ``result``: a :class:`Derivation` (any kind: gradient, Jacobian, a matrix's derivative, a Jacobian in vec
    form, a second derivative), an :class:`Expr` (a gradient with the shape of wrt, or a numerator-layout
    Jacobian), or None to derive it now. Gradients and Jacobians are compared with automatic differentiation and
    finite differences of the expression; second derivatives with the autodiff Hessian and with finite differences
    of the autodiff gradient (vec order: columns stacked).
    Each of ``trials`` draws fresh sizes and data from ``seed`` (an int >= 0). Vectors named in
    ``sums_to_one`` (by default those the Derivation assumed) are drawn with
    positive entries that sum to one (a matrix: each row). ``steps=True`` also checks every displayed step of the
    Derivation (:mod:`.stepcheck`): each must equal the one before at random data, and the report names the first
    step and rule that does not. DerivationError when the arrays would be too large
    (:data:`MAX_ELEMENTS`, :data:`MAX_VERIFY_WORK`) or every draw is singular or not finite.
    """
    if isinstance(expr, str):
        expr = parse(expr, shapes or {})
    _check_args(trials, seed)
    name, kind, layout, g, sums_to_one, second = _resolve(expr, wrt, result, sums_to_one)
    for n in (name, second):
        if n is not None and _symbols(expr).get(n) is None:
            return _zero_report(name, kind, layout, g, trials, rtol_autodiff, rtol_fd)
    flip = (kind == "gradient" and layout == "numerator") or (
        kind in ("jacobian", "vec_jacobian") and layout == "denominator")
    check = _Check(expr, g, name, kind, flip, tuple(sums_to_one or ()), second)
    rng = np.random.default_rng(int(seed))
    err_ad = err_fd = 0.0
    used = []
    for _ in range(trials):
        sizes, derived, ad, fd, magnitude = check.trial(rng)
        err_ad = max(err_ad, _rel(derived, ad, FLOOR_AUTODIFF * magnitude))
        err_fd = max(err_fd, _rel(derived, fd, FLOOR_FD * magnitude))
        used.append(sizes)
    report = VerifyReport(name, kind, layout, used, err_ad, err_fd, rtol_autodiff, rtol_fd)
    if steps:
        if not isinstance(result, Derivation):
            raise DerivationError("verify: steps=True checks the steps of a Derivation; pass result=derive(...)")
        from .stepcheck import check_steps  # cycle: the step check draws its data with this module's helpers

        report.steps = check_steps(result, seed=seed)
    return report


def _zero_report(name, kind, layout, g, trials, rtol_ad, rtol_fd):
    """The report for a variable the expression does not contain: the result must be exactly zero."""
    zero = all(n.op in ("zero", "num") for n in g.walk()) and (g.op == "zero" or g.attrs[0] == 0)
    err = 0.0 if zero else float("inf")
    return VerifyReport(name, kind, layout, [{}] * (1 if zero else trials), err, err, rtol_ad, rtol_fd)


class _Check:
    """One expression and its derived result, evaluated on random data (see :meth:`trial`)."""

    def __init__(self, expr, g, name, kind, flip, sums_to_one, second=None):
        self.expr, self.g, self.name, self.kind, self.flip = expr, g, name, kind, flip
        self.sums_to_one, self.second = sums_to_one, second
        self.f_np, self.g_np = to_numpy(expr), to_numpy(g)

    def trial(self, rng):
        """(sizes, derived, autodiff, finite differences, magnitude) on the first usable random draw."""
        problem = None
        for _ in range(REDRAWS):
            sizes = draw_sizes(self.expr, rng)
            check_cost(self.expr, self.g, self.name, sizes)
            try:
                with np.errstate(all="ignore"):  # NaN and ∞ are looked for below, not warned about
                    data = draw_data(self.expr, sizes, rng)
                    _on_simplex(data, self.sums_to_one, rng)
                    out = self._evaluate(sizes, data)
            except (np.linalg.LinAlgError, FloatingPointError, OverflowError, ZeroDivisionError) as exc:
                problem = ("a singular or ill-conditioned matrix" if isinstance(exc, np.linalg.LinAlgError)
                           else f"an overflow ({type(exc).__name__})")
                continue
            except ShapeError as exc:
                if "ingular" not in str(exc):
                    raise
                problem = "a singular matrix"
                continue
            if all(np.all(np.isfinite(a)) for a in out[:3]):
                return (sizes,) + out
            problem = "values that are not finite (NaN or ∞)"
        raise DerivationError(
            f"verify: {_short(self.expr)} or its derivative gave {problem} on each of {REDRAWS} random data sets, so "
            "it cannot be checked numerically (verify draws positive values under log and √ and well-conditioned "
            "matrices under inv and det)")

    def _evaluate(self, sizes, data):
        scale = max(magnitude(self.expr, sizes, data), magnitude(self.g, sizes, data))
        derived = self.g_np(dims=sizes, **{k: data[k] for k in self.g_np.symbols})
        if self.flip:
            derived = derived.T
        if self.kind == "hessian":
            ad = _autodiff(self.expr, data, self.name, sizes, "hessian", self.second)
            grad_at = _autodiff_gradient(self.expr, self.name, sizes)
            fd = differences(grad_at, data, self.second)
            return derived.reshape(ad.shape), ad, fd, scale
        if self.kind in ("vec_jacobian", "derivative"):
            ad = _autodiff(self.expr, data, self.name, sizes, self.kind)
            fd = differences(lambda **d: self.f_np(dims=sizes, **d), data, self.name)
            if self.kind == "derivative":
                derived = vec_f(derived).reshape(-1, 1)
            return derived.reshape(ad.shape), ad, fd, scale
        derived = derived.reshape(-1) if self.kind == "gradient" else derived.reshape(derived.shape[0], -1)
        ad = _autodiff(self.expr, data, self.name, sizes, self.kind)
        fd = _fd(self.f_np, data, self.name, sizes)
        if self.kind == "jacobian" and derived.shape != ad.shape:
            derived = derived.reshape(ad.shape)
        return derived, ad, fd, scale


def _short(e, limit=60):
    text = e.to_text()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def magnitude(expr, sizes, data, max_cond=MAX_COND):
    """The largest finite |value| of any sub-expression at ``data`` (at least 1): the scale of rounding noise.

    LinAlgError when a matrix under inv, det or logdet has a condition number above ``max_cond``: there the
    numbers, not the formula, decide the outcome (X − Xᵀ of odd size is singular, yet inverts to ~1e16).
    """
    seen = [1.0]

    def node(e, kids):
        f = _np_node(e, kids)
        arg = kids[0] if e.op in ("inv", "det", "logdet") else None

        def run(env):
            if arg is not None:
                m = arg(env)  # NaN or ∞ is reported by the caller; LAPACK would print a warning for it here
                if np.all(np.isfinite(m)) and np.linalg.cond(m) > max_cond:
                    raise np.linalg.LinAlgError(f"{e.op}: ill-conditioned matrix")
            v = f(env)
            finite = np.abs(v[np.isfinite(v)])
            if finite.size:
                seen[0] = max(seen[0], float(finite.max()))
            return v

        return run

    env = {k: data[k] for k in _symbols(expr)}
    env["#dims"] = sizes
    _compile(expr, node, {})(env)
    return seen[0]


def _count(shape, sizes):
    r, c = (S.size(d, sizes) for d in shape)
    return r * c


def _flops(e, sizes):
    """Arithmetic operations of one node (a matrix product r·k·c, an inverse or determinant n³)."""
    n = _count(e.shape, sizes)
    if e.op == "matmul":
        k = e.args[0].shape[1]
        return n * S.size(k, sizes)
    if e.op in ("inv", "det", "logdet"):
        m = e.args[0].shape[0]
        return S.size(m, sizes) ** 3
    return n


def check_cost(expr, g, name, sizes):
    """DerivationError, before anything is allocated, when an array or the finite differences would be too large."""
    nodes = {}
    for root in (expr, g):
        for n in root.walk():
            nodes.setdefault(n, root is expr)
    for n in nodes:
        count = _count(n.shape, sizes)
        if count > MAX_ELEMENTS:
            r, c = (S.size(d, sizes) for d in n.shape)
            what = f"{n.op}({r})" if n.op in ("eye", "ones") else _short(n)
            raise DerivationError(f"verify: {what} is {r:,}×{c:,} = {count:,} numbers at these sizes; verify "
                                  f"allocates at most {MAX_ELEMENTS:,} numbers per array")
    per_eval = sum(_flops(n, sizes) + 20 for n, in_f in nodes.items() if in_f)
    wrt = _count(_symbols(expr)[name], sizes)
    evals = 4 * wrt + 3 * _count(expr.shape, sizes)
    if evals * per_eval > MAX_VERIFY_WORK:
        raise DerivationError(
            f"verify: checking ∂/∂{name} needs about {evals * per_eval:.1e} operations ({evals:,} evaluations of "
            f"{_short(expr)}, four per entry of {name}); verify allows at most {MAX_VERIFY_WORK:.0e} "
            "per trial")
