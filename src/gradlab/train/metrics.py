"""Metrics computed on NumPy outputs and targets during ``fit`` and ``evaluate``.

A metric is a function ``metric(output, target) -> float``: the mean over
the rows of a batch (``fit`` averages batches weighted by their size, which
gives the exact mean over the data). Names accepted by ``fit``:
'accuracy' ('acc'), 'mse', 'mae'; any callable with that signature works too
and is logged under its ``__name__``.

How accuracy decides (see :func:`accuracy`):

* **binary** — the model has one output per sample, (N,) or (N, 1): the
  predicted class is 1 where output > threshold, else 0. The threshold is
  0 when the loss is ``BCEWithLogitsLoss`` (outputs are logits: z > 0 ⇔
  σ(z) > 0.5) and 0.5 otherwise (probabilities from a Sigmoid, or a
  regression output fitted to 0/1 labels). Targets are 0/1 labels.
* **multi-class** — C ≥ 2 outputs, (N, C): the predicted class is the
  argmax of the row; targets are class indices (N,) or one-hot /
  probability rows (N, C) (their argmax is the class).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from ..nn.losses import BCEWithLogitsLoss


def accuracy(output, target, threshold=0.5) -> float:
    """Fraction of correctly classified rows.

    Args:
        output: (N,) or (N, 1) binary scores, or (N, C) multi-class scores.
        target: (N,) or (N, 1) labels (0/1 for binary, class indices for
            multi-class), or (N, C) one-hot rows.
        threshold: binary decision threshold (0 for logits, 0.5 for probabilities).
    Returns:
        A float in [0, 1].
    """
    output = np.asarray(output)
    target = np.asarray(target)
    n = output.shape[0] if output.ndim else 1
    if output.ndim <= 1 or output.shape[-1] == 1:
        predicted = (output.reshape(n) > threshold)
        labels = target.reshape(n) > 0.5
        return float(np.count_nonzero(predicted == labels)) / n
    predicted = output.argmax(axis=-1)
    if target.shape == output.shape:
        labels = target.argmax(axis=-1)
    else:
        labels = target.reshape(n)
    return float(np.count_nonzero(predicted == labels)) / n


def mse(output, target) -> float:
    """Mean squared error over every element (target reshaped to the output's shape)."""
    output = np.asarray(output)
    diff = output - np.asarray(target).reshape(output.shape)
    return float(np.mean(diff * diff))


def mae(output, target) -> float:
    """Mean absolute error over every element (target reshaped to the output's shape)."""
    output = np.asarray(output)
    return float(np.mean(np.abs(output - np.asarray(target).reshape(output.shape))))


def binary_threshold(loss_fn) -> float:
    """0.0 when ``loss_fn`` works on logits (BCEWithLogitsLoss), else 0.5."""
    return 0.0 if isinstance(loss_fn, BCEWithLogitsLoss) else 0.5


def resolve_metrics(metrics, loss_fn) -> list:
    """[(log name, function(output, target) -> float)] for the ``metrics`` argument of fit/evaluate."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    threshold = binary_threshold(loss_fn)
    out = []
    for m in metrics:
        if callable(m):
            out.append((getattr(m, "__name__", "metric"), m))
        elif m in ("accuracy", "acc"):
            out.append(("accuracy", _accuracy_with(threshold)))
        elif m == "mse":
            out.append(("mse", mse))
        elif m == "mae":
            out.append(("mae", mae))
        else:
            raise ParameterError(f"fit: unknown metric {m!r}; use 'accuracy', 'mse', 'mae' or a function "
                                 "metric(output, target) -> float")
    names = [n for n, _ in out]
    if len(set(names)) != len(names) or "loss" in names:
        raise ParameterError(f"fit: metric names must be distinct and not 'loss', got {names}")
    return out


def _accuracy_with(threshold):
    def accuracy_metric(output, target):
        return accuracy(output, target, threshold)

    accuracy_metric.threshold = threshold  # fit's compiled loop computes it for every batch at once
    return accuracy_metric


def batch_accuracies(output, target, starts, threshold) -> np.ndarray:
    """:func:`accuracy` of each batch of rows at once: batch i is rows ``starts[i]`` up to the next start.

    The same numbers as calling :func:`accuracy` on each batch (count / rows, as a float division).
    """
    output, target = np.asarray(output), np.asarray(target)
    n = output.shape[0]
    if output.ndim <= 1 or output.shape[-1] == 1:
        correct = (output.reshape(n) > threshold) == (target.reshape(n) > 0.5)
    else:
        labels = target.argmax(axis=-1) if target.shape == output.shape else target.reshape(n)
        correct = output.argmax(axis=-1) == labels
    counts = np.add.reduceat(correct.astype(np.int64), starts)
    sizes = np.diff(np.append(starts, n))
    return counts.astype(np.float64) / sizes
