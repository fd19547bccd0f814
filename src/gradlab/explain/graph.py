"""The graph view: any gradlab function as a circuit of operations, forward values and backward gradients.

:func:`explain_graph` runs ``f(*inputs)``, walks its graph with
``gradlab.core.graph.toposort`` and backpropagates ∂f/∂f = 1 with
``backprop(..., record=...)``. Each node shows its operation (the primitive's
LaTeX with the input names filled in), its value, and on the way back the
upstream gradient, the local derivative (the primitive's ``dlatex``) and the
product; a value that fans out to several operations adds up the
contributions it receives (the "circuit" picture of backpropagation)::

    q = x + y = 3.0,  f = q ⊙ z = −12.0
    ∂f/∂q = z = −4.0,  ∂f/∂x = ∂f/∂q × 1 = −4.0,  ∂f/∂z = q = 3.0
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from ..core.errors import InputTypeError, ParameterError
from .document import Displayable, Document
from .notation import Deriv, Matrix, Num, Op, Raw, Row, Sym, Text

EQ, TIMES, PLUS = Op("="), Op("×"), Op("+")

_TEX_TO_TEXT = [
    (r"\odot", "⊙"), (r"\cdot", "·"), (r"\times", "×"), (r"\ln", "ln"), (r"\sigma", "σ"), (r"\tanh", "tanh"),
    (r"\max", "max"), (r"\min", "min"), (r"\sum_i", "Σ"), (r"\sin", "sin"), (r"\cos", "cos"), (r"\exp", "exp"),
    (r"\mathcal{H}", "𝓗"), (r"\mathbf{1}", "1"), (r"\lvert", "|"), (r"\rvert", "|"), (r"\,", " "),
    (r"\operatorname", ""), (r"\left", ""), (r"\right", ""), (r"\text", ""), (r"\det", "det"),
]


def latex_to_text(s):
    """A readable plain-text spelling of the simple LaTeX in the rule tables."""
    for a, b in _TEX_TO_TEXT:
        s = s.replace(a, b)
    for _ in range(3):
        s = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", s)
    s = re.sub(r"\^\{([^{}]*)\}", r"^\1", s)
    s = re.sub(r"_\{([^{}]*)\}", r"_\1", s)
    return s.replace("{", "").replace("}", "").replace("\\", "")


def _fill(template, names, argnames):
    out = template
    for argname, name in sorted(zip(argnames, names), key=lambda p: -len(p[0])):
        out = out.replace("$" + argname, "{" + name + "}")
    return out


class GraphNode:
    """One node: a leaf (input or constant) or an operation output."""

    def __init__(self, name, tensor, op=None, inputs=(), latex=""):
        self.name = name
        self.tensor = tensor
        self.op = op
        self.inputs = list(inputs)  # names of the input nodes
        self.latex = latex
        self.grad = None
        self.edges = []  # (input name, local latex, local numeric or None, contribution array)

    @property
    def value(self):
        return self.tensor.data


class GraphExplanation(Displayable):
    """The graph of one function evaluation with its gradients.

    ``nodes`` (inputs first, output last), ``output`` (its name),
    ``grads`` ({node name: ∂f/∂node}); ``exp['df/dx']`` or ``exp.grad('x')``.
    """

    def __init__(self, nodes, output, precision=4, title="Computational graph"):
        self.nodes = nodes
        self.output = output
        self.precision = precision
        self.title = title
        self.by_name = {n.name: n for n in nodes}

    def grad(self, name):
        """∂f/∂``name`` as an array (the node's shape)."""
        node = self.by_name.get(name)
        if node is None:
            raise KeyError(f"explain_graph: no node named {name!r}; nodes: {', '.join(self.by_name)}")
        return np.asarray(node.grad if node.grad is not None else np.zeros_like(node.value))

    def __getitem__(self, key):
        if key.startswith("d") and "/d" in key:
            return self.grad(key.split("/d", 1)[1])
        return np.asarray(self.by_name[key].value)

    def view(self, kind="graph"):
        return build_document(self)

    def render(self, fmt="text", view="graph", **options):
        from .render import render_document

        if fmt == "json":
            import json

            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        return render_document(self.view(), fmt, self.precision, **options)

    def to_dict(self):
        def plain(a):
            a = np.asarray(a, dtype=float)
            return float(a) if a.ndim == 0 else a.tolist()

        return {
            "title": self.title,
            "output": self.output,
            "nodes": [{"name": n.name, "op": n.op, "inputs": n.inputs, "value": plain(n.value),
                       "grad": None if n.grad is None else plain(n.grad)} for n in self.nodes],
            "values": {f"d{self.output}/d{n.name}": plain(self.grad(n.name)) for n in self.nodes},
        }


def _names_of(f, n):
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) >= n:
        return params[:n]
    return [f"x{i + 1}" for i in range(n)]


