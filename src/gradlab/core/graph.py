"""The backward pass: one engine for every use of reverse mode.

Reverse-mode differentiation visits the nodes from the output back to the
leaves. Each node hands its upstream gradient ``g`` to the VJP rule of every
input that needs a gradient; when a value fans out to several consumers
their contributions are added (``+=``), so no special case is needed.

The engine's pieces:

* :func:`toposort` orders the nodes (inputs before outputs);
* :func:`seed` is the gradient ``backward()`` starts from (1);
* :func:`propagate` walks an order backwards: one loop, for ``backward()``,
  for the transforms (``gl.grad``, ``gl.vjp``, ``create_graph``) and for the
  explainer's record;
* :func:`joint_node` takes one node of a fused row back through its joint
  rule; ``propagate`` calls it for every such node, and so does ``fit``'s
  fused step (``train/fused.py``), which runs the two rows of a dense chain
  and its loss without recording them;
* the leaf rules: :func:`joint_to_leaf` hands a joint rule's gradient to a
  leaf (the one rule for that), :func:`_accumulate` a per-input rule's.

On the training path (gradients into the leaves' ``.grad``, no graph of the
backward pass, no checks) a node of a fused row with a joint VJP
(``vjp_all``) computes every input's gradient in one call. Everywhere else
(gradients returned for ``wrt``, a ``record``, ``create_graph``, anomaly
detection) the per-input VJPs run: they are the rows' reference, they work
on Tensors, and each result can be checked or recorded on its own.
"""

from __future__ import annotations

import contextlib
import operator

import numpy as np

from .errors import GraphError, ShapeError
from .kept import Kept
from .primitive import constant, unbroadcast
from .tensor import MODE, Tensor, _check_graph_alive, check_finite


_seq = operator.attrgetter("_seq")  # a node's creation order


def toposort(root: Tensor) -> list:
    """Non-leaf nodes reachable from ``root``, inputs before outputs.

    A breadth-first sweep with an explicit list collects the nodes (no
    recursion, so a chain of any length works); sorting them by creation
    order then gives a topological order, since every input of an operation
    exists before its output.
    """
    if root._inputs is None:
        _check_graph_alive(root)
    nodes = [root]
    seen = {root}  # Tensors hash by identity
    for node in nodes:  # the list grows while it is walked: a breadth-first sweep
        for inp in node._inputs:
            if type(inp) is Tensor and inp._op is not None and inp not in seen:
                if inp._inputs is None:
                    _check_graph_alive(inp)
                seen.add(inp)
                nodes.append(inp)
    if len(nodes) > 1:
        nodes.sort(key=_seq)
    return nodes


def seed(value):
    """The gradient ``backward()`` implies for a one-element output ``value`` (an array): 1 of its dtype and
    shape, read-only."""
    if value.size != 1:
        raise GraphError(
            f"backward: the output has shape {tuple(value.shape)}; a gradient can be implied only for a "
            "one-element output. Pass gradient= with that shape, or reduce first (e.g. .sum())"
        )
    return constant("ones", value.shape, value.dtype)


def propagate(order, root, gradient, retain_graph=False, deliver=None, create_graph=False, trace=None):
    """Walk ``order`` (a topological order ending at ``root``) backwards from ``gradient``.

    Args:
        deliver: None for the training path: gradients go into the leaves'
            ``.grad``, and a node with a joint VJP computes all of its inputs'
            gradients at once. Otherwise ``deliver(inp, gi, g, grads, op)``
            places each per-input gradient (see :class:`_Collect`).
        retain_graph: keep the saved inputs so the graph can be walked again.
        create_graph: run the rules on the Tensors themselves (their results
            are then differentiable).
        trace: None, or a dict filled with ``node -> (its gradient, its inputs)``
            for every node of ``order`` (see :class:`~gradlab.core.kept.Kept`).
    """
    joint = deliver is None
    if joint:
        deliver = _deliver
    grads = {root: gradient}  # Tensors hash by identity, so they key the cotangents directly
    pop = grads.pop
    for node in reversed(order):
        g = pop(node, None)
        if trace is not None:
            trace[node] = (g, node._inputs)
        if g is None:
            continue
        op = node._op
        inputs = node._inputs
        if joint and op.vjp_all is not None and node._saved is not None:
            joint_node(op, g, node.data, inputs, node._datas, node._saved, node._params, grads)
        else:
            if create_graph:
                out, args = node, inputs
            else:
                out, args = node.data, node._datas
            params = node._params
            vjps = op.vjps
            i = 0
            for inp in inputs:
                if type(inp) is Tensor and inp.requires_grad:
                    deliver(inp, vjps[i](g, out, *args, **params), g, grads, op)
                i += 1
        if not retain_graph:
            node._inputs = node._datas = node._params = node._saved = None


