"""One self-contained HTML file: text, tables, math and pictures, all embedded.

Pictures are PNG or SVG data URIs and math is laid out by matplotlib's
mathtext into SVG, so the file needs no network, no JavaScript and no other
file: it opens offline in any browser and can be mailed as it is.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

from ..core.constraints import Satisfies, declare
from ..core.errors import InputTypeError, ParameterError
from ..core.files import write_atomic
from ..core.version import __version__
from ..explainer.render.html import page
from . import _mpl
from ._mpl import to_png_bytes
from .network import network_diagram, network_update_diagram
from .texmath import derivation_html

HTML_PATH = Satisfies(lambda p: Path(p).suffix.lower() in (".html", ".htm"), "a file name ending in .html",
                      invalid=("report.txt", "report", 3), show=lambda p: repr(str(p)))


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def math_svg(latex: str, fontsize: int = 15) -> bytes:
    """``latex`` (matplotlib mathtext, e.g. ``r'\\frac{\\partial L}{\\partial W}'``) laid out as SVG bytes."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import math_to_image


    _mpl.matplotlib()
    text = latex if latex.strip().startswith("$") else f"${latex}$"
    buf = io.BytesIO()
    math_to_image(text, buf, prop=FontProperties(size=fontsize), dpi=100, format="svg")
    return buf.getvalue()


def _picture_uri(picture) -> str:
    """A data URI for a matplotlib Figure, PNG/SVG bytes, or a .png/.svg file path."""
    if hasattr(picture, "savefig"):

        return _data_uri(to_png_bytes(picture), "image/png")
    if isinstance(picture, (bytes, bytearray)):
        data = bytes(picture)
        return _data_uri(data, "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/svg+xml")
    if isinstance(picture, (str, os.PathLike)):
        p = Path(picture)
        mime = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(p.suffix.lower())
        if mime is None:
            raise ParameterError(f"Report.figure: can embed .png, .svg or .jpg files. Got {str(picture)!r}.")
        return _data_uri(p.read_bytes(), mime)
    raise InputTypeError(f"Report.figure: expected a matplotlib Figure, image bytes or a file path, got {type(picture).__name__}")


class Report:
    """An HTML report built block by block, then written as one file.

    Example::

        r = Report("Training on moons")
        r.text("A 2-16-16-1 ReLU network trained with Adam.")
        r.table(["epoch", "loss"], [[1, 0.69], [200, 0.05]])
        r.math(r"\\frac{\\partial L}{\\partial z} = \\hat{y} - y")
        r.figure(fig, "Decision boundary")
        r.write("report.html")
    """

    def __init__(self, title: str):
        self.title = str(title)
        self.blocks = []

    def heading(self, text: str, level: int = 2) -> "Report":
        """A section heading (level 2 to 4)."""
        level = min(max(int(level), 2), 4)
        self.blocks.append(f"<h{level}>{html.escape(str(text))}</h{level}>")
        return self

    def text(self, text: str) -> "Report":
        """A paragraph of plain text (escaped; blank lines start new paragraphs)."""
        for para in str(text).split("\n\n"):
            if para.strip():
                self.blocks.append(f"<p>{html.escape(para.strip())}</p>")
        return self

    def code(self, text: str) -> "Report":
        """Preformatted text (program output, a model summary)."""
        self.blocks.append(f"<pre>{html.escape(str(text))}</pre>")
        return self

    def table(self, headers, rows, caption: str | None = None) -> "Report":
        """A table: ``headers`` a list of n names, ``rows`` a list of lists of n cells (floats printed with 4 decimals)."""
        headers = list(headers)
        out = ["<table>"]
        if caption:
            out.append(f"<caption>{html.escape(caption)}</caption>")
        out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in headers) + "</tr>")
        for row in rows:
            row = list(row)
            if len(row) != len(headers):
                raise ParameterError(f"Report.table: a row has {len(row)} cells but there are {len(headers)} headers")
            cells = "".join(f"<td>{html.escape(_cell(c))}</td>" for c in row)
            out.append(f"<tr>{cells}</tr>")
        out.append("</table>")
        self.blocks.append("\n".join(out))
        return self

    def math(self, latex: str) -> "Report":
        """Display math, laid out into an embedded SVG (mathtext syntax; the source is the alt text).

        Math that mathtext cannot lay out is shown as its source in a box.
        """
        try:
            uri = _data_uri(math_svg(latex), "image/svg+xml")
        except ValueError:
            self.blocks.append(f'<pre class="math-source">{html.escape(latex)}</pre>')
            return self
        self.blocks.append(f'<div class="math"><img class="math" src="{uri}" alt="{html.escape(latex)}"></div>')
        return self

    def figure(self, picture, caption: str | None = None) -> "Report":
        """A picture (matplotlib Figure, PNG/SVG bytes or a file path) with an optional caption."""
        alt = html.escape(caption or "figure")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.blocks.append(f'<figure><img src="{_picture_uri(picture)}" alt="{alt}">{cap}</figure>')
        return self

    def derivation(self, derivation, steps: bool = True) -> "Report":
        """A symbolic derivation (e.g. ``gl.symbolic.derive(...)``; anything with ``to_latex(steps)``) typeset as MathML.

        One table row per line — left side, "= right side", the rule that gives it — then the "where" line, each
        formula a ``<math>`` element the browser lays out (no script, no picture). A derivation whose LaTeX uses a
        command outside gradlab's own vocabulary is shown as its exact text form (``to_text``) instead.
        """
        try:
            fragment = derivation_html(derivation.to_latex(steps))
        except ParameterError:
            return self.code(derivation.to_text(steps))
        self.blocks.append(fragment.replace('<table class="derivation">', f'<table class="derivation" style="{_DERIVATION_STYLE}">', 1)
                           .replace('<td class="rule">', f'<td class="rule" style="{_RULE_STYLE}">'))
        return self

    def graph(self, picture, caption: str | None = None) -> "Report":
        """A large picture, such as a computation graph, at its natural size in a scrolling box (never shrunk).

        ``picture`` is a matplotlib Figure (embedded as SVG, so the browser's zoom keeps it sharp), SVG or PNG bytes,
        or a .svg/.png file path. The page stays as wide as the text; the box scrolls both ways.
        """
        if hasattr(picture, "savefig"):
            buf = io.BytesIO()
            picture.savefig(buf, format="svg", bbox_inches="tight")
            picture = buf.getvalue()
        alt = html.escape(caption or "graph")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self.blocks.append(f'<figure class="graph"><div class="zoom" style="{_ZOOM_STYLE}">'
                           f'<img style="max-width:none;width:auto;height:auto;border:none" src="{_picture_uri(picture)}" '
                           f'alt="{alt}"></div>{cap}</figure>')
        return self

    def raw_html(self, fragment: str) -> "Report":
        """An HTML fragment as is (for renderers that produce their own HTML; must be self-contained)."""
        self.blocks.append(str(fragment))
        return self

    def html(self) -> str:
        """The whole document as a string."""
        return page(self.title, "\n".join(self.blocks), heading=True,
                    footer=f"Written by gradlab {__version__}. This file is self-contained: it opens offline.")

    @declare(path=HTML_PATH)
    def write(self, path) -> Path:
        """Write the report to ``path`` (.html) atomically; returns the path."""
        return write_html(self.html(), path)


