"""Seeded generators: shapes, dtypes, determinism, and the geometry each one promises."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.data import synthetic

GENERATORS = ["moons", "circles", "spirals", "blobs", "linear_regression"]


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_and_seed(name):
    fn = getattr(gl.data, name)
    X, y = fn(n_samples=57, seed=3)
    assert X.shape[0] == 57 and X.ndim == 2 and X.dtype == np.float64
    assert y.shape == (57,)
    X2, y2 = fn(n_samples=57, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "blobs"])
def test_classification_labels_are_int_and_balanced(name):
    X, y = getattr(gl.data, name)(n_samples=90, seed=0)
    assert y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", ["moons", "circles", "spirals"])
def test_different_seed_different_noise(name):
    X1, _ = getattr(gl.data, name)(n_samples=50, noise=0.1, seed=1)
    X2, _ = getattr(gl.data, name)(n_samples=50, noise=0.1, seed=2)
    assert not np.array_equal(X1, X2)


def test_generator_accepts_numpy_generator():
    a = gl.data.moons(20, noise=0.2, seed=np.random.default_rng(5))
    b = gl.data.moons(20, noise=0.2, seed=np.random.default_rng(5))
    assert np.array_equal(a[0], b[0])


def test_moons_without_noise_lie_on_the_half_circles():
    X, y = gl.data.moons(200, noise=0.0, seed=0)
    upper = X[y == 0]
    lower = X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_radii():
    X, y = gl.data.circles(100, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_spirals_classes_and_radius():
    X, y = gl.data.spirals(99, n_classes=3, seed=0)
    assert set(np.unique(y)) == {0, 1, 2}
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_blobs_cluster_means_near_given_centres():
    centres = np.array([[-5.0, 0.0], [5.0, 5.0]])
    X, y = gl.data.blobs(400, centers=centres, cluster_std=0.5, seed=0)
    for k in range(2):
        assert np.allclose(X[y == k].mean(axis=0), centres[k], atol=0.15)


def test_linear_regression_without_noise_is_exactly_linear():
    w = np.array([1.5, -2.0, 0.5])
    X, y = gl.data.linear_regression(50, n_features=3, weights=w, bias=0.7, seed=0)
    A = np.column_stack([X, np.ones(50)])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    assert np.allclose(coef, [1.5, -2.0, 0.5, 0.7])
    assert y.dtype == np.float64


@pytest.mark.parametrize("name, table", [("xor", [0, 1, 1, 0]), ("and_gate", [0, 0, 0, 1]),
                                         ("or_gate", [0, 1, 1, 1])])
def test_gates_truth_tables(name, table):
    X, y = getattr(gl.data, name)()
    assert np.array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert np.array_equal(y, table)
    Xn, yn = getattr(gl.data, name)(n_samples=40, noise=0.05, seed=0)
    corners = np.round(Xn).astype(int)
    expected = np.array(table)[corners[:, 0] * 2 + corners[:, 1]]
    assert Xn.shape == (40, 2) and np.array_equal(yn, expected)


@pytest.mark.parametrize("call, message", [
    (lambda: gl.data.moons(0), "'n_samples' parameter of moons"),
    (lambda: gl.data.moons(10, noise=-1), "'noise' parameter of moons"),
    (lambda: gl.data.circles(10, factor=2), "'factor' parameter of circles"),
    (lambda: gl.data.spirals(10, n_classes=1), "'n_classes' parameter of spirals"),
    (lambda: gl.data.linear_regression(10, n_features=2, weights=[1.0]), "'weights' parameter"),
])
def test_bad_parameters_are_named(call, message):
    with pytest.raises(gl.ParameterError, match=message):
        call()


def test_module_has_no_hidden_global_randomness():
    np.random.seed(0)
    a = synthetic.moons(30, noise=0.3, seed=9)
    np.random.seed(1)
    b = synthetic.moons(30, noise=0.3, seed=9)
    assert np.array_equal(a[0], b[0])
