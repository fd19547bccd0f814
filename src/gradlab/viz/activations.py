"""Activation functions beside their derivatives, one panel each.

Every curve is computed by gradlab itself: the function with the core
operation (``gl.sigmoid``, ``gl.tanh``...) and the derivative by backpropagating
``sum(f(x))`` through it, so ``x.grad[i] = f'(x[i])`` — the picture shows what
the engine really differentiates, not a hand-typed formula.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.constraints import SequenceOf, Satisfies, declare
from ..nn import activations as nn_act
from ..ops import catalog
from . import _mpl
from ..core.tensor import tensor


# the panels drawn by default, in this order; any element-wise activation of the catalog can be drawn
NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "identity", "step")


def _drawable(name):
    """The catalog entry of an element-wise activation (by name or alias), else None."""
    try:
        kind = catalog.activation_kind(name)
    except KeyError:
        return None
    return kind if kind is not None and kind.elementwise else None


ACTIVATION_NAME = Satisfies(_drawable, "one of " + ", ".join(
    repr(n) for n in sorted({k.name for k in catalog.ACTIVATION_KINDS.values() if k.elementwise})),
    invalid=("softmax", "softsign", "", None, 3))
ACTIVATION_NAMES = SequenceOf(ACTIVATION_NAME, min_length=1,
                              text=f"a non-empty list of activation names, each {ACTIVATION_NAME.text}")


@declare(name=ACTIVATION_NAME)
def formulas(name, negative_slope=0.1):
    """(panel title, label of f, label of f′) for activation ``name``, written from its catalog entry."""
    kind = _drawable(name)  # the declaration has refused any other name
    fx = f"{kind.symbol}(x)"
    subst = {"z": "x", "a": fx, "α": f"{negative_slope:g}", "θ": "0"}
    f = f"{fx} = {catalog.to_text(kind.formula, subst)}"
    df = f"{kind.symbol}′(x) = {catalog.to_text(kind.derivative, subst)}"
    return kind.title, f.replace("𝓗", "H"), df.replace("𝓗", "H")


@declare(name=ACTIVATION_NAME)
def activation_function(name: str, negative_slope: float = 0.1):
    """The gradlab function (Tensor -> Tensor) for activation ``name``: the gl.nn module of its catalog entry."""
    kind = _drawable(name)  # the declaration has refused any other name
    cls = nn_act.ACTIVATIONS[kind.name]
    module = cls(negative_slope=negative_slope) if cls is nn_act.LeakyReLU else cls()

    def f(x):
        with warnings.catch_warnings():  # Step warns that its gradient is zero: that is what the panel shows
            warnings.simplefilter("ignore", nn_act.GradientWarning)
            return module(x)

    return f


@declare(name=ACTIVATION_NAME)
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

    fn = activation_function(name, negative_slope)
    xt = tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    out = fn(xt)
    out.sum().backward()
    return np.array(out.data, dtype=np.float64), np.array(xt.grad, dtype=np.float64)


def _break_jumps(x, y, jump):
    """Insert NaN where ``y`` jumps by more than ``jump`` so no vertical line is drawn."""
    gaps = np.nonzero(np.abs(np.diff(y)) > jump)[0]
    return np.insert(x, gaps + 1, np.nan), np.insert(y, gaps + 1, np.nan)


def jumps(x, f, jump=0.5):
    """[(x₀, f(x₀), the limit from the other side)] at each jump of the sampled curve whose point x₀ is sampled.

    A jump between samples x[k] and x[k+1] belongs to the side whose value the function takes there: the
    sample that lies on the kink (x = 0 for the default step) carries f(x₀).
    """
    out = []
    for k in np.nonzero(np.abs(np.diff(f)) > jump)[0]:
        if x[k + 1] == 0.0 or (x[k] != 0.0 and abs(x[k + 1]) < abs(x[k])):
            out.append((float(x[k + 1]), float(f[k + 1]), float(f[k])))
        else:
            out.append((float(x[k]), float(f[k]), float(f[k + 1])))
    return out


def _panel(ax, name, x, negative_slope):
    title, f_tex, df_tex = formulas(name, negative_slope)
    f, df = activation_curves(name, x, negative_slope)
    ax.axhline(0, color="#999999", lw=0.8, zorder=1)
    ax.axvline(0, color="#999999", lw=0.8, zorder=1)
    ax.plot(*_break_jumps(x, f, 0.5), color=_mpl.POSITIVE, lw=2.2, label=f_tex, zorder=3)
    ax.plot(*_break_jumps(x, df, 0.5), color=_mpl.NEGATIVE, lw=2.0, ls="--", label=df_tex, zorder=3)
    for x_jump, value, other in jumps(x, f):
        # at a jump the filled dot is the value gradlab computes there (gl.nn.Step: step(θ) = 1, z ≥ θ is on),
        # the open dot the limit from the other side
        ax.plot([x_jump], [other], "o", mfc="white", mec=_mpl.POSITIVE, zorder=4, gid="jump-open")
        ax.plot([x_jump], [value], "o", color=_mpl.POSITIVE, zorder=4, gid="jump-value")
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    lo, hi = min(f.min(), df.min()), max(f.max(), df.max())
    pad = 0.12 * (hi - lo)
    # room above the curves for the legend
    ax.set_ylim(lo - pad, hi + 0.55 * (hi - lo) + pad)
    ax.legend(loc="upper left", frameon=True, framealpha=0.9, fontsize=9)


@declare(path=_mpl.PICTURE_PATH_OR_NONE, names=ACTIVATION_NAMES)
def plot_activations(path=None, *, names=NAMES, x_range=(-5.0, 5.0), negative_slope: float = 0.1, points: int = 801):
    """One panel per activation: the function (solid) and its derivative (dashed).

    Args:
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        names: which activations, a sequence of :data:`NAMES`.
        x_range: (low, high) of the x axis.
        negative_slope: α of leaky ReLU (0.1 by default: the common 0.01 is invisible at this scale).
        points: number of x samples.

    Returns:
        the matplotlib ``Figure``.
    """
    names = tuple(names)
    x = np.linspace(float(x_range[0]), float(x_range[1]), int(points))
    if x[0] < 0.0 < x[-1]:
        x = np.union1d(x, [0.0])  # sample the kinks and the step's jump exactly
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
