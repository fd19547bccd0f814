"""Results past a gradient or a vector Jacobian: matrix-valued derivatives and second derivatives.

* a matrix (or vector) F with respect to a scalar t: dF = M dt, so dF/dt = M, a matrix of F's shape;
* a matrix F with respect to a matrix X (or a vector with respect to a matrix, a matrix with respect to a vector):
  the Jacobian in vec form ∂vec(F)/∂vec(X), read off dF with Kronecker products (:mod:`.vecform`), with the
  differential dF and the index form ∂Fᵢⱼ/∂Xₖₗ beside it;
* :func:`hessian`: the gradient G = ∂L/∂x first (its steps), then the differential dG in dy and the matrix read off
  it: ∂²L/∂x∂y, (size of x) × (size of y) — for vectors the n×n Hessian, for matrices in vec form, with
  d²L = dX : 𝓗[dX].
"""

from __future__ import annotations

from ..core.errors import DerivationError
from . import expr as E
from . import shapes as S
from .budget import derivation_budget
from .derivation import Derivation, Step
from .derive import _gradient, _keep_if_shorter, _note_constant, _resolve_wrt, _unit_sums, checked_expression
from .forward import forward_steps, replace
from .naming import choose_names
from .printing import to_text
from .simplify import simplify
from .tidy import diag_as_hadamard
from .vecform import RULES, VEC_CONVENTION, VecMap, index_form


def _is_vector(shape):
    return shape[1] == 1 or shape[0] == 1


def _uses_vec(*shapes):
    return any(not _is_vector(s) for s in shapes)


def matrix_derivative(expr, wrt, layout, sums_to_one, what):
    """dF/dt for a scalar t, else ∂vec(F)/∂vec(X) in vec form; numerator layout unless ``layout='denominator'``."""
    base = simplify(expr)
    names = choose_names(base)
    n = wrt.attrs[0]
    df, steps = forward_steps(base, wrt, "dF", what)
    if wrt.is_scalar:
        m = simplify(replace(df, E.diff(wrt), E.num(1)))
        steps.append(Step(f"dF = M d{n} ⟺ ∂F/∂{n} = M (a matrix of F's shape)", m, f"∂F/∂{n}", base, "scalar", wrt))
        d = Derivation(expr, wrt, m, "derivative", "numerator", steps, _keep_if_shorter(m, names), sums_to_one)
        d.differential = df
        _note_constant(d, base, wrt)
        return d
    m = diag_as_hadamard(VecMap(wrt)(df), names)
    lhs = f"∂vec(F)/∂vec({n})"
    steps.append(Step(f"{RULES}; so vec(dF) = M vec(d{n}) and M = ∂vec(F)/∂vec({n})", m, lhs, base, "vec", wrt))
    if layout == "denominator":
        m = simplify(E.transpose(m))
        steps.append(Step("denominator layout: transpose", m, lhs, base, "vec_T", wrt))
    d = Derivation(expr, wrt, m, "vec_jacobian", layout or "numerator", steps, _keep_if_shorter(m, names),
                   sums_to_one)
    d.differential = df
    f_name = "f" if _is_vector(base.shape) else "F"
    text = index_form(df, f_name, base.shape, wrt, names=names)
    latex = index_form(df, f_name, base.shape, wrt, latex=True, names=names)
    if text is not None:
        d.index = (text, latex)
    if _uses_vec(base.shape, wrt.shape):
        d.notes.append(VEC_CONVENTION)
    _note_constant(d, base, wrt)
    return d


def _pair(wrt):
    if isinstance(wrt, (list, tuple)):
        if len(wrt) != 2:
            raise DerivationError(f"hessian: wrt is one variable or a pair (x, y) for ∂²L/∂x∂y, got {len(wrt)} names")
        return wrt[0], wrt[1]
    return wrt, wrt


