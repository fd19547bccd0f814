"""How the graph view writes the activations rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`.

Each reads its catalog entry (formula symbol and derivative tree). The rows with parameters other than
LeakyReLU's slope (ELU's α, hardtanh's bounds, GELU's approximation) put this call's values in the tree.
"""

from __future__ import annotations

from ..ops import catalog as C
from .notation import Sym
from .opnotation import NOTATION, _activation, call, number_node, tree_node


def _with_params(kind, symbols):
    """A row written with ``kind``'s symbol and derivative, its parameter symbols given this call's values.

    ``symbols`` maps a tree symbol to (row keyword, default): {'α': ('alpha', 1.0)}.
    """
    def row(A):
        x = A.ins[0]
        subst = {"z": x, "a": A.out, "e": Sym("e")}
        for sym, (kw, default) in symbols.items():
            subst[sym] = number_node(A.params.get(kw, default))
        return call(kind.symbol, x), [tree_node(kind.derivative, subst)]
    return row



_GELU_TANH = _with_params(C.GELU_TANH, {})
_GELU = _activation("gelu")

NOTATION.update({
    "gelu": lambda A: _GELU_TANH(A) if A.params.get("approximate") == "tanh" else _GELU(A),
    "elu": _with_params(C.ELU, {"α": ("alpha", 1.0)}),
    "hardtanh": _with_params(C.HARDTANH, {"lo": ("min_val", -1.0), "hi": ("max_val", 1.0)}),
    **{name: _activation(name) for name in ("selu", "silu", "mish", "relu6", "hardsigmoid", "softsign")},
})
