"""The scikit-learn tables, the by-name dispatcher, and the missing-extra error."""

import sys

import numpy as np
import pytest

import gradlab as gl

TABLES = {"iris": (150, 4, 3), "digits": (1797, 64, 10), "breast_cancer": (569, 30, 2), "wine": (178, 13, 3)}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_shapes_and_classes(name):
    n, features, classes = TABLES[name]
    X, y = getattr(gl.data, name)()
    assert X.shape == (n, features) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.array_equal(np.unique(y), np.arange(classes))


def test_digits_are_8x8_images_with_values_0_to_16():
    X, _ = gl.data.digits()
    assert X.min() == 0 and X.max() == 16
    assert X[0].reshape(8, 8).shape == (8, 8)


def test_missing_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(gl.MissingExtraError, match=r"gradlab\[datasets\]"):
        gl.data.iris()


def test_load_dispatches_by_name_with_arguments():
    X, y = gl.data.load("moons", n_samples=30, noise=0.1, seed=4)
    X2, y2 = gl.data.moons(30, noise=0.1, seed=4)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert gl.data.load("Iris")[0].shape == (150, 4)
    assert np.array_equal(gl.data.load("and")[1], [0, 0, 0, 1])


def test_load_unknown_name_lists_valid_names():
    with pytest.raises(gl.ParameterError, match="unknown dataset 'mnist'.*moons.*digits"):
        gl.data.load("mnist")


def test_load_bad_keyword_is_a_parameter_error():
    with pytest.raises(gl.ParameterError, match="moons"):
        gl.data.load("moons", colour="red")


def test_tables_equal_scikit_learns_own_loaders():
    from gradlab.data import tables

    for name in sorted(TABLES):
        X, y = getattr(gl.data, name)()
        X_ref, y_ref = tables._from_sklearn_loader(name)  # imports scikit-learn and calls load_<name>()
        assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


def test_iris_first_row_from_the_shipped_file():
    X, y = gl.data.iris()
    assert np.array_equal(X[0], [5.1, 3.5, 1.4, 0.2]) and y[0] == 0
    assert np.array_equal(np.bincount(y), [50, 50, 50])
