"""The graph view: any gradlab function as a circuit of operations, forward values and backward gradients.

:func:`explain_graph` runs ``f(*inputs)``, walks its graph with
``gradlab.core.graph.toposort`` and backpropagates ∂f/∂f = 1 with
``backprop(..., record=...)``. Each node shows its operation (the formula of
:mod:`gradlab.explainer.opnotation`, written with the input names), its value,
and on the way back the upstream gradient, the local derivative and the
product; a value that fans out to several operations adds up the
contributions it receives (the "circuit" picture of backpropagation)::

    v1 = x + y = 3.0,  f = v1 · z = −12.0
    ∂f/∂v1 = z = −4.0,  ∂f/∂x = ∂f/∂v1 × 1 = −4.0,  ∂f/∂z = v1 = 3.0

Constants: a number is written as itself; an array is a node named ``c1``,
``c2``… (or the name given in ``constants=``, e.g. the target ``y``) with
its value in the table. Constants and what is computed from them alone are
not differentiated.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from ..core.errors import InputTypeError, ParameterError
from ..core.graph import backprop, toposort
from ..core.tensor import Tensor, tensor
from .document import Displayable, Document
from .notation import Deriv, Matrix, Num, Op, Row, Sym, Text
from .opnotation import OpArgs, number_node, op_notation, wrap
from .notes import kink_sentence
from .render import render_document
from ..core.tensor import Tensor
from ..core.primitive import unbroadcast

EQ, TIMES, PLUS = Op("="), Op("×"), Op("+")
MAX_MATRIX_ENTRIES = 120  # larger values are summarised by their shape


@dataclass
class Edge:
    """What one operation passes back to one of its inputs.

    source: the input's name; local: ∂(operation)/∂(input) as a notation
    node; local_value: its number when both are scalars, else None;
    contribution: the upstream gradient through it (the input's shape).
    """

    source: str
    index: int
    local: object
    local_value: float | None
    contribution: np.ndarray
    summed: bool = False  # the input was broadcast: its contribution is summed over the broadcast axes


class GraphNode:
    """One node: an input, a constant, or an operation's output.

    ``kind`` is 'input', 'constant' or 'op'; ``const`` is true for constants
    and operations on constants alone (not differentiated); ``formula`` the
    operation as a notation node; ``inputs`` the operands' names (a number
    written inline appears as its repr); ``value`` and ``grad`` arrays of the
    node's shape (``grad`` None when not differentiated).
    """

    def __init__(self, name, value, kind, op=None, inputs=(), formula=None, const=False, tensor=None):
        self.name, self.kind, self.op, self.const = name, kind, op, const
        self.value = value
        self.tensor = tensor
        self.inputs = list(inputs)
        self.formula = formula
        self.grad = None
        self.edges = []
        self.sources, self.locals = [], []  # per operand: its GraphNode (or None) and local derivative


class GraphExplanation(Displayable):
    """The graph of one function evaluation with its gradients.

    ``nodes`` (inputs first, output last), ``output`` (its name),
    ``by_name`` ({name: node}); ``exp['df/dx']`` or ``exp.grad('x')``.
    """

    def __init__(self, nodes, output, precision=4, title="Computational graph"):
        self.nodes = nodes
        self.output = output
        self.precision = precision
        self.title = title
        self.by_name = {n.name: n for n in nodes}
        self.notes = []  # warnings shown at the top of the view (a network's kinks)

    def grad(self, name):
        """∂f/∂``name`` as an array (the node's shape); zeros for a constant."""
        node = self.by_name.get(name)
        if node is None:
            raise KeyError(f"explain_graph: no node named {name!r}; nodes: {', '.join(self.by_name)}")
        return np.asarray(node.grad if node.grad is not None else np.zeros_like(node.value, dtype=float))

    def __getitem__(self, key):
        if key.startswith("d") and "/d" in key:
            return self.grad(key.split("/d", 1)[1])
        return np.asarray(self.by_name[key].value)

    def view(self, kind="graph"):
        return build_document(self)

    def __repr__(self):
        return f"GraphExplanation({self.title!r}: {len(self.nodes)} nodes, output {self.output})"

    def render(self, fmt="text", view="graph", **options):

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
            "nodes": [{"name": n.name, "kind": n.kind, "op": n.op, "inputs": n.inputs, "value": plain(n.value),
                       "grad": None if n.grad is None else plain(n.grad)} for n in self.nodes],
            "values": {f"d{self.output}/d{n.name}": plain(self.grad(n.name)) for n in self.nodes if not n.const},
        }


