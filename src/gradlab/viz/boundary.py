"""Decision boundaries of 2-D classifiers and fitted curves of 1-feature regressions."""

from __future__ import annotations

import numpy as np

from ..core.constraints import SCORE_OUTPUTS, declare
from ..core.errors import InputTypeError, ShapeError
from . import _mpl
from ..core.graph import no_grad
from ..core.tensor import Tensor, tensor

PROBABILITY_LAYERS = ("Sigmoid", "Softmax")


def _last_module(model):
    children = getattr(model, "children", None)
    if callable(children):
        kids = children()
        if kids:
            return _last_module(kids[-1])
    return model


def _raw_outputs(model, X):
    """Model outputs for rows X (N, d) as an array (N, k) or (N,)."""
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X), dtype=np.float64), "probability"
    if hasattr(model, "predict"):
        out = np.asarray(model.predict(X), dtype=np.float64)
    elif callable(model):

        with no_grad():
            out = model(tensor(X))
        out = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    else:
        raise InputTypeError(f"predict_scores: the model must have .predict(X) or be callable, got {type(model).__name__}")
    last = type(_last_module(model)).__name__
    return out, ("probability" if last in PROBABILITY_LAYERS else "raw")


@declare(output=SCORE_OUTPUTS)
def predict_scores(model, X, output: str = "auto"):
    """Class-1 probabilities (binary) or class probabilities (multi-class) of ``model`` on ``X``.

    Args:
        model: a gradlab Module (``.predict``), anything with ``predict_proba``
            or ``predict``, or a callable Tensor -> Tensor.
        X: inputs, shape (N, d).
        output: what the model outputs: 'probability', 'logit' (raw scores,
            turned into probabilities with sigmoid/softmax), 'label' (class
            indices), or 'auto' (probability when the network ends in Sigmoid
            or Softmax or has ``predict_proba``, logits otherwise).

    Returns:
        ``(P, k)``: P of shape (N,) with P[i] = P(class 1) when k = 2, or
        (N, k) class probabilities; for 'label' P holds one-hot rows.
    """
    out, kind = _raw_outputs(model, np.asarray(X, dtype=np.float64))
    if output != "auto":
        kind = output
    out = out.reshape(out.shape[0], -1)
    if kind == "label":
        labels = np.rint(out[:, 0]).astype(int)
        k = max(2, int(labels.max()) + 1)
        return (labels == 1).astype(float) if k == 2 else np.eye(k)[labels], k
    if out.shape[1] == 1:
        p = out[:, 0]
        if kind in ("raw", "logit"):
            p = 1.0 / (1.0 + np.exp(-np.clip(p, -500, 500)))
        return p, 2
    if kind in ("raw", "logit"):
        z = out - out.max(axis=1, keepdims=True)
        e = np.exp(z)
        out = e / e.sum(axis=1, keepdims=True)
    return out, out.shape[1]


def _grid(X, resolution, margin=0.12):
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def _as_labels(y):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return np.rint(y.reshape(-1)).astype(int)


