"""Computation graphs of gradlab expressions: operations with shapes and values, edges for data flow.

Drawn by Graphviz's ``dot`` when it is installed (``apt-get install graphviz``)
and by matplotlib otherwise. ``backward()`` frees a graph; it keeps a record
of a small one (at most 64 operations and 1,024 numbers) for drawing, so a
tensor can be drawn after it, with the values and gradients of that pass.
Gradients already in ``.grad`` of the leaves are shown too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..core.constraints import GRAPH_ENGINES, InstanceOf, Satisfies, declare
from ..core.errors import GraphError
from ..core.tensor import Tensor
from ..explainer.notation import Op, Row, Sym
from ..explainer.render.nodes_text import one_line
from . import _mpl
from ..core.graph import toposort
from ..core.files import atomic_path

MAX_SHOWN_VALUES = 4


def _summary(arr) -> str:
    a = np.asarray(arr)
    if a.size == 1:
        return f"{float(a.reshape(())):.4g}"
    if a.size <= MAX_SHOWN_VALUES:
        return "[" + ", ".join(f"{v:.3g}" for v in a.astype(float).ravel()) + "]"
    return f"min {a.min():.3g}, max {a.max():.3g}"


ROOT = InstanceOf(Tensor, text="a gradlab Tensor", show=lambda v: type(v).__name__)
GRAPH_EXPLANATION = Satisfies(lambda g: hasattr(g, "nodes") and hasattr(g, "output"),
                              "a GraphExplanation (gl.explain_graph(...))", invalid=(None, 3, "graph"),
                              show=lambda v: type(v).__name__)


@declare(root=ROOT)
def graph_nodes(root, tensors=None, who="graph"):
    """The graph under ``root`` as plain records, inputs before outputs.

    Args:
        root: a gradlab Tensor made by operations, whose graph is alive or was small enough for
            ``backward()`` to keep a record of it (``core.kept.Kept``: at most 64 operations and 1,024 numbers).
        tensors: optionally a list, filled with each node's Tensor (or constant) in node order.
        who: the public function's name, for the error raised when the graph was freed.

    Returns:
        ``(nodes, edges)``: nodes is a list of dicts with 'id', 'kind'
        ('op', 'leaf' or 'const'), 'title' (the op name or leaf name), 'shape',
        'value' (a short text) and 'grad' (text or None); edges is a list of
        (source id, target id) pairs. A live graph shows the leaves' current
        ``.grad``; a kept one shows every node's value and gradient as that
        ``backward()`` saw them.
    """

    kept = None
    if root.op is not None and root._inputs is None:
        kept = getattr(root, "_kept", None)
        if kept is None:
            raise GraphError(freed_message(who))
    ops = kept.nodes(root) if kept is not None else (toposort(root) if root.op is not None else [])
    nodes, edges, index = [], [], {}
    leaf_count = 0
    tensors = [] if tensors is None else tensors

    def add(t, kind, title):
        index[id(t)] = len(nodes)
        tensors.append(t)
        value, grad, note = getattr(t, "data", t), getattr(t, "grad", None), ""
        if kept is not None and kind == "leaf":
            value, grad, had = kept.leaves[t]
            note = " (.grad, summed over backward passes)" if had and grad is not None else ""
        elif kept is not None and kind == "op":
            value, grad = kept.value(t), kept.entry(t)[0]
        nodes.append({"id": len(nodes), "kind": kind, "title": title, "shape": tuple(np.shape(value)),
                      "value": _summary(value), "grad": None if grad is None else _summary(grad) + note})

    for node in ops:
        inputs = node.inputs if kept is None else kept.entry(node)[1]
        for inp in inputs:
            if id(inp) in index:
                continue
            if isinstance(inp, Tensor) and inp.op is None:
                leaf_count += 1
                add(inp, "leaf", inp.name or (f"x{leaf_count}" if inp.requires_grad else f"c{leaf_count}"))
            elif not isinstance(inp, Tensor):
                add(inp, "const", "constant")
        add(node, "op", node.op.name)
        for inp in inputs:
            edges.append((index[id(inp)], index[id(node)]))
    if not ops:
        add(root, "leaf", root.name or "x")
    return nodes, edges


def freed_message(who):
    """The error text for drawing a tensor whose graph ``backward()`` freed without keeping a record."""
    return (f"{who}: this tensor's graph was freed by backward(), which keeps a drawing record only of graphs of "
            "at most 64 operations and 1,024 numbers whose leaves no optimizer updates (a training step's graph "
            "is freed at no cost). Draw the function instead, draw_graph(f, *inputs) (it runs the forward and "
            "backward passes itself), draw the tensor before calling backward(), or call "
            "backward(retain_graph=True)")


def _label_lines(n, values):
    lines = [n["title"], f"shape {n['shape']}" if n["shape"] else "scalar"]
    if values:
        lines.append(f"= {n['value']}")
        if n["grad"] is not None:
            lines.append(f"grad {n['grad']}")
    return lines


def _dot_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


@declare(root=ROOT)
def to_dot(root, values: bool = True) -> str:
    """Graphviz DOT source of the computation graph under ``root`` (see :func:`graph_nodes`)."""
    return _dot_source(*graph_nodes(root, who="to_dot"), values)


def _dot_source(nodes, edges, values):
    """DOT source of node records and (source id, target id) edges, as :func:`graph_nodes` returns them."""
    out = ["digraph gradlab {", '  rankdir="LR";', '  node [fontname="Helvetica", fontsize=11];',
           '  edge [color="#555555", arrowsize=0.7];']
    for n in nodes:
        label = "\\n".join(_dot_escape(s) for s in _label_lines(n, values))
        if n["kind"] == "op":
            style = 'shape=box, style="rounded,filled", fillcolor="#fff3bf", color="#e67700"'
        elif n["kind"] == "leaf":
            style = 'shape=ellipse, style=filled, fillcolor="#d0ebff", color="#1f5fbf"'
        else:
            style = 'shape=ellipse, style=filled, fillcolor="#f1f3f5", color="#868e96"'
        if n["id"] == len(nodes) - 1 and n["kind"] == "op":
            style += ", penwidth=2.5"
        out.append(f'  n{n["id"]} [label="{label}", {style}];')
    for a, b in edges:
        out.append(f"  n{a} -> n{b};")
    out.append("}")
    return "\n".join(out) + "\n"


def has_graphviz() -> bool:
    """Whether Graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


