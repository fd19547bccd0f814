"""Rendering a :class:`~gradlab.symbolic.derive.Derivation` as text, Markdown, LaTeX or a JSON-able dict."""

from __future__ import annotations

import re

from ..core.text import latex_escape
from . import shapes as S
from .functions import FUNCTIONS
from .printing import to_latex, to_text
from .styles import LATEX

LATEX_STYLE_SYM = LATEX.sym


def _without(names, node):
    return {k: v for k, v in names.items() if k != node}


def where_lines(d, latex=False):
    """The "where" lines of a derivation: each name it uses = its definition (text, or LaTeX)."""
    out = []
    for text, tex, node in d.definitions():
        if latex:
            out.append(f"{tex} = {to_latex(node, _without(d.names, node))}")
        else:
            out.append(f"{text} = {to_text(node, _without(d.names, node))}")
    return out


def _title(d):
    n = d.wrt.attrs[0]
    var = f"{n} ({S.fmt(d.wrt.shape)})"
    if d.kind == "gradient":
        return f"gradient of L = {to_text(d.expr)} with respect to {var}"
    if d.kind == "hessian":
        m = d.wrt2
        second = var if m.attrs[0] == n else f"{var} and {m.attrs[0]} ({S.fmt(m.shape)})"
        return f"second derivative of L = {to_text(d.expr)} with respect to {second}"
    what = {"jacobian": "Jacobian", "derivative": "derivative", "vec_jacobian": "Jacobian in vec form"}[d.kind]
    return f"{what} of F = {to_text(d.expr)} ({S.fmt(d.expr.shape)}) with respect to {var}"


def _differential_line(d, latex=False):
    """dF = … or 𝓗[dX] = … (the differential the result is read off), or None."""
    if d.differential is None:
        return None
    shown = to_latex(d.differential, d.names) if latex else to_text(d.differential, d.names)
    if d.kind != "hessian":
        return (r"\mathrm{d}F = " if latex else "dF = ") + shown
    x, y = d.wrt.attrs[0], d.wrt2.attrs[0]
    if latex:
        return rf"\mathrm{{d}}^{{2}}L = \mathrm{{d}}{x} : \mathcal{{H}}[\mathrm{{d}}{y}],\quad " \
               rf"\mathcal{{H}}[\mathrm{{d}}{y}] = \mathrm{{d}}\frac{{\partial L}}{{\partial {x}}} = {shown}"
    return f"d²L = d{x} : 𝓗[d{y}], 𝓗[d{y}] = d(∂L/∂{x}) = {shown}"


def _assumptions(d):
    out = []
    for n in d.sums_to_one:
        sym = next((s for s in d.expr.walk() if s.op == "sym" and s.attrs[0] == n), None)
        if sym is not None and sym.shape[1] != 1:
            out.append(f"assuming each row of {n} sums to one: {n}𝟏 = 𝟏")
        else:
            out.append(f"assuming the entries of {n} sum to one: 𝟏ᵀ{n} = 1")
    return out


def derivation_text(d, steps=True):
    lines = [_title(d), f"  {d.symbol} = {d.result_text()}    [{S.fmt(d.result.shape)}]"]
    where = where_lines(d)
    if where:
        lines.append("  where " + ", ".join(where))
    diff = _differential_line(d)
    if diff:
        lines.append(f"  {diff}")
    if d.index:
        lines.append(f"  index form: {d.index[0]}")
    lines.append(f"  ({d.layout_note()})")
    for note in d.notes:
        lines.append(f"  ({note})")
    for note in _assumptions(d):
        lines.append(f"  ({note})")
    if steps:
        lines.append("steps:")
        for s in d.steps:
            lines.append(f"  {s.lhs} = {to_text(s.expr, d.names)}")
            lines.append(f"        by {s.rule}")
    return "\n".join(lines)


def derivation_markdown(d, steps=True):
    lines = [f"### {_title(d)}", "", f"$$ {_sym_latex(d)} = {to_latex(d.result, d.names)} $$", ""]
    where = where_lines(d, latex=True)
    if where:
        lines += ["where " + ", ".join(f"${w}$" for w in where), ""]
    diff = _differential_line(d, latex=True)
    if diff:
        lines += [f"$$ {diff} $$", ""]
    if d.index:
        lines += [f"index form: $$ {d.index[1]} $$", ""]
    lines += [f"*{d.layout_note()}*", ""]
    for note in d.notes + _assumptions(d):
        lines += [f"*{note}*", ""]
    if steps:
        lines += ["| step | rule |", "| --- | --- |"]
        for s in d.steps:
            lhs = _lhs_latex(s.lhs)
            rule = s.rule.replace("|", "\\|")
            lines.append(f"| ${lhs} = {to_latex(s.expr, d.names)}$ | {rule} |")
    return "\n".join(lines) + "\n"


