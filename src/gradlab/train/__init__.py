"""Training: ``fit``, ``evaluate``, ``History``, callbacks, metrics and the Perceptron.

    >>> import gradlab as gl
    >>> X, y = gl.data.moons(200, noise=0.1, seed=0)
    >>> model = gl.nn.MLP([2, 16, 16, 1], rng=0)
    >>> opt = gl.optim.Adam(model.parameters(), lr=0.01)
    >>> history = gl.fit(model, gl.nn.BCEWithLogitsLoss(), opt, X, y, epochs=100, seed=0, verbose=0)
    >>> history.history['accuracy'][-1] >= 0.97
    True
"""

from __future__ import annotations

from . import metrics
from .callbacks import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint
from .history import History
from .loop import evaluate, fit
from .perceptron import ConvergenceWarning, Perceptron, PerceptronStep

__all__ = [
    "fit", "evaluate", "History", "Callback", "EarlyStopping", "ModelCheckpoint", "LambdaCallback",
    "Perceptron", "PerceptronStep", "ConvergenceWarning", "metrics",
]