# ---------------------------------------------------------------- building the graph


def _data(x):

    return x.data if isinstance(x, Tensor) else x


class _Builder:
    """Names the nodes of one graph while walking it: inputs, constants, operations.

    ``constant_names`` maps ``id(object)`` of a named constant (Tensor or
    array) to its name.
    """

    def __init__(self, constant_names, reserved=()):
        self.nodes, self.by_name, self.name_of = [], {}, {}
        self.constant_names = constant_names
        self.reserved = set(reserved) | set(constant_names.values())  # names given by the caller
        self.counts = {}

    def add(self, key, node):
        self.name_of[key] = node.name
        self.by_name[node.name] = node
        self.nodes.append(node)
        return node

    def leaf(self, obj, name, kind):
        tensor = obj if _data(obj) is not obj else None
        return self.add(id(obj), GraphNode(name, _data(obj), kind, const=kind == "constant", tensor=tensor))

    def operand(self, inp):
        """(GraphNode or None, notation node, value, inline number or None) of one input of an operation."""
        if inp is None:
            return None, None, None, None
        if id(inp) in self.name_of:
            node = self.by_name[self.name_of[id(inp)]]
            return node, Sym(node.name), node.value, None
        value = _data(inp)
        name = self.constant_names.get(id(inp))
        if name is None and np.size(value) == 1:
            number = float(np.asarray(value, dtype=float).reshape(()))
            return None, number_node(number), value, number
        if name is None:
            name = self.fresh("c")
        node = self.leaf(inp, name, "constant")
        return node, Sym(name), node.value, None

    def fresh(self, prefix):
        """The next name ``prefix1``, ``prefix2``… not taken yet."""
        k = self.counts.get(prefix, 0) + 1
        while f"{prefix}{k}" in self.by_name or f"{prefix}{k}" in self.reserved:
            k += 1
        self.counts[prefix] = k
        return f"{prefix}{k}"

    def operation(self, t, name):
        """Add the node of Tensor ``t`` (made by an operation), named ``name``."""
        operands = [self.operand(i) for i in t.inputs]
        args = OpArgs(ins=[o[1] for o in operands], values=[o[2] for o in operands],
                      params=dict(t._params or {}), out=Sym(name), numbers=[o[3] for o in operands])
        formula, locals_ = op_notation(t.op.name, args)
        sources = [o[0] for o in operands]
        labels = [s.name if s is not None else repr(o[3]) for s, o in zip(sources, operands)]
        const = all(s is None or s.const for s in sources)
        node = GraphNode(name, t.data, "op", t.op.name, labels, formula, const, tensor=t)
        node.sources, node.locals = sources, locals_
        return self.add(id(t), node)


def _names_of(f, n, skip=()):
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in skip]
    except (TypeError, ValueError):
        params = []
    if len(params) >= n:
        return params[:n]
    return [f"x{i + 1}" for i in range(n)]


