"""How the graph view writes the convolution and pooling rows: entries added to ``opnotation.NOTATION``.

As the textbook writes them: conv2d(x, W) + b, whose local derivatives are conv_transpose((·), W) (the full
convolution of the upstream gradient with the flipped kernel), x ⋆ (·) (the correlation of the input with
it) and Σ (·) (over the batch and spatial axes); the pooling rows as window maps whose derivatives spread
(·) back over the windows.
"""

from __future__ import annotations

from .notation import Frac, Op, Row, Sym, Text
from .opnotation import DOT, NOTATION, call, plus, transpose

STAR = Op("⋆")
_SUM = Row(Sym("Σ"), DOT)


def _ins(A, n):
    return (list(A.ins) + [None] * n)[:n]


def _conv2d(A):
    x, W, b = _ins(A, 3)
    z = call("conv2d", x, W)
    return (plus(z, b) if b is not None else z), [call("conv_transpose", DOT, W), Row(x, STAR, DOT), _SUM]


def _conv_transpose2d(A):
    x, W, b = _ins(A, 3)
    z = call("conv_transpose", x, W)
    return (plus(z, b) if b is not None else z), [call("conv2d", DOT, W), Row(DOT, STAR, x), _SUM]


def _conv2d_weight(A):
    x, G = _ins(A, 2)
    return Row(x, STAR, G), [call("conv_transpose", G, DOT), call("conv2d", x, DOT)]


def _spread(A):
    """Aₕᵀ ((·)/D) A_w: the upstream gradient spread evenly over each window."""
    return Row(transpose(Sym("A", sub="h")), Frac(DOT, Sym("D")), Sym("A", sub="w"))


NOTATION.update({
    "conv2d": _conv2d,
    "conv_transpose2d": _conv_transpose2d,
    "conv2d_weight": _conv2d_weight,
    "max_pool2d": lambda A: (call("maxpool", A.ins[0]),
                             [Row(Text("scatter-add"), DOT, Text("to each window's first max"))]),
    "avg_pool2d": lambda A: (call("avgpool", A.ins[0]), [_spread(A)]),
    "adaptive_avg_pool2d": lambda A: (call("adaptive_avgpool", A.ins[0]), [_spread(A)]),
})
