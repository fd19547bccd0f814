"""Splitting, scaling and encoding: train_test_split, Standardizer, one_hot."""

from __future__ import annotations

import numbers

import numpy as np

from ..core.constraints import OPEN_FRACTION, POSITIVE_INT, SEED, AnyOf, Interval, Optional, check, declare
from ..core.errors import InputTypeError, ParameterError, ShapeError

TEST_SIZE = AnyOf(OPEN_FRACTION, POSITIVE_INT)  # a fraction of the rows or a number of rows


def _as_2d(X, owner):
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"{owner}: X must be a numeric array of shape (N, features): {exc}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ShapeError(f"{owner}: X must have shape (N, features), got shape {arr.shape}")
    return arr


def _test_count(test_size, n):
    if isinstance(test_size, numbers.Integral):
        check("train_test_split", "test_size", test_size, Interval(1, n - 1, integer=True))
        return int(test_size)
    n_test = int(np.ceil(test_size * n))
    if not 1 <= n_test < n:
        raise ParameterError(f"train_test_split: test_size={test_size} of {n} samples leaves "
                             f"{n_test} test and {n - n_test} training samples; both must be >= 1")
    return n_test


def _stratified_test_rows(labels, n_test, rng):
    """Test rows taking from every class in proportion to its size (largest remainders)."""
    classes, inverse = np.unique(labels, return_inverse=True)
    counts = np.bincount(inverse)
    exact = counts * n_test / len(labels)
    take = np.floor(exact).astype(int)
    remainder = n_test - take.sum()
    order = np.argsort(-(exact - take), kind="stable")
    take[order[:remainder]] += 1
    rows = []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        rows.append(rng.permutation(members)[: take[k]])
    return np.sort(np.concatenate(rows))


@declare(test_size=TEST_SIZE, seed=SEED)
def train_test_split(X, y, test_size=0.25, seed=None, stratify=None, shuffle=True):
    """Split arrays into random train and test parts.

    Args:
        X: array (N, ...) of inputs.
        y: array (N, ...) of targets.
        test_size: fraction in (0, 1) (rounded up) or a number of test rows.
        seed: int or numpy Generator for the random choice.
        stratify: None, True (stratify by ``y``) or an array (N,) of class
            labels: each class is split in the same proportion.
        shuffle: when False the last rows form the test set (no randomness).
    Returns:
        X_train, X_test, y_train, y_test (scikit-learn's order); the rows
        keep their original relative order inside each part.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ShapeError(f"train_test_split: X and y must have the same number of rows, "
                         f"got shapes {X.shape} and {y.shape}")
    n = len(X)
    n_test = _test_count(test_size, n)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if not shuffle:
        if stratify is not None and stratify is not False:
            raise ParameterError("train_test_split: stratify needs shuffle=True")
        test_rows = np.arange(n - n_test, n)
    elif stratify is None or stratify is False:
        test_rows = np.sort(rng.permutation(n)[:n_test])
    else:
        labels = y if stratify is True else np.asarray(stratify)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        if labels.shape != (n,):
            raise ShapeError(f"train_test_split: stratify must have shape ({n},), got {labels.shape}")
        test_rows = _stratified_test_rows(labels, n_test, rng)
    is_test = np.zeros(n, dtype=bool)
    is_test[test_rows] = True
    return X[~is_test], X[is_test], y[~is_test], y[is_test]


class Standardizer:
    """Scale features to zero mean and unit variance: (X − mean_) / scale_.

    Fit on the training set only, then apply the same transform to the test
    set (using test statistics would leak information). A constant feature
    gets scale 1, so it maps to 0 instead of dividing by zero.

    Attributes (after ``fit``):
        mean_: (features,) training means.
        scale_: (features,) training standard deviations (population, ddof=0).
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X) -> "Standardizer":
        """Learn mean_ and scale_ from X (N, features); returns self."""
        X = _as_2d(X, "Standardizer.fit")
        if len(X) == 0:
            raise ShapeError("Standardizer.fit: X has no rows")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def _check_fitted(self, X, owner):
        if self.mean_ is None:
            raise ParameterError(f"{owner}: call fit(X_train) first")
        X = _as_2d(X, owner)
        if X.shape[1] != self.mean_.shape[0]:
            raise ShapeError(f"{owner}: X has {X.shape[1]} features but the Standardizer was fit "
                             f"on {self.mean_.shape[0]}")
        return X

    def transform(self, X) -> np.ndarray:
        """(X − mean_) / scale_ for X (N, features); returns a new float64 array."""
        X = self._check_fitted(X, "Standardizer.transform")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        """Undo the scaling: Z * scale_ + mean_."""
        Z = self._check_fitted(Z, "Standardizer.inverse_transform")
        return Z * self.scale_ + self.mean_

    def __repr__(self):
        if self.mean_ is None:
            return "Standardizer(not fitted)"
        return f"Standardizer(features={self.mean_.shape[0]})"


def standardize(X_train, X_test=None):
    """Standardize with the statistics of ``X_train``.

    ``standardize(X_train)`` returns the scaled training array;
    ``standardize(X_train, X_test)`` returns ``(X_train_scaled,
    X_test_scaled)``, both scaled by the training mean and deviation. Use
    :class:`Standardizer` to keep the statistics for later data.
    """
    scaler = Standardizer().fit(X_train)
    if X_test is None:
        return scaler.transform(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


@declare(num_classes=Optional(POSITIVE_INT))
def one_hot(y, num_classes=None) -> np.ndarray:
    """Encode class indices (N,) as a float64 matrix (N, num_classes) of 0s and 1s.

    ``num_classes`` defaults to max(y) + 1; a label outside
    [0, num_classes) is an error naming it.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ShapeError(f"one_hot: y must be a 1-D array of class indices, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise InputTypeError("one_hot: y must hold whole numbers (class indices)")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iub":
        raise InputTypeError(f"one_hot: y must hold integer class indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if num_classes is None:
        num_classes = int(arr.max()) + 1 if arr.size else 0
    check("one_hot", "num_classes", num_classes, POSITIVE_INT)  # max(y) + 1 when not given: 0 for no labels
    bad = (arr < 0) | (arr >= num_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ParameterError(f"one_hot: label {int(arr[i])} at index {i} is outside [0, {num_classes})")
    out = np.zeros((arr.shape[0], num_classes))
    out[np.arange(arr.shape[0]), arr] = 1.0
    return out
