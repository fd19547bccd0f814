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
from .expr import Expr, num, power
from .styles import LATEX, TEXT, int_text

ADD, HAD, PROD, POST, ATOM = 1, 2, 3, 4, 5


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

    def p(self, e):
        """(printed e, its precedence): a named sub-expression is its name, anything else its op's renderer."""
        self.count += 1
        if e in self.names:
            return self.names[e][1 if self.st.latex else 0], ATOM
        return getattr(self, RENDER[e.op])(e)

    # -- one renderer per op (RENDER below says which); each returns (string, precedence)
    def p_symbol(self, e):
        return self.st.sym(e.attrs[0]), ATOM

    def p_number(self, e):
        f = e.attrs[0]
        return self.st.number(f), (ATOM if f >= 0 and f.denominator == 1 else PROD if f >= 0 else ADD)

    def p_constant(self, e):
        return {"ones": self.st.ones, "eye": self.st.eye, "zero": self.st.zero}[e.op], ATOM

    def p_bcast(self, e):
        st = self.st
        self.p(e.args[0])  # counted like every visit (the work budget)
        ones = st.ones if e.shape[1] == 1 else st.join_product([st.ones, st.transpose(st.ones)])
        if e.args[0].op == "num" and e.args[0].attrs[0] == 1:
            return ones, ATOM
        return st.join_product([self.wrap(e.args[0], PROD), ones]), PROD

    def p_add(self, e):
        return self.sum(e), ADD

    def p_matmul(self, e):
        st = self.st
        chain = _chain(e)
        parts = [self.wrap(f, PROD + 1 if i else PROD) for i, f in enumerate(chain)]
        for i, f in enumerate(chain):
            if _differential_first(f) and f not in self.names:
                if i + 1 < len(chain):
                    parts[i] += st.space
                if i > 0:
                    parts[i] = st.space + parts[i]
        return st.join_product(parts), PROD

    def p_had(self, e):
        a, b = e.args
        if b.op == "pow" and b.attrs[0] == -1 and b not in self.names:
            return self.wrap(a, HAD) + self.st.hdiv + self.wrap(b.args[0], HAD + 1), HAD
        return self.wrap(a, HAD) + self.st.had + self.wrap(b, HAD + 1), HAD

    def p_frob(self, e):
        a, b = e.args
        if not a.is_scalar:
            return self.wrap(a, HAD) + self.st.frob + self.wrap(b, HAD + 1), HAD
        if a.op == "num" and a.attrs[0] == 1:
            return self.p(b)
        return self.scaled(Expr("scale", (a, b), (), b.shape))

    def p_transpose(self, e):
        a = e.args[0]
        if a.op == "inv" and a not in self.names:
            return self.st.inverse(self.wrap(a.args[0], ATOM), transposed=True), POST
        return self.st.transpose(self.wrap(a, ATOM)), POST

    def p_inverse(self, e):
        return self.st.inverse(self.wrap(e.args[0], ATOM)), POST

    def p_power(self, e):
        st, p = self.st, e.attrs[0]
        if e.is_scalar and p < 0:
            return self.scaled(e)
        if p == Fraction(1, 2):
            return st.sqrt(self.wrap(e.args[0], ATOM)), POST
        if p == -1:
            return st.number(Fraction(1)) + st.hdiv + self.wrap(e.args[0], HAD + 1), HAD
        return st.power(self.wrap(e.args[0], ATOM), p), POST

    def p_fn(self, e):
        arg = self(e.args[0])
        for value in e.attrs[1:]:  # a row's parameters, e.g. leaky_relu(z, 0.2)
            arg += ", " + self.st.decimal(value)
        return self.st.call(self.st.fn(e.attrs[0]), arg), ATOM

    def p_axis_call(self, e):
        """softmax(Z, axis=1), max(A), 𝟙ₘₐₓ(A): a function of one matrix, with its axis where it has one."""
        st = self.st
        if e.op in ("rmax", "amask"):
            kind, axis = e.attrs
            name = (st.mask(kind) if e.op == "amask" else st.extremum(kind))
        else:
            axis = e.attrs[0]
            name = (CALL_LATEX if st.latex else CALL_TEXT)[e.op]
            vector = e.args[0].shape[1] == 1 or e.args[0].shape[0] == 1
            if e.op != "logsumexp" and vector:
                axis = None
        arg = self(e.args[0])
        if axis is not None:
            arg += st.axis(axis)
        return st.call(name, arg), ATOM

    def p_pair(self, e):
        """max(A, B) or min(A, B), element-wise."""
        st = self.st
        return st.call(st.extremum(e.attrs[0]), self(e.args[0]) + ", " + self(e.args[1])), ATOM

    def p_kron(self, e):
        return self.wrap(e.args[0], HAD + 1) + self.st.kron + self.wrap(e.args[1], HAD + 1), HAD

    def p_commutation(self, e):
        return self.st.commutation(*e.attrs), ATOM

    def p_norm(self, e):
        return self.st.norm(self(e.args[0])), ATOM

    def p_diff(self, e):
        st, a = self.st, e.args[0]
        s_, prec = self.p(a)
        if prec < ATOM:
            return st.diff(st.group(s_)), ATOM
        if a.op in ("sym", "dim", "ones") or a in self.names:
            return st.diff(s_), ATOM
        return st.diff(st.space + s_), ATOM

    def p_call(self, e):
        names = CALL_LATEX if self.st.latex else CALL_TEXT
        return self.st.call(names[e.op], self(e.args[0])), ATOM

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
        spaced = [a.op == "diff" for a, x in atoms if x > 0]
        top = [(st.space if d and i > 0 else "") + t + (st.space if d and i + 1 < len(top) else "")
               for i, (t, d) in enumerate(zip(top, spaced))]
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
            if _differential_first(core) and prefix:
                body = st.space + body
            elif spaced and spaced[-1] and not prefix.endswith(st.space):
                body = st.space + body
            s = st.join_product([prefix, body]) if prefix else body
        return (sign + s if negative else s), (ADD if negative else level)


