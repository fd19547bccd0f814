"""How the graph view writes the activations rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`.

Each reads its catalog entry (symbol, derivative tree, and its parameters' symbols given this call's values:
ELU's α, hardtanh's bounds); GELU's tanh form has an entry of its own.
"""

from __future__ import annotations

from ..ops import catalog as C
from .opnotation import NOTATION, _activation


_GELU_TANH = _activation("gelu", entry=C.GELU_TANH)
_GELU = _activation("gelu")

NOTATION.update({
    "gelu": lambda A: _GELU_TANH(A) if A.params.get("approximate") == "tanh" else _GELU(A),
    **{name: _activation(name) for name in ("elu", "hardtanh", "selu", "silu", "mish", "relu6", "hardsigmoid",
                                            "softsign")},
})
