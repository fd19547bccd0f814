"""Rosenblatt's perceptron, exactly as the slides define it.

The slides' perceptron (seed 001, "A Single Perceptron"):

* **Bias trick.** A unit feature x₀ = 1 is prepended to every input so the
  bias b becomes the weight w₀: z = w·x = Σᵢ₌₀ⁿ wᵢxᵢ = b + w₁x₁ + … + wₙxₙ.
  ``weights_`` is therefore ``[w0, w1, ..., wn]`` with ``w0`` the bias.
* **Unit step with threshold θ.** ŷ = g(z) = 1 if z ≥ θ, else 0 (Heaviside;
  note ≥: z = θ gives 1). θ is the ``threshold`` argument, 0 by default.
* **Rosenblatt rule**, one sample at a time, in the order given:
  w ← w + η (y − ŷ) x, with x including x₀ = 1 and η = ``lr``.

An epoch is one pass over the samples; training stops after the first
epoch without a single error. On data that are not linearly separable (XOR)
no such epoch exists, ``converged_`` stays False and ``fit`` warns — the
slides' point that a single-layer perceptron only separates classes a line
(a hyperplane) can separate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..core.constraints import FINITE, POSITIVE_FLOAT, POSITIVE_INT, check
from ..core.errors import InputTypeError, ParameterError, ShapeError


class ConvergenceWarning(UserWarning):
    """Training ended without meeting its stopping criterion."""


@dataclass(frozen=True)
class PerceptronStep:
    """One update of the Rosenblatt rule, for the explainer.

    Attributes:
        epoch: the pass over the data, counting from 1.
        index: the sample's row in X (0-based).
        x: (n_features + 1,) the input with x₀ = 1 prepended.
        z: w·x with the weights before this step.
        output: ŷ = 1 if z ≥ θ else 0.
        target: y.
        error: y − ŷ (−1, 0 or 1).
        weights: (n_features + 1,) the weights after the step, w₀ first.
    """

    epoch: int
    index: int
    x: np.ndarray
    z: float
    output: int
    target: int
    error: int
    weights: np.ndarray


class Perceptron:
    """A single neuron with a unit-step output, trained by the Rosenblatt rule.

    Args:
        n_features: number of inputs n (X has shape (N, n)).
        threshold: θ of the unit step: ŷ = 1 if w·x ≥ θ else 0.
        lr: learning rate η > 0.
        weights: optional initial weights (n_features + 1,), w₀ (the bias)
            first; zeros by default. Kept as ``initial_weights``.

    Attributes:
        weights_: (n_features + 1,) current weights [w0, w1, ..., wn].
        converged_: True when the last ``fit`` reached an error-free epoch.
        epochs_: number of epochs the last ``fit`` ran.
        errors_: misclassified samples in each epoch of the last ``fit``.
        history_: list of :class:`PerceptronStep`, one per sample per epoch.

    Example::

        >>> X, y = gl.data.and_gate()
        >>> p = gl.Perceptron(2).fit(X, y)
        >>> p.converged_, p.predict(X)
        (True, array([0, 0, 0, 1]))
    """

    def __init__(self, n_features, threshold=0.0, lr=1.0, weights=None):
        check("Perceptron", "n_features", n_features, POSITIVE_INT)
        check("Perceptron", "threshold", threshold, FINITE)
        check("Perceptron", "lr", lr, POSITIVE_FLOAT)
        self.n_features = int(n_features)
        self.threshold = float(threshold)
        self.lr = float(lr)
        self.initial_weights = self._check_weights(weights)
        self.weights_ = self.initial_weights.copy()
        self.converged_ = False
        self.epochs_ = 0
        self.errors_ = []
        self.history_ = []

    def _check_weights(self, weights):
        if weights is None:
            return np.zeros(self.n_features + 1)
        w = np.array(weights, dtype=np.float64)
        if w.shape != (self.n_features + 1,):
            raise ShapeError(f"Perceptron: weights must have shape ({self.n_features + 1},) "
                             f"(w0, the bias, then one per feature), got {w.shape}")
        return w

    def _inputs(self, X, owner):
        """X (N, n) -> X with the x₀ = 1 column prepended, (N, n + 1)."""
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputTypeError(f"Perceptron.{owner}: X must be numeric: {exc}") from None
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ShapeError(f"Perceptron.{owner}: X must have shape (N, {self.n_features}), got {X.shape}")
        return np.column_stack([np.ones(len(X)), X])

    @staticmethod
    def _targets(y, n):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (n,):
            raise ShapeError(f"Perceptron.fit: y must have shape ({n},), got {y.shape}")
        if not np.all((y == 0) | (y == 1)):
            raise ParameterError(f"Perceptron.fit: targets must be 0 or 1, got values {np.unique(y)[:10]}")
        return y.astype(np.int64)

    def net_input(self, X) -> np.ndarray:
        """z = w·x for every row of X (N, n_features), x₀ = 1 included; returns (N,)."""
        return self._inputs(X, "net_input") @ self.weights_

    def predict(self, X) -> np.ndarray:
        """Unit-step outputs (N,) int64: 1 where w·x ≥ θ, else 0."""
        return (self.net_input(X) >= self.threshold).astype(np.int64)

    def fit(self, X, y, max_epochs=100) -> "Perceptron":
        """Train with the Rosenblatt rule from ``initial_weights``; returns self.

        As scikit-learn's ``fit``, each call starts over from the initial
        weights (zeros, or the ``weights`` given to the constructor), so two
        calls on the same data give the same result.

        Args:
            X: (N, n_features) inputs.
            y: (N,) targets in {0, 1}.
            max_epochs: the most passes over the data.
        Sets ``converged_``, ``epochs_``, ``errors_`` and ``history_``; warns
        (ConvergenceWarning) when no epoch was error-free.
        """
        check("Perceptron.fit", "max_epochs", max_epochs, POSITIVE_INT)
        Xb = self._inputs(X, "fit")
        y = self._targets(y, len(Xb))
        w = self.initial_weights.copy()
        self.history_, self.errors_, self.converged_ = [], [], False
        for epoch in range(1, max_epochs + 1):
            errors = 0
            for i in range(len(Xb)):
                x = Xb[i]
                z = float(x @ w)
                output = 1 if z >= self.threshold else 0
                error = int(y[i]) - output
                if error != 0:
                    w = w + self.lr * error * x
                    errors += 1
                self.history_.append(PerceptronStep(epoch, i, x.copy(), z, output, int(y[i]), error, w.copy()))
            self.errors_.append(errors)
            self.epochs_ = epoch
            if errors == 0:
                self.converged_ = True
                break
        self.weights_ = w
        if not self.converged_:
            warnings.warn(f"Perceptron did not converge: every one of {max_epochs} epochs misclassified at least "
                          f"one sample (last epoch: {self.errors_[-1]} of {len(Xb)}). A single perceptron only "
                          f"learns linearly separable classes.", ConvergenceWarning, stacklevel=2)
        return self

    def score(self, X, y) -> float:
        """Fraction of rows of X whose prediction equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))

    def __repr__(self):
        w = np.array2string(self.weights_, precision=4, separator=", ")
        return f"Perceptron(n_features={self.n_features}, threshold={self.threshold}, lr={self.lr}, weights={w})"
