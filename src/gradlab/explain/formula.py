"""Formula trees of the catalog (:mod:`gradlab.ops.catalog`) as notation nodes.

:func:`tree_node` turns a tree such as ``('*', 'a', ('-', 1, 'a'))`` into the
nodes every renderer understands, substituting symbols: with ``{'a': Sym('ŷ')}``
it writes ŷ(1 − ŷ); with ``{'a': Num(0.7739)}`` it writes the worked numbers.
``('val', tree)`` becomes one number, the tree's value under ``values``.
"""

from __future__ import annotations

from ..ops.catalog import _PREC, evaluate
from .notation import Call, Frac, Num, Op, Paren, Row, Sup, Sym, Text

_FN = {"exp": "exp", "ln": "ln", "max": "max", "diag": "diag", "Σ": "Σ"}


def _prec(tree):
    return _PREC.get(tree[0], 9) if isinstance(tree, tuple) else 9


def _numeric(node):
    """True when ``node`` prints as a number (so juxtaposing it with another needs a ×)."""
    if isinstance(node, Num) or (isinstance(node, Text) and node.text.isdigit()):
        return True
    if isinstance(node, (Paren, Sup)):
        return _numeric(node.inner if isinstance(node, Paren) else node.base)
    return False


def tree_node(tree, subst=None, values=None):
    """The notation node of ``tree``.

    Args:
        tree: a catalog formula tree (number, symbol name or (op, *operands)).
        subst: {symbol name: node} replacing symbols (others become :class:`Sym`).
        values: {symbol name: number} to evaluate ``('val', …)`` subtrees.
    """
    subst = subst or {}
    if isinstance(tree, bool):
        return Text(str(tree))
    if isinstance(tree, (int, float)):
        return Num(tree) if isinstance(tree, float) else Text(str(tree))
    if isinstance(tree, str):
        return subst.get(tree, Sym(tree))
    op, *args = tree

    def sub(t, min_prec):
        node = tree_node(t, subst, values)
        if _prec(t) < min_prec or (isinstance(node, Num) and node.value < 0 and min_prec > 1):
            return Paren(node)
        return node

    if op in ("+", "-"):
        return Row(sub(args[0], 1), Op("+" if op == "+" else "−"), sub(args[1], 2))
    if op == "*":
        left, right = sub(args[0], 3), sub(args[1], 4)
        if _numeric(left) and (_numeric(right) or isinstance(left, Num) or isinstance(left, Paren)):
            return Row(left, Op("×"), right)  # numbers side by side need a ×
        return Row(left, right, tight=isinstance(right, Paren))
    if op == "×":
        return Row(sub(args[0], 3), Op("×"), sub(args[1], 4))
    if op == "/":
        return Frac(sub(args[0], 4), sub(args[1], 4))
    if op == "neg":
        return Row(Text("−"), sub(args[0], 3), tight=True)
    if op == "^":
        return Sup(sub(args[0], 5), tree_node(args[1], subst, values))
    if op == "val":
        return Num(float(evaluate(args[0], values or {})))
    if op == "call":
        inner = [tree_node(a, subst, values) for a in args[1:]]
        arg = inner[0] if len(inner) == 1 else Row(*sum(([a, Text(",")] for a in inner), [])[:-1])
        return Call(Text(_FN.get(args[0], args[0])), arg)
    if op in (">", "≥"):
        return Row(tree_node(args[0], subst, values), Op(op), tree_node(args[1], subst, values))
    if op == "if":
        return Row(tree_node(args[0], subst, values), Text("if"), tree_node(args[1], subst, values), Text("else"),
                   tree_node(args[2], subst, values))
    raise ValueError(f"formula tree: unknown operator {op!r}")