@declare(root=ROOT, path=_mpl.PICTURE_PATH, engine=GRAPH_ENGINES)
def computation_graph(root, path, *, engine: str = "auto", values: bool = True) -> Path:
    """Draw the computation graph under ``root`` into ``path`` (.png, .svg or .pdf).

    Args:
        root: a gradlab Tensor (e.g. a loss) whose graph is still alive.
        path: the output file.
        engine: 'dot' (Graphviz, must be installed), 'matplotlib', or 'auto'
            (Graphviz when ``dot`` is installed, matplotlib otherwise).
        values: write each node's value (and leaf gradients) under its shape.

    Returns:
        the path written.
    """
    p = Path(path)
    if engine == "dot" and not has_graphviz():
        raise GraphError("computation_graph: engine='dot' needs Graphviz's dot program; install it (apt-get install graphviz) or use engine='matplotlib'")
    if engine == "matplotlib" or (engine == "auto" and not has_graphviz()):
        return _mpl.save(graph_figure(root, values=values), p, "computation_graph")
    return _run_dot(to_dot(root, values), p)


def _run_dot(source, p):

    with atomic_path(p, suffix=p.suffix) as tmp:
        args = [shutil.which("dot"), f"-T{p.suffix[1:].lower()}", "-Gdpi=110", "-o", tmp]
        done = subprocess.run(args, input=source.encode(), capture_output=True, timeout=60)
        if done.returncode != 0:
            raise GraphError(f"computation_graph: dot failed: {done.stderr.decode(errors='replace').strip()[:500]}")
    return p


def _depths(nodes, edges):
    """Column of each node: operations by longest path; inputs just left of their first consumer."""
    depth = [0] * len(nodes)
    for a, b in sorted(edges, key=lambda e: e[1]):
        depth[b] = max(depth[b], depth[a] + 1)
    for n in nodes:
        if n["kind"] != "op":
            users = [depth[b] for a, b in edges if a == n["id"]]
            if users:
                depth[n["id"]] = max(0, min(users) - 1)
    return depth


@declare(root=ROOT)
def graph_figure(root, values: bool = True):
    """The computation graph drawn with matplotlib (no Graphviz needed); returns the Figure."""
    return _figure(*graph_nodes(root, who="plot_graph"), values, "Computation graph (operations in orange, inputs in blue)")


