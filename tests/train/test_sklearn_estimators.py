"""gl.sklearn.MLPClassifier/MLPRegressor and gl.Perceptron as scikit-learn estimators: its own checks, its tools."""

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import gradlab as gl  # noqa: E402

# The MLPs' short fits in these tests stop at max_iter on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::gradlab.train.perceptron.ConvergenceWarning")

# Each check the perceptron is expected to fail, with the reason (docs/ lists the same).
PERCEPTRON_EXPECTED_FAILURES = {
    "check_do_not_raise_errors_in_init_or_set_params":
        "gl.Perceptron checks its arguments in the constructor (documented: Perceptron(2, lr=0) is refused at once)",
    "check_estimators_dtypes": "the slides' perceptron learns targets 0 and 1 only; this check's labels are 1 and 2",
    "check_classifier_data_not_an_array": "targets 0 and 1 only; this check's labels are 1 and 2",
    "check_classifiers_classes": "targets 0 and 1 only; this check's labels are strings and -1/1",
    "check_fit2d_1feature": "targets 0 and 1 only; this check's labels are 1 and 2",
}


def _expected_failures(estimator):
    return PERCEPTRON_EXPECTED_FAILURES if isinstance(estimator, gl.Perceptron) else {}


with warnings.catch_warnings():  # gl.Perceptron follows the protocol without importing scikit-learn
    warnings.filterwarnings("ignore", message="Estimator Perceptron does not inherit")
    _CHECKS = parametrize_with_checks(
        [gl.sklearn.MLPClassifier(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=100, random_state=0),
         gl.sklearn.MLPRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=100, random_state=0),
         gl.Perceptron()],
        expected_failed_checks=_expected_failures)


@_CHECKS
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        # gl.Perceptron checks set_params' values at once, as its constructor does (scikit-learn only warns)
        warnings.filterwarnings("ignore", message=".*recommended to delay parameter validation")
        check(estimator)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_digits_accuracy_comparable_to_sklearn_mlp():
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    settings = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = gl.sklearn.MLPClassifier(**settings).fit(X_tr, y_tr).score(X_te, y_te)
        theirs = SkMLP(**settings).fit(X_tr, y_tr).score(X_te, y_te)
    assert ours >= 0.93 and ours >= theirs - 0.03, (ours, theirs)


def test_classifier_fitted_attributes_and_probabilities(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, max_iter=200,
                                   random_state=0).fit(X, names)
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"] and est.n_features_in_ == 4
    assert isinstance(est.model_, gl.nn.MLP) and est.model_.sizes == [4, 8, 3]
    assert len(est.loss_curve_) == est.n_iter_ and est.loss_curve_[-1] < est.loss_curve_[0]
    proba = est.predict_proba(X)
    assert proba.shape == (150, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, names) > 0.9


def test_binary_classifier_has_one_logit(iris):
    X, y = iris
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(4,), learning_rate_init=0.01, max_iter=100,
                                   random_state=0).fit(X[:100], y[:100])
    assert est.model_.sizes == [4, 4, 1] and isinstance(est.loss_, gl.nn.BCEWithLogitsLoss)
    assert est.predict_proba(X[:100]).shape == (100, 2) and est.score(X[:100], y[:100]) == 1.0


def test_random_state_makes_fits_repeat(iris):
    X, y = iris
    a = gl.sklearn.MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p1 = a.fit(X, y).predict_proba(X)
        p2 = a.fit(X, y).predict_proba(X)
    assert np.array_equal(p1, p2)


def test_pipeline_with_standard_scaler(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), gl.sklearn.MLPClassifier(hidden_layer_sizes=(10,),
                                                                    learning_rate_init=0.01, random_state=0))
    assert pipe.fit(X, y).score(X, y) > 0.95