def _takes_keywords(f, names):
    """Whether ``f`` accepts every name of ``names`` as a keyword argument."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return False
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return True
    accepted = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return set(names) <= accepted


def _constants(constants):
    """({name: Tensor}, {id(object): name}) of the named constants (numbers or arrays, any shapes)."""
    tensors, ids = {}, {}
    for name, v in (constants or {}).items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise ParameterError(f"explain_graph: a constant's name must be an identifier; got {name!r}")
        t = tensor(np.asarray(_data(v), dtype=np.float64), requires_grad=True)  # so operations on it are seen
        tensors[name] = t
        ids[id(t)] = ids[id(v)] = name
    return tensors, ids


def explain_graph(f, *inputs, names=None, precision=4, title=None, output_name="f", constants=None):
    """The graph view of ``f(*inputs)``: every node's value, local derivative and gradient.

    Args:
        f: a function of gradlab Tensors returning one Tensor (a scalar, or any
            shape: the seed gradient is then all ones, i.e. the gradient of the sum).
        inputs: numbers or arrays, any shapes; each becomes a Tensor with
            requires_grad=True.
        names: the inputs' names (default: f's parameter names).
        constants: {name: number or array} of constants to name, e.g.
            ``{"y": Y}``. When ``f`` takes those names as keyword arguments it
            gets them as Tensors (``f(*inputs, y=...)``); otherwise ``f`` may
            use the arrays themselves (the same objects) and they are
            recognised by identity. Other array constants are named c1, c2…
    """
    if not callable(f):
        raise InputTypeError(f"explain_graph: f must be a function of gradlab tensors; got {type(f).__name__}")
    const_tensors, const_ids = _constants(constants)
    names = list(names) if names is not None else _names_of(f, len(inputs), skip=const_tensors)
    if len(names) != len(inputs):
        raise ParameterError(f"explain_graph: {len(names)} names for {len(inputs)} inputs")
    given = [*names, *const_tensors, output_name]
    if len(set(given)) != len(given):
        raise ParameterError(f"explain_graph: the names of the inputs, constants and output must differ; got {given}")
    leaves = [tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in inputs]
    keywords = const_tensors if const_tensors and _takes_keywords(f, const_tensors) else {}
    out = f(*leaves, **keywords)
    if not isinstance(out, Tensor) or out.op is None:
        raise InputTypeError("explain_graph: f must return a gradlab Tensor computed from its inputs")
    builder = _Builder(const_ids, reserved=[*names, output_name])
    for leaf, name in zip(leaves, names):
        builder.leaf(leaf, name, "input")
    for t in toposort(out):
        builder.operation(t, output_name if t is out else builder.fresh("v"))
    if builder.nodes[-1].const:
        raise InputTypeError("explain_graph: f's result does not depend on its inputs (only on constants)")
    record = {}
    backprop(out, np.ones(out.shape), retain_graph=True, record=record)
    for node in builder.nodes:
        if not node.const and node.tensor is not None:
            node.grad = record.get(id(node.tensor))
        if node.kind == "op" and not node.const:
            node.edges = _edges(node, record)
    return GraphExplanation(builder.nodes, output_name, precision, title or "Computational graph")


def _edges(node, record):
    """The :class:`Edge` to each differentiated operand of operation ``node``."""

    t = node.tensor
    g = record.get(id(t))
    if g is None:
        return []
    datas = [_data(x) for x in t.inputs]
    params = t._params or {}
    edges = []
    for i, (src, local) in enumerate(zip(node.sources, node.locals)):
        if src is None or src.const:
            continue
        contrib = np.asarray(t.op.vjps[i](g, t.data, *datas, **params))
        summed = contrib.shape != np.shape(src.value)
        if summed:
            contrib = np.asarray(unbroadcast(contrib, np.shape(src.value)))
        local_value = None
        if np.size(t.data) == 1 and np.size(src.value) == 1:
            ones = np.ones(np.shape(t.data))
            local_value = float(np.sum(t.op.vjps[i](ones, t.data, *datas, **params)))
        edges.append(Edge(src.name, i, local, local_value, contrib, summed))
    return edges


# ---------------------------------------------------------------- the document


def _value_node(v):
    """A value as a node: a number, a Matrix (vectors as columns), or the shape of a larger array."""
    v = np.asarray(v, dtype=float)
    if v.size == 1:
        return Num(float(v.reshape(())))
    if v.ndim <= 2 and v.size <= MAX_MATRIX_ENTRIES:
        return Matrix(v if v.ndim == 2 else v.reshape(-1, 1))
    return Text(f"array of shape {v.shape}")


def _name_node(name):
    return Sym(name) if name.isidentifier() else Text(name)


def _forward_rows(g):
    rows = []
    for n in g.nodes:
        if n.kind == "op":
            kind = n.op + (" (constant)" if n.const else "")
            formula = n.formula
        else:
            kind, formula = n.kind, "—"
        rows.append([_name_node(n.name), kind, formula, _value_node(n.value)])
    return rows


def _edge_eq(g, node, parent, edge, via):
    """∂f/∂node = ∂f/∂parent × ∂parent/∂node = numbers … for one edge; ``via`` labels one of several."""
    f = Sym(g.output)
    lhs = Deriv(f, Sym(node.name))
    if via:
        lhs = Row(lhs, Text(f"({via})"))
    up = _value_node(g.by_name[parent].grad)
    if parent == g.output:  # ∂f/∂f = 1: the chain has one factor, the local derivative (no f × ∂f/∂… loop)
        row = [lhs, EQ, wrap(edge.local, 3)]
        if edge.local_value is not None:
            row += [EQ, Num(edge.local_value)]
        elif not isinstance(edge.local, Num):
            row += [EQ, _value_node(edge.contribution)]
        return Row(*row)
    row = [lhs, EQ, Deriv(f, Sym(parent)), TIMES, Deriv(Sym(parent), Sym(node.name)),
           EQ, up, TIMES, wrap(edge.local, 3)]
    if edge.local_value is not None:
        row += [EQ, up, TIMES, Num(edge.local_value, paren=True)]
    row += [EQ, _value_node(edge.contribution)]
    if edge.summed:
        row.append(Text(f"(summed over the axes {node.name} was broadcast along)"))
    return Row(*row)


def _backward(doc, g):
    f = Sym(g.output)
    doc.eq(Row(Deriv(f, f), EQ, Num(1.0)))
    received = {}
    for n in reversed(g.nodes):
        for edge in n.edges:
            received.setdefault(edge.source, []).append((n.name, edge))
    for n in reversed(g.nodes):
        parts = received.get(n.name)
        if n.name == g.output or not parts:
            continue
        parents = [p for p, _ in parts]
        for parent, edge in parts:
            via = "" if len(parts) == 1 else f"via {parent}"
            if parents.count(parent) > 1:
                via += f", operand {edge.index + 1}"
            doc.eq(_edge_eq(g, n, parent, edge, via))
        if len(parts) > 1:
            terms = []
            for k, (_, edge) in enumerate(parts):
                terms += [PLUS, _value_node(edge.contribution)] if k else [_value_node(edge.contribution)]
            doc.eq(Row(Deriv(f, Sym(n.name)), EQ, *terms, EQ, _value_node(n.grad), Text("(accumulated)")))


def build_document(g):
    """The graph-view :class:`Document` of a :class:`GraphExplanation`."""
    doc = Document(g.title + " — graph view")
    doc.para("Forward: each node's operation and value. Backward: ∂", g.output, "/∂", g.output,
             " = 1, then each node passes its gradient to its inputs multiplied by the local derivative; "
             "a node used more than once adds up what it receives. (·) stands for the gradient arriving "
             "from above where the local derivative is a matrix product or a reshaping.")
    for note in g.notes:
        doc.note(*note, kind="warn")
    if any(n.kind == "constant" for n in g.nodes):
        doc.note("Constants (", ", ".join(n.name for n in g.nodes if n.kind == "constant"),
                 ") and what is computed from them alone are not differentiated.")
    doc.heading("Forward pass")
    doc.table(["node", "operation", "formula", "value"], _forward_rows(g))
    doc.heading("Backward pass")
    _backward(doc, g)
    doc.heading("Gradients of the inputs")
    rows = [[_name_node(n.name), _value_node(n.value), _value_node(g.grad(n.name))] for n in g.nodes
            if n.kind == "input"]
    doc.table(["input", "value", f"∂{g.output}/∂input"], rows)
    return doc


# ---------------------------------------------------------------- a network's loss


def graph_of_explanation(exp):
    """The graph view of a layered network's loss: inputs x, W1, b1, ... of an :class:`Explanation`.

    x is one sample (n₀,) or the batch (m, n₀) as the trace holds it; W_l is
    (out, in), b_l (out,) (absent for a layer without bias); the target is
    the named constant y, (k,) or (m, k).
    """
    tr = exp.trace
    names, values, has_bias = ["x"], [tr.X[0] if tr.single else tr.X], []
    for l in range(1, tr.L + 1):
        has_bias.append(tr.net.layers[l - 1].b is not None)
        names.append(f"W{l}")
        values.append(tr.W(l))
        if has_bias[-1]:
            names.append(f"b{l}")
            values.append(tr.b(l))

    def loss_of(*params, y):
        rest = iter(params[1:])
        a = params[0]
        for l in range(1, tr.L + 1):
            W = next(rest)
            a = tr.layer_gl(l, a, W, next(rest) if has_bias[l - 1] else None)
        return tr.loss_gl(a, y)

    g = explain_graph(loss_of, *values, names=names, precision=exp.precision, output_name="L",
                      constants={"y": tr.Y[0] if tr.single else tr.Y},
                      title=f"{exp.title}: the loss as a graph")
    g.notes = [kink_sentence(tr, kink) for kink in tr.kinks]
    return g
