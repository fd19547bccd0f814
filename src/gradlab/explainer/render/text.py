"""Plain text for the terminal: Unicode formulas, tables; colour through rich when wanted.

Colour is used only when asked (``color=True``) or, by default, when standard
output is a terminal and the ``NO_COLOR`` environment variable is unset. The
plain path never imports rich, so piping to a file gives stable text.
"""

from __future__ import annotations

import re

import os
import sys

from ..document import Eq, Heading, Note, Para, Table
from .nodes_text import box, one_line
from ..notation import as_node


def wants_color(stream=None):
    """True when ``stream`` (stdout) is a terminal and NO_COLOR is not set."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def inline(parts, precision):
    """Paragraph parts (strings and nodes) as one line of text."""
    return "".join(p if isinstance(p, str) else one_line(p, precision) for p in parts)


def cell_text(c, precision):
    if isinstance(c, str):
        return c

    return one_line(as_node(c), precision)


def _plain_table(block, precision):
    header = [cell_text(c, precision) for c in block.header]
    rows = [[cell_text(c, precision) for c in r] for r in block.rows]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()
    out = ["  " + line, "  " + "  ".join("─" * w for w in widths)]
    right = [all(_numeric(r[i]) for r in rows) for i in range(len(header))]  # a column of numbers only
    for r in rows:
        out.append("  " + "  ".join(c.rjust(w) if ra else c.ljust(w) for c, w, ra in zip(r, widths, right)).rstrip())
    return out


_NUMBER = re.compile(r"^[−-]?\d+(\.\d+)?$")


def _numeric(s):
    """True for a cell that is one number (right-aligned); formulas such as 1/v10 stay left-aligned."""
    return bool(_NUMBER.match(s))


_MARK = {"info": "•", "ok": "", "warn": "!"}


def plain_lines(doc, precision):
    """The document as a list of plain lines."""
    out = [doc.title, "═" * len(doc.title)]
    for block in doc.blocks:
        t = type(block)
        if t is Heading:
            out.append("")
            if block.level <= 2:
                out += [block.text, "─" * len(block.text)]
            else:
                out.append("▸ " + block.text)
        elif t is Para:
            out.append(inline(block.parts, precision))
        elif t is Eq:
            out += ["  " + line.rstrip() for line in box(block.node, precision)]
        elif t is Table:
            out += _plain_table(block, precision)
        elif t is Note:
            mark = _MARK.get(block.kind, "•")
            out.append((mark + " " if mark else "") + inline(block.parts, precision))
    return out


def render_text(doc, precision=4, color=None, width=None):
    """``doc`` as terminal text; see the module docstring for ``color``."""
    if color is None:
        color = wants_color()
    if not color:
        return "\n".join(plain_lines(doc, precision)) + "\n"
    return _rich_text(doc, precision, width)


def _rich_text(doc, precision, width):
    import io

    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, color_system="standard", width=width or 120,
                      highlight=False, soft_wrap=True)
    console.rule(Text(doc.title, style="bold"))
    styles = {"info": "dim", "ok": "green", "warn": "yellow"}
    for block in doc.blocks:
        t = type(block)
        if t is Heading:
            console.print()
            console.print(Text(block.text, style="bold cyan" if block.level <= 2 else "bold"))
        elif t is Para:
            console.print(Text(inline(block.parts, precision)))
        elif t is Eq:
            for line in box(block.node, precision):
                console.print(Text("  " + line.rstrip()))
        elif t is Table:
            table = RichTable(show_edge=False)
            for h in block.header:
                table.add_column(cell_text(h, precision), justify="right")
            for r in block.rows:
                table.add_row(*[cell_text(c, precision) for c in r])
            console.print(table)
        elif t is Note:
            console.print(Text(inline(block.parts, precision), style=styles.get(block.kind, "dim")))
    return buf.getvalue()
