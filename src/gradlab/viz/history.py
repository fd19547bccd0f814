"""Learning curves: training and validation loss and metrics per epoch."""

from __future__ import annotations

import numpy as np

from ..core.constraints import declare, refusal
from ..core.errors import InputTypeError
from . import _mpl

_PRETTY = {"loss": "Loss", "accuracy": "Accuracy", "acc": "Accuracy", "mae": "Mean absolute error", "mse": "Mean squared error"}


def history_dict(history) -> dict:
    """The ``{name: [value per epoch]}`` dict of a History (``.history``) or of a plain dict."""
    d = getattr(history, "history", history)
    if not isinstance(d, dict):
        raise InputTypeError(
            f"plot_history: expected a History (with a .history dict) or a dict of per-epoch lists, got {type(history).__name__}"
        )
    out = {}
    for key, values in d.items():
        if values is None:
            continue
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        if arr.size:
            out[str(key)] = arr
    return out


def _metric_names(d) -> list:
    """Base names ('loss', 'accuracy', ...) in a stable order, loss first."""
    names = []
    for key in d:
        base = key[4:] if key.startswith("val_") else key
        if base not in names and base not in ("epoch", "time", "lr"):
            names.append(base)
    loss_first = [n for n in names if n == "loss"] + [n for n in names if n != "loss"]
    return loss_first


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_history(history, path=None, *, metrics=None, title: str = "Learning curves", log_loss=None):
    """Training (solid) and validation (dashed) curves per epoch, one panel per metric.

    Args:
        history: a ``gl.History`` (its ``.history`` dict) or a dict such as
            ``{'loss': [...], 'val_loss': [...], 'accuracy': [...], 'val_accuracy': [...]}``,
            each a list with one value per epoch.
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        metrics: the base names to draw (default: every one found, loss first).
        title: the figure title.
        log_loss: log scale on the loss axis; default: when the loss falls by
            more than a factor 100.

    Returns:
        the matplotlib ``Figure``.
    """
    d = history_dict(history)
    names = list(metrics) if metrics is not None else _metric_names(d)
    names = [n for n in names if n in d or f"val_{n}" in d]
    if not names:
        raise refusal("plot_history", "history", history, "a History or a dict holding per-epoch values",
                      shown=f"keys {sorted(d)}")
    with _mpl.style():
        fig = _mpl.new_figure(4.8 * len(names), 3.6)
        axes = fig.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            _curve_panel(ax, d, name, log_loss)
        fig.suptitle(title)
    return _mpl.finish(fig, path, "plot_history")


def _curve_panel(ax, d, name, log_loss):
    label = _PRETTY.get(name, name.replace("_", " ").capitalize())
    finals = []
    for key, style, color, who in ((name, "-", _mpl.POSITIVE, "training"), (f"val_{name}", "--", _mpl.NEGATIVE, "validation")):
        if key not in d:
            continue
        values = d[key]
        epochs = np.arange(1, values.size + 1)
        ax.plot(epochs, values, style, color=color, lw=2, marker="o" if values.size <= 30 else None, ms=3,
                label=f"{who} (last {values[-1]:.4g})")
        finals.append(values)
    ax.set_title(label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(label.lower())
    if name == "loss":
        values = np.concatenate(finals)
        positive = values[values > 0]
        wants_log = log_loss if log_loss is not None else (positive.size == values.size and positive.max() > 100 * positive.min())
        if wants_log:
            ax.set_yscale("log")
    if name in ("accuracy", "acc"):
        ax.set_ylim(min(0.0, ax.get_ylim()[0]), 1.02)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best")