def _lhs_latex(lhs):
    fixed = {"dL": r"\mathrm{d}L", "uᵀdf": r"u^{\top}\mathrm{d}f", "J": "J", "dF": r"\mathrm{d}F"}
    if lhs in fixed:
        return fixed[lhs]
    out = lhs
    for a, b in (("²", "^{2}"), ("∂", r"\partial "), ("vec", r"\operatorname{vec}"), ("d(", r"\mathrm{d}(")):
        out = out.replace(a, b)
    return re.sub(r"(?<=[A-Za-z])(\d+)", r"_{\1}", out)


def _sym_latex(d):
    n = LATEX_STYLE_SYM(d.wrt.attrs[0])
    if d.kind == "hessian":
        m = LATEX_STYLE_SYM(d.wrt2.attrs[0])
        below = rf"\partial {n}^{{2}}" if m == n else rf"\partial {n}\,\partial {m}"
        return rf"\frac{{\partial^{{2}} L}}{{{below}}}"
    if d.kind == "vec_jacobian":
        f = "f" if d.expr.shape[1] == 1 else "F"
        den = rf"\operatorname{{vec}}({n})" if d.wrt.shape[1] != 1 else n
        return rf"\frac{{\partial \operatorname{{vec}}({f})}}{{\partial {den}}}"
    top = {"gradient": "L", "derivative": "F"}.get(d.kind, "f")
    return rf"\frac{{\partial {top}}}{{\partial {n}}}"


def derivation_latex(d, steps=True):
    lines = [r"\begin{align*}", rf"{_sym_latex(d)} &= {to_latex(d.result, d.names)}"]
    where = where_lines(d, latex=True)
    if steps:
        for s in d.steps:
            lines[-1] += r" \\"
            lines.append(rf"{_lhs_latex(s.lhs)} &= {to_latex(s.expr, d.names)} && {_latex_text(s.rule)}")
    diff = _differential_line(d, latex=True)
    if diff:
        lines[-1] += r" \\"
        lines.append(rf"& {diff}")
    if d.index:
        lines[-1] += r" \\"
        lines.append(rf"& {d.index[1]} && \text{{index form}}")
    lines.append(r"\end{align*}")
    notes = [_latex_text(n) for n in d.notes + _assumptions(d)]
    tail = "".join(f" ${n}$." for n in notes)
    if where:
        lines.append(r"where $" + "$, $".join(where) + "$; " + _latex_note(d.layout_note()) + "." + tail)
    else:
        lines.append(_latex_note(d.layout_note()) + "." + tail)
    return "\n".join(lines)


LATEX_SYMBOLS = (("𝟙ₘₐₓ", r"\mathbb{1}_{\max}"), ("𝟙ₘᵢₙ", r"\mathbb{1}_{\min}"), ("⊗", r"\otimes "),
                 ("≠", r"\neq "), ("δ", r"\delta "), ("ᵢ", "_{i}"), ("ⱼ", "_{j}"), ("ₖ", "_{k}"), ("ₗ", "_{l}"),
                 ("⁻ᵀ", r"^{-\top}"), ("⁻¹", "^{-1}"), ("ᵀ", r"^{\top}"), ("′", "'"), ("⊙", r"\odot "),
                 ("⊘", r"\oslash "), ("𝟏", r"\mathbf{1}"), ("−", "-"), ("σ", r"\sigma "), ("𝓗", r"\mathcal{H}"),
                 ("‖", r"\|"), ("×", r"\times "), ("⟺", r"\iff "), ("²", "^{2}"), ("β", r"\beta "),
                 ("α", r"\alpha "), ("∂", r"\partial "), ("ŷ", r"\hat{y}"), ("Σ", r"\sum "), ("#", r"\#"),
                 ("%", r"\%"), ("&", r"\&"), ("_", r"\_"))
MATH_WORDS = {"log_softmax": r"\operatorname{log\_softmax}", "softmax": r"\operatorname{softmax}",
              "Diag": r"\operatorname{Diag}", "diag": r"\operatorname{diag}", "tr": r"\operatorname{tr}",
              "det": r"\det", "sum": r"\operatorname{sum}", "vec": r"\operatorname{vec}",
              "logsumexp": r"\operatorname{logsumexp}"}


