"""How each piece of an expression is spelled: :data:`TEXT` (Unicode) and :data:`LATEX`.

The printer (:mod:`.printing`) decides the structure and the parentheses; a style
spells the symbols, numbers, operators, fractions, calls and postfix marks. An
element-wise function is spelled as its row of :mod:`.functions` says (σ, ``\\sigma``).
"""

from __future__ import annotations

from fractions import Fraction

from .functions import FUNCTIONS

SUP = str.maketrans("0123456789-/", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᐟ")


def int_text(n):
    """Decimal digits of an int; one too long for Python to print (sys.get_int_max_str_digits) as ~10^k."""
    try:
        return str(n)
    except ValueError:
        return f"{'-' if n < 0 else ''}~10^{int(abs(n).bit_length() * 0.30103)}"


def _frac_text(f):
    text = int_text(f.numerator) if f.denominator == 1 else f"{int_text(f.numerator)}/{int_text(f.denominator)}"
    return text.replace("-", "−")


class TextStyle:
    latex = False
    plus, minus, had, hdiv, frob = " + ", " − ", " ⊙ ", " ⊘ ", " : "
    ones, eye, zero = "𝟏", "I", "0"
    space = " "

    def sym(self, name):
        return name

    def number(self, f):
        return _frac_text(f)

    def fraction(self, top, bottom):
        return f"({top}/{bottom})"

    def group(self, s):
        return f"({s})"

    def call(self, name, arg):
        return f"{name}({arg})"

    def fn(self, name):
        row = FUNCTIONS.get(name)
        return row.text if row is not None else name

    def transpose(self, s):
        return s + "ᵀ"

    kron = " ⊗ "

    def decimal(self, f):
        """A parameter as people write it: 0.01 rather than 1/100 where the decimal is exact and short."""
        value = float(f)
        if Fraction(repr(value)) == f and len(repr(value)) <= 12:
            return repr(value).replace("-", "−") if not self.latex else repr(value)
        return self.number(f)

    def axis(self, axis):
        return f", axis={axis}"

    def extremum(self, kind):
        return kind

    def mask(self, kind):
        return "𝟙ₘₐₓ" if kind == "max" else "𝟙ₘᵢₙ"

    def commutation(self, rows, cols):
        return f"K({rows},{cols})"

    def inverse(self, s, transposed=False):
        return s + ("⁻ᵀ" if transposed else "⁻¹")

    def power(self, s, p):
        if p.denominator == 1 and p > 0:
            return s + int_text(p.numerator).translate(SUP)
        return f"{s}^({_frac_text(p)})"

    def sqrt(self, s):
        return f"√{s}"

    def norm(self, s):
        return f"‖{s}‖"

    def diff(self, s):
        return "d" + s

    def join_product(self, parts):
        out = ""
        for p in parts:
            if out and _starts_with_call(p):
                out += " "
            out += p
        return out


class LatexStyle(TextStyle):
    latex = True
    plus, minus, had, hdiv, frob = " + ", " - ", r" \odot ", r" \oslash ", " : "
    ones, eye, zero = r"\mathbf{1}", "I", "0"
    space = r"\,"

    def sym(self, name):
        base = name.rstrip("0123456789")
        digits = name[len(base):]
        if len(base) > 1 and base not in ("alpha", "beta", "gamma", "lambda", "theta", "sigma", "mu"):
            base = r"\mathrm{" + base.replace("_", r"\_") + "}"
        elif len(base) > 1:
            base = "\\" + base
        return base + (f"_{{{digits}}}" if digits else "")

    def number(self, f):
        return int_text(f.numerator) if f.denominator == 1 else \
            rf"\frac{{{int_text(f.numerator)}}}{{{int_text(f.denominator)}}}"

    def fraction(self, top, bottom):
        return rf"\frac{{{top}}}{{{bottom}}}"

    def group(self, s):
        return rf"\left({s}\right)"

    def call(self, name, arg):
        return rf"{name}\left({arg}\right)"

    def fn(self, name):
        row = FUNCTIONS.get(name)
        return row.latex if row is not None else rf"\operatorname{{{name}}}"

    def transpose(self, s):
        return s + r"^{\top}"

    kron = r" \otimes "

    def axis(self, axis):
        return rf", \text{{axis}}={axis}"

    def extremum(self, kind):
        return rf"\{kind}"

    def mask(self, kind):
        return rf"\mathbb{{1}}_{{\{kind}}}"

    def commutation(self, rows, cols):
        return f"K_{{{self.dim(rows)},{self.dim(cols)}}}"

    def dim(self, d):
        return self.sym(d) if isinstance(d, str) else str(d)

    def inverse(self, s, transposed=False):
        return s + (r"^{-\top}" if transposed else "^{-1}")

    def power(self, s, p):
        return f"{s}^{{{_frac_text(p).replace('−', '-')}}}"

    def sqrt(self, s):
        return rf"\sqrt{{{s}}}"

    def norm(self, s):
        return rf"\left\| {s} \right\|"

    def diff(self, s):
        return r"\mathrm{d}" + s

    def join_product(self, parts):
        out = ""
        for p in parts:
            if out and (out[-1].isalnum() or out[-1] == "}") and p[:1].isalpha():
                out += " "
            out += p
        return out


TEXT, LATEX = TextStyle(), LatexStyle()


def _starts_with_call(s):
    i = 0
    while i < len(s) and (s[i].isascii() and s[i].isalpha() or s[i] == "_"):
        i += 1
    return i >= 2 and i < len(s) and s[i] == "("