def test_grid_search_over_hidden_layer_sizes(iris):
    X, y = iris
    grid = GridSearchCV(gl.sklearn.MLPClassifier(learning_rate_init=0.01, max_iter=100, random_state=0),
                        {"hidden_layer_sizes": [(2,), (16,)]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(StandardScaler().fit_transform(X), y)
    assert grid.best_params_["hidden_layer_sizes"] in [(2,), (16,)]
    assert grid.best_estimator_.model_.sizes == [4, *grid.best_params_["hidden_layer_sizes"], 3]
    assert len(grid.cv_results_["mean_test_score"]) == 2 and grid.best_score_ > 0.8


def test_cross_val_score(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = cross_val_score(make_pipeline(StandardScaler(), gl.sklearn.MLPClassifier(
            hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=100, random_state=0)), X, y, cv=5)
    assert scores.shape == (5,) and scores.mean() > 0.85


def test_clone_copies_parameters_not_the_fit(iris):
    X, y = iris
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(3, 2), solver="sgd", alpha=0.01, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "model_")
    assert clone(gl.Perceptron(2, lr=0.5)).get_params() == gl.Perceptron(2, lr=0.5).get_params()


def test_model_is_explained_by_gl_explain_on_one_sample(iris):
    X, y = iris
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(5,), learning_rate_init=0.01, max_iter=200,
                                   random_state=0).fit(X, y)
    target = int(np.searchsorted(est.classes_, y[0]))
    exp = gl.explain(est.model_, X[0], target, est.loss_)
    assert exp.check_ok
    softmax = est.predict_proba(X[:1])[0]
    assert np.allclose(np.ravel(exp["p"]), softmax)


def test_partial_fit_needs_classes_first_then_continues(iris):
    X, y = iris
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(gl.ParameterError, match="classes must be passed on the first call"):
        est.partial_fit(X, y)
    est.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert list(est.classes_) == [0, 1, 2] and est.n_iter_ == 1
    for _ in range(60):
        est.partial_fit(X, y)
    assert est.n_iter_ == 61 and est.score(X, y) > 0.8
    with pytest.raises(gl.ParameterError, match="not in classes"):
        est.partial_fit(X[:2], [0, 7])


def test_early_stopping_keeps_validation_scores(iris):
    X, y = iris
    est = gl.sklearn.MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, early_stopping=True,
                                   n_iter_no_change=5, max_iter=300, random_state=0).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ < 300
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_regressor_fits_a_smooth_function():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(300, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]
    est = gl.sklearn.MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300,
                                  random_state=0).fit(X, y)
    assert est.predict(X).shape == (300,) and est.score(X, y) > 0.95
    two = gl.sklearn.MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert two.fit(X, np.column_stack([y, -y])).predict(X).shape == (300, 2)


def test_clear_errors_name_the_estimator_and_the_value(iris):
    X, y = iris
    with pytest.raises(gl.ParameterError, match="'hidden_layer_sizes' parameter of MLPClassifier.fit"):
        gl.sklearn.MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(gl.ParameterError, match="'solver' parameter of MLPRegressor.fit"):
        gl.sklearn.MLPRegressor(solver="lbfgs").fit(X, y)
    with pytest.raises(gl.ParameterError, match="MLPClassifier.predict: this MLPClassifier is not fitted"):
        gl.sklearn.MLPClassifier().predict(X)
    with pytest.raises(gl.ParameterError, match="only one class"):
        gl.sklearn.MLPClassifier().fit(X[:10], y[:10])
    with pytest.raises(gl.ShapeError, match="X has 3 features, but MLPClassifier is expecting 4"):
        gl.sklearn.MLPClassifier(max_iter=1).fit(X, y).predict(X[:, :3])


def test_perceptron_is_a_scikit_learn_binary_classifier():
    X, y = gl.data.and_gate()
    p = gl.Perceptron()  # n_features from X
    assert p.get_params() == {"n_features": None, "threshold": 0.0, "lr": 1.0, "weights": None,
                              "shuffle": False, "random_state": None}
    with pytest.raises(gl.ParameterError, match="not fitted yet"):
        p.predict(X)
    p.fit(X, y)
    assert p.n_features_in_ == 2 and list(p.classes_) == [0, 1] and np.array_equal(p.predict(X), y)
    assert np.array_equal(gl.Perceptron(2).fit(X, y).weights_, p.weights_)
    with pytest.raises(gl.ParameterError, match="'lr' parameter of Perceptron.set_params"):
        p.set_params(lr=-1)
    assert p.lr == 1.0
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(80, 2))
    ys = (Xs @ [1.0, -2.0] > 0.3).astype(int)
    grid = GridSearchCV(gl.Perceptron(shuffle=True, random_state=0), {"lr": [0.1, 1.0]}, cv=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(Xs, ys)
        assert grid.best_score_ > 0.85
        assert cross_val_score(make_pipeline(StandardScaler(), gl.Perceptron()), Xs, ys, cv=4).mean() > 0.85


def test_perceptron_shuffle_changes_only_the_visiting_order():
    X, y = gl.data.or_gate()
    a = gl.Perceptron(shuffle=True, random_state=1).fit(X, y)
    b = gl.Perceptron(shuffle=True, random_state=1).fit(X, y)
    assert [s.index for s in a.history_] == [s.index for s in b.history_]
    assert sorted(s.index for s in a.history_[:4]) == [0, 1, 2, 3] and a.converged_


def test_early_stopping_refuses_a_validation_set_of_one_sample():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(gl.ParameterError, match="the validation set is too small to score"):
        gl.sklearn.MLPRegressor((5,), max_iter=5, early_stopping=True, random_state=0).fit(X, X[:, 0])
