"""Grading a student's gradient formula: :func:`check` compares it with the derivation and names the mistake.

``check(expr, wrt, answer, shapes=...)`` derives ∂expr/∂wrt (:func:`~.derive.derive`), parses the answer with
the same whitelisted parser (:func:`~.parse.parse`, never ``eval``) and decides on random draws of distinct,
non-square sizes (:mod:`.compare`) which verdict it gets: ``equivalent`` (equal to the gradient in the
requested layout on every draw), ``transposed`` (its transpose: right in the other layout, ``.layout``),
``scaled`` (c × the gradient, c ≠ ±1 a number or a small fraction times powers of the dimension sizes:
c = m/2 reads "missing the factor 2/m"; c × the transposed gradient is ``scaled`` too, with ``.transposed``
and ``.layout`` set), ``sign`` (−1 × the gradient, or its transpose), ``shape`` (neither the gradient's shape
nor its transpose, or a shape error inside the answer, whose message is in ``.error``) or ``different``
(``.witness``: small values where the two differ).

The answer may use the symbols (those of the expression and of ``shapes``), the dimensions as numbers
(``/ m``) and the names the derivation gives intermediate quantities — ``z`` (``z1``, ``z_1`` for layers),
``yhat``/``y_hat``/``ŷ``, ``a1``, ``H`` (``H1``), ``D`` — which are replaced by their definitions before
anything is evaluated; subscript digits as the deriver prints them (``z₁``) read as plain digits.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import DerivationError, InputTypeError, ParameterError, ParseError, ShapeError
from . import shapes as S
from .budget import derivation_budget
from .codegen import _symbols
from .compare import OWNER, Comparison, array_text, factor_note, factor_text, num_text, sizes_text
from .derive import derive
from .expr import Expr
from .naming import choose_names, used_definitions
from .parse import DIM_FUNCTIONS, MAX_DEPTH, MAX_LENGTH, _paren_depth, caret, functions, norm_shapes, parse
from .printing import to_text
from .simplify import simplify

VERDICTS = ("equivalent", "transposed", "scaled", "sign", "shape", "different")
TRIALS = 4  # random draws by default (at least MIN_TRIALS)
MIN_TRIALS = 3
SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_PLAIN = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.expr_context,
          ast.operator, ast.unaryop)  # the syntax parse() accepts


@dataclass(frozen=True, eq=False)
class FormulaCheck:
    """What :func:`check` found about a student's formula; ``str()`` is ``message``, ``to_dict()`` is JSON-ready.

    * ``verdict``: one of :data:`VERDICTS` (``correct``: it is ``'equivalent'``); ``message``: one sentence;
    * ``expected``: the derived formula as text, with the derivation's names (``(2/m)XᵀH(ŷ − y)``), and
      ``definitions`` of those names (``{'H': 'Diag(𝓗(z))', ...}``); ``answer``: the student's formula;
    * ``wrt``, ``symbol`` (``∂L/∂w``), ``expected_layout``; ``layout``: for ``transposed`` (and a transposed
      ``scaled`` or ``sign``, ``transposed`` True) the layout in which the answer would be right;
    * ``expected_shape``, ``answer_shape``: ``'n×1'`` (``answer_shape`` None when the answer does not type-check;
      ``error`` is then the parser's message, with a caret);
    * ``factor`` (``scaled``, ``sign``): c in answer = c × expected as text (``'m/2'``, ``'-1'``, ``'0.37'``);
      ``factor_value``: c as a float when it is one number; ``factor_note``: ``'is missing the factor 2/m'``;
    * ``identical``: the simplified answer is the simplified derivation (the verdict is decided numerically);
    * ``witness`` (``different``): ``{'sizes', 'values': {symbol: array}, 'answer', 'expected', 'entry': (i,
      j)}``, a draw where they differ; ``trials``: the sizes of each random draw.
    """

    verdict: str
    message: str
    expected: str
    answer: str
    wrt: str
    symbol: str
    expected_layout: str
    expected_shape: str
    answer_shape: str | None = None
    layout: str | None = None
    factor: str | None = None
    factor_value: float | None = None
    factor_note: str | None = None
    transposed: bool = False
    identical: bool = False
    witness: dict | None = None
    trials: tuple = ()
    error: str | None = None
    definitions: dict = field(default_factory=dict)

    @property
    def correct(self) -> bool:
        return self.verdict == "equivalent"

    def __str__(self):
        return self.message

    def __eq__(self, other):
        return isinstance(other, FormulaCheck) and self.to_dict() == other.to_dict()

    __hash__ = None

    def to_dict(self) -> dict:
        """Every field as JSON-ready values (arrays of the witness as nested lists)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["correct"] = self.correct
        out["trials"] = [dict(t) for t in self.trials]
        out["definitions"] = dict(self.definitions)
        if self.witness is not None:
            w = self.witness
            out["witness"] = {"sizes": dict(w["sizes"]), "values": {k: v.tolist() for k, v in w["values"].items()},
                              "answer": w["answer"].tolist(), "expected": w["expected"].tolist(),
                              "entry": list(w["entry"])}
        return out


# ------------------------------------------------------------------ entry
def check(expr, wrt, answer, shapes=None, layout=None, trials=TRIALS, seed=0, sums_to_one=()):
    """Grade ``answer``, a student's formula for ∂expr/∂wrt; returns a :class:`FormulaCheck`.

    ``expr``: the loss, an :class:`Expr` or a string in the deriver's syntax (``'norm2(relu(X @ w +
    ones(m)*b) - y)**2/m'``): a scalar (1×1) for a gradient, or a column vector (k×1) for a Jacobian.
    ``wrt``: the variable, a symbol or its name; its shape (rows, cols), e.g. w: n×1, fixes the gradient's
    shape — n×1 in ``layout='denominator'`` (the default for gradients), 1×n in ``'numerator'`` (the default
    for Jacobians, which are k×n).
    ``answer``: the student's formula, a string in the same syntax (``'2/m * X.T @ H @ (yhat - y)'``) or an
    :class:`Expr`; it should have the gradient's shape.
    ``shapes``: ``{symbol: shape}`` as for :func:`~.parse.parse` (``{'X': 'm,n', 'w': 'n,1', 'b': 1,
    'y': 'm,1'}``); needed when ``expr`` is a string, optional otherwise (it may then declare further symbols
    the answer uses, with the expression's shapes).
    ``trials``: random draws (an int >= 3), each with fresh distinct sizes (2 to 9 + the number of
    dimensions, each different from its earlier sizes) for the named dimensions and
    fresh data, from ``seed`` (an int >= 0): the same arguments give the same result.
    ``sums_to_one``: vectors whose entries sum to one (as for :func:`~.derive.derive`).

    Raises ParseError (the answer or the expression does not parse, with a caret), ParameterError (the answer
    uses a name that is neither a symbol, a dimension nor one of the derivation's names — the message lists
    what may be used — or a bad argument) and DerivationError (the expression cannot be differentiated into a
    matrix). A shape error inside the answer is not raised: it is the verdict ``'shape'``.
    """
    trials, seed = _check_args(trials, seed, layout)
    expr, shp = _expression(expr, shapes)
    d = _derivation(expr, wrt, layout, sums_to_one)
    name = d.wrt.attrs[0]
    defs = _definitions(expr, d)
    allowed = _allowed_names(expr, d, shp, defs)
    answer_text, ans = _answer(answer, shp, allowed, defs, d)
    base = dict(expected=d.result_text(), answer=answer_text, wrt=name, symbol=d.symbol, expected_layout=d.layout,
                expected_shape=S.fmt(d.result.shape), definitions=_definition_texts(d))
    if isinstance(ans, str):  # the answer does not type-check: ans is the parser's message
        first = ans.splitlines()[0].removeprefix("parse: ")
        msg = f"Your answer does not type-check: {first}; {d.symbol} is {base['expected_shape']}."
        return FormulaCheck("shape", msg, error=ans, **base)
    ans = _substitute(ans, defs)
    base["answer_shape"] = S.fmt(ans.shape)
    g = d.result
    orientations = [flip for flip, shape in ((False, g.shape), (True, S.transpose(g.shape))) if ans.shape == shape]
    orientations = orientations[:1] if ans.is_scalar else orientations  # a 1×1 transposed is itself
    if not orientations:
        what = f"the shape of {name}" if (d.kind, d.layout) == ("gradient", "denominator") else f"{d.layout} layout"
        msg = (f"Your answer is {S.fmt(ans.shape)} but {d.symbol} is {S.fmt(g.shape)} ({what}), so it cannot be "
               f"right; {d.symbol} = {base['expected']}.")
        return FormulaCheck("shape", msg, **base)
    return _grade(expr, d, ans, orientations, trials, seed, base)


# ------------------------------------------------------------- arguments
def _check_args(trials, seed, layout):
    if isinstance(trials, bool) or not isinstance(trials, int) or not MIN_TRIALS <= trials <= 50:
        raise ParameterError(f"{OWNER}: trials must be an int >= {MIN_TRIALS} and <= 50 (random draws), got {trials!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"{OWNER}: seed must be an int >= 0, got {seed!r}")
    if layout not in (None, "denominator", "numerator"):
        raise ParameterError(f"{OWNER}: layout must be 'denominator' or 'numerator' (or None for the default), "
                             f"got {layout!r}")
    return trials, seed


def _expression(expr, shapes):
    """(expression, {symbol: shape} the answer may use)."""
    try:
        shp = norm_shapes(shapes)
    except ShapeError as exc:
        raise ShapeError(f"{OWNER}: {exc}") from None
    if isinstance(expr, str):
        if not shp:
            raise ParameterError(f"{OWNER}: the expression {expr!r} is a string, so shapes must give the shape of "
                                 "each symbol, e.g. shapes={'X': 'm,n', 'w': 'n,1'}")
        try:
            expr = parse(expr, shp)
        except (ParseError, ShapeError) as exc:
            raise type(exc)(f"{OWNER}: the expression: {exc}") from None
    elif not isinstance(expr, Expr):
        raise InputTypeError(f"{OWNER}: expr must be an expression or a string, got {type(expr).__name__}")
    own = _symbols(expr)
    for n, s in own.items():
        if n in shp and shp[n] != s:
            raise ParameterError(f"{OWNER}: shapes says {n} is {S.fmt(shp[n])} but it is {S.fmt(s)} in the "
                                 "expression")
    return expr, {**shp, **own}


def _derivation(expr, wrt, layout, sums_to_one):
    if isinstance(wrt, (list, tuple)):
        raise ParameterError(f"{OWNER}: wrt must be one symbol or its name (check one gradient at a time), "
                             f"got {wrt!r}")
    try:
        d = derive(expr, wrt, layout=layout, sums_to_one=sums_to_one)
    except DerivationError as exc:
        raise DerivationError(f"{OWNER}: cannot derive the gradient to compare with: {exc}") from None
    if d.kind not in ("gradient", "jacobian"):
        raise DerivationError(f"{OWNER}: checks a gradient or the Jacobian of a vector; ∂/∂{d.wrt.attrs[0]} of "
                              f"{to_text(d.expr)} ({S.fmt(d.expr.shape)}) is a {d.kind.replace('_', ' ')} "
                              f"({d.symbol} = {d.result_text()}), a tensor of higher order than a matrix has "
                              "entries for; check sum(F), tr(F) or a loss of F instead")
    return d


# ----------------------------------------------------------------- names
def _printed_names(expr, d):
    """{definition Expr: (text, LaTeX)}: the names the derivation may use (even where it printed none)."""
    names = dict(choose_names(simplify(expr)))
    names.update(d.names)
    return names


def _definitions(expr, d):
    """{identifier: definition Expr} for the names of the derivation, with their ASCII spellings."""
    names = _printed_names(expr, d)
    taken = set(_symbols(expr))
    out = {}
    for node, (text, _) in names.items():
        plain = text.translate(SUBSCRIPTS)
        spellings = [plain]
        if plain != text and plain[-1].isdigit():
            stem = plain.rstrip("0123456789")
            spellings.append(f"{stem}_{plain[len(stem):]}")
        if text == "ŷ":
            spellings += ["yhat", "y_hat"]
        for s in spellings:
            if s.isidentifier() and s not in taken and s not in out:
                out[s] = node
    return out


def _definition_texts(d):
    """{name: definition text} for the names in the result (each written with the other names)."""
    out = {}
    for text, _, node in used_definitions([d.result], d.names):
        others = {k: v for k, v in d.names.items() if k != node}
        out[text] = to_text(node, others)
    return out


def _allowed_names(expr, d, shp, defs):
    dims = sorted({x for s in shp.values() for x in s if isinstance(x, str)})
    return {"symbols": sorted(shp), "dims": dims, "names": defs, "printed": _printed_names(expr, d)}


def _name_list(allowed):
    parts = [f"the symbols {', '.join(allowed['symbols'])}"]
    if allowed["dims"]:
        parts.append(f"the dimensions {', '.join(allowed['dims'])} (as numbers)")
    if allowed["names"]:
        by_node = {}
        for s, node in allowed["names"].items():
            by_node.setdefault(node, []).append(s)
        names = allowed["printed"]
        shown = [f"{'/'.join(v)} = {to_text(k, {n: t for n, t in names.items() if n != k})}"
                 for k, v in by_node.items()]
        parts.append("the derivation's names " + "; ".join(shown))
    else:
        parts.append("no named quantities (this derivation defines none)")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# ---------------------------------------------------------------- answer
def _answer(answer, shp, allowed, defs, d):
    """(answer text, Expr, or the parser's message when the answer itself has a shape error)."""
    if isinstance(answer, Expr):
        unknown = sorted(n for n in _symbols(answer) if n not in shp and n not in defs)
        wrong = [f"{n} is {S.fmt(s)}, not {S.fmt(defs[n].shape)}" for n, s in _symbols(answer).items()
                 if n in defs and n not in shp and s != defs[n].shape]
        if wrong:
            raise ParameterError(f"{OWNER}: in your answer {'; '.join(wrong)} as the derivation defines it")
        if unknown:
            raise ParameterError(f"{OWNER}: your answer uses {', '.join(unknown)}, which is not defined; you may "
                                 f"use {_name_list(allowed)}")
        return to_text(answer), answer
    if not isinstance(answer, str):
        raise InputTypeError(f"{OWNER}: the answer must be a formula (a string like '2 * X.T @ (X @ w - y)') or an "
                             f"expression, got {type(answer).__name__}")
    text = answer.strip()
    src = text.translate(SUBSCRIPTS)
    known = dict(shp)
    for s, node in defs.items():
        known.setdefault(s, node.shape)
    if len(src) <= MAX_LENGTH and _paren_depth(src)[0] <= MAX_DEPTH:  # else parse() refuses it
        _refuse_unknown_names(src, known, allowed)
    try:
        return text, parse(src, known)
    except ShapeError as exc:
        return text, str(exc)
    except ParseError as exc:
        raise ParseError(f"{OWNER}: your answer: {exc}") from None


def _refuse_unknown_names(src, known, allowed):
    """ParameterError naming an unknown name (with a caret) and what may be used; syntax is left to the parser."""
    try:
        tree = ast.parse(src, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return  # parse() reports it, with a caret
    if not all(isinstance(n, _PLAIN) for n in ast.walk(tree)):
        return  # a construct parse() refuses (a comprehension, a lambda, ...): its message comes first
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    dims = set(allowed["dims"])
    fns = set(functions()) | set(DIM_FUNCTIONS)
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and id(n) not in calls and n.id not in known and n.id not in dims \
                and n.id not in fns:
            col = len(src.encode("utf-8")[:n.col_offset].decode("utf-8", "ignore"))  # ast counts bytes
            raise ParameterError(caret(src, col, f"{OWNER}: unknown name {n.id!r} in your answer; you may use "
                                                f"{_name_list(allowed)}"))


def _substitute(e, defs, memo=None):
    """Replace the derivation's names (symbols named z, yhat, H, ...) by their definitions."""
    memo = {} if memo is None else memo
    if e not in memo:
        if e.op == "sym" and e.attrs[0] in defs:
            memo[e] = defs[e.attrs[0]]
        else:
            args = tuple(_substitute(a, defs, memo) for a in e.args)
            memo[e] = e if args == e.args else Expr(e.op, args, e.attrs, e.shape)
    return memo[e]


def _identical(ans, g):
    """True when the simplified answer and the simplified gradient are the same expression (budgeted)."""
    try:
        with derivation_budget("simplifying the answer", 20_000):
            return simplify(ans) == simplify(g)
    except (DerivationError, RecursionError):
        return False


def _grade(expr, d, ans, orientations, trials, seed, base):
    """The verdict on an answer with the gradient's shape (orientation False) or its transpose (True)."""
    identical = _identical(ans, d.result) if False in orientations else False
    cmp = Comparison(expr, d.result, ans, trials, seed, d.sums_to_one).run(f"the gradient {base['expected']}")
    base = dict(base, identical=identical, trials=tuple(s for s, *_ in cmp.draws))
    sym, other = d.symbol, ("numerator" if d.layout == "denominator" else "denominator")
    results = {flip: cmp.factors(flip) for flip in orientations}
    if results.get(False) == "equal":
        how = "it is the same expression after simplification, and agrees" if identical else "it agrees"
        msg = (f"Correct: your answer equals {sym} = {base['expected']} ({d.layout} layout, {base['expected_shape']});"
               f" {how} on {len(cmp.draws)} random draws of distinct sizes "
               f"({'; '.join(sizes_text(s) for s in base['trials'])}).")
        return FormulaCheck("equivalent", msg, **base)
    if results.get(True) == "equal":
        if base["answer_shape"] == base["expected_shape"]:  # square: only the entries show it
            how = f"its entries are those of {sym} transposed ({d.layout} layout, {base['expected_shape']})"
        else:
            how = f"it is {base['answer_shape']} but in {d.layout} layout {sym} is {base['expected_shape']}"
        msg = f"Your answer is the transpose of {sym} = {base['expected']}: {how}; it would be right in {other} layout."
        return FormulaCheck("transposed", msg, layout=other, transposed=True, **base)
    for flip in orientations:
        fit = cmp.fit(results[flip]) if isinstance(results[flip], list) else None
        if fit is not None:
            return _scaled(d, fit, flip, base, other)
    return _different(d, cmp.witness(orientations[0]), base)


def _scaled(d, fit, flip, base, other):
    r, value, powers = fit
    sym = d.symbol
    square = "" if base["answer_shape"] == base["expected_shape"] else \
        f" (it is {base['answer_shape']}, {sym} is {base['expected_shape']})"
    tail = f"; it is also transposed{square}, so up to that factor it would be right in {other} layout" if flip else ""
    what, layout = (f"({sym})ᵀ", other) if flip else (sym, None)
    if not powers and value is not None and abs(value + 1) <= 1e-8:
        msg = f"Your answer has the wrong sign: it is −{what}, where {sym} = {base['expected']}{tail}."
        return FormulaCheck("sign", msg, factor="-1", factor_value=-1.0, factor_note="has the opposite sign",
                            transposed=flip, layout=layout, **base)
    text, note = factor_text(r, value, powers), factor_note(r, value, powers)
    shown = f"({text})" if "/" in text or text.startswith("-") else text
    msg = f"Your answer is {shown} × {what}, where {sym} = {base['expected']}: it {note}{tail}."
    return FormulaCheck("scaled", msg, factor=text, factor_value=value, factor_note=note, transposed=flip,
                        layout=layout, **base)


def _different(d, w, base):
    defs = base["definitions"]
    where = f" (where {', '.join(f'{k} = {v}' for k, v in defs.items())})" if defs else ""
    head = f"Your answer is not {d.symbol} = {base['expected']}{where}"
    if w is None:  # pragma: no cover - a draw that differs is always found
        return FormulaCheck("different", head + ".", **base)
    (i, j), got, want = w["entry"], w["answer"], w["expected"]
    entry = f"entry ({i}, {j}) of your answer" if got.size > 1 else "your answer"
    value = num_text(got[i, j]) if np.isfinite(got[i, j]) else f"not finite ({got[i, j]})"
    values = ", ".join(f"{k} = {array_text(v)}" for k, v in w["values"].items())
    msg = f"{head}: at {sizes_text(w['sizes'])} with {values}, {entry} is {value} but should be {num_text(want[i, j])}."
    return FormulaCheck("different", msg, witness=w, **base)


__all__ = ["check", "FormulaCheck", "VERDICTS"]