def hessian(expr, wrt, shapes=None, sums_to_one=(), budget=None):
    """The second derivative of a scalar ``expr`` in matrix form, with the steps.

    ``wrt``: a symbol or its name (the Hessian ∂²L/∂x²), or a pair ``(x, y)`` (the mixed ∂²L/∂x∂y). ``expr`` is an
    :class:`~.expr.Expr` or a string (with ``shapes``, e.g. ``{'x': 'n,1', 'A': 'n,n'}``).

    The result H has H[i, j] = ∂²L/∂vec(x)ᵢ ∂vec(y)ⱼ, shape (size of x) × (size of y), vec stacking columns: the
    n×n Hessian for vectors (xᵀAx → A + Aᵀ), 1×1 for scalars, and for an m×n matrix the (m·n)×(m·n) matrix in
    Kronecker form (‖XW − Y‖² w.r.t. W → 2(I ⊗ XᵀX)); ``.differential`` holds 𝓗[dy] = d(∂L/∂x), so that
    d²L = dx : 𝓗[dx]. Steps: the gradient's derivation, then its differential rule by rule, then the read-off.
    ``sums_to_one`` and ``budget`` as for :func:`~.derive.derive`.
    """
    expr = checked_expression("hessian", expr, shapes, budget)
    if not expr.is_scalar:
        raise DerivationError(f"hessian: {to_text(expr)} is {S.fmt(expr.shape)}; a Hessian is of a scalar "
                              "function (differentiate sum(F) or a loss of F)")
    first, second = _pair(wrt)
    x, y = _resolve_wrt(expr, first, shapes), _resolve_wrt(expr, second, shapes)
    unit = _unit_sums(expr, sums_to_one)
    what = f"∂²/∂{x.attrs[0]}∂{y.attrs[0]} of {_short(to_text(expr))}"
    with derivation_budget(what, budget) as spent:
        try:
            d = _hessian(expr, x, y, unit, what)
        except RecursionError:
            raise DerivationError(f"hessian: {what} nests too deeply to derive; split the expression") from None
        d.work = spent.used
        return d


def _short(text):
    return text if len(text) <= 60 else text[:57] + "…"


def _hessian(expr, x, y, unit, what):
    grad = _gradient(expr, x, "denominator", unit, what)
    g = grad.result
    xn, yn = x.attrs[0], y.attrs[0]
    same = xn == yn
    lhs = f"d(∂L/∂{xn})"
    dg, steps = forward_steps(g, y, lhs, what)
    steps[0].rule = f"second derivative: differentiate the gradient G = ∂L/∂{xn} with respect to {yn}"
    base = simplify(expr)
    names = choose_names(base)
    m = diag_as_hadamard(VecMap(y)(dg), names)
    symbol = f"∂²L/∂{xn}²" if same else f"∂²L/∂{xn}∂{yn}"
    vec = _uses_vec(x.shape, y.shape)
    if vec:
        rule = f"{RULES}; so vec(dG) = H vec(d{yn}) and H = ∂vec(G)/∂vec({yn})"
    elif y.is_scalar and x.is_scalar:
        rule = f"dG = H d{yn} ⟺ H = ∂G/∂{yn}"
    else:
        rule = f"dG = H d{yn} ⟺ H = ∂G/∂{yn} (the Jacobian of the gradient, (size of {xn}) × (size of {yn}))"
    steps = grad.steps + steps + [Step(rule, m, symbol, g, "vec", y)]
    d = Derivation(expr, x, m, "hessian", "numerator", steps, _keep_if_shorter(m, names), unit)
    d.wrt2 = y
    d.differential = dg
    d.gradient = g
    text = index_form(dg, "G", g.shape, y, second=True, first=x, names=names)
    if text is not None and vec:
        d.index = (text, index_form(dg, "G", g.shape, y, latex=True, second=True, first=x, names=names))
    if vec:
        d.notes.append(VEC_CONVENTION)
    if not base.depends_on(xn) or not base.depends_on(yn):
        d.notes.append(f"{to_text(expr)} does not depend on {xn if not base.depends_on(xn) else yn}, so the second "
                       "derivative is zero")
    elif m.op in ("zero", "num") and (m.op == "zero" or m.attrs[0] == 0):
        d.notes.append(f"the gradient ∂L/∂{xn} does not depend on {yn}, so the second derivative is zero")
    return d
