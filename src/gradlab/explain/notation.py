"""A small math notation tree that every renderer understands.

The views (scalar, matrix, graph) build formulas out of these nodes; the
renderers turn one node into Unicode text (a box of lines, so matrices can sit
side by side), LaTeX or MathML. Numbers stay float64 until rendering, where
they are printed with ``precision`` decimals (trailing zeros dropped, at least
one decimal kept: ``0.1 × 2.0 = 0.3``, ``σ(0.4748) = 0.6165``).
"""

from __future__ import annotations


import numpy as np

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
    """A sequence of nodes, separated by spaces in text unless ``tight``."""

    def __init__(self, *items, tight=False):
        self.items = [as_node(i) for i in items]
        self.tight = tight


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

    def __init__(self, rows, label=True):
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
    """``value`` rounded to ``precision`` decimals, trailing zeros dropped, one decimal kept.

    Uses the true minus sign (−) of typeset mathematics; see :func:`fmt_ascii`.
    """
    return fmt_ascii(value, precision).replace("-", "−")


def fmt_ascii(value, precision):
    """As :func:`fmt` with an ASCII hyphen-minus (LaTeX, JSON)."""
    v = float(value)
    if not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    s = f"{v:.{precision}f}"
    if "." in s:
        s = s.rstrip("0")
        if s.endswith("."):
            s += "0"
    if s.lstrip("-").strip("0.") == "":
        s = "0.0" if precision > 0 else "0"
    return s


# ---------------------------------------------------------------- symbols

_LATEX_BASE = {
    "δ": r"\delta", "σ": r"\sigma", "η": r"\eta", "∂": r"\partial", "ŷ": r"\hat{y}", "ℓ": r"\ell",
    "𝓗": r"\mathcal{H}", "Δ": r"\Delta", "θ": r"\theta", "Ŷ": r"\hat{Y}", "β": r"\beta", "∑": r"\sum", "Σ": r"\sum",
    "φ": r"\varphi", "𝟏": r"\mathbf{1}", "ε": r"\varepsilon",
}
_LATEX_OP = {
    "=": "=", "+": "+", "−": "-", "×": r"\times", "←": r"\leftarrow", "≈": r"\approx", "⊙": r"\odot",
    ",": ",", "·": r"\cdot", "≥": r"\geq", "<": "<", "→": r"\to", ":": ":", "⋯": r"\cdots", "≠": r"\neq",
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
    table = {
        "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
        "—": "---", "–": "--", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}", "×": r"$\times$",
        "−": "-", "→": r"$\to$", "←": r"$\leftarrow$", "≈": r"$\approx$", "η": r"$\eta$", "δ": r"$\delta$",
        "σ": r"$\sigma$", "θ": r"$\theta$", "∂": r"$\partial$", "ŷ": r"$\hat{y}$", "ℓ": r"$\ell$",
        "⊙": r"$\odot$", "Δ": r"$\Delta$", "≥": r"$\geq$", "·": r"$\cdot$", "✓": "ok", "′": "'", "Σ": r"$\Sigma$", "²": r"$^2$", "✗": "x",
        "𝓗": r"$\mathcal{H}$", "β": r"$\beta$", "ᵀ": r"$^{T}$", "•": r"\textbullet{}",
    }
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
