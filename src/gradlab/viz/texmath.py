"""LaTeX math, the subset gradlab itself writes, as MathML Core — so an HTML report typesets derivations natively.

gradlab's LaTeX (the symbolic derivations' ``to_latex``, the explainer's formulas) uses a small vocabulary:
``\\frac``, scripts, ``\\left…\\right``, ``\\hat``, ``\\mathrm``/``\\mathbf``/``\\mathcal``/``\\operatorname``,
``\\text``, Greek letters and a few operators. :func:`latex_to_mathml` converts exactly that vocabulary and
refuses anything else with a :class:`~gradlab.core.errors.ParameterError` naming the command (the caller then
shows the source); it never guesses. :func:`derivation_html` lays out a whole derivation (the ``align*`` that
``Derivation.to_latex()`` writes, and its "where" paragraph) as a table of ``<math>`` elements.
"""

from __future__ import annotations

import re
from html import escape

from ..core.errors import ParameterError

SYMBOLS = {
    "partial": "∂", "top": "⊤", "odot": "⊙", "oslash": "⊘", "otimes": "⊗", "times": "×", "iff": "⟺", "neq": "≠",
    "ne": "≠", "ldots": "…", "cdots": "⋯", "cdot": "·", "sum": "∑", "prod": "∏", "infty": "∞", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "leftarrow": "←", "rightarrow": "→", "to": "→", "Rightarrow": "⇒", "implies": "⟹",
    "approx": "≈", "pm": "±", "mid": "∣", "in": "∈", "circ": "∘", "nabla": "∇", "|": "‖", "{": "{", "}": "}",
    "#": "#", "%": "%", "&": "&", "_": "_", "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖",
}
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
}
FUNCTION_NAMES = {"log", "ln", "exp", "max", "min", "det", "tanh", "sin", "cos", "tan", "sinh", "cosh", "arg"}
SPACES = {",": "0.1667em", ";": "0.2778em", ":": "0.2222em", " ": "0.25em", "quad": "1em", "qquad": "2em", "!": "0em"}
VARIANTS = {"mathrm": "normal", "mathbf": "bold", "mathcal": "script", "mathbb": "double-struck", "mathit": "italic"}
OPERATORS = set("+-=:()[],;/|'!<>*~")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


_SCRIPT_EXCEPTIONS = {"mathbb": {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}}


def _styled(c, variant):
    """``c`` as the Unicode mathematical letter or digit of ``variant`` (MathML Core styles letters by code point)."""
    if c in _SCRIPT_EXCEPTIONS.get(variant, {}):
        return _SCRIPT_EXCEPTIONS[variant][c]
    upper, lower, digit = {"mathbf": (0x1D400, 0x1D41A, 0x1D7CE), "mathcal": (0x1D4D0, 0x1D4EA, None),
                           "mathbb": (0x1D538, 0x1D552, 0x1D7D8), "mathit": (0x1D434, 0x1D44E, None)}[variant]
    if "A" <= c <= "Z":
        return chr(upper + ord(c) - ord("A"))
    if "a" <= c <= "z":
        return "ℎ" if variant == "mathit" and c == "h" else chr(lower + ord(c) - ord("a"))
    if c.isdigit() and digit is not None:
        return chr(digit + int(c))
    return c


def _tokens(tex):
    return [t for t in _TOKEN.findall(tex)]


