"""How the graph view writes the shape rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`.

Each local derivative is a linear map of the upstream gradient ``(·)``: flip it back, reshape it back,
permute it back, sum the copies, scatter-add it into the gathered places.
"""

from __future__ import annotations

import numpy as np

from .notation import Row, Text
from .opnotation import DOT, NOTATION, _index_text, call, plus


def _axes_text(axis, word="axis"):
    if axis is None:
        return Text("all axes")
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return Text(f"{word} {axes[0]}" if len(axes) == 1 else f"axes {axes}")


def _named(name, *args):
    return call(name, *[a for a in args if a is not None])


def _flip(A):
    x, ax = A.ins[0], _axes_text(A.params.get("axis"))
    return _named("flip", x, ax), [_named("flip", DOT, ax)]


def _reshaping(name):
    def row(A):
        x = A.ins[0]
        return _named(name, x, _axes_text(A.params.get("axis", ()))), [call("reshape", DOT, Text(str(A.shape(0))))]
    return row


def _moveaxis(A):
    src, dst = A.params.get("source", ()), A.params.get("destination", ())
    return _named("moveaxis", A.ins[0], Text(str(tuple(src))), Text(str(tuple(dst)))), [
        _named("moveaxis", DOT, Text(str(tuple(dst))), Text(str(tuple(src))))]


def _swapaxes(A):
    a, b = Text(str(A.params.get("axis1", 0))), Text(str(A.params.get("axis2", 1)))
    return _named("swapaxes", A.ins[0], a, b), [_named("swapaxes", DOT, a, b)]


def _sum_copies(text):
    return Row(Text("Σ"), DOT, Text(text))


def _tile(A):
    reps = tuple(A.params.get("reps", ()))
    return _named("tile", A.ins[0], Text(str(reps))), [_sum_copies("over the copies")]


def _triangle(name):
    def row(A):
        k = Text(f"k = {A.params.get('k', 0)}")
        return _named(name, A.ins[0], k), [_named(name, DOT, k)]
    return row


def _index_of(A, key):
    index = A.params.get(key)
    return Text("index" if index is None else f"[{_index_text(np.asarray(index))}]")


def _take_along_axis(A, key="indices", name="take_along_axis"):
    ax, idx = _axes_text(A.params.get("axis", -1)), _index_of(A, key)
    return _named(name, A.ins[0], idx, ax), [Row(Text("scatter-add"), DOT, Text("into the gathered places"))]


def _scatter_add_along(A):
    x, src = A.ins
    ax, idx = _axes_text(A.params.get("axis", 0)), _index_of(A, "index")
    return plus(x, _named("scatter", src, idx, ax)), [Text("1"), _named("gather", DOT, idx, ax)]


def _repeat(A):
    reps, axis = A.params.get("repeats", 1), A.params.get("axis")
    reps = Text(str(reps))
    return _named("repeat", A.ins[0], reps, _axes_text(axis) if axis is not None else None), [
        _sum_copies("over each entry's copies")]


def _pad(A):
    mode = A.params.get("mode", "constant")
    width = Text(str(tuple(A.params.get("pad_width", ()))))
    if mode == "constant":
        local = Row(DOT, Text("without the padding"))
    else:
        local = _sum_copies("over each entry's copies")
    return _named("pad", A.ins[0], width, Text(mode)), [local]


def _sort(A):
    ax = _axes_text(A.params.get("axis", -1))
    order = Text("descending" if A.params.get("descending") else "ascending")
    return _named("sort", A.ins[0], ax, order), [Row(DOT, Text("sent back through the permutation"))]


def _topk(A):
    ax = _axes_text(A.params.get("axis", -1))
    k = Text(f"k = {A.params.get('k', 1)}")
    which = Text("largest" if A.params.get("largest", True) else "smallest")
    return _named("topk", A.ins[0], k, ax, which), [Row(DOT, Text("into the selected places, 0 elsewhere"))]


NOTATION.update({
    "flip": _flip, "squeeze": _reshaping("squeeze"), "expand_dims": _reshaping("expand_dims"),
    "moveaxis": _moveaxis, "swapaxes": _swapaxes, "tile": _tile, "tril": _triangle("tril"),
    "triu": _triangle("triu"), "take_along_axis": _take_along_axis,
    "gather": lambda A: _take_along_axis(A, "index", "gather"), "scatter_add_along": _scatter_add_along,
    "repeat": _repeat, "pad": _pad, "sort": _sort, "topk": _topk,
})