def joint_node(op, g, out, inputs, datas, saved, params, grads):
    """Take one node of a fused row back through its joint rule: every input's gradient in one call.

    An input gets a gradient when it is a Tensor that requires one: a leaf
    receives it by :func:`joint_to_leaf`, the output of another node adds it
    to its cotangent in ``grads`` (None when no input is: ``fit``'s fused
    step). ``out``, ``datas``, ``saved`` and ``params`` are the node's
    output, input values, saved values and parameters, as its forward pass
    left them.
    """
    needs = [type(inp) is Tensor and inp.requires_grad for inp in inputs]
    results = op.vjp_all(g, out, *datas, saved=saved, needs=needs, **params)
    for inp, gi in zip(inputs, results):
        if gi is not None:
            if inp._op is None:
                joint_to_leaf(inp, gi, g)
            else:
                _deliver(inp, gi, g, grads, op)


def _deliver(inp, gi, g, grads, op):
    """The training path's delivery: ``gi`` summed to the input's shape, into ``.grad`` (a leaf) or ``grads``."""
    shape = inp.data.shape
    if gi.shape != shape:
        gi = unbroadcast(gi, shape)
    if inp._op is None:
        _accumulate(inp, gi, g)
    else:
        prev = grads.get(inp)
        grads[inp] = gi if prev is None else prev + gi


class _Collect:
    """Delivery for every other use: gradients returned for ``wrt``, recorded, checked for NaN and inf."""

    def __init__(self, targets, results, record, check):
        self.targets, self.results, self.record, self.check = targets, results, record, check

    def __call__(self, inp, gi, g, grads, op):
        if tuple(gi.shape) != tuple(inp.data.shape):
            gi = unbroadcast(gi, inp.data.shape)
        if self.check:
            check_finite(op.name, "backward", gi)
        key = id(inp)
        record, targets = self.record, self.targets
        if record is not None:
            record[key] = record[key] + gi if key in record else gi
        if targets is not None and key in targets:
            j = targets[key]
            self.results[j] = gi if self.results[j] is None else self.results[j] + gi
        elif inp._op is None:
            if targets is None:
                _accumulate(inp, gi, g)
        else:
            prev = grads.get(inp)
            grads[inp] = gi if prev is None else prev + gi


def joint_to_leaf(leaf, gi, g):
    """Hand a leaf its gradient ``gi`` from a joint rule (``g``: the node's upstream gradient).

    The ``vjp_all`` contract (an array of the leaf's own shape that nothing
    else holds) lets a leaf without a gradient keep ``gi`` as it is when the
    dtype matches; anything else is summed to its shape and added as
    :func:`_accumulate` does.
    """
    if leaf.grad is None and gi is not g and gi.dtype is leaf.data.dtype:
        leaf.grad = gi
        return
    shape = leaf.data.shape
    _accumulate(leaf, gi if gi.shape == shape else unbroadcast(gi, shape), g)


def _accumulate(leaf, gi, g=None):
    """Add a per-input rule's gradient ``gi`` to ``leaf.grad``: the first one cast to the leaf's dtype and
    copied when it is ``g`` itself or a view (a ``.grad`` never shares its array)."""
    if leaf.grad is None:
        if type(gi) is np.ndarray:
            dtype = leaf.data.dtype
            if gi.dtype is not dtype and gi.dtype != dtype:  # a gradient has its variable's dtype
                gi = gi.astype(dtype)
            elif gi is g or gi.base is not None:
                gi = gi.copy()  # never share one array between two .grad attributes, or hand out a view
        leaf.grad = gi
    else:
        leaf.grad = leaf.grad + gi


