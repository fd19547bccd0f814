"""Markdown with math in ``$…$`` (inline) and ``$$…$$`` (display), as Jupyter and GitHub render it."""

from __future__ import annotations

from ..document import Eq, Heading, Note, Para, Table
from ..notation import as_node
from .nodes_latex import latex


def _inline(parts, precision):
    out = []
    for p in parts:
        out.append(p if isinstance(p, str) else f"${latex(p, precision)}$")
    return "".join(out)


def _cell(c, precision):
    if isinstance(c, str):
        return c.replace("|", r"\|")
    return f"${latex(as_node(c), precision)}$"


def render_markdown(doc, precision=4):
    """``doc`` as Markdown."""
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        t = type(block)
        if t is Heading:
            out += [f"{'#' * block.level} {block.text}", ""]
        elif t is Para:
            out += [_inline(block.parts, precision), ""]
        elif t is Eq:
            out += ["$$", latex(block.node, precision), "$$", ""]
        elif t is Table:
            out.append("| " + " | ".join(_cell(c, precision) for c in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            for r in block.rows:
                out.append("| " + " | ".join(_cell(c, precision) for c in r) + " |")
            out.append("")
        elif t is Note:
            out += ["> " + _inline(block.parts, precision), ""]
    return "\n".join(out)
