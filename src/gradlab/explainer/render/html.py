"""One self-contained HTML file: inline CSS, math as MathML generated here; no script, no network."""

from __future__ import annotations

from html import escape

from ..document import Eq, Heading, Note, Para, Table
from ..notation import as_node
from .nodes_mathml import math_element

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; line-height: 1.5; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #ccc; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; color: #0b5394; }
h3, h4 { font-size: 1.1rem; margin-top: 1.2rem; }
.eq { overflow-x: auto; overflow-y: hidden; margin: .4rem 0 .4rem 1.5rem; padding: .2rem 0; }
math[display="block"] { text-align: left; margin: 0; }
math { font-size: 1.1em; }
.shape { font-size: 0.7em; color: #777; }
.note { border-left: 4px solid #999; background: #f5f5f7; padding: .4rem .8rem; margin: .6rem 0; }
.note.ok { border-color: #2e7d32; } .note.warn { border-color: #e08a00; background: #fff8e6; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .8rem; text-align: left; }
th { background: #eef3fa; }
caption { caption-side: bottom; color: #495057; font-size: .9em; padding-top: .3em; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #dee2e6; }
figcaption { color: #495057; font-size: .9em; }
.math { margin: .8em 0; text-align: center; } .math img { vertical-align: middle; }
pre { background: #f8f9fa; padding: .8em; overflow-x: auto; border-radius: 4px; white-space: pre-wrap; }
footer { margin-top: 3em; color: #868e96; font-size: .85em; }
"""


def page(title, body, heading=False, footer=None):
    """One self-contained HTML page — the one page writer and stylesheet of every HTML gradlab writes.

    Args:
        title: the page title (plain text); heading: also show it as <h1>.
        body: HTML elements; footer: plain text for a <footer>, or None.
    """
    h1 = f"<h1>{escape(title)}</h1>\n" if heading else ""
    foot = f"<footer>{escape(footer)}</footer>\n" if footer else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n<link rel="icon" href="data:,">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{h1}{body}\n{foot}"
            "</body>\n</html>\n")


def _inline(parts, precision):
    return "".join(escape(p) if isinstance(p, str) else math_element(p, precision, display=False) for p in parts)


def _cell(c, precision):
    return escape(c) if isinstance(c, str) else math_element(as_node(c), precision, display=False)


def body_html(doc, precision):
    """The document's content as HTML elements (no <html> wrapper)."""
    out = [f'<div class="gradlab-explanation"><h1>{escape(doc.title)}</h1>']
    for block in doc.blocks:
        t = type(block)
        if t is Heading:
            level = min(block.level + (0 if block.level > 1 else 1), 6)
            out.append(f"<h{level}>{escape(block.text)}</h{level}>")
        elif t is Para:
            out.append(f"<p>{_inline(block.parts, precision)}</p>")
        elif t is Eq:
            tag = f' data-entry="{escape(block.entry)}"' if block.entry else ""
            out.append(f'<div class="eq"{tag}>{math_element(block.node, precision)}</div>')
        elif t is Table:
            head = "".join(f"<th>{_cell(c, precision)}</th>" for c in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_cell(c, precision)}</td>" for c in r) + "</tr>"
                           for r in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif t is Note:
            out.append(f'<div class="note {escape(block.kind)}">{_inline(block.parts, precision)}</div>')
    out.append("</div>")
    return "\n".join(out)


def render_html(doc, precision=4, fragment=False):
    """``doc`` as a complete HTML page (or only its content with ``fragment=True``, for Jupyter)."""
    body = body_html(doc, precision)
    if fragment:
        return f"<style>{CSS}</style>\n{body}\n"
    return page(doc.title, body)
