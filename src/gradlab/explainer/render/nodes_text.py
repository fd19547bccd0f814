"""Notation nodes as Unicode text boxes (lists of lines of equal width).

Scalars render on one line (``z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3``); a matrix is
a box with bracket characters and its shape under it, and boxes in a row are
centred on each other so a matrix product reads as on paper.
"""

from __future__ import annotations

from ..notation import (
    Call, Deriv, Frac, Matrix, Num, Op, Paren, Raw, Row, Sup, Sym, Text, fmt, sub_text, sup_text,
)


def _pad(lines, width):
    return [line + " " * (width - len(line)) for line in lines]


def _box(lines):
    width = max((len(line) for line in lines), default=0)
    return _pad(lines, width)


def _hjoin(boxes, sep):
    """Place boxes side by side, vertically centred, ``sep`` between them."""
    boxes = [b for b in boxes if b]
    if not boxes:
        return [""]
    height = max(len(b) for b in boxes)
    mid = (height - 1) // 2
    out = [""] * height
    for k, b in enumerate(boxes):
        width = len(b[0])
        top = mid - (len(b) - 1) // 2
        for r in range(height):
            i = r - top
            cell = b[i] if 0 <= i < len(b) else " " * width
            out[r] += (sep if k else "") + cell
    return out


def one_line(node, precision):
    """``node`` rendered on a single line: a matrix inline as [[1.0, 2.0], [3.0, 4.0]], a column as [1.0, 2.0]ᵀ."""
    if isinstance(node, Matrix):
        cells = [[one_line(c, precision) for c in r] for r in node.rows]
        rows, cols = node.shape
        if cols == 1 and rows > 1:
            return "[" + ", ".join(r[0] for r in cells) + "]ᵀ"
        if rows == 1:
            return "[" + ", ".join(cells[0]) + "]"
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]"
    if isinstance(node, Row) and any(_has_matrix(i) for i in node.items):
        sep = "" if node.tight else " "
        return sep.join(one_line(i, precision) for i in node.items)
    lines = box(node, precision)
    if len(lines) == 1:
        return lines[0].rstrip()
    return " ".join(line.strip() for line in lines)


def _has_matrix(node):
    if isinstance(node, Matrix):
        return True
    if isinstance(node, Row):
        return any(_has_matrix(i) for i in node.items)
    return isinstance(node, (Paren, Sup, Call)) and _has_matrix(getattr(node, "inner", getattr(node, "base", None))
                                                                 if not isinstance(node, Call) else node.arg)


def box(node, precision):
    """Render ``node`` to a list of lines of equal width."""
    t = type(node)
    if t is Num:
        s = fmt(node.value, precision)
        if node.paren and node.value < 0 and s != "0.0":
            s = f"({s})"
        return [s]
    if t is Sym:
        s = node.base + (sub_text(node.sub) if node.sub else "") + (sup_text(node.sup) if node.sup else "")
        return [s]
    if t is Op:
        return [node.symbol]
    if t is Text:
        return [node.text]
    if t is Row:
        return _hjoin([box(i, precision) for i in node.items], "" if node.tight else " ")
    if t is Frac:
        return [one_line(node.num, precision) + "/" + _wrap(node.den, precision)]
    if t is Deriv:
        return ["∂" + _wrap(node.of, precision) + "/∂" + _wrap(node.wrt, precision)]
    if t is Paren:
        inner = box(node.inner, precision)
        if len(inner) == 1:
            return [node.kind[0] + inner[0] + node.kind[1]]
        return _hjoin([_bracket(len(inner), node.kind[0]), inner, _bracket(len(inner), node.kind[1])], "")
    if t is Call:
        return _hjoin([box(node.fn, precision), box(Paren(node.arg), precision)], "")
    if t is Sup:
        sup = one_line(node.sup, precision)
        sup_s = sup_text(sup)
        base = box(node.base, precision)
        if sup_s.startswith("^("):
            sup_s = "^" + sup
        if len(base) == 1:
            return [base[0] + sup_s]
        return _hjoin([base, [sup_s] + [" " * len(sup_s)] * (len(base) - 1)], "")
    if t is Raw:
        return [node.text]
    if t is Matrix:
        return _matrix(node, precision)
    raise TypeError(f"text renderer: unknown node {node!r}")


def _wrap(node, precision):
    s = one_line(node, precision)
    if isinstance(node, Row) and len(node.items) > 1:
        return f"({s})"
    return s


def _bracket(height, ch):
    if height == 1:
        return ["[" if ch in "[(" else "]"]
    left = ch in "[("
    top, mid, bot = ("⎡", "⎢", "⎣") if left else ("⎤", "⎥", "⎦")
    return [top] + [mid] * (height - 2) + [bot]


def _matrix(node, precision):
    cells = [[one_line(c, precision) for c in r] for r in node.rows]
    ncol = node.shape[1]
    widths = [max(len(cells[i][j]) for i in range(len(cells))) for j in range(ncol)]
    lines = [" ".join(cells[i][j].rjust(widths[j]) for j in range(ncol)) for i in range(len(cells))]
    h = len(lines)
    left, right = _bracket(h, "["), _bracket(h, "]")
    body = [left[i] + " " + lines[i] + " " + right[i] for i in range(h)]
    if node.label:
        label = f"{node.shape[0]}×{node.shape[1]}"
        width = max(len(body[0]), len(label))
        body = [b.center(width) for b in body] + [label.center(width)]
    return _box(body)
