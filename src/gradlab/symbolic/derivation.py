"""The result of a derivation: :class:`Derivation` (the gradient or Jacobian, its layout, names and steps) and
:class:`Step` (one line: the rule applied and the right-hand side it gave). :func:`~.derive.derive` makes them;
:mod:`.render` writes them out.
"""

from __future__ import annotations

from . import shapes as S
from .naming import used_definitions
from .printing import to_text
from .render import derivation_dict, derivation_latex, derivation_markdown, derivation_text


class Step:
    """One line of a derivation: the rule applied and the resulting right-hand side.

    ``of`` and ``form`` say what the line equals, so that :mod:`.stepcheck` can test it numerically: ``form``
    'differential' (the right-hand side, with dX the direction and every other dE the change of E, is the change
    of ``of``), 'gradient' / 'gradient_T' (G : dX, or Gᵀ : dX in numerator layout), 'jacobian' / 'jacobian_T'
    (J vec(dX) is the change of the vector ``of``), 'vec' (a matrix M with M vec(dX) = vec(change of ``of``)) or
    'scalar' (M dt for a scalar variable t), all with respect to the symbol ``wrt``. ``of`` None: not checked.
    """

    __slots__ = ("rule", "expr", "lhs", "of", "form", "wrt")

    def __init__(self, rule, expr, lhs, of=None, form="differential", wrt=None):
        self.rule, self.expr, self.lhs = rule, expr, lhs
        self.of, self.form, self.wrt = of, form, wrt

    def __iter__(self):
        return iter((self.rule, self.expr))

    def __repr__(self):
        return f"Step({self.rule!r}, {to_text(self.expr)!r})"


class Derivation:
    """The result of :func:`derive`.

    Attributes: ``expr`` (the expression, shape 1×1 for a gradient or k×1 for
    a Jacobian), ``wrt`` (the symbol), ``result`` (an :class:`Expr`: the
    gradient, shape of ``wrt`` in denominator layout, its transpose in
    numerator layout; or the k×n Jacobian), ``kind`` ('gradient' or
    'jacobian'), ``layout``, ``steps`` (list of :class:`Step`, each a
    ``(rule name, expression)`` pair) and ``names`` (short names used in the
    printout, e.g. ŷ = relu(z)), ``sums_to_one`` (vectors assumed to sum to one) and ``work`` (the units
    of the work budget the derivation used, counted deterministically; see :mod:`.budget`).
    """

    def __init__(self, expr, wrt, result, kind, layout, steps, names, sums_to_one=()):
        self.expr, self.wrt, self.result = expr, wrt, result
        self.kind, self.layout, self.steps, self.names = kind, layout, steps, names
        self.sums_to_one = tuple(sums_to_one)
        self.work = 0
        self.notes = []           # sentences shown under the result (a zero derivative, the vec convention, ...)
        self.differential = None  # dF (or d²L's 𝓗[dX]) as an expression in dX, where the result is read off it
        self.index = None         # (text, LaTeX) of the index form ∂Fᵢⱼ/∂Xₖₗ = …, where it has one
        self.wrt2 = None          # the second variable of a second derivative ∂²L/∂x∂y (x itself for ∂²L/∂x²)
        self.gradient = None      # a second derivative's first: G = ∂L/∂x

    @property
    def shape(self):
        return self.result.shape

    @property
    def symbol(self):
        """∂L/∂X as text (∂f/∂x, ∂F/∂t, ∂vec(F)/∂vec(X), ∂²L/∂x², ∂²L/∂x∂y for the other kinds)."""
        n = self.wrt.attrs[0]
        if self.kind == "gradient":
            return f"∂L/∂{n}"
        if self.kind == "derivative":
            return f"∂F/∂{n}"
        if self.kind == "vec_jacobian":
            f = "f" if self.expr.shape[1] == 1 else "F"
            return f"∂vec({f})/∂vec({n})" if self.wrt.shape[1] != 1 else f"∂vec({f})/∂{n}"
        if self.kind == "hessian":
            m = self.wrt2.attrs[0]
            return f"∂²L/∂{n}²" if m == n else f"∂²L/∂{n}∂{m}"
        return f"∂f/∂{n}"

    def _entries(self, name):
        sym = self.wrt if self.wrt.attrs[0] == name else self.wrt2
        return f"vec({name})" if sym.shape[0] != 1 and sym.shape[1] != 1 else name

    def layout_note(self):
        n = self.wrt.attrs[0]
        if self.kind == "derivative":
            return f"a matrix of the shape of F ({S.fmt(self.result.shape)}): entry (i, j) is ∂Fᵢⱼ/∂{n}"
        if self.kind == "vec_jacobian":
            size = "(size of F)×(size of " + n + ")" if self.layout == "numerator" else \
                "(size of " + n + ")×(size of F)"
            return f"{self.layout} layout: {size} = {S.fmt(self.result.shape)}"
        if self.kind == "hessian":
            m = self.wrt2.attrs[0]
            over = (f"i and j running over the entries of {self._entries(n)}" if m == n else
                    f"i over the entries of {self._entries(n)}, j over those of {self._entries(m)}")
            return f"entry (i, j) is ∂²L/∂{n}ᵢ∂{m}ⱼ, {over}: {S.fmt(self.result.shape)}"
        if self.kind == "gradient":
            if self.layout == "denominator":
                return f"denominator layout: the gradient has the shape of {n} ({S.fmt(self.result.shape)})"
            return f"numerator layout: the gradient is the transpose of {n}'s shape ({S.fmt(self.result.shape)})"
        if self.layout == "numerator":
            return f"numerator layout: the Jacobian is (size of f)×(size of {n}) = {S.fmt(self.result.shape)}"
        return f"denominator layout: the Jacobian is (size of {n})×(size of f) = {S.fmt(self.result.shape)}"

    def definitions(self):
        """[(name text, name LaTeX, definition Expr)] for the names used in the result and steps."""
        exprs = [self.result] + [s.expr for s in self.steps]
        return used_definitions(exprs, self.names)

    def result_text(self):
        return to_text(self.result, self.names)

    def __str__(self):
        return f"{self.symbol} = {self.result_text()}"

    def __repr__(self):
        return f"Derivation({self})"

    def to_text(self, steps=True):
        return derivation_text(self, steps)

    def to_markdown(self, steps=True):
        return derivation_markdown(self, steps)

    def to_latex(self, steps=True):
        return derivation_latex(self, steps)

    def to_json(self):
        return derivation_dict(self)

    def _repr_markdown_(self):
        """A notebook's view: the result typeset, with the steps and their rules in a table."""
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex()
