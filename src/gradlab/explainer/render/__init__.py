"""Renderers: a view's :class:`~gradlab.explainer.document.Document` as text, Markdown, LaTeX or HTML.

JSON is not a rendering of a view but of the named quantities; see
:mod:`gradlab.explainer.render.json`.
"""

from __future__ import annotations

from ...core.errors import ParameterError
from .html import render_html
from .latex import render_latex
from .markdown import render_markdown
from .text import render_text



RENDERERS = {}


def register_renderer(name, render):
    """Make ``render(document, precision, **options) -> str`` the format called ``name``; returns ``render``."""
    if name in RENDERERS and RENDERERS[name] is not render:
        raise ValueError(f"register_renderer: a format named {name!r} already exists")
    RENDERERS[name] = render
    return render


def check_format(fmt):
    """Refuse an unknown format before any work."""
    if fmt != "json" and fmt not in RENDERERS:
        raise ParameterError(f"The 'format' parameter of explain must be one of {['json', *RENDERERS]}. Got {fmt!r}.")


def render_document(doc, fmt, precision=4, **options):
    """``doc`` as a string in format ``fmt`` ('text', 'markdown', 'latex', 'html', or a registered one).

    Options: text — ``color`` (None: colour when stdout is a terminal and
    NO_COLOR is unset), ``width``; latex — ``standalone``; html —
    ``fragment`` (no <html> wrapper, for Jupyter).
    """
    check_format(fmt)
    return RENDERERS[fmt](doc, precision, **options)


def _markdown(doc, precision, **options):
    return render_markdown(doc, precision)


register_renderer("text", render_text)
register_renderer("markdown", _markdown)
register_renderer("latex", render_latex)
register_renderer("html", render_html)
