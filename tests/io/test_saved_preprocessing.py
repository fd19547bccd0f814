"""A model file stores its input scaling: gl.save(..., standardizer=), gradlab train --standardize, and hostile
Standardize layers refused field by field and value by value."""

import json

import numpy as np
import pytest

st = pytest.importorskip("safetensors.numpy", reason="model files need safetensors (gradlab[io])")

import gradlab as gl  # noqa: E402
from gradlab.app.train import TrainSpec, prepare, run, write_outputs  # noqa: E402
from gradlab.io import model_file  # noqa: E402


def test_train_standardize_file_predicts_raw_inputs_as_the_trained_model_predicts_scaled_ones(tmp_path):
    path = tmp_path / "iris.safetensors"
    prepared = prepare(TrainSpec(data="iris", loss="ce", layers=[4, 16, 3], epochs=150, lr=0.02, seed=0,
                                 validation_split=0.0, standardize=True))
    result = run(prepared, verbose=0)
    write_outputs(result, save=path)
    X, y = gl.data.load("iris")
    loaded = gl.load(path)
    assert isinstance(loaded[0], gl.nn.Standardize)
    raw = loaded.predict(X)
    scaled = prepared.model.predict(gl.data.Standardizer().fit(X).transform(X))
    np.testing.assert_allclose(raw, scaled, rtol=0, atol=1e-12)
    assert np.mean(raw.argmax(axis=1) == y) >= 0.97
    assert np.mean(gl.load(path)[1].predict(X).argmax(axis=1) == y) < 0.8  # the bare network needs scaled input
    assert gl.io.read_metadata(path)["standardized"] is True


def test_save_with_a_standardizer_stores_it_and_leaves_the_model_unchanged(tmp_path):
    X = np.random.default_rng(0).normal(50.0, 7.0, size=(30, 3))
    scaler = gl.data.Standardizer().fit(X)
    model = gl.nn.MLP([3, 5, 2], activation="tanh", rng=1)
    path = tmp_path / "m.safetensors"
    gl.save(model, path, standardizer=scaler)
    loaded = gl.load(path)
    np.testing.assert_array_equal(loaded[0].mean.data, scaler.mean_)
    np.testing.assert_array_equal(loaded[0].std.data, scaler.scale_)
    np.testing.assert_allclose(loaded.predict(X), model.predict(scaler.transform(X)), rtol=0, atol=1e-12)
    assert not isinstance(model[0], gl.nn.Standardize)  # the in-memory model is the caller's, untouched


def test_save_refuses_a_standardizer_that_does_not_fit(tmp_path):
    path = tmp_path / "m.safetensors"
    model = gl.nn.MLP([3, 2], activation="relu", rng=0)
    with pytest.raises(gl.ParameterError, match="call fit"):
        gl.save(model, path, standardizer=gl.data.Standardizer())
    with pytest.raises(gl.ParameterError, match=r"scales samples of shape \(4,\)"):
        gl.save(model, path, standardizer=gl.data.Standardizer().fit(np.ones((5, 4))))
    with pytest.raises(gl.InputTypeError, match="standardizer must be"):
        gl.save(model, path, standardizer="zscore")
    twice = gl.nn.Sequential(gl.nn.Standardize(np.zeros(3), np.ones(3)), model)
    with pytest.raises(gl.ParameterError, match="scale its inputs twice"):
        gl.save(twice, path, standardizer=gl.data.Standardizer().fit(np.eye(3)))
    assert not path.exists()


def test_standardize_layer_refuses_bad_statistics_and_inputs():
    with pytest.raises(gl.ParameterError, match=r"std\[1\] is 0.0; every entry of std must be finite and > 0"):
        gl.nn.Standardize([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(gl.ParameterError, match=r"mean\[0\] is nan"):
        gl.nn.Standardize([np.nan, 0.0], [1.0, 1.0])
    with pytest.raises(gl.ShapeError, match="std has shape"):
        gl.nn.Standardize([0.0, 0.0], [1.0])
    layer = gl.nn.Standardize([1.0, 2.0], [2.0, 4.0])
    np.testing.assert_array_equal(layer.predict([[3.0, 10.0]]), [[1.0, 2.0]])
    with pytest.raises(gl.ShapeError, match=r"must be \(N, 2\)"):
        layer.predict(np.ones((4, 3)))


def _forged(tmp_path, mean, std, shape=None):
    """A Standardize-then-Linear model file with a valid checksum, so only the loader's checks can refuse it."""
    arch = {"type": "Sequential", "layers": [
        {"type": "Standardize", "shape": [len(mean)] if shape is None else shape},
        {"type": "Linear", "in_features": 2, "out_features": 1, "bias": True}]}
    tensors = {"0.mean": np.asarray(mean, dtype=np.float64), "0.std": np.asarray(std, dtype=np.float64),
               "1.weight": np.ones((1, 2)), "1.bias": np.zeros(1)}
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": json.dumps(arch), "sha256": model_file.checksum(tensors), "metadata": "null"}
    path = tmp_path / "forged.safetensors"
    path.write_bytes(st.save(tensors, metadata=meta))
    return path


def test_hostile_standardize_layers_are_refused(tmp_path):
    assert gl.load(_forged(tmp_path, [1.0, 2.0], [3.0, 4.0])).predict([[4.0, 6.0]])[0, 0] == 2.0
    cases = {
        r"layers\[0\] \(a Standardize\): std\[1\] is 0.0": ([0.0, 0.0], [1.0, 0.0], None),
        r"std\[0\] is -1.0": ([0.0, 0.0], [-1.0, 1.0], None),
        r"std\[0\] is inf": ([0.0, 0.0], [np.inf, 1.0], None),
        r"mean\[1\] is nan": ([0.0, np.nan], [1.0, 1.0], None),
        r"'0.mean' must have shape \(2, 1\)": ([0.0, 0.0], [1.0, 1.0], [2, 1]),
        r"disagree with the architecture: it declares 72 bytes": ([0.0, 0.0], [1.0, 1.0], [3]),
        r"layers\[0\].shape must be": ([0.0, 0.0], [1.0, 1.0], [0]),
    }
    for message, (mean, std, shape) in cases.items():
        with pytest.raises(gl.ModelFileError, match=message):
            gl.load(_forged(tmp_path, mean, std, shape))


def test_a_standardized_file_is_refused_clearly_where_the_layer_has_no_counterpart(tmp_path):
    path = tmp_path / "m.safetensors"
    gl.save(gl.nn.MLP([2, 2], activation="relu", rng=0), path, standardizer=gl.data.Standardizer().fit(np.eye(2)))
    pytest.importorskip("torch")
    with pytest.raises(gl.GradlabError, match="Standardize"):
        gl.nn.to_torch(gl.load(path))
