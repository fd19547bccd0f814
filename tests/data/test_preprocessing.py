"""train_test_split, Standardizer / standardize, one_hot."""

import numpy as np
import pytest

import gradlab as gl


def test_split_sizes_disjoint_and_complete():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    Xtr, Xte, ytr, yte = gl.data.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(Xte) == 5 and len(Xtr) == 15
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(20))
    assert np.array_equal(Xtr[:, 0], ytr * 2) and np.array_equal(Xte[:, 0], yte * 2)


def test_split_is_seeded():
    X, y = gl.data.moons(50, seed=0)
    a = gl.data.train_test_split(X, y, test_size=10, seed=7)
    b = gl.data.train_test_split(X, y, test_size=10, seed=7)
    c = gl.data.train_test_split(X, y, test_size=10, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[3], c[3]) or not np.array_equal(a[1], c[1])


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100.0)[:, None]
    _, _, ytr, yte = gl.data.train_test_split(X, y, test_size=0.2, seed=1, stratify=True)
    assert np.array_equal(np.bincount(yte), [12, 6, 2])
    assert np.array_equal(np.bincount(ytr), [48, 24, 8])


def test_split_without_shuffle_takes_last_rows():
    X = np.arange(10.0)[:, None]
    Xtr, Xte, _, _ = gl.data.train_test_split(X, np.arange(10), test_size=3, shuffle=False)
    assert np.array_equal(Xte[:, 0], [7, 8, 9])


@pytest.mark.parametrize("size", [0, 1.0, 20, -0.5])
def test_split_bad_test_size(size):
    with pytest.raises(gl.ParameterError, match="test_size"):
        gl.data.train_test_split(np.zeros((20, 2)), np.zeros(20), test_size=size)


def test_split_length_mismatch():
    with pytest.raises(gl.ShapeError, match=r"\(5, 2\) and \(4,\)"):
        gl.data.train_test_split(np.zeros((5, 2)), np.zeros(4))


def test_standardizer_uses_training_statistics():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(3.0, 2.0, size=(100, 3))
    Xte = rng.normal(3.0, 2.0, size=(20, 3))
    scaler = gl.data.Standardizer().fit(Xtr)
    Ztr = scaler.transform(Xtr)
    assert np.allclose(Ztr.mean(axis=0), 0) and np.allclose(Ztr.std(axis=0), 1)
    assert np.allclose(scaler.transform(Xte), (Xte - Xtr.mean(0)) / Xtr.std(0))
    assert np.allclose(scaler.inverse_transform(scaler.transform(Xte)), Xte)
    a, b = gl.data.standardize(Xtr, Xte)
    assert np.array_equal(a, Ztr) and np.array_equal(b, scaler.transform(Xte))
    assert np.array_equal(gl.data.standardize(Xtr), Ztr)


def test_standardizer_constant_column_maps_to_zero():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    Z = gl.data.Standardizer().fit_transform(X)
    assert np.all(Z[:, 1] == 0) and np.all(np.isfinite(Z))


def test_standardizer_errors():
    with pytest.raises(gl.ParameterError, match="fit"):
        gl.data.Standardizer().transform(np.zeros((2, 2)))
    scaler = gl.data.Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(gl.ShapeError, match="3 features but the Standardizer was fit on 2"):
        scaler.transform(np.zeros((3, 3)))


def test_one_hot():
    out = gl.data.one_hot(np.array([2, 0, 1]))
    assert np.array_equal(out, [[0, 0, 1], [1, 0, 0], [0, 1, 0]]) and out.dtype == np.float64
    assert gl.data.one_hot([1], num_classes=4).shape == (1, 4)
    with pytest.raises(gl.ParameterError, match=r"label 3 at index 1 is outside \[0, 3\)"):
        gl.data.one_hot([0, 3], num_classes=3)
    with pytest.raises(gl.InputTypeError, match="whole numbers"):
        gl.data.one_hot([0.5, 1.0])
