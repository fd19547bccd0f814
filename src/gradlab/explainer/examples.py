"""The built-in examples (the README's *The built-in examples* says where each comes from): the course network, the
ReLU regression question, the two-layer homework network, the perceptron.

Each example is a function returning ``(network, x, y, loss, lr, conventions, title)``
for :func:`gradlab.explainer`, except ``perceptron`` (see
:mod:`gradlab.explainer.perceptron`). :func:`example` builds the Explanation.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from .api import explain
from .network import Network, make_layer
from .perceptron import explain_perceptron

EXAMPLES = ("course", "relu-mse", "two-layer", "perceptron")
VARIANTS = {"two-layer": ("mse", "sigmoid-mse", "sigmoid-bce"), "perceptron": ("or", "xor")}


def course():
    """The course example: a 1–2–3–1 sigmoid network with binary cross-entropy: x = 2.0, y = 1, η = 0.1."""
    net = Network([
        make_layer([[0.1], [0.1]], [0.1, 0.2], "sigmoid"),
        make_layer([[0.2, 0.1], [0.3, 0.2], [0.1, 0.3]], [0.3, 0.1, 0.2], "sigmoid"),
        make_layer([[0.4, 0.2, 0.6]], [0.5], "sigmoid"),
    ])
    return dict(model=net, x=[2.0], y=[1.0], loss_fn="bce", lr=0.1, conventions={},
                title="Course example: 1–2–3–1 sigmoid network, binary cross-entropy")


def relu_mse():
    """The ReLU regression example: a single ReLU neuron ŷ = max(0, Xw + β) with MSE on a batch of m = 4 samples."""
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 1.0]])
    y = np.array([1.0, 0.0, 0.5, 2.0])
    net = Network([make_layer([[0.5, -0.25]], [0.1], "relu")])
    return dict(model=net, x=X, y=y, loss_fn="mse", lr=0.1, conventions={},
                title="ReLU neuron, mean squared error, batch of 4")


def two_layer(variant="mse"):
    """The homework's Linear → f → Linear → g network (2–3–2), x ∈ ℝ², y ∈ ℝ².

    Variants: 'mse' (ReLU, identity, ℓ = ‖ŷ − y‖², reduction sum as in the
    homework), 'sigmoid-mse' (σ, σ, sum), 'sigmoid-bce' (σ, σ, BCE with 1/K).
    """
    if variant not in VARIANTS["two-layer"]:
        raise ParameterError(
            f"The 'variant' parameter of two-layer must be one of {list(VARIANTS['two-layer'])}. Got {variant!r}."
        )
    W1 = [[0.5, -0.3], [0.2, 0.4], [-0.6, 0.1]]
    b1 = [0.1, -0.2, 0.05]
    W2 = [[0.3, -0.5, 0.2], [0.7, 0.1, -0.4]]
    b2 = [0.0, 0.1]
    x, y = [1.0, 2.0], [0.5, 1.0]
    f, g = ("relu", "identity") if variant == "mse" else ("sigmoid", "sigmoid")
    loss = "bce" if variant == "sigmoid-bce" else "mse"
    conv = {} if loss == "bce" else {"reduction": "sum"}
    net = Network([make_layer(W1, b1, f), make_layer(W2, b2, g)])
    names = {"mse": "ReLU, identity, squared error", "sigmoid-mse": "sigmoid, sigmoid, squared error",
             "sigmoid-bce": "sigmoid, sigmoid, binary cross-entropy"}
    return dict(model=net, x=x, y=y, loss_fn=loss, lr=None, conventions=conv,
                title=f"Two-layer 2–3–2 network ({names[variant]})")


def spec(name, variant=None):
    """The keyword arguments of :func:`gradlab.explainer` for example ``name``."""
    if name == "course":
        return course()
    if name == "relu-mse":
        return relu_mse()
    if name == "two-layer":
        return two_layer(variant or "mse")
    raise ParameterError(f"The 'example' parameter of explain must be one of {list(EXAMPLES)}. Got {name!r}.")


def example(name="course", variant=None, layout="denominator", precision=4, lr=None):
    """The Explanation of built-in example ``name`` (the perceptron gives a PerceptronExplanation).

    ``lr`` replaces the example's own learning rate (the perceptron's is 0.1).
    """
    if name == "perceptron":
        return explain_perceptron(variant or "or", precision=precision, **({} if lr is None else {"lr": lr}))
    s = spec(name, variant)
    if lr is not None:
        s["lr"] = lr
    return explain(s["model"], s["x"], s["y"], s["loss_fn"], lr=s["lr"], layout=layout, precision=precision,
                   title=s["title"], **s["conventions"])