@declare(path=_mpl.PICTURE_PATH_OR_NONE, output=SCORE_OUTPUTS)
def plot_decision_boundary(model, X, y, path=None, *, output: str = "auto", resolution: int = 200, title: str = "Decision boundary",
                           feature_names=("$x_1$", "$x_2$"), show_points: bool = True, ax=None):
    """The predicted class-1 probability over a grid, the 0.5 contour, and the data points.

    Args:
        model: see :func:`predict_scores`.
        X: inputs, shape (N, 2).
        y: class labels, shape (N,) or (N, 1) of 0/1/..., or one-hot (N, k).
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        output: see :func:`predict_scores`.
        resolution: grid points per axis.
        title: the axes title (the training accuracy is appended).
        feature_names: the two axis labels.
        show_points: draw the data points over the regions.
        ax: draw into this matplotlib Axes instead of a new figure.

    Returns:
        the matplotlib ``Figure``. Binary problems are shaded from orange
        (class 0) to blue (class 1) by probability; multi-class ones by the
        predicted class.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}; for one feature use plot_regression")
    labels = _as_labels(y)
    if labels.shape[0] != X.shape[0]:
        raise ShapeError(f"plot_decision_boundary: X has {X.shape[0]} rows but y has {labels.shape[0]}")
    with _mpl.style():
        fig, ax = _mpl.figure_and_axes(ax, 6.0, 5.0)
        _draw_boundary(ax, model, X, labels, output, resolution, title, feature_names, show_points)
    return _mpl.finish(fig, path, "plot_decision_boundary")


def _draw_boundary(ax, model, X, labels, output, resolution, title, feature_names, show_points=True):
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap

    gx, gy, pts = _grid(X, int(resolution))
    P, k = predict_scores(model, pts, output)
    if k == 2:
        cmap = LinearSegmentedColormap.from_list("gl_binary", ["#f4a582", "#f7f7f7", "#92c5de"])
        field = ax.contourf(gx, gy, P.reshape(gx.shape), levels=np.linspace(0, 1, 11), cmap=cmap, vmin=0, vmax=1)
        ax.contour(gx, gy, P.reshape(gx.shape), levels=[0.5], colors="#222222", linewidths=1.6)
        cbar = ax.figure.colorbar(field, ax=ax, shrink=0.9)
        cbar.set_label("predicted P(class 1)")
        pred = (predict_scores(model, X, output)[0] >= 0.5).astype(int)
    else:
        colors = [c + "55" for c in _mpl.CLASS_COLORS[:k]]
        cls = np.argmax(P, axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, cls, levels=np.arange(k + 1) - 0.5, cmap=ListedColormap(colors))
        pred = np.argmax(predict_scores(model, X, output)[0], axis=1)
    for c in (np.unique(labels) if show_points else ()):
        sel = labels == c
        ax.scatter(X[sel, 0], X[sel, 1], s=22, color=_mpl.CLASS_COLORS[int(c) % len(_mpl.CLASS_COLORS)],
                   edgecolors="white", linewidths=0.6, label=f"class {int(c)}", zorder=3)
    acc = float(np.mean(pred == labels))
    ax.set_title(f"{title} (accuracy {acc:.1%})")
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.grid(False)
    if show_points:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=min(4, len(np.unique(labels))), frameon=False)


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_regression(model, X, y, path=None, *, title: str = "Fitted curve", feature_name: str = "x", target_name: str = "y",
                    points: int = 300, ax=None):
    """The model's prediction over the range of a single feature, with the data.

    Args:
        model: a gradlab Module (``.predict``) or a callable Tensor -> Tensor.
        X: inputs, shape (N, 1) or (N,).
        y: targets, shape (N,) or (N, 1).
        path: where to save (.png, .svg or .pdf); None to only return the figure.
        points: samples along the curve.

    Returns:
        the matplotlib ``Figure``.
    """
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if X.shape[1] != 1:
        raise ShapeError(f"plot_regression: X must have one feature, shape (N, 1), got {X.shape}")
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    lo, hi = X.min(), X.max()
    pad = 0.05 * max(hi - lo, 1e-9)
    grid = np.linspace(lo - pad, hi + pad, int(points)).reshape(-1, 1)
    curve, _ = _raw_outputs(model, grid)
    fitted, _ = _raw_outputs(model, X)
    mse = float(np.mean((np.asarray(fitted).reshape(-1) - y) ** 2))
    with _mpl.style():
        fig, ax = _mpl.figure_and_axes(ax, 6.0, 4.2)
        ax.scatter(X[:, 0], y, s=16, color=_mpl.NEUTRAL, alpha=0.7, label="data", zorder=2)
        ax.plot(grid[:, 0], np.asarray(curve).reshape(-1), color=_mpl.POSITIVE, lw=2.4, label="model", zorder=3)
        ax.set_title(f"{title} (MSE {mse:.4g})")
        ax.set_xlabel(feature_name)
        ax.set_ylabel(target_name)
        ax.legend(loc="best")
    return _mpl.finish(fig, path, "plot_regression")


@declare(path=_mpl.PICTURE_PATH_OR_NONE)
def plot_fit(model, X, y, path=None, **kwargs):
    """The picture that fits the data: a decision boundary for 2 features, a curve for 1.

    Args:
        X: inputs (N, 2) for a classifier or (N, 1) for a regression.
        y: labels or targets (N,) or (N, 1).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1 or X.shape[1] == 1:
        return plot_regression(model, X, y, path, **kwargs)
    if X.shape[1] == 2:
        return plot_decision_boundary(model, X, y, path, **kwargs)
    raise ShapeError(f"plot_fit: can draw data with 1 or 2 features, got X of shape {X.shape}")
