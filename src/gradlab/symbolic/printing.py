"""Printing expressions as Unicode text and LaTeX.

One printer walks the tree; a *style* (text or LaTeX) says how each piece is
spelled. Precedence decides parentheses: sums (1) < ⊙ and : (2) < products
and scalar factors (3) < postfix ᵀ, ⁻¹, powers (4) < atoms (5).
``names`` maps sub-expressions to short names (ŷ for relu(z)); a named
sub-expression is printed as its name.
"""

from __future__ import annotations

from fractions import Fraction

from .budget import spend
from .expr import Expr

SUP = str.maketrans("0123456789-/", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᐟ")

FN_TEXT = {"sigmoid": "σ", "heaviside": "𝓗", "relu": "relu", "exp": "exp", "log": "log", "sin": "sin",
           "cos": "cos", "tanh": "tanh", "sign": "sign", "softplus": "softplus", "abs": "abs"}
FN_LATEX = {"sigmoid": r"\sigma", "heaviside": r"\mathcal{H}", "relu": r"\operatorname{relu}", "exp": r"\exp",
            "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tanh": r"\tanh", "sign": r"\operatorname{sign}",
            "softplus": r"\operatorname{softplus}", "abs": r"\operatorname{abs}"}

ADD, HAD, PROD, POST, ATOM = 1, 2, 3, 4, 5


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
        return FN_TEXT.get(name, name)

    def transpose(self, s):
        return s + "ᵀ"

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
        return FN_LATEX.get(name, rf"\operatorname{{{name}}}")

    def transpose(self, s):
        return s + r"^{\top}"

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


def _scalar_factors(e):
    """Split nested ``scale`` nodes: (coefficient, [(atom, exponent)], core or None)."""
    coef, atoms, core = Fraction(1), [], None
    stack = [e]
    while stack:
        x = stack.pop(0)
        if x.op == "scale":
            stack = [x.args[0], x.args[1]] + stack
        elif x.op == "num":
            coef *= x.attrs[0]
        elif x.is_scalar and x.op == "pow" and x.args[0].is_scalar:
            atoms.append((x.args[0], x.attrs[0]))
        elif x.is_scalar and (core is not None or len(stack) > 0):
            atoms.append((x, Fraction(1)))
        else:
            if core is not None:
                atoms.append((core, Fraction(1)))
            core = x
    spend(1 + len(atoms) // 4)
    return coef, atoms, core


class Printer:
    def __init__(self, style, names=None):
        self.st = style
        self.names = names or {}
        self.count = 0

    def __call__(self, e):
        self.count = 0
        out = self.p(e)[0]
        spend(1 + self.count // 16)
        return out

    def wrap(self, e, level):
        s, prec = self.p(e)
        return self.st.group(s) if prec < level else s

    def p(self, e):  # noqa: C901 - one case per op, read top to bottom
        st = self.st
        self.count += 1
        if e in self.names:
            return self.names[e][1 if st.latex else 0], ATOM
        op = e.op
        if op in ("sym", "dim"):
            return st.sym(e.attrs[0]), ATOM
        if op == "num":
            f = e.attrs[0]
            return st.number(f), (ATOM if f >= 0 and f.denominator == 1 else PROD if f >= 0 else ADD)
        if op == "ones":
            return st.ones, ATOM
        if op == "eye":
            return st.eye, ATOM
        if op == "zero":
            return st.zero, ATOM
        if op == "bcast":
            s_, prec = self.p(e.args[0])
            ones = st.ones if e.shape[1] == 1 else st.join_product([st.ones, st.transpose(st.ones)])
            if e.args[0].op == "num" and e.args[0].attrs[0] == 1:
                return ones, ATOM
            return st.join_product([self.wrap(e.args[0], PROD), ones]), PROD
        if op == "add":
            return self.sum(e), ADD
        if op == "scale":
            return self.scaled(e)
        if op == "matmul":
            chain = _chain(e)
            parts = [self.wrap(f, PROD + 1 if i else PROD) for i, f in enumerate(chain)]
            for i, f in enumerate(chain):
                if f.op == "diff" and f not in self.names:
                    if i + 1 < len(chain):
                        parts[i] += st.space
                    if i > 0:
                        parts[i] = st.space + parts[i]
            return st.join_product(parts), PROD
        if op == "had":
            a, b = e.args
            if b.op == "pow" and b.attrs[0] == -1 and b not in self.names:
                return self.wrap(a, HAD) + st.hdiv + self.wrap(b.args[0], HAD + 1), HAD
            return self.wrap(a, HAD) + st.had + self.wrap(b, HAD + 1), HAD
        if op == "frob" and e.args[0].is_scalar:
            a, b = e.args
            if a.op == "num" and a.attrs[0] == 1:
                return self.p(b)
            return self.scaled(Expr("scale", (a, b), (), b.shape))
        if op == "frob":
            return self.wrap(e.args[0], HAD) + st.frob + self.wrap(e.args[1], HAD + 1), HAD
        if op == "T":
            a = e.args[0]
            if a.op == "inv" and a not in self.names:
                return st.inverse(self.wrap(a.args[0], ATOM), transposed=True), POST
            return st.transpose(self.wrap(a, ATOM)), POST
        if op == "inv":
            return st.inverse(self.wrap(e.args[0], ATOM)), POST
        if op == "pow" and e.is_scalar and e.attrs[0] < 0:
            return self.scaled(e)
        if op == "pow":
            p = e.attrs[0]
            if p == Fraction(1, 2):
                return st.sqrt(self.wrap(e.args[0], ATOM)), POST
            if p == -1:
                return st.number(Fraction(1)) + st.hdiv + self.wrap(e.args[0], HAD + 1), HAD
            return st.power(self.wrap(e.args[0], ATOM), p), POST
        if op == "fn":
            return st.call(st.fn(e.attrs[0]), self(e.args[0])), ATOM
        if op == "norm2":
            return st.norm(self(e.args[0])), ATOM
        if op == "diff":
            a = e.args[0]
            s_, prec = self.p(a)
            if prec < ATOM:
                return st.diff(st.group(s_)), ATOM
            if a.op in ("sym", "dim", "ones") or a in self.names:
                return st.diff(s_), ATOM
            return st.diff(st.space + s_), ATOM
        names = {"sum": "sum", "tr": "tr", "det": "det", "logdet": "log det", "diag": "Diag",
                 "diagvec": "diag", "softmax": "softmax", "logsoftmax": "log_softmax"}
        if st.latex:
            names = {k: (r"\log\det" if k == "logdet" else r"\det" if k == "det" else rf"\operatorname{{{v}}}")
                     for k, v in names.items()}
        return st.call(names[op], self(e.args[0])), ATOM

    def _named_runs(self, terms):
        """Replace a run of terms that forms a named sum (ŷ = W2a₁ + b2) by that sum."""
        for node in self.names:
            if node.op != "add":
                continue
            sub = _terms(node)
            n = len(sub)
            for i in range(len(terms) - n + 1):
                if terms[i:i + n] == sub:
                    return terms[:i] + [node] + terms[i + n:]
        return terms

    def sum(self, e):
        out = ""
        for i, t in enumerate(self._named_runs(_terms(e))):
            negative, mag = _negated(t)
            s = self.wrap(mag, ADD + 1 if mag.op == "frob" else ADD)
            if i == 0:
                out = ("−" if not self.st.latex else "-") + s if negative else s
            else:
                out += (self.st.minus if negative else self.st.plus) + s
        return out

    def scaled(self, e):
        st = self.st
        coef, atoms, core = _scalar_factors(e)
        sign = "-" if st.latex else "−"
        negative = coef < 0
        coef = abs(coef)
        top = [self.wrap(a, POST) if x == 1 else st.power(self.wrap(a, ATOM), x) for a, x in atoms if x > 0]
        bottom = [self.wrap(a, POST) if x == -1 else st.power(self.wrap(a, ATOM), -x) for a, x in atoms if x < 0]
        if coef.numerator != 1 or (not top and core is None):
            top = [int_text(coef.numerator)] + top
        if coef.denominator != 1:
            bottom = [int_text(coef.denominator)] + bottom
        top_s = st.join_product(top) if top else "1"
        if bottom:
            bottom_s = st.join_product(bottom)
            if len(bottom) > 1 and not st.latex:
                bottom_s = st.group(bottom_s)
            prefix = st.fraction(top_s, bottom_s)
        else:
            prefix = top_s if top else ""
        level = PROD
        if core is None:
            s = prefix
            if bottom and not st.latex and prefix.startswith("("):
                s, level = prefix[1:-1], HAD
        else:
            body = self.wrap(core, PROD)
            if core.op == "diff" and prefix:
                body = st.space + body
            s = st.join_product([prefix, body]) if prefix else body
        return (sign + s if negative else s), (ADD if negative else level)


def _chain(e):
    if e.op == "matmul":
        return _chain(e.args[0]) + _chain(e.args[1])
    return [e]


def _terms(e):
    if e.op == "add":
        return _terms(e.args[0]) + _terms(e.args[1])
    return [e]


def _negated(t):
    """(True, −t) when t is printed with a leading minus."""
    from .expr import Expr, num

    if t.op == "num" and t.attrs[0] < 0:
        return True, num(-t.attrs[0])
    if t.op == "frob" and t.args[0].is_scalar:
        return _negated(Expr("scale", t.args, (), t.args[1].shape))
    if t.op == "frob":
        negative, mag = _negated(t.args[0])
        if negative:
            return True, Expr("frob", (mag, t.args[1]), (), t.shape)
    if t.op == "scale":
        coef, atoms, core = _scalar_factors(t)
        if coef < 0:
            if coef == -1 and not atoms and core is not None:
                return True, core
            return True, Expr("scale", (num(-coef), _rebuild(atoms, core)), (), t.shape)
    return False, t


def _rebuild(atoms, core):
    from .expr import Expr, num, power

    out = core
    for a, x in reversed(atoms):
        factor = a if x == 1 else power(a, x)
        out = factor if out is None else Expr("scale", (factor, out), (), out.shape)
    return num(1) if out is None else out


def to_text(e, names=None):
    """Unicode text of an expression."""
    return Printer(TEXT, names)(e)


def to_latex(e, names=None):
    """LaTeX of an expression."""
    return Printer(LATEX, names)(e)
