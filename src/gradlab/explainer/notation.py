"""A small math notation tree that every renderer understands.

The views (scalar, matrix, graph) build formulas out of these nodes; the
renderers turn one node into Unicode text (a box of lines, so matrices can sit
side by side), LaTeX or MathML. Numbers stay float64 until rendering, where
they are printed with ``precision`` decimals (trailing zeros dropped, at least
one decimal kept: ``0.1 × 2.0 = 0.3``, ``σ(0.4748) = 0.6165``).
"""

from __future__ import annotations


from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np

from ..core.text import LATEX_SPECIALS

# ---------------------------------------------------------------- the nodes


class Node:
    """Base class of notation nodes."""


class Sym(Node):
    """A symbol such as z₁⁽¹⁾: ``base`` (a letter, Greek or ŷ), ``sub``, ``sup`` strings."""

    def __init__(self, base, sub="", sup="", bold=False):
        self.base, self.sub, self.sup, self.bold = base, str(sub), str(sup), bold


class Num(Node):
    """A number printed with the renderer's precision; ``paren`` wraps a negative value."""

    def __init__(self, value, paren=False):
        self.value, self.paren = float(value), paren


class Op(Node):
    """An operator: one of = + − × ← ≈ ⊙ , · ⋅."""

    def __init__(self, symbol):
        self.symbol = symbol


class Text(Node):
    """Upright text inside a formula (``if``, ``diag``, ``ReLU``)."""

    def __init__(self, text):
        self.text = text


class Row(Node):
    """A sequence of nodes, separated by spaces in text unless ``tight``.

    Signs are written properly: ``+`` followed by a negative number (alone or
    leading a product) becomes ``−`` and the number's absolute value, so a sum
    never reads ``+ −6.9417``.
    """

    def __init__(self, *items, tight=False):
        items = [as_node(i) for i in items]
        for n in range(len(items) - 1):
            if isinstance(items[n], Op) and items[n].symbol == "+":
                flipped = _without_sign(items[n + 1])
                if flipped is not None:
                    items[n], items[n + 1] = Op("−"), flipped
        self.items = items
        self.tight = tight


def _without_sign(node):
    """``node`` with its leading negative number (or leading minus) removed, or None when it has none."""
    if isinstance(node, Num) and node.value < 0 and not node.paren:
        return Num(-node.value)
    if isinstance(node, Row) and len(node.items) > 1 and isinstance(node.items[0], (Text, Op)) and \
            getattr(node.items[0], "text", getattr(node.items[0], "symbol", None)) == "−":
        rest = node.items[1:]
        if len(rest) == 1:
            return rest[0]
        copy = Row.__new__(Row)
        copy.items, copy.tight = rest, node.tight
        return copy
    if isinstance(node, Row) and node.items and not node.tight:
        first = _without_sign(node.items[0])
        if first is not None:
            copy = Row.__new__(Row)
            copy.items, copy.tight = [first] + node.items[1:], node.tight
            return copy
    return None


class Frac(Node):
    """A fraction num/den (text: ``num/den``)."""

    def __init__(self, num, den):
        self.num, self.den = as_node(num), as_node(den)


class Deriv(Node):
    """The partial derivative ∂of/∂wrt."""

    def __init__(self, of, wrt):
        self.of, self.wrt = as_node(of), as_node(wrt)


class Paren(Node):
    """``inner`` in parentheses (``kind='()'``) or brackets (``'[]'``)."""

    def __init__(self, inner, kind="()"):
        self.inner, self.kind = as_node(inner), kind


class Call(Node):
    """A function applied to an argument: σ(0.4748)."""

    def __init__(self, fn, arg):
        self.fn, self.arg = as_node(fn), as_node(arg)


class Sup(Node):
    """``base`` with a superscript node (a transpose ᵀ, a power)."""

    def __init__(self, base, sup):
        self.base, self.sup = as_node(base), as_node(sup)


class Matrix(Node):
    """A matrix of numbers or nodes, shown with its shape under it.

    ``rows`` is a 2-D array-like (numbers or nodes); a 1-D array is shown as a
    column. ``shape`` is the (rows, cols) label, e.g. ``(3, 1)``.
    """

    def __init__(self, rows, label=True, names=None):
        self.names = names  # optional [[entry name]] per cell (answer-sheet names; the HTML tags its cells)
        arr = rows
        if isinstance(arr, np.ndarray) or (arr and not isinstance(arr[0], (list, tuple))):
            arr = np.asarray(arr, dtype=float)
            if arr.ndim == 0:
                arr = arr.reshape(1, 1)
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            arr = arr.tolist()
        self.rows = [[as_node(c) for c in r] for r in arr]
        self.shape = (len(self.rows), len(self.rows[0]) if self.rows else 0)
        self.label = label


class Raw(Node):
    """A formula given as LaTeX source, with a plain-text spelling for text and MathML."""

    def __init__(self, latex, text):
        self.latex, self.text = latex, text


def as_node(x):
    """Numbers become :class:`Num`, strings :class:`Text`, nodes stay."""
    if isinstance(x, Node):
        return x
    if isinstance(x, str):
        return Text(x)
    return Num(float(x))


def row_vector(values):
    """A 1×n :class:`Matrix` from a vector."""
    return Matrix([list(np.asarray(values, dtype=float).ravel())])


def col_vector(values):
    """An n×1 :class:`Matrix` from a vector."""
    return Matrix(np.asarray(values, dtype=float).ravel())


