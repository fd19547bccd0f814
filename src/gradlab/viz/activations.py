"""Activation functions beside their derivatives, one panel each (slides: "activation function with differentiability").

Every curve is computed by gradlab itself: the function with the core
operation (``gl.sigmoid``, ``gl.tanh``...) and the derivative by backpropagating
``sum(f(x))`` through it, so ``x.grad[i] = f'(x[i])`` — the picture shows what
the engine really differentiates, not a hand-typed formula.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from . import _mpl


def _identity(x):
    # 1·x: the identity written as an operation so that autodiff records it
    return 1.0 * x


def _sigmoid(x):
    from ..ops.api import sigmoid

    return sigmoid(x)


def _tanh(x):
    from ..ops.api import tanh

    return tanh(x)


def _relu(x):
    from ..ops.api import relu

    return relu(x)


def _step(x):
    from ..ops.api import heaviside

    return heaviside(x)


def _leaky_relu_with(slope):
    def leaky(x):
        from ..ops.api import leaky_relu

        return leaky_relu(x, slope)

    return leaky


# name -> (panel title, formula of f, formula of f')  (matplotlib mathtext)
FORMULAS = {
    "sigmoid": ("Sigmoid", r"$\sigma(x)=\frac{1}{1+e^{-x}}$", r"$\sigma'(x)=\sigma(x)\,(1-\sigma(x))$"),
    "tanh": ("Tanh", r"$\tanh(x)=\frac{e^x-e^{-x}}{e^x+e^{-x}}$", r"$\tanh'(x)=1-\tanh^2(x)$"),
    "relu": ("ReLU", r"$\mathrm{ReLU}(x)=\max(0,x)$", r"$\mathrm{ReLU}'(x)=\mathcal{H}(x)$"),
    "leaky_relu": ("Leaky ReLU", r"$\mathrm{LReLU}(x)=\max(\alpha x,x),\ \alpha={a}$", r"$\mathrm{LReLU}'(x)=1$ if $x>0$ else $\alpha$"),
    "identity": ("Identity", r"$f(x)=x$", r"$f'(x)=1$"),
    "step": ("Unit step", r"$\mathcal{H}(x)=1$ if $x>0$ else $0$", r"$\mathcal{H}'(x)=0$ (undefined at 0)"),
}
NAMES = tuple(FORMULAS)


def activation_function(name: str, negative_slope: float = 0.1):
    """The gradlab function (Tensor -> Tensor) for activation ``name`` (one of :data:`NAMES`)."""
    table = {
        "sigmoid": _sigmoid,
        "tanh": _tanh,
        "relu": _relu,
        "leaky_relu": _leaky_relu_with(negative_slope),
        "identity": _identity,
        "step": _step,
    }
    if name not in table:
        raise ParameterError(f"The 'name' parameter of activation_function must be one of {list(table)}. Got {name!r}.")
    return table[name]


def activation_curves(name: str, x, negative_slope: float = 0.1):
    """Values and derivatives of activation ``name`` at the points ``x``.

    Args:
        name: one of :data:`NAMES`.
        x: points, shape (n,).
        negative_slope: α of leaky ReLU.

    Returns:
        ``(f, df)``, two arrays of shape (n,): f(x) and f'(x), the latter from
        gradlab's backward pass (``d/dx sum(f(x))``).
    """
    from ..core.tensor import tensor

    fn = activation_function(name, negative_slope)
    xt = tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = fn(xt)
    out.sum().backward()
    return np.array(out.data, dtype=np.float64), np.array(xt.grad, dtype=np.float64)


def _break_jumps(x, y, jump):
    """Insert NaN where ``y`` jumps by more than ``jump`` so no vertical line is drawn."""
    gaps = np.nonzero(np.abs(np.diff(y)) > jump)[0]
    return np.insert(x, gaps + 1, np.nan), np.insert(y, gaps + 1, np.nan)


def _panel(ax, name, x, negative_slope):
    title, f_tex, df_tex = FORMULAS[name]
    f_tex = f_tex.replace("{a}", f"{negative_slope:g}")
    f, df = activation_curves(name, x, negative_slope)
    ax.axhline(0, color="#999999", lw=0.8, zorder=1)
    ax.axvline(0, color="#999999", lw=0.8, zorder=1)
    ax.plot(*_break_jumps(x, f, 0.5), color=_mpl.POSITIVE, lw=2.2, label=f_tex, zorder=3)
    ax.plot(*_break_jumps(x, df, 0.5), color=_mpl.NEGATIVE, lw=2.0, ls="--", label=df_tex, zorder=3)
    if name == "step":
        ax.plot([0], [1], "o", mfc="white", mec=_mpl.POSITIVE, zorder=4)
        ax.plot([0], [0], "o", color=_mpl.POSITIVE, zorder=4)
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    lo, hi = min(f.min(), df.min()), max(f.max(), df.max())
    pad = 0.12 * (hi - lo)
    # room above the curves for the legend
    ax.set_ylim(lo - pad, hi + 0.55 * (hi - lo) + pad)
    ax.legend(loc="upper left", frameon=True, framealpha=0.9, fontsize=9)


def plot_activations(path=None, *, names=NAMES, x_range=(-5.0, 5.0), negative_slope: float = 0.1, points: int = 801):
    """One panel per activation: the function (solid) and its derivative (dashed).

    Args:
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        names: which activations, a sequence of :data:`NAMES`.
        x_range: (low, high) of the x axis.
        negative_slope: α of leaky ReLU (the slides use 0.01; 0.1 is easier to see).
        points: number of x samples.

    Returns:
        the matplotlib ``Figure``.
    """
    names = tuple(names)
    for n in names:
        if n not in FORMULAS:
            raise ParameterError(f"The 'names' parameter of plot_activations must list names from {list(NAMES)}. Got {n!r}.")
    if not names:
        raise ParameterError("The 'names' parameter of plot_activations must list at least one activation. Got ().")
    x = np.linspace(float(x_range[0]), float(x_range[1]), int(points))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    with _mpl.style():
        fig = _mpl.new_figure(4.3 * cols, 3.5 * rows)
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax, name in zip(axes.flat, names):
            _panel(ax, name, x, negative_slope)
        for ax in list(axes.flat)[len(names):]:
            ax.set_visible(False)
        fig.suptitle("Activation functions (solid) and their derivatives (dashed), computed by gradlab")
    return _mpl.finish(fig, path, "plot_activations")
