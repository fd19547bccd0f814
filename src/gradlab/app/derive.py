"""The derive job: gradients and Jacobians in matrix form, with the steps, verified on request (``gradlab derive``).

The text goes to standard output or, with ``-o FILE``, to a file written atomically (as ``gradlab explain``
writes it); ``--format html`` is one self-contained page (inline style, no script, opens offline).
"""

from __future__ import annotations

import json
from html import escape

from ..core.errors import DerivationError, ParameterError, ShapeError
from ..core.version import __version__ as VERSION
from ..explainer.render.html import page
from ..symbolic import derive, hessian, parse, verify
from .explain import write_output  # noqa: F401  (the command writes -o FILE with explain's helper)

FORMATS = ("text", "markdown", "latex", "html", "json")
# a file's suffix -> the format written when --format is not given
SUFFIX_FORMATS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".html": "html",
                  ".htm": "html", ".json": "json"}


def output_format(fmt, output) -> str:
    """The format to write: ``fmt`` when given, else the one of ``output``'s suffix, else 'text'.

    Raises:
        ParameterError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt is None:
        suffix = "" if output is None else str(output)[str(output).rfind("."):].lower() if "." in str(output) else ""
        return SUFFIX_FORMATS.get(suffix, "text")
    if fmt not in FORMATS:
        raise ParameterError(f"derive: --format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return fmt


def parse_shapes(items):
    """{'X': 'm,n', ...} from command-line items such as 'X=m,n' (the NAME=DIMS syntax of --shape)."""
    shapes = {}
    for item in items:
        name, sep, dims = item.partition("=")
        if not sep or not name.strip() or not dims.strip():
            raise ShapeError(f"--shape {item!r}: expected NAME=DIMS, e.g. X=m,n or b=1")
        shapes[name.strip()] = dims.strip()
    return shapes


def run_derive(expression, shapes, wrt, steps=False, layout=None, fmt="text", check=False, seed=0, budget=None,
               sums_to_one=(), order=1):
    """(the text to print, whether every verification passed) for ∂expression/∂name of each name in ``wrt``.

    Args:
        expression: the expression in the deriver's syntax; shapes: {'X': 'm,n', ...}; wrt: names (≥ 1).
        steps: include every step; layout: 'numerator', 'denominator' or None (the default per result);
        fmt: 'text', 'markdown', 'latex', 'html' (one self-contained page) or 'json'; check: verify against autodiff and finite differences
        with random data from ``seed``; budget: work units per derivation (None: the default);
        sums_to_one: names of label vectors whose entries sum to one (or label matrices whose rows do);
        order: 1 (derivatives) or 2 (second derivatives: a name per Hessian, "x,y" for ∂²L/∂x∂y).
    """
    if not wrt:
        raise DerivationError("derive: say which variable to differentiate with respect to, e.g. --wrt w")
    expr = parse(expression, shapes)
    results, ok = [], True
    if order not in (1, 2):
        raise DerivationError(f"derive: --order must be 1 or 2, got {order!r}")
    for name in wrt:
        if order == 2:
            pair = [n.strip() for n in name.split(",")]
            d = hessian(expr, pair if len(pair) > 1 else pair[0], shapes=shapes, sums_to_one=tuple(sums_to_one),
                        budget=budget)
        else:
            if "," in name:
                raise DerivationError(f"derive: --wrt {name}: a pair x,y is for --order 2 (∂²L/∂x∂y)")
            d = derive(expr, name, layout=layout, shapes=shapes, sums_to_one=tuple(sums_to_one), budget=budget)
        report = verify(expr, d.wrt.attrs[0], d, seed=seed) if check else None
        ok = ok and (report is None or report.passed)
        results.append((d, report))
    if fmt == "json":
        out = []
        for d, report in results:
            item = d.to_json()
            if not steps:
                item.pop("steps")
            if report is not None:
                item["verify"] = report.to_json()
            out.append(item)
        return json.dumps(out if len(out) > 1 else out[0], indent=2, ensure_ascii=False), ok
    if fmt == "html":
        return html_page(expression, results, steps), ok
    parts = []
    for d, report in results:
        render = {"text": d.to_text, "markdown": d.to_markdown, "latex": d.to_latex}[fmt]
        parts.append(render(steps=steps))
        if report is not None:
            parts.append(("% " if fmt == "latex" else "") + str(report))
        parts.append("")
    return "\n".join(parts), ok


def html_page(expression, results, steps) -> str:
    """One self-contained HTML page of [(Derivation, VerifyReport or None)]: each result with its steps."""
    body = [f"<p>Derivatives of <code>{escape(expression)}</code>.</p>"]
    for d, report in results:
        body.append(f"<h2>{escape(str(d.symbol))}</h2>")
        rich = getattr(d, "_repr_html_", None)
        body.append(rich() if callable(rich) and not steps else f"<pre>{escape(d.to_text(steps=steps))}</pre>")
        if report is not None:
            kind = "ok" if report.passed else "warn"
            body.append(f'<div class="note {kind}"><pre>{escape(str(report))}</pre></div>')
    return page(f"gradlab derive: {expression}", "\n".join(body), heading=True,
                footer=f"Written by gradlab {VERSION}. This file is self-contained: it opens offline.")