def diag_matrix(values):
    """The n×n :class:`Matrix` Diag(values)."""
    return Matrix(np.diag(np.asarray(values, dtype=float).ravel()))


T = Text("T")


def transpose(node):
    """``node``ᵀ."""
    return Sup(node, T)


# ---------------------------------------------------------------- numbers


def fmt(value, precision):
    """``value`` as every view prints it; see :func:`fmt_ascii`. Uses the true minus sign (−)."""
    return fmt_ascii(value, precision).replace("-", "−")


SIGNIFICANT = 12  # float noise beyond this many significant digits is not a digit of the number
LARGE = 1e15  # from here numbers print in scientific notation


def fmt_ascii(value, precision):
    """``value`` with ``precision`` decimals: the one rounding routine of every view (ASCII minus).

    The float is first read to 12 significant digits (so 0.30000000000000004
    is 0.3 and −1.64374999999 and −1.64375000001 are both −1.64375); a number
    that has at most ``precision`` decimals then prints exactly, shortest
    (``0.3``, ``2.0``: at least one decimal); any other is rounded half away
    from zero to ``precision`` decimals with trailing zeros kept (``0.1750``),
    so a rounded number never looks exact. From 1e15 on numbers print in
    scientific notation (``2.3539e+17``). At precision 0 a rounded number
    cannot show it was rounded (2.4 prints as ``2``).
    """
    v = float(value)
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    if abs(v) >= LARGE:  # beyond what fixed decimals can say: scientific, precision significant decimals
        return f"{v:.{max(precision, 1)}e}"
    digits = len(str(int(abs(v)))) if abs(v) >= 1 else 0
    sig = min(17, max(SIGNIFICANT, digits + precision))  # enough digits for the decimals asked for
    d = Decimal(f"{v:.{sig - 1}e}")
    q = Decimal(1).scaleb(-precision)
    with localcontext() as ctx:
        ctx.prec = 60
        r = d.quantize(q, rounding=ROUND_HALF_UP)
    if r == d:  # exact at this precision: shortest form
        s = format(d.normalize(), "f")
        if precision > 0 and "." not in s:
            s += ".0"
    else:
        s = format(r, "f")
    if s.lstrip("-").strip("0.") == "":  # zero: exactly ("0.0"), or a rounded tiny number ("0.0000", no sign)
        s = s.lstrip("-") if d != 0 else ("0.0" if precision > 0 else "0")
    return s


# ---------------------------------------------------------------- symbols

_LATEX_BASE = {
    "δ": r"\delta", "σ": r"\sigma", "η": r"\eta", "∂": r"\partial", "ŷ": r"\hat{y}", "ℓ": r"\ell",
    "𝓗": r"\mathcal{H}", "Δ": r"\Delta", "θ": r"\theta", "Ŷ": r"\hat{Y}", "β": r"\beta", "∑": r"\sum", "Σ": r"\sum",
    "φ": r"\varphi", "𝟏": r"\mathbf{1}", "ε": r"\varepsilon", "α": r"\alpha", "𝟙": r"\mathbb{1}",
    "π": r"\pi", "λ": r"\lambda", "Φ": r"\Phi",
}
_LATEX_OP = {
    "=": "=", "+": "+", "−": "-", "×": r"\times", "←": r"\leftarrow", "≈": r"\approx", "⊙": r"\odot",
    ",": ",", "·": r"\cdot", "≥": r"\geq", "<": "<", "→": r"\to", ":": ":", "⋯": r"\cdots", "≠": r"\neq",
    "⋆": r"\star",
}
_SUB = dict(zip("0123456789()+−-=aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₍₎₊₋₋₌ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
_SUP = dict(zip("0123456789()+−-=inTlLjk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁻⁼ⁱⁿᵀˡᴸʲᵏ"))


def _script(s, table, fallback):
    if all(ch in table for ch in s):
        return "".join(table[ch] for ch in s)
    return fallback.format(s)


def sub_text(s):
    """``s`` as Unicode subscript characters (``_{s}`` when not all exist)."""
    return _script(s, _SUB, "_{}")


def sup_text(s):
    """``s`` as Unicode superscript characters (``^{s}`` when not all exist)."""
    return _script(s, _SUP, "^({})")


def latex_base(base):
    return _LATEX_BASE.get(base, base)


def latex_text(s):
    """Escape plain text for LaTeX, mapping the few Unicode signs the views use."""
    out = []
    table = dict(LATEX_SPECIALS)
    table.update({
        "—": "---", "–": "--", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}", "×": r"$\times$",
        "−": "-", "→": r"$\to$", "←": r"$\leftarrow$", "≈": r"$\approx$", "η": r"$\eta$", "δ": r"$\delta$",
        "σ": r"$\sigma$", "θ": r"$\theta$", "∂": r"$\partial$", "ŷ": r"$\hat{y}$", "ℓ": r"$\ell$",
        "⊙": r"$\odot$", "Δ": r"$\Delta$", "≥": r"$\geq$", "·": r"$\cdot$", "✓": "ok", "′": "'", "Σ": r"$\Sigma$", "²": r"$^2$", "✗": "x",
        "𝓗": r"$\mathcal{H}$", "β": r"$\beta$", "ᵀ": r"$^{T}$", "•": r"\textbullet{}",
    })
    for k, v in _SUB.items():
        table.setdefault(v, "$_{" + k.replace("−", "-") + "}$")
    for k, v in _SUP.items():
        table.setdefault(v, "$^{" + k.replace("−", "-") + "}$")
    for ch in s:
        if ch in table:
            out.append(table[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)
