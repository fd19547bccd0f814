"""The pictures of the demo tour, and the course example (the README's *The built-in examples*) as a network before and after one step.

:func:`course_step` computes the course example's 1–2–3–1 sigmoid network (x = 2,
y = 1, binary cross-entropy, η = 0.1) with gradlab's own modules and
autodiff; :func:`demo_tour` writes every kind of picture gradlab draws plus
an HTML report that holds them, into one folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn
from ..core.tensor import tensor
from ..ops.api import mse, relu
from ..viz.activations import plot_activations
from ..viz.graph import computation_graph
from ..viz.network import network_update_diagram
from ..viz.perceptron import plot_perceptron
from ..viz.report import Report
from . import train as T

# The slides' network: weights (out, in) and biases per layer.
COURSE_WEIGHTS = (
    (np.array([[0.1], [0.1]]), np.array([0.1, 0.2])),
    (np.array([[0.2, 0.1], [0.3, 0.2], [0.1, 0.3]]), np.array([0.3, 0.1, 0.2])),
    (np.array([[0.4, 0.2, 0.6]]), np.array([0.5])),
)


def course_network():
    """The course example's 1–2–3–1 sigmoid network (the README's *The built-in examples*) as a ``gl.nn.Sequential``."""

    layers = []
    for W, b in COURSE_WEIGHTS:
        lin = nn.Linear(W.shape[1], W.shape[0]).set_parameters(W, b)
        layers += [lin, nn.Sigmoid()]
    return nn.Sequential(*layers)


def course_step(lr: float = 0.1, x: float = 2.0, y: float = 1.0) -> dict:
    """One gradient-descent step of the course example (1–2–3–1 sigmoid network), computed by autodiff.

    Returns:
        dict with 'before' and 'after' (lists of (W, b, 'sigmoid')),
        'gradients' (∂L/∂W per layer, shapes like W), 'activations' (input
        and every layer's output, 1-D arrays), 'loss', 'loss_after', 'lr'.
    """

    net = course_network()
    xt = tensor([[x]])
    acts = [np.array([x])]
    h = xt
    for mod in net:
        h = mod(h)
        if type(mod).__name__ == "Sigmoid":
            acts.append(np.array(h.data).reshape(-1))
    loss = nn.BCELoss()(h, tensor([[y]]))
    loss.backward()
    linears = [m for m in net if hasattr(m, "weight")]
    before = [(m.weight.data.copy(), m.bias.data.copy(), "sigmoid") for m in linears]
    grads = [m.weight.grad.copy() for m in linears]
    after = [(W - lr * m.weight.grad, b - lr * m.bias.grad, "sigmoid") for (W, b, _), m in zip(before, linears)]
    for m, (W, b, _) in zip(linears, after):
        m.set_parameters(W, b)
    with_new = net.predict(np.array([[x]]))
    loss_after = float(-(y * np.log(with_new) + (1 - y) * np.log(1 - with_new)).sum())
    return {"before": before, "after": after, "gradients": grads, "activations": acts,
            "loss": float(loss.item()), "loss_after": loss_after, "lr": lr}


def course_update_diagram(path=None, lr: float = 0.1):
    """The course example's network before and after one step (weights, gradients, new weights); returns the Figure."""

    step = course_step(lr)
    return network_update_diagram(step["before"], path, after=step["after"], gradients=step["gradients"], lr=lr,
                                  neuron_values=step["activations"],
                                  title=f"The course example's 1–2–3–1 network, one step: loss {step['loss']:.4f} → {step['loss_after']:.4f}")


def seed_graph(path, engine: str = "auto"):
    """The computation graph of the relu-mse loss L = mean((max(0, XW + b) − Y)²), small random numbers."""

    rng = np.random.default_rng(0)
    X = tensor(np.round(rng.normal(size=(3, 2)), 2), name="X")
    W = tensor(np.round(rng.normal(size=(2, 1)), 2), requires_grad=True, name="W")
    b = tensor([0.1], requires_grad=True, name="b")
    Y = tensor(np.round(rng.normal(size=(3, 1)), 2), name="Y")
    loss = mse(relu(X @ W + b), Y)
    return computation_graph(loss, path, engine=engine)


def demo_tour(out_dir, epochs: int = 150, verbose: int = 1, extend=None) -> dict:
    """Write every kind of picture gradlab draws, and report.html holding them, into ``out_dir``.

    ``extend(report)``, when given, adds sections (e.g. a derivation) before the report is written.

    Returns:
        {name: Path} of the files written ('report' is the HTML file).
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"activations": out / "activations.png", "perceptron": out / "perceptron.png",
             "course_update": out / "course_update.png", "graph": out / "computation_graph.png"}
    plot_activations(files["activations"])
    plot_perceptron(path=files["perceptron"])
    course_update_diagram(files["course_update"])
    seed_graph(files["graph"])
    prepared = T.prepare(T.TrainSpec(epochs=epochs))
    result = T.run(prepared, verbose=verbose)
    written = T.write_outputs(result, out)
    files.update(written)
    r = Report("gradlab tour")
    r.text("Every picture gradlab draws, from the activation functions to a network trained on moons.")
    r.heading("Activation functions and their derivatives")
    r.math(r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))")
    r.figure(files["activations"])
    r.heading("The perceptron on AND, OR and XOR")
    r.figure(files["perceptron"], "AND and OR are separated by a line; XOR never is.")
    r.heading("The course example (1–2–3–1 sigmoid network): one gradient-descent step")
    r.math(r"W \leftarrow W - \eta \, \frac{\partial L}{\partial W}")
    r.figure(files["course_update"])
    r.heading("Computation graph of the relu-mse loss (one ReLU neuron, MSE)")
    r.math(r"L = \frac{1}{m} \| \max(0, XW + b) - Y \|_F^2")
    r.graph(files["graph"], "Every node of the graph with its value and gradient; the box scrolls, and the page's zoom "
                            "enlarges it.")
    r.heading("Training on moons")
    r.text(T.describe(prepared))
    r.table(["quantity", "value"], [list(row) for row in result.summary])
    for name in ("learning_curve", "decision_boundary", "network"):
        if name in written:
            r.figure(written[name])
    if extend is not None:
        extend(r)
    files["report"] = r.write(out / "report.html")
    return files
