"""scikit-learn estimators over gradlab networks (``gl.sklearn``).

``gl.sklearn.MLPClassifier`` and ``gl.sklearn.MLPRegressor`` take scikit-learn's own MLP hyper-parameter names
and work wherever an estimator does (``Pipeline``, ``GridSearchCV``, ``cross_val_score``, ``clone``), but the
network is a ``gl.nn.MLP`` trained by ``gl.fit`` one epoch at a time, and it stays reachable as ``model_``, so
``gl.explain(est.model_, x, y, est.loss_)`` explains any of its steps exactly.

What differs from scikit-learn's MLP, on purpose and stated: ``alpha`` is the optimizer's ``weight_decay``
(the gradient of every weight and bias gets ``alpha · w`` added; scikit-learn scales it by the batch and
leaves biases alone); ``loss_curve_`` holds the mean data loss of each epoch, without the penalty; the
output layer gives logits: one (binary classes: ``BCEWithLogitsLoss``), C (C ≥ 3 classes:
``CrossEntropyLoss``) or the targets' width (regression: ``MSELoss``).

scikit-learn is imported here only (``import gradlab`` needs NumPy alone).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.constraints import (BOOL, NON_NEGATIVE_FLOAT, NON_NEGATIVE_INT, OPEN_FRACTION, POSITIVE_FLOAT,
                                POSITIVE_INT, SEED, AnyOf, Options, check, refusal)
from ..core.errors import InputTypeError, ParameterError, ShapeError, require
from ..core.graph import no_grad
from ..core.seed import as_generator
from ..core.tensor import Tensor
from ..nn import MLP, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from ..optim import SGD, Adam
from .loop import fit as gl_fit
from .perceptron import ConvergenceWarning as _GradlabConvergenceWarning

require("sklearn", "datasets")
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # noqa: E402
from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning  # noqa: E402
from sklearn.exceptions import NotFittedError as _SklearnNotFittedError  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets, unique_labels  # noqa: E402
from sklearn.utils.validation import column_or_1d, validate_data  # noqa: E402


class ConvergenceWarning(_GradlabConvergenceWarning, _SklearnConvergenceWarning):
    """``max_iter`` epochs ran without meeting ``tol``: gradlab's and scikit-learn's warning at once."""


class NotFittedError(ParameterError, _SklearnNotFittedError):
    """predict/score before fit: a gradlab ParameterError that scikit-learn also knows as its NotFittedError."""


_ACTIVATIONS = Options("identity", "logistic", "tanh", "relu")
_TO_GRADLAB = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_SOLVERS = Options("adam", "sgd")
_DTYPES = Options("float64", "float32")
_BATCH = AnyOf(Options("auto"), POSITIVE_INT)


def _layers(owner, sizes):
    """``hidden_layer_sizes`` as a list of ints ≥ 1 (an int is one layer; ``()`` is no hidden layer)."""
    if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        out = [int(s) for s in sizes]
        ok = all(s >= 1 and s == t and not isinstance(t, bool) for s, t in zip(out, sizes))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise refusal(owner, "hidden_layer_sizes", sizes, "an int ≥ 1 or a tuple of ints ≥ 1, e.g. (100,)")
    return out


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, validation, the epoch loop."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate_init=0.001, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 dtype="float64"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # -- parameters and data -------------------------------------------------------------------------------
    def _check_params(self, owner):
        """Every hyper-parameter, refused with a ParameterError naming it (scikit-learn checks them in fit too)."""
        _layers(owner, self.hidden_layer_sizes)
        for name, rule in (("activation", _ACTIVATIONS), ("solver", _SOLVERS), ("alpha", NON_NEGATIVE_FLOAT),
                           ("batch_size", _BATCH), ("learning_rate_init", POSITIVE_FLOAT),
                           ("max_iter", POSITIVE_INT), ("shuffle", BOOL), ("random_state", SEED),
                           ("tol", NON_NEGATIVE_FLOAT), ("verbose", AnyOf(BOOL, NON_NEGATIVE_INT)),
                           ("momentum", NON_NEGATIVE_FLOAT), ("nesterovs_momentum", BOOL),
                           ("early_stopping", BOOL), ("validation_fraction", OPEN_FRACTION),
                           ("beta_1", NON_NEGATIVE_FLOAT), ("beta_2", NON_NEGATIVE_FLOAT),
                           ("epsilon", POSITIVE_FLOAT), ("n_iter_no_change", POSITIVE_INT), ("dtype", _DTYPES)):
            check(owner, name, getattr(self, name), rule)
        for name in ("momentum", "beta_1", "beta_2"):
            if not getattr(self, name) < 1:
                raise refusal(owner, name, getattr(self, name), "a number in [0, 1)")

    def _validate(self, owner, X, y="no_validation", reset=True):
        """scikit-learn's own input checks (NaN, sparse, complex, feature count…), raised as gradlab errors."""
        kwargs = {"dtype": [np.float64, np.float32], "reset": reset}
        try:
            if isinstance(y, str) and y == "no_validation":
                return validate_data(self, X, **kwargs)
            return validate_data(self, X, y, multi_output=self._multi_output, y_numeric=not self._classifier,
                                 **kwargs)
        except TypeError as exc:
            raise InputTypeError(f"{owner}: {exc}") from None
        except ValueError as exc:
            error = ShapeError if "feature" in str(exc) or "dimension" in str(exc) else ParameterError
            raise error(f"{owner}: {exc}") from None

    def _forward(self, X):
        """The network's raw outputs (N, outputs) for validated X, without recording a graph."""
        with no_grad():
            return np.asarray(self.model_(Tensor(np.asarray(X, dtype=self.dtype))).data)

    def _check_fitted(self, owner):
        if not hasattr(self, "model_"):
            raise NotFittedError(f"{owner}: this {type(self).__name__} is not fitted yet; call fit (or "
                                 f"partial_fit) with training data first")

    # -- training ------------------------------------------------------------------------------------------
    def _start(self, n_features, n_outputs):
        """A fresh network, loss and optimizer; the fitted attributes reset."""
        self._rng = as_generator(self.random_state, type(self).__name__)
        sizes = [n_features, *_layers(type(self).__name__, self.hidden_layer_sizes), n_outputs]
        self.model_ = MLP(sizes, activation=_TO_GRADLAB[self.activation], rng=self._rng, dtype=self.dtype)
        self.loss_ = self._loss_module(n_outputs)
        params = self.model_.parameters()
        if self.solver == "adam":
            self._optimizer = Adam(params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2),
                                   eps=self.epsilon, weight_decay=self.alpha)
        else:
            self._optimizer = SGD(params, lr=self.learning_rate_init, momentum=self.momentum,
                                  nesterov=bool(self.nesterovs_momentum and self.momentum > 0),
                                  weight_decay=self.alpha)
        self.loss_curve_, self.n_iter_, self.best_loss_ = [], 0, np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_outputs

    def _epoch(self, X, targets):
        """One pass of ``gl.fit`` over (X, targets); returns its mean loss."""
        batch = min(200, len(X)) if self.batch_size == "auto" else min(int(self.batch_size), len(X))
        history = gl_fit(self.model_, self.loss_, self._optimizer, X, targets, epochs=1, batch_size=batch,
                         shuffle=bool(self.shuffle), seed=self._rng, metrics=(), verbose=0)
        loss = float(history["loss"][-1])
        self.loss_curve_.append(loss)
        self.n_iter_ += 1
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
        return loss

    def _train(self, X, y, targets):
        """fit: up to max_iter epochs, stopping as scikit-learn does (tol over n_iter_no_change epochs)."""
        X = np.asarray(X, dtype=self.dtype)
        X_val = y_val = None
        if self.early_stopping:
            order = self._rng.permutation(len(X))
            n_val = max(1, int(round(self.validation_fraction * len(X))))
            if n_val >= len(X):
                raise ParameterError(f"{type(self).__name__}.fit: early_stopping holds out "
                                     f"validation_fraction={self.validation_fraction} of {len(X)} samples, "
                                     f"which leaves none to train on; give more samples")
            if n_val < 2:  # one sample has no R² (NaN): every score would be NaN and nothing could improve
                raise ParameterError(f"{type(self).__name__}.fit: early_stopping holds out "
                                     f"validation_fraction={self.validation_fraction} of {len(X)} samples, "
                                     f"{n_val} sample: the validation set is too small to score (it needs at least "
                                     "2); raise validation_fraction or give more samples")
            val, train = order[:n_val], order[n_val:]
            X_val, y_val, X, targets = X[val], y[val], X[train], targets[train]
        best_params, stale = None, 0
        for _ in range(int(self.max_iter)):
            loss = self._epoch(X, targets)
            if self.early_stopping:
                score = self.score(X_val, y_val)
                self.validation_scores_.append(score)
                improved = score > self.best_validation_score_ + self.tol
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best_params = [p.data.copy() for p in self.model_.parameters()]
            else:
                improved = loss < self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, loss)
            stale = 0 if improved else stale + 1
            if stale >= self.n_iter_no_change:
                break
        else:
            warnings.warn(f"{type(self).__name__}: max_iter={self.max_iter} epochs ran and the "
                          f"{'validation score' if self.early_stopping else 'loss'} was still improving by more "
                          f"than tol={self.tol}; raise max_iter to train longer", ConvergenceWarning, stacklevel=3)
        if best_params is not None:
            for p, data in zip(self.model_.parameters(), best_params):
                p.data[...] = data
        return self


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A ``gl.nn.MLP`` classifier with scikit-learn's interface and hyper-parameter names.

    Args (scikit-learn's names and defaults): hidden_layer_sizes ((100,): hidden widths), activation
    ('identity', 'logistic', 'tanh', 'relu'), solver ('adam' or 'sgd'), alpha (weight decay), batch_size ('auto'
    = min(200, N)), learning_rate_init, max_iter (epochs), shuffle, random_state (None: gradlab's default
    generator, see ``gl.manual_seed``; an int; or a numpy Generator), tol, verbose, momentum and
    nesterovs_momentum (sgd), early_stopping, validation_fraction, beta_1, beta_2, epsilon (adam),
    n_iter_no_change; and dtype ('float64' or 'float32').

    Shapes: X (N, n_features); y (N,) labels of any kind (≥ 2 classes); ``predict`` → (N,) labels from
    ``classes_``; ``predict_proba`` → (N, n_classes), rows summing to 1.

    Fitted attributes: ``classes_``, ``n_features_in_`` (and ``feature_names_in_`` from a DataFrame),
    ``model_`` (the trained ``gl.nn.MLP``; outputs are logits), ``loss_`` (its loss module), ``loss_curve_``,
    ``n_iter_``, ``best_loss_``, ``validation_scores_``, ``best_validation_score_``, ``n_layers_``,
    ``n_outputs_``.
    """

    _classifier, _multi_output = True, False

    def _loss_module(self, n_outputs):
        return BCEWithLogitsLoss() if n_outputs == 1 else CrossEntropyLoss()

    def _targets(self, y):
        """Labels (N,) → the loss's targets: a (N, 1) float column for two classes, class indices otherwise."""
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return index.astype(self.dtype).reshape(-1, 1)
        return index.astype(np.int64)

    def _labels(self, owner, y):
        try:
            check_classification_targets(y)
        except ValueError as exc:
            raise ParameterError(f"{owner}: y must hold class labels: {exc}") from None

    def fit(self, X, y):
        """Train a fresh network on X (N, n_features) and labels y (N,); returns self."""
        owner = f"{type(self).__name__}.fit"
        self._check_params(owner)
        X, y = self._validate(owner, X, y)
        self._labels(owner, y)
        self.classes_ = unique_labels(y)
        if len(self.classes_) < 2:
            raise ParameterError(f"{owner}: y has only one class ({self.classes_[0]!r}); a classifier needs "
                                 f"at least 2 classes")
        self._start(X.shape[1], 1 if len(self.classes_) == 2 else len(self.classes_))
        return self._train(X, y, self._targets(y))

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing the network; ``classes`` (all labels) is needed on the first call."""
        owner = f"{type(self).__name__}.partial_fit"
        first = not hasattr(self, "model_")
        if first:
            self._check_params(owner)
            if classes is None:
                raise ParameterError(f"{owner}: classes must be passed on the first call to partial_fit "
                                     f"(every label y may hold), e.g. classes=np.unique(y_all)")
        X, y = self._validate(owner, X, y, reset=first)
        self._labels(owner, y)
        if first:
            self.classes_ = unique_labels(np.asarray(classes))
            if len(self.classes_) < 2:
                raise ParameterError(f"{owner}: classes={classes!r} names fewer than 2 classes")
            self._start(X.shape[1], 1 if len(self.classes_) == 2 else len(self.classes_))
        elif classes is not None and not np.array_equal(unique_labels(np.asarray(classes)), self.classes_):
            raise ParameterError(f"{owner}: classes={classes!r} differs from the first call's "
                                 f"{list(self.classes_)!r}; scikit-learn's partial_fit keeps the first")
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ParameterError(f"{owner}: y holds labels {list(unseen)!r} that are not in classes "
                                 f"{list(self.classes_)!r}")
        self._epoch(np.asarray(X, dtype=self.dtype), self._targets(y))
        return self

    def predict_proba(self, X):
        """Class probabilities (N, n_classes): sigmoid of the logit (2 classes) or softmax of the logits."""
        owner = f"{type(self).__name__}.predict_proba"
        self._check_fitted(owner)
        z = self._forward(self._validate(owner, X, reset=False))
        if z.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.column_stack([1.0 - p, p])
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """The log of ``predict_proba`` (N, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable label of each row (N,), taken from ``classes_``."""
        owner = f"{type(self).__name__}.predict"
        self._check_fitted(owner)
        z = self._forward(self._validate(owner, X, reset=False))
        index = (z[:, 0] > 0).astype(np.int64) if z.shape[1] == 1 else np.argmax(z, axis=1)
        return self.classes_[index]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A ``gl.nn.MLP`` regressor (squared error, ``MSELoss``) with scikit-learn's interface.

    Args: as :class:`MLPClassifier` (scikit-learn's MLPRegressor names and defaults).

    Shapes: X (N, n_features); y (N,) or (N, n_targets); ``predict`` → (N,) when y was one column, else
    (N, n_targets).

    Fitted attributes: ``n_features_in_``, ``model_`` (its last layer is linear), ``loss_`` (MSELoss),
    ``loss_curve_``, ``n_iter_``, ``best_loss_``, ``validation_scores_``, ``best_validation_score_``,
    ``n_layers_``, ``n_outputs_``.
    """

    _classifier, _multi_output = False, True

    def _loss_module(self, n_outputs):
        return MSELoss()

    def _xy(self, owner, X, y, reset):
        X, y = self._validate(owner, X, y, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        targets = np.asarray(y, dtype=self.dtype)
        return X, y, targets.reshape(len(targets), -1)

    def fit(self, X, y):
        """Train a fresh network on X (N, n_features) and y (N,) or (N, n_targets); returns self."""
        owner = f"{type(self).__name__}.fit"
        self._check_params(owner)
        X, y, targets = self._xy(owner, X, y, True)
        self._start(X.shape[1], targets.shape[1])
        self._one_column = y.ndim == 1
        return self._train(X, y, targets)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing the network (a fresh one on the first call); returns self."""
        owner = f"{type(self).__name__}.partial_fit"
        first = not hasattr(self, "model_")
        if first:
            self._check_params(owner)
        X, y, targets = self._xy(owner, X, y, first)
        if first:
            self._start(X.shape[1], targets.shape[1])
            self._one_column = y.ndim == 1
        elif targets.shape[1] != self.n_outputs_:
            raise ShapeError(f"{owner}: y has {targets.shape[1]} target columns, but the network was fitted "
                             f"with {self.n_outputs_}")
        self._epoch(X, targets)
        return self

    def predict(self, X):
        """Predicted targets: (N,) when fitted on one column, else (N, n_targets)."""
        owner = f"{type(self).__name__}.predict"
        self._check_fitted(owner)
        out = self._forward(self._validate(owner, X, reset=False))
        return out[:, 0] if self._one_column else out


__all__ = ["MLPClassifier", "MLPRegressor", "ConvergenceWarning", "NotFittedError"]