class _Parser:
    def __init__(self, tex):
        self.tex = tex
        self.toks = _tokens(tex)
        self.i = 0

    def peek(self):
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def refuse(self, what):
        raise ParameterError(f"latex_to_mathml: {what} in {self.tex!r}; expected the LaTeX gradlab writes "
                             "(\\frac, scripts, \\left/\\right, \\hat, \\mathrm, \\text, Greek letters, operators)")

    def raw_group(self):
        """The text of a {...} argument, braces balanced, unparsed."""
        if self.peek() != "{":
            self.refuse("a command without its {argument}")
        self.take()
        depth, out = 1, []
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            self.i += 1
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return "".join(out)
            out.append(tok)
        self.refuse("an unclosed {")

    def group(self):
        """One argument: a {...} group or a single token."""
        if self.peek() == "{":
            return f"<mrow>{_Parser(self.raw_group()).row()}</mrow>"
        return self.atom()

    def row(self, stop=None):
        out = []
        while True:
            tok = self.peek()
            if tok is None or tok == stop:
                return "".join(out)
            if tok in ("^", "_"):
                base = out.pop() if out else "<mrow></mrow>"
                out.append(self.scripts(base))
                continue
            out.append(self.atom())

    def scripts(self, base):
        sub = sup = None
        while self.peek() in ("^", "_"):
            which = self.take()
            arg = self.group()
            if which == "^":
                sup = arg
            else:
                sub = arg
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        return f"<msub>{base}{sub}</msub>"

    def delimiter(self):
        tok = self.take()
        if tok is None:
            self.refuse("\\left or \\right without a delimiter")
        if tok == ".":
            return ""
        if tok.startswith("\\"):
            name = tok[1:]
            if name in SYMBOLS:
                return f'<mo stretchy="true">{escape(SYMBOLS[name])}</mo>'
            self.refuse(f"the delimiter {tok}")
        return f'<mo stretchy="true">{escape(tok)}</mo>'

    def atom(self):
        tok = self.take()
        if tok == "{":
            self.i -= 1
            return self.group()
        if tok == "}":
            self.refuse("an unmatched }")
        if tok[0].isdigit():
            return f"<mn>{tok}</mn>"
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok == "'":
            return "<mo>′</mo>"
        if tok == "-":
            return "<mo>−</mo>"
        if tok in OPERATORS or not (tok.isalnum() or tok.isalpha()):
            return f"<mo>{escape(tok)}</mo>"
        return f"<mi>{escape(tok)}</mi>"

    def command(self, name):
        if name in SPACES:
            return f'<mspace width="{SPACES[name]}"></mspace>'
        if name in GREEK:
            return f"<mi>{GREEK[name]}</mi>"
        if name in SYMBOLS:
            return f"<mo>{escape(SYMBOLS[name])}</mo>"
        if name in FUNCTION_NAMES:
            return f"<mi>{name}</mi><mo>&#x2061;</mo>"
        if name == "frac":
            return f"<mfrac>{self.group()}{self.group()}</mfrac>"
        if name == "sqrt":
            return f"<msqrt>{self.group()}</msqrt>"
        if name in ("hat", "widehat", "bar", "tilde"):
            accent = {"hat": "^", "widehat": "^", "bar": "¯", "tilde": "~"}[name]
            return f'<mover accent="true">{self.group()}<mo>{accent}</mo></mover>'
        if name in VARIANTS:
            text = self.raw_group().replace("\\_", "_")
            if name == "mathrm":
                return f'<mi mathvariant="normal">{escape(text)}</mi>'
            return f"<mi>{escape(''.join(_styled(c, name) for c in text))}</mi>"
        if name == "operatorname":
            return f"<mi>{escape(self.raw_group().replace(chr(92) + '_', '_'))}</mi><mo>&#x2061;</mo>"
        if name in ("text", "textrm", "mbox"):
            text = re.sub(r"\\([_%&#${} ])", r"\1", self.raw_group())
            return f"<mtext>{escape(text)}</mtext>"
        if name == "left":
            opening = self.delimiter()
            inner = self.row(stop="\\right")
            if self.take() != "\\right":
                self.refuse("\\left without \\right")
            return f"<mrow>{opening}<mrow>{inner}</mrow>{self.delimiter()}</mrow>"
        if name == "right":
            self.refuse("\\right without \\left")
        self.refuse(f"the command \\{name}")


def latex_to_mathml(tex: str, display: bool = False) -> str:
    """``tex`` (math-mode LaTeX, without $…$) as one ``<math>`` element; refuses commands outside gradlab's subset."""
    inner = _Parser(str(tex)).row()
    d = ' display="block"' if display else ""
    return f'<math{d}><mrow>{inner}</mrow></math>'  # HTML5 puts <math> in MathML's namespace by itself


def _split_top(text, sep):
    """Split ``text`` at ``sep`` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if depth == 0 and text.startswith(sep, i) and sep.startswith("\\"):
            parts.append(text[start:i])
            start = i = i + len(sep)
            continue
        if c == "\\" and i + 1 < len(text):
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i += len(sep)
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _mixed(text):
    """A paragraph of LaTeX text with $…$ math: escaped text and inline <math>."""
    out = []
    for k, piece in enumerate(re.split(r"(?<!\\)\$", text)):
        if k % 2:
            out.append(latex_to_mathml(piece))
        else:
            out.append(escape(re.sub(r"\\([_%&#$])", r"\1", piece).replace("\\ldots{}", "…")))
    return "".join(out)


def derivation_html(latex: str) -> str:
    """A derivation's LaTeX (an ``align*`` of ``lhs &= rhs && rule`` rows, then a paragraph) as HTML with MathML.

    Returns a ``<div class="derivation">`` holding a table (one row per line: left side, "= right side",
    the rule) and the paragraph after the environment with its inline math.
    """
    m = re.search(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", latex, flags=re.S)
    if m is None:
        raise ParameterError("derivation_html: expected the \\begin{align*} … \\end{align*} that Derivation.to_latex() "
                             f"writes; got {latex[:60]!r}")
    rows = []
    for line in _split_top(m.group(1).strip(), "\\\\"):
        cells = _split_top(line.strip(), "&")
        lhs = cells[0].strip()
        rhs = cells[1].strip() if len(cells) > 1 else ""
        rule = "&".join(cells[2:]).strip().lstrip("&").strip() if len(cells) > 2 else ""
        left = latex_to_mathml(lhs) if lhs else ""
        right = latex_to_mathml(rhs) if rhs else ""
        why = latex_to_mathml(rule) if rule else ""
        rows.append(f'<tr><td class="lhs">{left}</td><td class="rhs">{right}</td><td class="rule">{why}</td></tr>')
    after = latex[m.end():].strip()
    para = f"<p>{_mixed(after)}</p>" if after else ""
    return ('<div class="derivation"><table class="derivation">' + "".join(rows) + f"</table>{para}</div>")
