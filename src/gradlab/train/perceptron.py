"""Rosenblatt's perceptron, exactly as an introductory lecture defines it ("A Single Perceptron"):

* **Bias trick.** A unit feature x₀ = 1 is prepended to every input so the
  bias b becomes the weight w₀: z = w·x = Σᵢ₌₀ⁿ wᵢxᵢ = b + w₁x₁ + … + wₙxₙ.
  ``weights_`` is therefore ``[w0, w1, ..., wn]`` with ``w0`` the bias.
* **Unit step with threshold θ.** ŷ = g(z) = 1 if z ≥ θ, else 0 (Heaviside;
  note ≥: z = θ gives 1). θ is the ``threshold`` argument, 0 by default.
* **Rosenblatt rule**, one sample at a time, in the order given (``shuffle=True``: a new order each epoch):
  w ← w + η (y − ŷ) x, with x including x₀ = 1 and η = ``lr``.

An epoch is one pass over the samples; training stops after the first
epoch without a single error. On data that are not linearly separable (XOR)
no such epoch exists, ``converged_`` stays False and ``fit`` warns — the
classic point that a single-layer perceptron only separates classes a line
(a hyperplane) can separate.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import numpy as np

from ..core.constraints import BOOL, FINITE, POSITIVE_FLOAT, POSITIVE_INT, SEED, Optional, check
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.seed import as_generator


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


class NotFittedError(ParameterError, AttributeError):
    """The weights were asked for before ``fit`` and cannot be known (no ``n_features`` and no ``weights``)."""


class DataConversionWarning(UserWarning):
    """y was a column (N, 1) where (N,) is expected; it was read as (N,)."""


@functools.lru_cache(maxsize=None)
def _with_sklearn(cls, name):
    """``cls``, joined with scikit-learn's exception ``name`` when scikit-learn is installed (its checks know it)."""
    try:
        import sklearn.exceptions  # optional: imported where used
    except ImportError:  # pragma: no cover - depends on the environment
        return cls
    return type(cls.__name__, (cls, getattr(sklearn.exceptions, name)), {"__module__": __name__})


def _not_fitted(message):
    """A :class:`NotFittedError`, which is also scikit-learn's NotFittedError when scikit-learn is installed."""
    return _with_sklearn(NotFittedError, "NotFittedError")(message)


