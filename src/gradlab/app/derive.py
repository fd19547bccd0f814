"""The derive job: gradients and Jacobians in matrix form, with the steps, verified on request (``gradlab derive``)."""

from __future__ import annotations

import json

from ..core.errors import DerivationError, ShapeError
from ..symbolic import derive, hessian, parse, verify


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
        fmt: 'text', 'markdown', 'latex' or 'json'; check: verify against autodiff and finite differences
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
    parts = []
    for d, report in results:
        render = {"text": d.to_text, "markdown": d.to_markdown, "latex": d.to_latex}[fmt]
        parts.append(render(steps=steps))
        if report is not None:
            parts.append(("% " if fmt == "latex" else "") + str(report))
        parts.append("")
    return "\n".join(parts), ok
