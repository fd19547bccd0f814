"""``gl.viz.draw_graph``: an inline SVG picture of a computation graph with the value and the gradient on every
node, as the smallest autograd engines draw it.

Given a function and its inputs, the picture runs the forward pass and the backward pass itself, recording every
node's gradient through the engine's ``record`` (``core.graph.backprop``), so nothing needs ``retain_graph`` and
no ``.grad`` is touched. Given a tensor whose graph is still alive, it does the same on that graph and keeps it
(``backward()`` can still be called). Given a tensor after ``backward()``, it draws the record that ``backward()``
keeps of a small graph (``core.kept.Kept``): the values and gradients of that pass. Graphviz's ``dot`` lays the
picture out when it is installed; otherwise a small layout written here in Python does (no matplotlib needed).
"""

from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..core.errors import GraphError, InputTypeError, ParameterError
from ..core.files import atomic_path
from ..core.graph import backprop
from ..core.notebook import esc
from ..core.tensor import Tensor
from .graph import _depths, _dot_source, _label_lines, _summary, freed_message, graph_nodes

ENGINES = ("auto", "dot", "python")


class GraphPicture:
    """The picture :func:`draw_graph` returns: ``.svg`` (the SVG text), ``.nodes`` and ``.edges`` (the records
    drawn: each node's 'title', 'shape', 'value' and 'grad' texts), ``.save(path)``; a notebook shows it inline."""

    def __init__(self, svg, nodes, edges, engine):
        self.svg, self.nodes, self.edges, self.engine = svg, nodes, edges, engine

    def _repr_svg_(self):
        return self.svg

    def save(self, path):
        """Write the SVG to ``path`` (a name ending in .svg) atomically; returns the path."""
        p = Path(path)
        if p.suffix.lower() != ".svg":
            raise ParameterError(f"GraphPicture.save: path must end in .svg; got {str(path)!r}")
        with atomic_path(p, suffix=".svg") as tmp:
            Path(tmp).write_text(self.svg, encoding="utf-8")
        return p

    def __repr__(self):
        return f"GraphPicture({len(self.nodes)} nodes, {len(self.edges)} edges, drawn by {self.engine})"


def draw_graph(tensor_or_fn, *inputs, engine: str = "auto") -> GraphPicture:
    """Draw a computation graph with each node's shape, value and gradient ∂out/∂node.

    Args:
        tensor_or_fn: a function of gradlab tensors (called with ``inputs``), or a Tensor made by operations.
            Before ``backward()`` the picture runs its own backward pass (seeded with ones) and keeps the graph.
            After ``backward()`` it shows the values and gradients of that pass, which ``backward()`` keeps for
            graphs of at most 64 operations and 1,024 numbers whose leaves no optimizer updates (a leaf whose
            ``.grad`` already held a gradient shows the sum, marked so); any other freed graph is refused with a
            message.
        *inputs: the function's inputs (arrays, numbers or Tensors; each becomes a float64 leaf that requires a
            gradient, named after the function's parameter).
        engine: 'dot' (Graphviz), 'python' (the built-in layout) or 'auto' (dot when installed).

    Returns:
        a :class:`GraphPicture`. A non-scalar output is seeded with ones (the gradients of its sum).
    """
    if engine not in ENGINES:
        raise ParameterError(f"draw_graph: engine must be one of {', '.join(map(repr, ENGINES))}; got {engine!r}")
    if engine == "dot" and shutil.which("dot") is None:
        raise GraphError("draw_graph: engine='dot' needs Graphviz's dot program; install it (apt-get install "
                         "graphviz) or use engine='python'")
    if isinstance(tensor_or_fn, Tensor):
        if inputs:
            raise InputTypeError(f"draw_graph: inputs are given only with a function; got a Tensor and "
                                 f"{len(inputs)} inputs")
        root = tensor_or_fn
        if root.op is not None and root._inputs is None and getattr(root, "_kept", None) is None:
            raise GraphError(freed_message("draw_graph"))
        keep = True
    elif callable(tensor_or_fn):
        root, keep = _run(tensor_or_fn, inputs), False
    else:
        raise InputTypeError(f"draw_graph: expected a gradlab Tensor or a function of Tensors; got "
                             f"{type(tensor_or_fn).__name__}")
    nodes, edges = _records(root, keep)
    # 'auto': dot for graphs it lays out in about a second; a long chain (an unrolled loop) takes dot minutes
    use_dot = engine == "dot" or (engine == "auto" and shutil.which("dot") is not None and len(nodes) <= DOT_NODES)
    svg = None
    if use_dot:
        try:
            svg = _dot_svg(nodes, edges, timeout=DOT_SECONDS if engine == "auto" else 120)
        except subprocess.TimeoutExpired:
            if engine == "dot":
                raise GraphError(f"draw_graph: dot did not lay out the {len(nodes)}-node graph within 120 s; use "
                                 "engine='python' (the built-in layout)") from None
            use_dot = False
    if svg is None:
        svg = _python_svg(nodes, edges)
    return GraphPicture(svg, nodes, edges, "dot" if use_dot else "python")


DOT_NODES = 80  # 'auto' gives larger graphs to the built-in layout
DOT_SECONDS = 10  # and any graph dot has not laid out by then


