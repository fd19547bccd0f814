"""Rendering a :class:`~gradlab.symbolic.derive.Derivation` as text, Markdown, LaTeX or a JSON-able dict."""

from __future__ import annotations

from .printing import to_latex, to_text
from . import shapes as S


def _without(names, node):
    return {k: v for k, v in names.items() if k != node}


def _where(d, latex=False):
    out = []
    for text, tex, node in d.definitions():
        if latex:
            out.append(f"{tex} = {to_latex(node, _without(d.names, node))}")
        else:
            out.append(f"{text} = {to_text(node, _without(d.names, node))}")
    return out


def _title(d):
    n = d.wrt.attrs[0]
    what = "gradient" if d.kind == "gradient" else "Jacobian"
    return f"{what} of L = {to_text(d.expr)} with respect to {n} ({S.fmt(d.wrt.shape)})" if d.kind == "gradient" \
        else f"{what} of f = {to_text(d.expr)} ({S.fmt(d.expr.shape)}) with respect to {n} ({S.fmt(d.wrt.shape)})"


def derivation_text(d, steps=True):
    lines = [_title(d), f"  {d.symbol} = {d.result_text()}    [{S.fmt(d.result.shape)}]"]
    where = _where(d)
    if where:
        lines.append("  where " + ", ".join(where))
    lines.append(f"  ({d.layout_note()})")
    if steps:
        lines.append("steps:")
        for s in d.steps:
            lines.append(f"  {s.lhs} = {to_text(s.expr, d.names)}")
            lines.append(f"        by {s.rule}")
    return "\n".join(lines)


def derivation_markdown(d, steps=True):
    lines = [f"### {_title(d)}", "", f"$$ {_sym_latex(d)} = {to_latex(d.result, d.names)} $$", ""]
    where = _where(d, latex=True)
    if where:
        lines += ["where " + ", ".join(f"${w}$" for w in where), ""]
    lines += [f"*{d.layout_note()}*", ""]
    if steps:
        lines += ["| step | rule |", "| --- | --- |"]
        for s in d.steps:
            lhs = _lhs_latex(s.lhs)
            rule = s.rule.replace("|", "\\|")
            lines.append(f"| ${lhs} = {to_latex(s.expr, d.names)}$ | {rule} |")
    return "\n".join(lines) + "\n"


def _lhs_latex(lhs):
    return {"dL": r"\mathrm{d}L", "uᵀdf": r"u^{\top}\mathrm{d}f", "J": "J"}.get(
        lhs, lhs.replace("∂", r"\partial ").replace("/", "/"))


def _sym_latex(d):
    n = d.wrt.attrs[0]
    top = "L" if d.kind == "gradient" else "f"
    return rf"\frac{{\partial {top}}}{{\partial {n}}}"


def derivation_latex(d, steps=True):
    lines = [r"\begin{align*}", rf"{_sym_latex(d)} &= {to_latex(d.result, d.names)}"]
    where = _where(d, latex=True)
    if steps:
        for s in d.steps:
            rule = s.rule.replace("_", r"\_")
            lines[-1] += r" \\"
            lines.append(rf"{_lhs_latex(s.lhs)} &= {to_latex(s.expr, d.names)} && \text{{{_latex_text(rule)}}}")
    lines.append(r"\end{align*}")
    if where:
        lines.append(r"where $" + "$, $".join(where) + "$; " + _latex_text(d.layout_note()) + ".")
    else:
        lines.append(_latex_text(d.layout_note()) + ".")
    return "\n".join(lines)


def _latex_text(s):
    for a, b in (("ᵀ", "^T"), ("⁻¹", "^{-1}"), ("′", "'"), ("⊙", "*"), ("𝟏", "1"), ("−", "-"), ("σ", "sigma"),
                 ("𝓗", "H"), ("‖", "||"), ("×", "x"), ("⟺", "<=>"), ("²", "^2"), ("β", "beta"), ("α", "alpha"),
                 ("∂", "d"), ("#", r"\#"), ("&", r"\&"), ("%", r"\%")):
        s = s.replace(a, b)
    return s


def derivation_dict(d):
    """A JSON-able dict: expression, wrt, kind, layout, result (text and LaTeX), where, steps."""
    return {
        "expression": to_text(d.expr),
        "wrt": d.wrt.attrs[0],
        "wrt_shape": S.fmt(d.wrt.shape),
        "kind": d.kind,
        "layout": d.layout,
        "layout_note": d.layout_note(),
        "shape": S.fmt(d.result.shape),
        "result": d.result_text(),
        "result_plain": to_text(d.result),
        "result_latex": to_latex(d.result, d.names),
        "where": [{"name": t, "latex_name": tl, "definition": to_text(n, _without(d.names, n))}
                  for t, tl, n in d.definitions()],
        "steps": [{"lhs": s.lhs, "rule": s.rule, "text": to_text(s.expr, d.names),
                   "latex": to_latex(s.expr, d.names)} for s in d.steps],
    }