def _figure(nodes, edges, values, title):
    """Node records and edges (see :func:`graph_nodes`) drawn with matplotlib; returns the Figure."""
    depth = _depths(nodes, edges)
    columns = {}
    for n in nodes:
        columns.setdefault(depth[n["id"]], []).append(n["id"])
    pos = {}
    for d, ids in columns.items():
        for k, i in enumerate(ids):
            pos[i] = (float(d), -(k - (len(ids) - 1) / 2.0) * 1.0)
    tallest = max(len(ids) for ids in columns.values())
    with _mpl.style():
        fig = _mpl.new_figure(max(5.0, 2.9 * len(columns)), max(2.6, 1.1 * tallest + 1.2))
        ax = fig.add_subplot()
        texts = {}
        for n in nodes:
            x, y = pos[n["id"]]
            face, edge = {"op": ("#fff3bf", "#e67700"), "leaf": ("#d0ebff", "#1f5fbf")}.get(n["kind"], ("#f1f3f5", "#868e96"))
            box = "round,pad=0.35" if n["kind"] == "op" else "round4,pad=0.35"
            texts[n["id"]] = ax.text(x, y, "\n".join(_label_lines(n, values)), ha="center", va="center", fontsize=9,
                                     zorder=3, bbox=dict(boxstyle=box, fc=face, ec=edge, lw=1.4))
        fig.canvas.draw()  # lay the boxes out so arrows can stop at their edges
        for a, b in edges:
            ax.annotate("", xy=pos[b], xytext=pos[a], zorder=2,
                        arrowprops=dict(arrowstyle="-|>", color="#555555", lw=1.2, shrinkA=3, shrinkB=3,
                                        patchA=texts[a].get_bbox_patch(), patchB=texts[b].get_bbox_patch()))
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
        ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
        ax.axis("off")
        ax.set_title(title)
    return fig


# ---------------------------------------------------------------- the explainer's graph view

_PICTURE_TEXT = {"𝓗": "H"}  # characters the picture fonts lack


def _picture_text(s):
    for a, b in _PICTURE_TEXT.items():
        s = s.replace(a, b)
    return s


def explanation_graph_nodes(g):
    """The nodes of a :class:`~gradlab.explainer.graph.GraphExplanation` as records for drawing.

    Args:
        g: the graph view of a function (``gl.explain_graph``) or of a
            network's loss (``graph_of_explanation``).

    Returns:
        ``(nodes, edges)`` as :func:`graph_nodes` gives them: kind 'op'
        (title ``v3 = σ(v2)``), 'leaf' (an input) or 'const' (a named
        constant such as the target y, or c1…); 'value' and 'grad' short
        texts (a number, a few entries, or min and max); edges from each
        operand to its operation.
    """
    nodes, edges, index = [], [], {}
    for n in g.nodes:
        index[n.name] = len(nodes)
        if n.kind == "op":
            title = one_line(Row(Sym(n.name), Op("="), n.formula), g.precision)
        else:
            title = n.name
        kind = {"op": "op", "input": "leaf"}.get(n.kind, "const")
        nodes.append({"id": len(nodes), "kind": kind, "title": _picture_text(title),
                      "shape": tuple(np.shape(n.value)), "value": _summary(n.value),
                      "grad": None if n.grad is None else _summary(n.grad)})
        for src in n.sources:
            if src is not None:
                edges.append((index[src.name], index[n.name]))
    return nodes, edges


@declare(graph_explanation=GRAPH_EXPLANATION, path=_mpl.PICTURE_PATH, engine=GRAPH_ENGINES)
def explanation_graph_diagram(graph_explanation, path, *, engine: str = "auto") -> Path:
    """Draw the computation graph of an explainer graph view into ``path`` (.png, .svg or .pdf).

    Every node (inputs, named constants, operations with their formula)
    shows its shape, value and gradient (∂output/∂node).

    Args:
        graph_explanation: a :class:`~gradlab.explainer.graph.GraphExplanation`.
        path: the output file.
        engine: 'dot', 'matplotlib' or 'auto', as in :func:`computation_graph`.

    Returns:
        the path written.
    """
    p = Path(path)
    nodes, edges = explanation_graph_nodes(graph_explanation)
    if engine == "dot" and not has_graphviz():
        raise GraphError("explanation_graph_diagram: engine='dot' needs Graphviz's dot program; install it "
                         "(apt-get install graphviz) or use engine='matplotlib'")
    if engine == "matplotlib" or (engine == "auto" and not has_graphviz()):
        title = f"{graph_explanation.title} (operations in orange, inputs in blue, constants in grey)"
        return _mpl.save(_figure(nodes, edges, True, title), p, "explanation_graph_diagram")
    return _run_dot(_dot_source(nodes, edges, True), p)