_DERIVATION_STYLE = "border-collapse:collapse;margin:.6rem 0"
_RULE_STYLE = "color:#495057;font-size:.9em;padding-left:1.5em"
_ZOOM_STYLE = "overflow:auto;max-height:80vh;border:1px solid #dee2e6;padding:.5em;resize:both"


def _cell(c) -> str:
    if isinstance(c, float):
        return f"{c:.4f}"
    return str(c)


@declare(path=HTML_PATH)
def write_html(text: str, path) -> Path:
    """Write an HTML string to ``path`` (.html or .htm) atomically (temporary file, then rename)."""
    p = Path(path)
    write_atomic(p, text)
    return p


@declare(path=HTML_PATH)
def write_report(path, title: str, blocks) -> Path:
    """Write a report from a list of blocks, each a ``(kind, value)`` pair or ``(kind, value, caption)``.

    Kinds: 'heading', 'text', 'code', 'math' (LaTeX string), 'derivation' (a symbolic Derivation, typeset as
    MathML), 'table' (``(headers, rows)``), 'figure' (Figure, bytes or path), 'graph' (a large picture at its
    natural size, scrolling), 'html' (a fragment).

    Returns:
        the path written.
    """
    r = Report(title)
    for block in blocks:
        kind, value, *rest = block
        caption = rest[0] if rest else None
        if kind == "table":
            r.table(value[0], value[1], caption)
        elif kind == "figure":
            r.figure(value, caption)
        elif kind in ("heading", "text", "code", "math", "derivation"):
            getattr(r, kind)(value)
        elif kind == "graph":
            r.graph(value, caption)
        elif kind == "html":
            r.raw_html(value)
        else:
            raise ParameterError(f"write_report: unknown block kind {kind!r}; use heading, text, code, math, derivation, table, figure, graph or html")
    return r.write(path)


@declare(path=HTML_PATH)
def explanation_report(explanation, path, *, diagram: bool = True, view: str = "scalar") -> Path:
    """One HTML file of an Explanation: its own HTML rendering plus the network before/after the update.

    Args:
        explanation: a ``gl.Explanation`` (made with ``lr`` for the update diagram).
        path: the .html file to write.
        diagram: add :func:`~gradlab.viz.network.network_update_diagram` (or the
            plain network diagram when the explanation has no update step).
        view: the explainer's view to render ('scalar' or 'matrix').

    Returns:
        the path written.
    """
    page = explanation.render("html", view=view)
    if diagram:

        trace = getattr(explanation, "trace", None)
        if trace is not None and getattr(trace, "lr", None) is not None:
            fig, caption = network_update_diagram(explanation), "The network before the update, the gradients, and after."
        else:
            fig, caption = network_diagram(explanation), "The network: blue edges positive weights, orange negative."
        block = (f'<figure style="margin:2em 0"><img style="max-width:100%;height:auto" src="{_picture_uri(fig)}" '
                 f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>')
        if "</body>" in page:
            page = page.replace("</body>", block + "\n</body>", 1)
        else:
            page = Report(getattr(explanation, "title", "Explanation")).raw_html(page).raw_html(block).html()
    return write_html(page, path)
