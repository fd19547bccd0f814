"""The document a view produces: a list of blocks every renderer understands.

A view (scalar, matrix, graph, perceptron) turns a trace into a
:class:`Document` of headings, paragraphs (text with inline formulas),
display equations, tables and notes; the renderers in ``render/`` turn a
document into text, Markdown, LaTeX, HTML or JSON. Views never format
numbers: that happens in the renderer, with the document's precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .notation import Node


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    """Text with inline formulas: ``parts`` mixes strings and notation nodes."""

    parts: list


@dataclass
class Eq:
    """A display equation (one notation node); ``entry`` names the answer-sheet entry it computes, if any
    (``'dW[2][1,2]'``, see :func:`gradlab.explainer.explanation.entry_name`), so a page can find its line."""

    node: Node
    entry: str | None = None


@dataclass
class Table:
    """A table: ``header`` and ``rows`` hold strings, numbers or notation nodes."""

    header: list
    rows: list


@dataclass
class Note:
    """A remark set apart (conventions, checks): ``parts`` as in :class:`Para`."""

    parts: list
    kind: str = "info"  # info | ok | warn


@dataclass
class Document:
    """A titled list of blocks."""

    title: str
    blocks: list = field(default_factory=list)

    def add(self, block):
        self.blocks.append(block)
        return block

    def heading(self, text, level=2):
        return self.add(Heading(text, level))

    def para(self, *parts):
        return self.add(Para(list(parts)))

    def eq(self, node, entry=None):
        return self.add(Eq(node, entry))

    def table(self, header, rows):
        return self.add(Table(list(header), [list(r) for r in rows]))

    def note(self, *parts, kind="info"):
        return self.add(Note(list(parts), kind))


class Displayable:
    """Printing and Jupyter display for anything with ``render(fmt, ...)``: text when printed,
    Markdown, HTML and LaTeX in a notebook (``_repr_markdown_``, ``_repr_html_``, ``_repr_latex_``)."""

    def __str__(self):
        return self.render("text", color=False)

    def _repr_markdown_(self):
        return self.render("markdown")

    def _repr_html_(self):
        return self.render("html", fragment=True)

    def _repr_latex_(self):
        return self.render("latex")