def backprop(root, gradient, wrt=None, retain_graph=False, create_graph=False, record=None, keep=False):
    """Propagate ``gradient`` from ``root`` back through the graph.

    Args:
        root: the output Tensor.
        gradient: upstream gradient with the shape of ``root`` (array or Tensor).
        wrt: None to accumulate into ``.grad`` of every leaf that requires it
            (``Tensor.backward``); or a list of Tensors whose gradients are
            returned instead, leaving every ``.grad`` untouched (transforms).
        retain_graph: keep the saved inputs so the graph can be reused.
        create_graph: run the rules on Tensors so the result is differentiable.
        record: optional dict filled with ``id(tensor) -> gradient`` for every
            tensor reached (the explainer's graph view reads it).
        keep: leave a :class:`Kept` record of a small graph on ``root`` (``backward()``).

    Returns:
        With ``wrt``: the list of gradients (None where ``wrt[i]`` is unreached).
    """
    if wrt is None and record is None and not create_graph and not MODE.anomaly:
        _into_leaves(root, gradient, retain_graph, keep)
        return None
    order = [] if root._op is None else toposort(root)
    targets = None if wrt is None else {id(t): i for i, t in enumerate(wrt)}
    results = None if wrt is None else [None] * len(wrt)
    if targets is not None and id(root) in targets:
        results[targets[id(root)]] = gradient
        return results
    if record is not None:
        record[id(root)] = gradient
    if root._op is None and targets is None and root.requires_grad:
        _accumulate(root, gradient, gradient)
    kept = Kept.start(order) if keep and order and not retain_graph else None
    prev = MODE.grad_enabled
    MODE.grad_enabled = bool(create_graph)
    try:
        propagate(order, root, gradient, retain_graph, _Collect(targets, results, record, MODE.anomaly), create_graph,
                  None if kept is None else kept.grads)
    finally:
        MODE.grad_enabled = prev
    if kept is not None:
        kept.finish(root)
    return results


def _into_leaves(root, gradient, retain_graph, keep=False):
    """The training path: ``gradient`` from ``root`` into the ``.grad`` of every leaf that requires one
    (``keep``: leave a :class:`Kept` record of a small graph on ``root``)."""
    if root._op is None:  # backward() called on a leaf: its gradient is the seed itself
        _accumulate(root, gradient, gradient)
        return
    order = toposort(root)
    kept = Kept.start(order) if keep else None
    propagate(order, root, gradient, retain_graph, trace=None if kept is None else kept.grads)
    if kept is not None:
        kept.finish(root)


def backward(root, gradient=None, retain_graph=False, create_graph=False):
    """``Tensor.backward`` with PyTorch semantics; see :meth:`Tensor.backward`."""
    if not root.requires_grad:
        raise GraphError(
            "backward: this tensor does not require a gradient and has no graph; "
            "create its inputs with requires_grad=True (and not inside gl.no_grad())"
        )
    if gradient is None:
        gradient = seed(root.data)
    else:
        shape = tuple(root.data.shape)
        if isinstance(gradient, Tensor) and not create_graph:
            gradient = gradient.data
        gshape = tuple(np.shape(gradient.data if isinstance(gradient, Tensor) else gradient))
        if gshape != shape:
            raise ShapeError(f"backward: gradient has shape {gshape} but the output has shape {shape}")
        if not isinstance(gradient, Tensor):
            gradient = np.asarray(gradient, dtype=root.data.dtype)
    if create_graph or MODE.anomaly:
        if create_graph and not isinstance(gradient, Tensor):
            gradient = Tensor(gradient)
        backprop(root, gradient, None, retain_graph or create_graph, create_graph, keep=True)
    else:
        _into_leaves(root, gradient, retain_graph, not retain_graph)


@contextlib.contextmanager
def no_grad():
    """Context in which operations are not recorded (inference, updates)."""
    prev = MODE.grad_enabled
    MODE.grad_enabled = False
    try:
        yield
    finally:
        MODE.grad_enabled = prev


@contextlib.contextmanager
def enable_grad():
    """Context in which operations are recorded, even inside ``no_grad``."""
    prev = MODE.grad_enabled
    MODE.grad_enabled = True
    try:
        yield
    finally:
        MODE.grad_enabled = prev


@contextlib.contextmanager
def detect_anomaly():
    """Context that checks every forward output and every backward gradient.

    The first operation whose forward or backward pass produces NaN or inf
    raises :class:`~gradlab.NonFiniteError` naming that operation. NumPy's
    own floating-point warnings are silenced inside, since the check reports
    the problem precisely.
    """
    prev = MODE.anomaly
    MODE.anomaly = True
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        MODE.anomaly = prev


def is_grad_enabled() -> bool:
    return MODE.grad_enabled


__all__ = ["toposort", "propagate", "seed", "joint_node", "backprop", "backward", "no_grad", "enable_grad", "detect_anomaly", "GraphError"]
