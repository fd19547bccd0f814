"""Short names for common sub-expressions: z = Xw + 𝟏b, ŷ = relu(z), H = Diag(𝓗(z)).

The activations of an expression (relu, σ, tanh, softplus, softmax applied to
something that is not a plain symbol) are numbered from the input outwards:
their arguments are the pre-activations z (z₁, z₂, ...), their values a₁,
a₂, ... and the outermost one ŷ; the diagonal matrices of their derivatives
are H (ReLU's Heaviside step) or D. A name is shown only where it occurs.
"""

from __future__ import annotations

from . import expr as X
from .rules import fprime
from .simplify import simplify

ACTIVATIONS = ("relu", "sigmoid", "tanh", "softplus")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _is_activation(e):
    return (e.op == "fn" and e.attrs[0] in ACTIVATIONS) or e.op == "softmax"


def _name(base, latex_base, i, count):
    if count == 1:
        return base, latex_base
    return f"{base}{str(i).translate(SUB)}", f"{latex_base}_{{{i}}}"


def choose_names(e):
    """{sub-expression: (text name, LaTeX name)} for the activations of ``e``."""
    taken = e.symbols()
    acts = []
    for n in e.walk():
        if _is_activation(n) and n.args[0].op not in ("sym", "T") and n not in acts:
            acts.append(n)
    names = {}
    k = len(acts)
    for i, act in enumerate(acts, start=1):
        z = act.args[0]
        zname = _name("z", "z", i, k)
        aname = ("ŷ", r"\hat{y}") if i == k else _name("a", "a", i, k)
        for node, nm in ((z, zname), (act, aname)):
            if node not in names and nm[0] not in taken:
                names[node] = nm
        if act.op == "fn" and z.shape[1] == 1 and not z.is_scalar:
            f1 = fprime(act.attrs[0], z)
            letter = "H" if act.attrs[0] == "relu" else "D"
            nm = _name(letter, letter, i, k)
            if nm[0] not in taken:
                names[simplify(X.diag(f1))] = nm
    return names


def _used(e, names, found):
    if e in names:
        if e not in found:
            found.append(e)
        return
    for a in e.args:
        _used(a, names, found)


def used_definitions(exprs, names):
    """[(text name, LaTeX name, definition)] for names occurring in ``exprs``, dependencies first."""
    found = []
    for e in exprs:
        _used(e, names, found)
    i = 0
    while i < len(found):
        node = found[i]
        for a in node.args:
            _used(a, names, found)
        i += 1
    order = sorted(found, key=lambda n: n.size())
    return [(names[n][0], names[n][1], n) for n in order]
