"""The fusion planner: which chains of layers run as one ``dense_stack`` row.

A Sequential of Linear layers (each with a bias) and the element-wise
activations the row computes (:data:`~gradlab.nn.activations.FUSABLE`), in
the order Linear [activation] Linear [activation] ..., runs as one node whose
backward pass is the textbook δ recursion (``ops/nn.py``): the same numbers,
fewer Python steps. :func:`plan` reads the layers once (Sequential keeps the
plan until one of its layers is set, added or removed); :func:`dense_row`
reads the parameters and the LeakyReLU slope from a plan at every call, since
the user may change them.
"""

from __future__ import annotations

from .activations import FUSABLE
from .layers import Linear


def plan(modules):
    """(Linear modules, activation names, LeakyReLU modules) for Linear [activation] Linear ..., else None.

    One activation name per Linear (``'identity'`` where none follows it).
    None for anything else: Step, Softmax, layers without bias, custom
    modules, two activations in a row, an activation first.
    """
    linears, acts, leaky = [], [], []
    for m in modules:
        if type(m) is Linear:
            if m.bias is None:
                return None
            linears.append(m)
            acts.append("identity")
            continue
        kind = FUSABLE.get(type(m))
        if kind is None or not acts or acts[-1] != "identity":
            return None
        if kind == "leaky_relu":
            leaky.append(m)  # one slope for the whole row: checked at every call
        acts[-1] = kind
    if not linears:
        return None
    return tuple(linears), tuple(acts), tuple(leaky)


def dense_row(planned):
    """``(parameters, activations, slope)`` of a :func:`plan`, or None when its slopes cannot be fused.

    ``parameters`` is [W1, b1, W2, b2, ...] (Tensors), ``activations`` one
    name per Linear, ``slope`` the LeakyReLU slope: the fused row takes one
    slope ≥ 0 (it reads the sign of z from the output, which a negative slope
    hides).
    """
    linears, acts, leaky = planned
    slope = leaky[0].negative_slope if leaky else 0.01
    if leaky and not (slope >= 0 and all(m.negative_slope == slope for m in leaky)):
        return None
    flat = []
    for m in linears:
        flat.append(m.weight)
        flat.append(m.bias)
    return flat, acts, slope