def _run(fn, inputs):
    """The output of ``fn`` on fresh leaves made from ``inputs``, named after its parameters."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    leaves = []
    for i, v in enumerate(inputs):
        data = v.data if isinstance(v, Tensor) else v
        try:
            leaf = Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
        except (TypeError, ValueError):
            raise InputTypeError(f"draw_graph: input {i} ({type(v).__name__} {v!r:.60}) is not numbers; give arrays, "
                                 "numbers or Tensors") from None
        leaf.name = (v.name if isinstance(v, Tensor) and v.name else None) or \
            (params[i] if i < len(params) else f"x{i + 1}")
        leaves.append(leaf)
    if not leaves:
        raise InputTypeError("draw_graph: give the function's inputs after it (draw_graph(f, x, w)): the graph starts "
                             "from them, and without inputs nothing has a gradient")
    out = fn(*leaves)
    if not isinstance(out, Tensor) or out.op is None:
        raise InputTypeError("draw_graph: the function must return a gradlab Tensor computed from its inputs; got "
                             + (f"a {type(out).__name__}" if not isinstance(out, Tensor) else
                                "a Tensor that none of its inputs flowed into"))
    return out


def _records(root, keep):
    """(nodes, edges) as ``viz.graph.graph_nodes`` gives them, with every node's gradient from one recorded
    backward pass (``keep``: retain the graph)."""
    tensors = []
    nodes, edges = graph_nodes(root, tensors, who="draw_graph")
    if root.op is not None and root._inputs is None:  # freed by backward(): its kept record has every gradient
        return nodes, edges
    for n in nodes:
        n["grad"] = None  # the gradients below, from one recorded pass (not the leaves' .grad)
    if root.requires_grad:
        record = {}
        wrt = [t for t in tensors if isinstance(t, Tensor) and t.op is None and t.requires_grad]
        backprop(root, np.ones(root.shape, dtype=np.asarray(root.data).dtype), wrt=wrt, retain_graph=keep,
                 record=record)
        for n, t in zip(nodes, tensors):
            g = record.get(id(t))
            if g is not None:
                n["grad"] = _summary(np.asarray(getattr(g, "data", g)))
    return nodes, edges


def _dot_svg(nodes, edges, timeout=120):
    done = subprocess.run([shutil.which("dot"), "-Tsvg"], input=_dot_source(nodes, edges, True).encode(),
                          capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise GraphError(f"draw_graph: dot failed: {done.stderr.decode(errors='replace').strip()[:500]}")
    return done.stdout.decode("utf-8")


COLORS = {"op": ("#fff3bf", "#e67700"), "leaf": ("#d0ebff", "#1f5fbf"), "const": ("#f1f3f5", "#868e96")}
CHAR_W, LINE_H, PAD, GAP_X, GAP_Y = 7.0, 15.0, 8.0, 60.0, 22.0


def _python_svg(nodes, edges):
    """The graph laid out left to right in columns (operations by longest path), as SVG text."""
    depth = _depths(nodes, edges)
    labels = [_label_lines(n, True) for n in nodes]
    size = [(max(len(s) for s in lab) * CHAR_W + 2 * PAD, len(lab) * LINE_H + 2 * PAD) for lab in labels]
    columns = {}
    for n in nodes:
        columns.setdefault(depth[n["id"]], []).append(n["id"])
    widths = {d: max(size[i][0] for i in ids) for d, ids in columns.items()}
    heights = {d: sum(size[i][1] for i in ids) + GAP_Y * (len(ids) - 1) for d, ids in columns.items()}
    total_h = max(heights.values()) + 2 * GAP_Y
    pos, x = {}, GAP_Y
    for d in sorted(columns):
        y = (total_h - heights[d]) / 2
        for i in columns[d]:
            pos[i] = (x + (widths[d] - size[i][0]) / 2, y)
            y += size[i][1] + GAP_Y
        x += widths[d] + GAP_X
    total_w = x - GAP_X + GAP_Y
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
           f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="11">',
           '<defs><marker id="gl-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>']
    for a, b in edges:
        (xa, ya), (wa, ha) = pos[a], size[a]
        (xb, yb), (_, hb) = pos[b], size[b]
        out.append(f'<line x1="{xa + wa:.1f}" y1="{ya + ha / 2:.1f}" x2="{xb:.1f}" y2="{yb + hb / 2:.1f}" '
                   'stroke="#555555" stroke-width="1.2" marker-end="url(#gl-arrow)"/>')
    for n, lab in zip(nodes, labels):
        (x0, y0), (w, h) = pos[n["id"]], size[n["id"]]
        face, edge = COLORS[n["kind"]]
        radius = 6 if n["kind"] == "op" else h / 2
        out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{min(radius, w / 2):.1f}" '
                   f'fill="{face}" stroke="{edge}" stroke-width="1.4"/>')
        for k, line in enumerate(lab):
            weight = ' font-weight="bold"' if k == 0 else ""
            out.append(f'<text x="{x0 + w / 2:.1f}" y="{y0 + PAD + (k + 0.8) * LINE_H:.1f}" text-anchor="middle"'
                       f"{weight}>{esc(line)}</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
