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
    """One line of a derivation: the rule applied and the resulting right-hand side."""

    __slots__ = ("rule", "expr", "lhs")

    def __init__(self, rule, expr, lhs):
        self.rule, self.expr, self.lhs = rule, expr, lhs

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

    @property
    def shape(self):
        return self.result.shape

    @property
    def symbol(self):
        """∂L/∂X as text."""
        return f"∂L/∂{self.wrt.attrs[0]}" if self.kind == "gradient" else f"∂f/∂{self.wrt.attrs[0]}"

    def layout_note(self):
        n = self.wrt.attrs[0]
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
