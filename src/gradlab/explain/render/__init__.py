"""Renderers: a view's :class:`~gradlab.explain.document.Document` as text, Markdown, LaTeX or HTML.

JSON is not a rendering of a view but of the named quantities; see
:mod:`gradlab.explain.render.json`.
"""

from __future__ import annotations

from ...core.errors import ParameterError

FORMATS = ("text", "markdown", "latex", "html", "json")


def render_document(doc, fmt, precision=4, **options):
    """``doc`` as a string in format ``fmt`` ('text', 'markdown', 'latex', 'html').

    Options: text — ``color`` (None: colour when stdout is a terminal and
    NO_COLOR is unset), ``width``; latex — ``standalone``; html —
    ``fragment`` (no <html> wrapper, for Jupyter).
    """
    if fmt == "text":
        from .text import render_text

        return render_text(doc, precision, **options)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(doc, precision)
    if fmt == "latex":
        from .latex import render_latex

        return render_latex(doc, precision, **options)
    if fmt == "html":
        from .html import render_html

        return render_html(doc, precision, **options)
    raise ParameterError(f"The 'format' parameter of explain must be one of {list(FORMATS)}. Got {fmt!r}.")
