"""Seeded generators of small teaching datasets.

Every generator returns ``(X, y)``: ``X`` is a float64 array of shape
(N, features), ``y`` has shape (N,) — int64 class labels 0..C-1 for the
classification sets, float64 targets for :func:`linear_regression`. Every
random choice comes from ``numpy.random.default_rng(seed)``, so the same seed
gives the same arrays; ``seed`` may also be a ``numpy.random.Generator``.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.constraints import (NON_NEGATIVE_FLOAT, OPEN_FRACTION, POSITIVE_FLOAT, POSITIVE_INT, SEED, Interval,
                                Optional, Options, check, declare, refusal)

TWO_OR_MORE = Interval(2, integer=True)  # samples of a two-class set, classes of a spiral


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


# the logic gates' truth tables: y for the inputs (0,0), (0,1), (1,0), (1,1), in that order
GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "xor": (0, 1, 1, 0)}
GATE_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
GATE_NAMES = Options(*GATES)  # matched case-insensitively


def gate_table(gate: str, owner: str = "gate_table"):
    """The truth table of logic gate ``gate`` ('and', 'or', 'nand', 'xor'): X (4, 2) float64 of 0/1 inputs and y (4,)
    int64 targets."""
    key = str(gate).lower()
    if key not in GATES:
        raise refusal(owner, "gate", gate, GATE_NAMES)
    return np.array(GATE_INPUTS), np.array(GATES[key], dtype=np.int64)


def _gate(owner, gate, n_samples, noise, seed):
    """The 4-row truth table of a logic gate, or ``n_samples`` noisy copies of its rows."""
    X, y = gate_table(gate, owner)
    if n_samples is None:
        if noise == 0:
            return X, y
        n_samples = 4
    rng = _rng(seed)
    rows = np.arange(n_samples) % 4
    rows = rng.permutation(rows)
    Xn = X[rows] + noise * rng.standard_normal((n_samples, 2))
    return Xn, y[rows]


GATE_SET = dict(n_samples=Optional(POSITIVE_INT), noise=NON_NEGATIVE_FLOAT, seed=SEED)


@declare(**GATE_SET)
def xor(n_samples=None, noise=0.0, seed=None):
    """The XOR truth table: y = x1 XOR x2.

    Args:
        n_samples: None for the 4 rows (0,0) (0,1) (1,0) (1,1) in that order;
            an int for that many rows cycling through the 4 corners, shuffled.
        noise: standard deviation of Gaussian noise added to X.
        seed: int or numpy Generator.
    Returns:
        X (N, 2) float64 and y (N,) int64 in {0, 1}.
    """
    return _gate("xor", "xor", n_samples, noise, seed)


@declare(**GATE_SET)
def and_gate(n_samples=None, noise=0.0, seed=None):
    """The AND truth table (y = 1 only for (1, 1)); arguments as :func:`xor`.

    Returns X (N, 2) float64 and y (N,) int64.
    """
    return _gate("and_gate", "and", n_samples, noise, seed)


@declare(**GATE_SET)
def or_gate(n_samples=None, noise=0.0, seed=None):
    """The OR truth table (y = 0 only for (0, 0)); arguments as :func:`xor`.

    Returns X (N, 2) float64 and y (N,) int64.
    """
    return _gate("or_gate", "or", n_samples, noise, seed)


@declare(n_samples=TWO_OR_MORE, noise=NON_NEGATIVE_FLOAT, seed=SEED)
def moons(n_samples=100, noise=0.0, seed=None):
    """Two interleaving half circles (as scikit-learn's ``make_moons``), shuffled.

    Class 0 is the upper moon (cos t, sin t), class 1 the lower one
    (1 − cos t, 0.5 − sin t), t in [0, π].

    Returns X (n_samples, 2) float64 and y (n_samples,) int64 in {0, 1}.
    """
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = np.column_stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)])
    X = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


@declare(n_samples=TWO_OR_MORE, noise=NON_NEGATIVE_FLOAT, factor=OPEN_FRACTION, seed=SEED)
def circles(n_samples=100, noise=0.0, factor=0.5, seed=None):
    """A small circle (class 1, radius ``factor``) inside a unit circle (class 0), shuffled.

    Returns X (n_samples, 2) float64 and y (n_samples,) int64 in {0, 1}.
    """
    rng = _rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    outer = np.column_stack([np.cos(t_out), np.sin(t_out)])
    inner = factor * np.column_stack([np.cos(t_in), np.sin(t_in)])
    X = np.vstack([outer, inner])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


@declare(n_samples=TWO_OR_MORE, noise=NON_NEGATIVE_FLOAT, n_classes=TWO_OR_MORE, turns=POSITIVE_FLOAT, seed=SEED)
def spirals(n_samples=100, noise=0.0, n_classes=2, turns=1.5, seed=None):
    """``n_classes`` interleaved spiral arms starting at the origin, shuffled.

    Arm k holds points r (cos(θ + 2πk/C), sin(θ + 2πk/C)) with r in [0, 1]
    and θ = 2π · turns · r.

    Returns X (n_samples, 2) float64 and y (n_samples,) int64 in 0..n_classes-1.
    """
    if n_classes > n_samples:
        check("spirals", "n_classes", n_classes, Interval(2, n_samples, integer=True,
                                                         text=f"an int in [2, n_samples = {n_samples}]"))
    rng = _rng(seed)
    sizes = [n_samples // n_classes + (1 if k < n_samples % n_classes else 0) for k in range(n_classes)]
    parts, labels = [], []
    for k, size in enumerate(sizes):
        r = np.linspace(0.0, 1.0, size)
        theta = 2 * np.pi * turns * r + 2 * np.pi * k / n_classes
        parts.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        labels.append(np.full(size, k, np.int64))
    X = np.vstack(parts) + noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, np.concatenate(labels), rng)


@declare(n_samples=POSITIVE_INT, n_features=POSITIVE_INT, cluster_std=NON_NEGATIVE_FLOAT, seed=SEED)
def blobs(n_samples=100, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0), seed=None):
    """Gaussian clusters, one per class, shuffled.

    Args:
        centers: an int (that many centres drawn uniformly in ``center_box``)
            or an array (C, n_features) of centres.
        cluster_std: standard deviation of every cluster.
    Returns:
        X (n_samples, n_features) float64 and y (n_samples,) int64 in 0..C-1.
    """
    rng = _rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        if not 1 <= centers <= n_samples:
            raise refusal("blobs", "centers", centers,
                          f"an int in [1, n_samples = {n_samples}] or an array (C, n_features)")
        low, high = center_box
        centres = rng.uniform(low, high, size=(int(centers), int(n_features)))
    else:
        centres = np.asarray(centers, dtype=np.float64)
        if centres.ndim != 2 or len(centres) < 1:
            raise refusal("blobs", "centers", centers, "an int or a 2-D array (C, n_features)")
    n_classes = len(centres)
    y = np.arange(n_samples, dtype=np.int64) % n_classes
    X = centres[y] + cluster_std * rng.standard_normal((n_samples, centres.shape[1]))
    return _shuffled(X, y, rng)


@declare(n_samples=POSITIVE_INT, n_features=POSITIVE_INT, noise=NON_NEGATIVE_FLOAT, seed=SEED)
def linear_regression(n_samples=100, n_features=1, noise=0.0, weights=None, bias=0.0, seed=None):
    """A linear target y = X @ w + b + noise with X ~ N(0, 1).

    Args:
        weights: array (n_features,) of true weights; None draws them
            uniformly from [-2, 2] with the same generator (pass them to
            know them).
        bias: the true intercept b.
        noise: standard deviation of the Gaussian noise added to y.
    Returns:
        X (n_samples, n_features) float64 and y (n_samples,) float64.
    """
    rng = _rng(seed)
    if weights is None:
        w = rng.uniform(-2.0, 2.0, size=n_features)
    else:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape != (n_features,):
            raise refusal("linear_regression", "weights", weights, f"an array of shape ({n_features},)")
    X = rng.standard_normal((n_samples, n_features))
    y = X @ w + float(bias) + noise * rng.standard_normal(n_samples)
    return X, y
