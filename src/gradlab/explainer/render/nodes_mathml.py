"""Notation nodes as MathML Core (rendered natively by browsers, no script)."""

from __future__ import annotations

from html import escape

from ..notation import Call, Deriv, Frac, Matrix, Num, Op, Paren, Raw, Row, Sup, Sym, Text, fmt


def _mi(s):
    return f"<mi>{escape(s)}</mi>"


def _mo(s):
    return f"<mo>{escape(s)}</mo>"


def _num(value, precision, paren):
    s = fmt(value, precision)
    if s.startswith("−"):
        inner = f"<mrow><mo>−</mo><mn>{s[1:]}</mn></mrow>"
        return f"<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>" if paren else inner
    return f"<mn>{s}</mn>"


def _sym(node):
    base = f'<mi mathvariant="bold">{escape(node.base)}</mi>' if node.bold else _mi(node.base)
    sub = f"<mrow>{_script(node.sub)}</mrow>" if node.sub else ""
    sup = f"<mrow>{_script(node.sup)}</mrow>" if node.sup else ""
    if sub and sup:
        return f"<msubsup>{base}{sub}{sup}</msubsup>"
    if sub:
        return f"<msub>{base}{sub}</msub>"
    if sup:
        return f"<msup>{base}{sup}</msup>"
    return base


def _script(s):
    out = []
    for ch in s:
        if ch.isdigit():
            out.append(f"<mn>{ch}</mn>")
        elif ch in "()+−-=,":
            out.append(_mo(ch))
        else:
            out.append(_mi(ch))
    return "".join(out)


def mathml(node, precision):
    """MathML markup of ``node`` (without the enclosing ``<math>``)."""
    t = type(node)
    if t is Num:
        return _num(node.value, precision, node.paren)
    if t is Sym:
        return _sym(node)
    if t is Op:
        return _mo(node.symbol)
    if t is Text:
        if node.text == "T":
            return _mi("T")
        return f"<mtext>{escape(node.text)}</mtext>"
    if t is Row:
        return "<mrow>" + "".join(mathml(i, precision) for i in node.items) + "</mrow>"
    if t is Frac:
        return f"<mfrac>{mathml(node.num, precision)}{mathml(node.den, precision)}</mfrac>"
    if t is Deriv:
        return (f"<mfrac><mrow><mo>∂</mo>{mathml(node.of, precision)}</mrow>"
                f"<mrow><mo>∂</mo>{mathml(node.wrt, precision)}</mrow></mfrac>")
    if t is Paren:
        o, c = node.kind
        return f'<mrow><mo stretchy="true">{o}</mo>{mathml(node.inner, precision)}<mo stretchy="true">{c}</mo></mrow>'
    if t is Call:
        return f"<mrow>{mathml(node.fn, precision)}<mo>(</mo>{mathml(node.arg, precision)}<mo>)</mo></mrow>"
    if t is Sup:
        return f"<msup><mrow>{mathml(node.base, precision)}</mrow><mrow>{mathml(node.sup, precision)}</mrow></msup>"
    if t is Raw:
        return f"<mtext>{escape(node.text)}</mtext>"
    if t is Matrix:
        names = getattr(node, "names", None)

        def cell(i, j, c):
            tag = f' data-entry="{escape(names[i][j])}"' if names and names[i][j] else ""
            return f"<mtd{tag}>{mathml(c, precision)}</mtd>"

        rows = "".join("<mtr>" + "".join(cell(i, j, c) for j, c in enumerate(r)) + "</mtr>"
                       for i, r in enumerate(node.rows))
        m = f'<mrow class="matrix"><mo>[</mo><mtable>{rows}</mtable><mo>]</mo></mrow>'
        if node.label:
            label = f'<mrow class="shape"><mn>{node.shape[0]}</mn><mo>×</mo><mn>{node.shape[1]}</mn></mrow>'
            m = f"<munder>{m}{label}</munder>"
        return m
    raise TypeError(f"MathML renderer: unknown node {node!r}")


def math_element(node, precision, display=True):
    """A complete ``<math>`` element."""
    d = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{d}>{mathml(node, precision)}</math>'
