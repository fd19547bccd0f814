"""Datasets: seeded generators, the tables scikit-learn ships, CSV files, preprocessing.

Every loader returns ``(X, y)`` with X float64 (N, features) and y (N,)
(int64 class labels, or float64 regression targets). Nothing is downloaded.

    >>> import gradlab as gl
    >>> X, y = gl.data.moons(200, noise=0.1, seed=0)
    >>> X_train, X_test, y_train, y_test = gl.data.train_test_split(X, y, test_size=0.25, seed=0)
    >>> X_train, X_test = gl.data.standardize(X_train, X_test)
"""

from __future__ import annotations

from ..core.errors import ParameterError
from .csvfile import load_csv
from .loader import *  # noqa: F401,F403  (TensorDataset, DataLoader: loader.__all__)
from . import loader as _loader
from .preprocessing import Standardizer, one_hot, standardize, train_test_split
from .synthetic import and_gate, blobs, circles, linear_regression, moons, or_gate, spirals, xor
from .tables import breast_cancer, digits, iris, wine

# name -> loader; `load` dispatches on these names
DATASETS = {
    "xor": xor,
    "and_gate": and_gate,
    "or_gate": or_gate,
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "blobs": blobs,
    "linear_regression": linear_regression,
    "iris": iris,
    "digits": digits,
    "breast_cancer": breast_cancer,
    "wine": wine,
}

ALIASES = {"and": "and_gate", "or": "or_gate", "regression": "linear_regression"}


def load(name, **kwargs):
    """Load a dataset by name: ``load('moons', n_samples=200, noise=0.1, seed=0)``.

    Keyword arguments go to the loader (see each function). Valid names:
    xor, and_gate (and), or_gate (or), moons, circles, spirals, blobs,
    linear_regression, iris, digits, breast_cancer, wine.
    Returns (X, y) as the loader does.
    """
    if not isinstance(name, str):
        raise ParameterError(f"gl.data.load: the dataset name must be a string, got {name!r}")
    key = name.strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in DATASETS:
        raise ParameterError(f"gl.data.load: unknown dataset {name!r}. Valid names: {', '.join(DATASETS)}")
    try:
        return DATASETS[key](**kwargs)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise ParameterError(f"gl.data.load({key!r}): {exc}") from None
        raise


__all__ = [
    "DATASETS", "Standardizer", "and_gate", "blobs", "breast_cancer", "circles", "digits", "iris",
    "linear_regression", "load", "load_csv", "moons", "one_hot", "or_gate", "spirals", "standardize",
    "train_test_split", "wine", "xor",
]
__all__ += _loader.__all__
