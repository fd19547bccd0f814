"""The perceptron's separating line after each epoch (slides: "A Single Perceptron").

On AND and OR the Rosenblatt rule finds a line that separates the two
classes in a few epochs; on XOR no line exists, so the line keeps moving and
every epoch misclassifies some point — the classic reason for hidden layers.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.constraints import Satisfies, declare
from ..data.synthetic import GATES as GATE_TABLES
from ..data.synthetic import gate_table
from ..train import ConvergenceWarning, Perceptron
from . import _mpl

GATES = tuple(GATE_TABLES)


def gate_data(gate: str):
    """The truth table of a logic gate: X (4, 2) of 0/1 inputs and y (4,) targets (from gradlab.data)."""
    return gate_table(gate, "plot_perceptron")


def epoch_weights(perceptron) -> list:
    """Weights [w0, w1, w2] at the start and after each epoch of a fitted ``gl.Perceptron``.

    Read from ``perceptron.history_`` (one record per sample per epoch, each
    holding the weights after its step); the first entry is ``initial_weights``.
    """
    out = [np.asarray(perceptron.initial_weights, dtype=np.float64)]
    last = {}
    for step in perceptron.history_:
        last[step.epoch] = np.asarray(step.weights, dtype=np.float64)
    out.extend(last[e] for e in sorted(last))
    return out


def _line(ax, w, theta, xlim, **style):
    """Draw w0 + w1 x1 + w2 x2 = θ within xlim; returns False when there is no line (w1 = w2 = 0)."""
    w0, w1, w2 = (float(v) for v in w)
    if abs(w2) > 1e-12:
        xs = np.array(xlim)
        ax.plot(xs, (theta - w0 - w1 * xs) / w2, **style)
        return True
    if abs(w1) > 1e-12:
        x = (theta - w0) / w1
        ax.plot([x, x], [xlim[0], xlim[1]], **style)
        return True
    return False


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_perceptron_lines(X, y, weights, path=None, *, threshold: float = 0.0, title: str = "Perceptron", errors=None, ax=None):
    """The data and the line w·x = θ for each weight vector in ``weights`` (light = early, dark = last).

    Args:
        X: inputs, shape (N, 2).
        y: 0/1 targets, shape (N,).
        weights: list of arrays of shape (3,): [w0 (bias), w1, w2], e.g. one per epoch.
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        threshold: θ of the unit step.
        errors: misclassified samples per epoch (shown in the legend).

    Returns:
        the matplotlib ``Figure``.
    """
    from matplotlib import colormaps

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    with _mpl.style():
        fig, ax = _mpl.figure_and_axes(ax, 5.2, 5.0)
        lo, hi = X.min() - 0.5, X.max() + 0.5
        cmap = colormaps["Greys"]
        n = len(weights)
        labelled = False
        for k, w in enumerate(weights):
            final = k == n - 1
            shade = cmap(0.3 + 0.6 * k / max(1, n - 1))
            label = None
            if final:
                label = "line after the last epoch"
                _fill_regions(ax, w, threshold, (lo, hi))
            elif not labelled:
                label = "earlier epochs (light = early)"
            drawn = _line(ax, w, threshold, (lo, hi), color="#000000" if final else shade, lw=2.6 if final else 1.2,
                          ls="-" if final else "--", label=label, zorder=3 if final else 2)
            labelled = labelled or (drawn and not final)
        for c, marker in ((0, "o"), (1, "s")):
            sel = y == c
            ax.scatter(X[sel, 0], X[sel, 1], s=140, marker=marker, color=_mpl.CLASS_COLORS[c], edgecolors="black",
                       zorder=5, label=f"target {c}")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ticks = np.arange(np.ceil(lo * 2) / 2, hi + 1e-9, 0.5)
        ax.set_xticks(ticks)
        ax.set_yticks(ticks)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(title)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False, fontsize=9)
    return _mpl.finish(fig, path, "plot_perceptron_lines")


def _fill_regions(ax, w, theta, lim):
    g = np.linspace(lim[0], lim[1], 200)
    gx, gy = np.meshgrid(g, g)
    z = w[0] + w[1] * gx + w[2] * gy
    ax.contourf(gx, gy, (z >= theta).astype(float), levels=[-0.5, 0.5, 1.5], colors=["#fde2d4", "#d6e6f9"], zorder=0)


def _title(gate, p):
    name = gate.upper()
    errs = ", ".join(str(e) for e in p.errors_)
    if p.converged_:
        head = f"{name}: separated after {p.epochs_} epoch{'s' if p.epochs_ != 1 else ''}"
    else:
        head = f"{name}: never separated in {p.epochs_} epochs"
    return f"{head}\nerrors per epoch: {errs}"


def _gate_names(gates) -> tuple:
    """A gate name or a list of them as a tuple of names."""
    return (gates,) if isinstance(gates, str) else tuple(gates)


GATE_LIST = Satisfies(lambda g: isinstance(g, (str, list, tuple)) and len(_gate_names(g)) > 0
                      and all(str(n).lower() in GATE_TABLES for n in _gate_names(g)),
                      "a gate name or a non-empty list of them, each one of " + ", ".join(map(repr, GATE_TABLES)),
                      invalid=("xnor", (), ["and", "nor"], None, 3))


@declare(gates=GATE_LIST, path=_mpl.PICTURE_PATH_OR_NONE)
def plot_perceptron(gates=("and", "or", "xor"), path=None, *, max_epochs: int = 10, lr: float = 1.0, threshold: float = 0.0):
    """Train ``gl.Perceptron`` on each logic gate and draw its line after every epoch, one panel per gate.

    Args:
        gates: a gate name or names from :data:`GATES` ('and', 'or', 'nand', 'xor').
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        max_epochs: the most passes over the 4 samples.
        lr: learning rate η of the Rosenblatt rule.
        threshold: θ of the unit step.

    Returns:
        the matplotlib ``Figure``.
    """

    gates = _gate_names(gates)
    with _mpl.style():
        fig = _mpl.new_figure(4.6 * len(gates), 5.0)
        axes = fig.subplots(1, len(gates), squeeze=False)[0]
        for ax, gate in zip(axes, gates):
            X, y = gate_data(gate)
            p = Perceptron(2, threshold=threshold, lr=lr)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                p.fit(X, y, max_epochs=max_epochs)
            plot_perceptron_lines(X, y, epoch_weights(p), threshold=threshold, title=_title(gate, p), ax=ax)
        fig.suptitle("Perceptron: the line w₀ + w₁x₁ + w₂x₂ = θ after each epoch")
    return _mpl.finish(fig, path, "plot_perceptron")