class Perceptron:
    """A single neuron with a unit-step output, trained by the Rosenblatt rule.

    Args:
        n_features: number of inputs n (X has shape (N, n)); None (the
            default) takes it from ``weights``, or from X at ``fit``.
        threshold: θ of the unit step: ŷ = 1 if w·x ≥ θ else 0.
        lr: learning rate η > 0.
        weights: optional initial weights (n_features + 1,), w₀ (the bias)
            first; zeros by default. Kept as ``initial_weights``.
        shuffle: False (the default, the classic rule) visits the samples in
            the order given; True draws a new order every epoch.
        random_state: the order's generator when ``shuffle``: None (gradlab's
            default, see ``gl.manual_seed``), an int or a numpy Generator.

    The arguments are checked at once and kept as given (``get_params``,
    ``set_params`` and ``sklearn.base.clone`` read them), so the perceptron
    is a scikit-learn binary classifier too: it works in ``Pipeline``,
    ``GridSearchCV`` and ``cross_val_score``.

    Attributes:
        weights_: (n_features + 1,) current weights [w0, w1, ..., wn] (the
            initial ones before ``fit``).
        converged_: True when the last ``fit`` reached an error-free epoch.
        epochs_: number of epochs the last ``fit`` ran.
        errors_: misclassified samples in each epoch of the last ``fit``.
        history_: list of :class:`PerceptronStep`, one per sample per epoch.
        classes_: array([0, 1]) and ``n_features_in_``, after ``fit``.

    Example::

        >>> X, y = gl.data.and_gate()
        >>> p = gl.Perceptron(2).fit(X, y)
        >>> p.converged_, p.predict(X)
        (True, array([0, 0, 0, 1]))
    """

    def __init__(self, n_features=None, threshold=0.0, lr=1.0, weights=None, shuffle=False, random_state=None):
        self.n_features = n_features
        self.threshold = threshold
        self.lr = lr
        self.weights = weights
        self.shuffle = shuffle
        self.random_state = random_state
        self._check_params("Perceptron")
        self._fitted = None

    def _check_params(self, owner):
        check(owner, "n_features", self.n_features, Optional(POSITIVE_INT))
        check(owner, "threshold", self.threshold, FINITE)
        check(owner, "lr", self.lr, POSITIVE_FLOAT)
        check(owner, "shuffle", self.shuffle, BOOL)
        check(owner, "random_state", self.random_state, SEED)
        self._check_weights(self.weights, self.n_features)

    @staticmethod
    def _check_weights(weights, n_features):
        """``weights`` as a float array (n_features + 1,), or None when not given."""
        if weights is None:
            return None
        try:
            w = np.array(weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise InputTypeError(f"Perceptron: weights must be numbers (w0, the bias, then one per feature), "
                                 f"got {weights!r:.80}") from None
        want = None if n_features is None else (n_features + 1,)
        if w.ndim != 1 or len(w) < 2 or (want is not None and w.shape != want):
            raise ShapeError(f"Perceptron: weights must have shape "
                             f"({'n_features + 1' if want is None else want[0]},) "
                             f"(w0, the bias, then one per feature), got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise ParameterError(f"Perceptron: weights must be finite, got {w}")
        return w

    # -- scikit-learn's estimator protocol (no import of scikit-learn here) ---------------------------------
    _PARAMS = ("n_features", "threshold", "lr", "weights", "shuffle", "random_state")

    def get_params(self, deep=True) -> dict:
        """The constructor's arguments, as given: {name: value}."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params) -> "Perceptron":
        """Change constructor arguments (checked as the constructor checks them); returns self."""
        unknown = sorted(set(params) - set(self._PARAMS))
        if unknown:
            raise ParameterError(f"Perceptron.set_params: unknown parameter {unknown[0]!r}; the parameters are "
                                 f"{', '.join(self._PARAMS)}")
        old = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params("Perceptron.set_params")
        except Exception:
            for name, value in old.items():
                setattr(self, name, value)
            raise
        return self

    def __sklearn_tags__(self):
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags  # optional: imported where used
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=False), input_tags=InputTags())

    def __sklearn_is_fitted__(self) -> bool:
        return self._fitted is not None

    # -- fitted state ----------------------------------------------------------------------------------------
    @property
    def initial_weights(self) -> np.ndarray:
        """(n_features + 1,) the weights ``fit`` starts from: ``weights``, or zeros."""
        w = self._check_weights(self.weights, self.n_features)
        if w is not None:
            return w
        n = self.n_features if self.n_features is not None else getattr(self, "n_features_in_", None)
        if n is None:
            raise _not_fitted("Perceptron: the weights are not known yet: give n_features or weights to the "
                                 "constructor, or call fit first")
        return np.zeros(n + 1)

    @property
    def weights_(self) -> np.ndarray:
        return self._fitted["weights"] if self._fitted is not None else self.initial_weights

    converged_ = property(lambda self: False if self._fitted is None else self._fitted["converged"])
    epochs_ = property(lambda self: 0 if self._fitted is None else self._fitted["epochs"])
    errors_ = property(lambda self: [] if self._fitted is None else self._fitted["errors"])
    history_ = property(lambda self: [] if self._fitted is None else self._fitted["history"])

    def _inputs(self, X, owner):
        """X (N, n) -> X with the x₀ = 1 column prepended, (N, n + 1)."""
        if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
            raise InputTypeError(f"Perceptron.{owner}: X is a sparse matrix, which the perceptron does not take; "
                                 f"pass a dense array (X.toarray())")
        try:
            X = np.asarray(X)
            if np.iscomplexobj(X):
                raise ParameterError(f"Perceptron.{owner}: X holds complex numbers (Complex data not supported); "
                                     f"give real inputs")
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ParameterError):
                raise
            raise InputTypeError(f"Perceptron.{owner}: X must be numeric: {exc}") from None
        n = self.n_features if self.n_features is not None else getattr(self, "n_features_in_", None)
        if n is None and self.weights is not None:
            n = len(self._check_weights(self.weights, None)) - 1
        if owner == "fit" and n is None and X.ndim == 2:
            n = X.shape[1]
            if n == 0:
                raise ShapeError(f"Perceptron.fit: X has 0 feature(s) (shape={X.shape}) while a minimum of 1 "
                                 f"is required.")
        if n is None:
            raise _not_fitted(f"Perceptron.{owner}: this Perceptron is not fitted yet and has no weights; "
                              f"call fit first, or give n_features or weights to the constructor")
        if X.ndim != 2:
            raise ShapeError(f"Perceptron.{owner}: X must have shape (N, {n}), got {X.shape}; Reshape your data: "
                             f"X.reshape(-1, 1) for one feature, X.reshape(1, -1) for one sample")
        if X.shape[1] != n:
            raise ShapeError(f"Perceptron.{owner}: X has {X.shape[1]} features, but Perceptron is expecting {n} "
                             f"features as input (X must have shape (N, {n}), got {X.shape})")
        if len(X) == 0:
            raise ShapeError(f"Perceptron.{owner}: X has 0 sample(s) (shape {X.shape}); at least one is needed")
        if not np.all(np.isfinite(X)):
            raise ParameterError(f"Perceptron.{owner}: X contains NaN or infinity; every input must be finite")
        return np.column_stack([np.ones(len(X)), X])

    @staticmethod
    def _targets(y, n):
        if y is None:
            raise ParameterError("Perceptron.fit: requires y to be passed, but the target y is None")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn("A column-vector y was passed when a 1d array was expected: Perceptron.fit reads "
                          "it as y.ravel()", _with_sklearn(DataConversionWarning, "DataConversionWarning"),
                          stacklevel=3)
            y = y[:, 0]
        if y.shape != (n,):
            raise ShapeError(f"Perceptron.fit: y must have shape ({n},), got {y.shape}")
        try:
            ok = bool(np.all((y == 0) | (y == 1)))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            values = np.unique(y.astype(str) if y.dtype == object else y)
            kind = ("; Unknown label type: continuous" if y.dtype.kind == "f" and np.any(y != np.round(y))
                    else "; Only binary classification is supported." if len(values) > 2 else "")
            raise ParameterError(f"Perceptron.fit: targets must be 0 or 1, got values {values[:10]}{kind}")
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
        self._check_params("Perceptron.fit")
        Xb = self._inputs(X, "fit")
        y = self._targets(y, len(Xb))
        self.n_features_in_ = Xb.shape[1] - 1
        self.classes_ = np.array([0, 1])
        w = self.initial_weights.copy()
        rng = as_generator(self.random_state, "Perceptron") if self.shuffle else None
        history, errors_per_epoch, converged, epochs = [], [], False, 0
        for epoch in range(1, max_epochs + 1):
            errors = 0
            for i in (rng.permutation(len(Xb)) if rng is not None else range(len(Xb))):
                x = Xb[i]
                z = float(x @ w)
                output = 1 if z >= self.threshold else 0
                error = int(y[i]) - output
                if error != 0:
                    w = w + self.lr * error * x
                    errors += 1
                history.append(PerceptronStep(epoch, int(i), x.copy(), z, output, int(y[i]), error, w.copy()))
            errors_per_epoch.append(errors)
            epochs = epoch
            if errors == 0:
                converged = True
                break
        self._fitted = {"weights": w, "converged": converged, "epochs": epochs, "errors": errors_per_epoch,
                        "history": history}
        if not self.converged_:
            warnings.warn(f"Perceptron did not converge: every one of {max_epochs} epochs misclassified at least "
                          f"one sample (last epoch: {self.errors_[-1]} of {len(Xb)}). A single perceptron only "
                          f"learns linearly separable classes.", ConvergenceWarning, stacklevel=2)
        return self

    def score(self, X, y) -> float:
        """Fraction of rows of X whose prediction equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y).reshape(-1)))

    def __repr__(self):
        try:
            w = np.array2string(self.weights_, precision=4, separator=", ")
        except NotFittedError:
            w = None
        extra = (f", shuffle={self.shuffle!r}" if self.shuffle else "") + \
            (f", random_state={self.random_state!r}" if self.random_state is not None else "")
        return (f"Perceptron(n_features={self.n_features}, threshold={self.threshold}, lr={self.lr}, "
                f"weights={w}{extra})")