def explain_graph(f, *inputs, names=None, precision=4, title=None, output_name="f"):
    """The graph view of ``f(*inputs)``: every node's value, local derivative and gradient.

    Args:
        f: a function of gradlab Tensors returning one Tensor (a scalar, or any
            shape: the seed gradient is then all ones, i.e. the gradient of the sum).
        inputs: numbers or arrays, any shapes; each becomes a Tensor with
            requires_grad=True.
        names: the inputs' names (default: f's parameter names).
    """
    import gradlab as gl
    from gradlab.core.graph import backprop, toposort

    if not callable(f):
        raise InputTypeError(f"explain_graph: f must be a function of gradlab tensors; got {type(f).__name__}")
    names = list(names) if names is not None else _names_of(f, len(inputs))
    if len(names) != len(inputs):
        raise ParameterError(f"explain_graph: {len(names)} names for {len(inputs)} inputs")
    leaves = [gl.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    out = f(*leaves)
    if not isinstance(out, gl.Tensor) or out.op is None:
        raise InputTypeError("explain_graph: f must return a gradlab Tensor computed from its inputs")
    order = toposort(out)
    nodes, name_of = [], {}
    for leaf, name in zip(leaves, names):
        name_of[id(leaf)] = name
        nodes.append(GraphNode(name, leaf))
    count = 0
    for t in order:
        for inp in t.inputs:
            if isinstance(inp, gl.Tensor) and id(inp) not in name_of:
                name_of[id(inp)] = _constant_name(inp, precision)
                nodes.append(GraphNode(name_of[id(inp)], inp))
        if t is out:
            name = output_name
        else:
            count += 1
            name = f"v{count}"
        name_of[id(t)] = name
        in_names = [name_of[id(i)] if isinstance(i, gl.Tensor) else repr(i) for i in t.inputs]
        latex = _fill(t.op.latex or t.op.name, in_names, t.op.argnames)
        nodes.append(GraphNode(name, t, t.op.name, in_names, latex))
    record = {}
    backprop(out, np.ones(out.shape), retain_graph=True, record=record)
    by_id = {id(t): t for t in order}
    for node in nodes:
        node.grad = record.get(id(node.tensor))
        t = by_id.get(id(node.tensor))
        if t is not None:
            node.edges = _edges(t, node, name_of, record)
    return GraphExplanation(nodes, output_name, precision, title or "Computational graph")


def _constant_name(t, precision):
    from .notation import fmt

    v = np.asarray(t.data)
    return fmt(float(v), precision) if v.size == 1 else f"const{tuple(v.shape)}"


def _edges(t, node, name_of, record):
    """(input name, local derivative LaTeX, numeric local derivative or None, contribution) per input."""
    from gradlab.core.primitive import unbroadcast

    edges = []
    g = record.get(id(t))
    args = [x.data if hasattr(x, "data") else x for x in t.inputs]
    for i, inp in enumerate(t.inputs):
        if not getattr(inp, "requires_grad", False):
            continue
        dl = t.op.dlatex[i] if i < len(t.op.dlatex) else ""
        dl = _fill(dl, node.inputs, t.op.argnames)
        ones = np.ones(np.shape(t.data))
        local = None
        if np.size(t.data) == 1 and np.size(inp.data) == 1:
            local = float(np.sum(t.op.vjps[i](ones, t.data, *args, **t._params)))
        contrib = None
        if g is not None:
            contrib = t.op.vjps[i](g, t.data, *args, **t._params)
            if np.shape(contrib) != np.shape(inp.data):
                contrib = unbroadcast(np.asarray(contrib), np.shape(inp.data))
        edges.append((name_of[id(inp)], dl, local, contrib))
    return edges


def _value_node(v):
    v = np.asarray(v, dtype=float)
    if v.size == 1:
        return Num(float(v.reshape(())))
    if v.ndim <= 2:
        return Matrix(v if v.ndim == 2 else v.reshape(-1, 1))
    return Text(f"array of shape {v.shape}")


def _raw(latex):
    return Raw(latex, latex_to_text(latex))


def build_document(g):
    """The graph-view :class:`Document`."""
    doc = Document(g.title + " — graph view")
    doc.para("Forward: each node's operation and value. Backward: ∂", g.output, "/∂", g.output,
             " = 1, then each node passes its gradient to its inputs multiplied by the local derivative; "
             "a node used more than once adds up what it receives.")
    doc.heading("Forward pass")
    rows = []
    for n in g.nodes:
        kind = "input" if n.op is None and n.name in _input_names(g) else ("constant" if n.op is None else n.op)
        formula = _raw(n.latex) if n.op else Text("—")
        rows.append([Sym(n.name) if n.name.isidentifier() else Text(n.name), kind, formula, _value_node(n.value)])
    doc.table(["node", "operation", "formula", "value"], rows)
    doc.heading("Backward pass")
    f = Sym(g.output)
    doc.eq(Row(Deriv(f, f), EQ, Num(1.0)))
    received = {}
    for n in reversed(g.nodes):
        for name, dl, local, contrib in n.edges:
            received.setdefault(name, []).append((n.name, dl, local, contrib))
    for n in reversed(g.nodes):
        if n.name == g.output or n.name not in received:
            continue
        parts = received[n.name]
        for parent, dl, local, contrib in parts:
            up = g.by_name[parent].grad
            local_node = _raw(dl) if dl else Text("local Jacobian")
            lhs = Deriv(f, Sym(n.name)) if len(parts) == 1 else Row(Deriv(f, Sym(n.name)), Text(f"(via {parent})"))
            row = [lhs, EQ,
                   Deriv(f, Sym(parent)), TIMES, Deriv(Sym(parent), Sym(n.name))]
            row += [EQ, _value_node(up), TIMES, local_node]
            if local is not None:
                row += [EQ, _value_node(up), TIMES, Num(local, paren=True)]
            if contrib is not None:
                row += [EQ, _value_node(contrib)]
            doc.eq(Row(*row))
        if len(parts) > 1:
            terms = []
            for k, (_, _, _, contrib) in enumerate(parts):
                if k:
                    terms.append(PLUS)
                terms.append(_value_node(contrib))
            doc.eq(Row(Deriv(f, Sym(n.name)), EQ, *terms, EQ, _value_node(n.grad), Text("(accumulated)")))
    doc.heading("Gradients of the inputs")
    rows = [[Sym(n.name), _value_node(n.value), _value_node(g.grad(n.name))] for n in g.nodes
            if n.op is None and n.name in _input_names(g)]
    doc.table(["input", "value", f"∂{g.output}/∂input"], rows)
    return doc


def _input_names(g):
    return [n.name for n in g.nodes if n.op is None and n.tensor.requires_grad]


def graph_of_explanation(exp):
    """The graph view of a layered network's loss: inputs x, W1, b1, ... of an :class:`Explanation`."""
    import gradlab as gl

    tr = exp.trace
    names = ["x"]
    values = [tr.X if not tr.single else tr.X[0]]
    for l in range(1, tr.L + 1):
        names += [f"W{l}", f"b{l}"]
        values += [tr.W(l), tr.b(l)]
    Y = tr.Y if not tr.single else tr.Y[0]

    def loss_of(*args):
        a = args[0]
        for l in range(1, tr.L + 1):
            W, b = args[2 * l - 1], args[2 * l]
            a = tr.act(l).apply_gl(gl.matmul(W, a) + b if tr.single else a @ W.T + b)
        if tr.loss == "mse":
            return gl.sum((a - Y) ** 2) * tr.loss_scale
        return -gl.sum(Y * gl.log(a) + (1.0 - Y) * gl.log(1.0 - a)) * tr.loss_scale

    return explain_graph(loss_of, *values, names=names, precision=exp.precision,
                         title=f"{exp.title}: the loss as a graph", output_name="L")
