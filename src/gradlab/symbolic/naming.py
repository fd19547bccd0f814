"""Short names for common sub-expressions: z = Xw + 𝟏b, ŷ = relu(z), H = Diag(𝓗(z)).

The activations of an expression (the element-wise functions marked ``activation``
in :mod:`.functions` — relu, σ, tanh, softplus — and softmax, applied to
something that is not a plain symbol) are numbered from the input outwards:
their arguments are the pre-activations z (z₁, z₂, ...), their values a₁,
a₂, ... and the outermost one ŷ; the diagonal matrices of their derivatives
are the row's ``diag_name``: H (ReLU's Heaviside step) or D. A name is shown only where it occurs.
"""

from __future__ import annotations

from . import expr as E
from .functions import FUNCTIONS, fprime
from .simplify import simplify

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _is_activation(e):
    return (e.op == "fn" and FUNCTIONS[e.attrs[0]].activation) or e.op == "softmax"


def _name(base, latex_base, i, count):
    if count == 1:
        return base, latex_base
    return f"{base}{str(i).translate(SUB)}", f"{latex_base}_{{{i}}}"


def _hidden(e):
    """Activations used as an operand of a matrix product (they feed another layer)."""
    out = set()
    for n in e.walk():
        if n.op == "matmul":
            out.update(a for a in n.args if _is_activation(a))
    return out


def _output(e, hidden, args):
    """The network output when every activation is hidden: the outermost W a + b not fed to an activation."""
    best = None
    for n in e.walk():
        if n.op == "add" and n not in args and any(
                t.op == "matmul" and t.args[1] in hidden for t in n.args):
            best = n
    return best


def choose_names(e):
    """{sub-expression: (text name, LaTeX name)} for the activations of ``e``.

    One activation that is not fed to another layer: z, ŷ (and H or D). Layers:
    z₁, a₁, z₂, ..., the last activation or linear output ŷ.
    """
    taken = e.symbols()
    acts = []
    for n in e.walk():
        if _is_activation(n) and n.args[0].op not in ("sym", "T") and n not in acts:
            acts.append(n)
    hidden = _hidden(e)
    args = {a.args[0] for a in acts}
    out = _output(e, hidden, args) if acts and all(a in hidden for a in acts) else None
    k = len(acts)
    numbered = k > 1 or out is not None
    names = {}

    def put(node, nm):
        if node not in names and nm[0] not in taken:
            names[node] = nm

    for i, act in enumerate(acts, start=1):
        z = act.args[0]
        put(z, _name("z", "z", i, 2 if numbered else 1))
        if act in hidden or i < k:
            put(act, _name("a", "a", i, 2))
        else:
            put(act, ("ŷ", r"\hat{y}"))
        if act.op == "fn" and z.shape[1] == 1 and not z.is_scalar:
            f1 = fprime(act.attrs[0], z, act.attrs[1:])
            letter = FUNCTIONS[act.attrs[0]].diag_name
            nm = _name(letter, letter, i, 2 if numbered else 1)
            if nm[0] not in taken and f1 is not None:
                names[simplify(E.diag(f1))] = nm
    if out is not None:
        put(out, ("ŷ", r"\hat{y}"))
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