RENDER = {"sym": "p_symbol", "dim": "p_symbol", "num": "p_number", "ones": "p_constant", "eye": "p_constant",
          "zero": "p_constant", "bcast": "p_bcast", "add": "p_add", "scale": "scaled", "matmul": "p_matmul",
          "had": "p_had", "frob": "p_frob", "T": "p_transpose", "inv": "p_inverse", "pow": "p_power", "fn": "p_fn",
          "norm2": "p_norm", "diff": "p_diff", "sum": "p_call", "tr": "p_call", "det": "p_call",
          "logdet": "p_call", "diag": "p_call", "diagvec": "p_call", "softmax": "p_axis_call",
          "logsoftmax": "p_axis_call", "logsumexp": "p_axis_call", "rmax": "p_axis_call", "amask": "p_axis_call",
          "emax": "p_pair", "kron": "p_kron", "vec": "p_call", "comm": "p_commutation"}
CALL_TEXT = {"sum": "sum", "tr": "tr", "det": "det", "logdet": "log det", "diag": "Diag", "diagvec": "diag",
             "softmax": "softmax", "logsoftmax": "log_softmax", "logsumexp": "logsumexp", "vec": "vec"}
CALL_LATEX = {k: (r"\log\det" if k == "logdet" else r"\det" if k == "det" else rf"\operatorname{{{v}}}")
              for k, v in CALL_TEXT.items()}


def _differential_first(e):
    """dX, dXᵀ or a product that starts with one: printed with a space before it (2 dW a, X dW)."""
    if e.op == "matmul":
        return _differential_first(_chain(e)[0])
    return e.op == "diff" or (e.op == "T" and e.args[0].op == "diff")


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
