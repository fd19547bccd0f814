"""Notation nodes as LaTeX math (amsmath: ``bmatrix``, ``\\underset``)."""

from __future__ import annotations

from ..notation import (
    Call, Deriv, Frac, Matrix, Num, Op, Paren, Raw, Row, Sup, Sym, Text, _LATEX_BASE, _LATEX_OP, fmt_ascii,
    latex_base, latex_text,
)


def _script(s):
    s = s.replace("−", "-")
    if len(s) > 1 and s.isalpha():
        return r"{\mathrm{" + s + "}}"
    return s if len(s) == 1 else "{" + s + "}"


def latex(node, precision):
    """LaTeX source of ``node`` (math mode content, without delimiters)."""
    t = type(node)
    if t is Num:
        s = fmt_ascii(node.value, precision)
        if node.paren and node.value < 0 and s != "0.0":
            s = f"({s})"
        return s
    if t is Sym:
        base = latex_base(node.base)
        if node.bold:
            base = r"\mathbf{" + base + "}"
        if node.sub:
            base += "_" + _script(node.sub)
        if node.sup:
            base += "^" + _script(node.sup)
        return base
    if t is Op:
        return _LATEX_OP.get(node.symbol, node.symbol)
    if t is Text:
        if node.text == "T" or node.text.isdigit():
            return node.text
        if node.text in _LATEX_BASE:
            return _LATEX_BASE[node.text]
        if node.text.isalpha() and node.text.isascii() and len(node.text) > 1:
            return r"\operatorname{" + node.text + "}"
        if node.text.endswith("′") and node.text[:-1] in _LATEX_BASE:
            return _LATEX_BASE[node.text[:-1]] + "'"
        if node.text.endswith("′") and node.text[:-1].isalpha():
            return r"\operatorname{" + node.text[:-1] + "}'"
        return r"\text{" + _text(node.text) + "}"
    if t is Row:
        return " ".join(latex(i, precision) for i in node.items)
    if t is Frac:
        return r"\frac{" + latex(node.num, precision) + "}{" + latex(node.den, precision) + "}"
    if t is Deriv:
        return r"\frac{\partial " + latex(node.of, precision) + r"}{\partial " + latex(node.wrt, precision) + "}"
    if t is Paren:
        left, right = (r"\left(", r"\right)") if node.kind == "()" else (r"\left[", r"\right]")
        return left + latex(node.inner, precision) + right
    if t is Call:
        return latex(node.fn, precision) + r"\left(" + latex(node.arg, precision) + r"\right)"
    if t is Sup:
        base = latex(node.base, precision)
        if isinstance(node.base, (Row, Sup)) or (isinstance(node.base, Sym) and (node.base.sup or node.base.sub)):
            base = "{" + base + "}"
        return base + "^{" + latex(node.sup, precision) + "}"
    if t is Raw:
        return node.latex
    if t is Matrix:
        body = r" \\ ".join(" & ".join(latex(c, precision) for c in r) for r in node.rows)
        m = r"\begin{bmatrix} " + body + r" \end{bmatrix}"
        if node.label:
            m = r"\underset{" + f"{node.shape[0]}" + r"\times " + f"{node.shape[1]}" + "}{" + m + "}"
        return m
    raise TypeError(f"LaTeX renderer: unknown node {node!r}")


_text = latex_text  # text inside a formula: the one escaper of the views
