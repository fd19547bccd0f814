"""The backward pass: an iterative topological sort and cotangent accumulation.

Reverse-mode differentiation visits the nodes from the output back to the
leaves. Each node hands its upstream gradient ``g`` to the VJP rule of every
input that needs a gradient; when a value fans out to several consumers
their contributions are added (``+=``), so no special case is needed.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .errors import GraphError, ShapeError
from .primitive import constant, unbroadcast
from .tensor import MODE, Tensor, _check_graph_alive, check_finite


def _seq(node):
    return node._seq


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


def _backprop_plain(order, root, gradient, retain_graph):
    """The training path of ``backward``: arrays only, gradients into ``.grad`` of leaves."""
    # Tensors hash by identity, so they key the cotangents directly
    grads = {root: gradient}
    pop = grads.pop
    for node in reversed(order):
        g = pop(node, None)
        if g is None:
            continue
        inputs = node._inputs
        params = node._params
        op = node._op
        out = node.data
        args = node._datas
        if op.vjp_all is not None and node._saved is not None:
            _joint(node, op, g, out, inputs, args, params, grads)
            if not retain_graph:
                node._inputs = node._datas = node._params = node._saved = None
            continue
        vjps = op.vjps
        i = 0
        for inp in inputs:
            if type(inp) is Tensor and inp.requires_grad:
                _deliver(inp, vjps[i](g, out, *args, **params), g, grads)
            i += 1
        if not retain_graph:
            node._inputs = node._datas = node._params = node._saved = None


def _deliver(inp, gi, g, grads):
    """Hand one input its gradient ``gi``: summed to its shape, into ``.grad`` (a leaf) or ``grads``."""
    shape = inp.data.shape
    if gi.shape != shape:
        gi = unbroadcast(gi, shape)
    if inp._op is None:
        _accumulate(inp, gi, g)
    else:
        prev = grads.get(inp)
        grads[inp] = gi if prev is None else prev + gi


def _joint(node, op, g, out, inputs, args, params, grads):
    """One call for every input's gradient (fused rows with a ``vjp_all``).

    ``vjp_all`` gives an array of each input's own shape that nothing else
    holds (or None where not needed), so a leaf without a gradient keeps it as
    is when the dtype matches; anything else goes through :func:`_deliver`.
    """
    needs = [type(inp) is Tensor and inp.requires_grad for inp in inputs]
    results = op.vjp_all(g, out, *args, saved=node._saved, needs=needs, **params)
    for inp, gi in zip(inputs, results):
        if gi is not None:
            if inp._op is None:
                joint_to_leaf(inp, gi, g)
            else:
                _deliver(inp, gi, g, grads)


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


def backprop(root, gradient, wrt=None, retain_graph=False, create_graph=False, record=None):
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

    Returns:
        With ``wrt``: the list of gradients (None where ``wrt[i]`` is unreached).
    """
    if root._op is None:
        order = []
    else:
        order = toposort(root)
    if wrt is None and record is None and not create_graph and not MODE.anomaly:
        if root._op is None:  # backward() called on a leaf: its gradient is the seed itself
            _accumulate(root, gradient, gradient)
        else:
            _backprop_plain(order, root, gradient, retain_graph)
        return None
    targets = None if wrt is None else {id(t): i for i, t in enumerate(wrt)}
    results = None if wrt is None else [None] * len(wrt)
    grads = {id(root): gradient}
    anomaly = MODE.anomaly
    prev = MODE.grad_enabled
    MODE.grad_enabled = bool(create_graph)
    try:
        if targets is not None and id(root) in targets:
            results[targets[id(root)]] = gradient
            return results
        if record is not None:
            record[id(root)] = gradient
        if root._op is None and targets is None and root.requires_grad:
            _accumulate(root, gradient)
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            prim = node._op
            inputs = node._inputs
            params = node._params
            if create_graph:
                out = node
                args = inputs
            else:
                out = node.data
                args = node._datas
            for i, inp in enumerate(inputs):
                if type(inp) is not Tensor or not inp.requires_grad:
                    continue
                gi = prim.vjps[i](g, out, *args, **params)
                if tuple(gi.shape) != tuple(inp.data.shape):
                    gi = unbroadcast(gi, inp.data.shape)
                if anomaly:
                    check_finite(prim.name, "backward", gi)
                key = id(inp)
                if record is not None:
                    record[key] = record[key] + gi if key in record else gi
                if targets is not None and key in targets:
                    j = targets[key]
                    results[j] = gi if results[j] is None else results[j] + gi
                elif inp._op is None:
                    if targets is None:
                        _accumulate(inp, gi, g)
                else:
                    prev_g = grads.get(key)
                    grads[key] = gi if prev_g is None else prev_g + gi
            if not retain_graph:
                node._inputs = node._datas = node._params = node._saved = None
    finally:
        MODE.grad_enabled = prev
    return results


def _accumulate(leaf, gi, g=None):
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


def backward(root, gradient=None, retain_graph=False, create_graph=False):
    """``Tensor.backward`` with PyTorch semantics; see :meth:`Tensor.backward`."""
    if gradient is None and not create_graph and root._op is not None and not MODE.anomaly:
        data = root.data
        if data.size == 1:  # the training loop's call: loss.backward()
            _backprop_plain(toposort(root), root, constant("ones", data.shape, data.dtype), retain_graph)
            return
    if not root.requires_grad:
        raise GraphError(
            "backward: this tensor does not require a gradient and has no graph; "
            "create its inputs with requires_grad=True (and not inside gl.no_grad())"
        )
    shape = tuple(root.data.shape)
    if gradient is None:
        if math.prod(shape) != 1:
            raise GraphError(
                f"backward: the output has shape {shape}; a gradient can be implied only for a "
                "one-element output. Pass gradient= with that shape, or reduce first (e.g. .sum())"
            )
        gradient = constant("ones", shape, root.data.dtype)
    else:
        if isinstance(gradient, Tensor) and not create_graph:
            gradient = gradient.data
        gshape = tuple(np.shape(gradient.data if isinstance(gradient, Tensor) else gradient))
        if gshape != shape:
            raise ShapeError(f"backward: gradient has shape {gshape} but the output has shape {shape}")
        if not isinstance(gradient, Tensor):
            gradient = np.asarray(gradient, dtype=root.data.dtype)
    if create_graph and not isinstance(gradient, Tensor):
        gradient = Tensor(gradient)
    backprop(root, gradient, retain_graph=retain_graph or create_graph, create_graph=create_graph)


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


__all__ = ["toposort", "backprop", "backward", "no_grad", "enable_grad", "detect_anomaly", "GraphError"]