def _math_word(word):
    """The LaTeX of a word of formula in a rule name: one of :data:`MATH_WORDS`, or an element-wise function
    written by its name (exp, tanh, relu; σ and 𝓗 are symbols, see :data:`LATEX_SYMBOLS`); else None."""
    if word in MATH_WORDS:
        return MATH_WORDS[word]
    row = FUNCTIONS.get(word)
    return row.latex if row is not None and row.text == word else None
SHORT_WORDS = {"to", "of", "by", "an", "on", "is", "in", "at", "as", "or", "if", "so", "a"}


def _is_word(token):
    """A plain English word of a rule name (as opposed to a piece of formula)."""
    core = token.strip("(),;:.")
    if not core or not all(c.isascii() and (c.isalpha() or c == "-") for c in core):
        return False
    if core in ("sum", "Diag") and "(" not in token:
        return True
    if _math_word(core) is not None or core in ("d",):
        return False
    if len(core) <= 2 and core not in SHORT_WORDS:
        return False
    if token.startswith("(") and not token.endswith(")"):
        return False
    return core == core.lower() or (core[0].isupper() and core[1:].islower() and len(core) > 3)


SUBSCRIPT_DIGITS = str.maketrans({c: f"_{{{i}}}" for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")})


def _latex_math(s):
    out = re.sub(r"[A-Za-z_]+", lambda m: _math_word(m.group(0)) or m.group(0), s)
    for a, b in LATEX_SYMBOLS:
        if a == "_":
            continue
        out = out.replace(a, b)
    return out.translate(SUBSCRIPT_DIGITS).replace("…", r"\ldots ")


def _latex_text(s):
    """A rule name as LaTeX: words in \text{...}, formulas in math mode (for use inside a math environment)."""
    tokens = s.split(" ")
    groups = []
    for tok in tokens:
        kind = "text" if _is_word(tok) else "math"
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(tok)
        else:
            groups.append((kind, [tok]))
    out = []
    for kind, toks in groups:
        chunk = " ".join(toks)
        if kind == "text":
            out.append(r"\text{" + latex_escape(chunk) + " }")
        else:
            out.append(_latex_math(chunk) + r"\ ")
    return "".join(out).rstrip("\\ ").rstrip()


def _latex_note(s):
    """A sentence of plain text for the paragraph under the align (text mode)."""
    out = s
    for a, b in (("×", r"$\times$"), ("∂", r"$\partial$"), ("ᵀ", r"$^{\top}$"), ("−", "-"), ("_", r"\_"),
                 ("ᵢ", "$_i$"), ("ⱼ", "$_j$"), ("ₖ", "$_k$"), ("ₗ", "$_l$"), ("²", "$^2$"), ("·", r"$\cdot$"),
                 ("𝓗", r"$\mathcal{H}$"), ("⊗", r"$\otimes$"), ("…", r"\ldots{}"), ("₁", "$_1$"), ("₂", "$_2$"),
                 ("𝟏", r"$\mathbf{1}$")):
        out = out.replace(a, b)
    return out


def derivation_dict(d):
    """A JSON-able dict: expression, wrt, kind, layout, result (text and LaTeX), where, steps."""
    return {
        "expression": to_text(d.expr),
        "wrt": d.wrt.attrs[0],
        "wrt_shape": S.fmt(d.wrt.shape),
        "kind": d.kind,
        "layout": d.layout,
        "layout_note": d.layout_note(),
        "sums_to_one": list(d.sums_to_one),
        "shape": S.fmt(d.result.shape),
        "result": d.result_text(),
        "result_plain": to_text(d.result),
        "result_latex": to_latex(d.result, d.names),
        "where": [{"name": t, "latex_name": tl, "definition": to_text(n, _without(d.names, n))}
                  for t, tl, n in d.definitions()],
        "steps": [{"lhs": s.lhs, "rule": s.rule, "text": to_text(s.expr, d.names),
                   "latex": to_latex(s.expr, d.names)} for s in d.steps],
        "notes": list(d.notes) + _assumptions(d),
        "differential": _differential_line(d),
        "index_form": d.index[0] if d.index else None,
        **({"wrt2": d.wrt2.attrs[0]} if d.wrt2 is not None else {}),
    }
