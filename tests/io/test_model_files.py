"""Model files: exact round trip, atomic writes, and rejection of bad files."""

import json
import os

import numpy as np
import pytest

import gradlab as gl
from gradlab.io import model_file

st = pytest.importorskip("safetensors.numpy", reason="the io extra (safetensors) is not installed")

X = np.random.default_rng(0).standard_normal((7, 3))


def _model():
    return gl.nn.MLP([3, 6, 4, 2], activation="tanh", output_activation="softmax", rng=1)


def test_round_trip_is_exact(tmp_path):
    model = _model()
    path = tmp_path / "net.safetensors"
    gl.save(model, path, metadata={"epochs": 3, "note": "moons"})
    loaded = gl.load(path)
    assert type(loaded) is gl.nn.MLP and loaded.to_config() == model.to_config()
    for (n, p), (m, q) in zip(model.named_parameters(), loaded.named_parameters()):
        assert n == m and q.data.dtype == p.data.dtype
        np.testing.assert_array_equal(q.data, p.data)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert gl.io.read_metadata(path) == {"epochs": 3, "note": "moons"}
    assert gl.load(path, return_metadata=True)[1]["epochs"] == 3


def test_sequential_and_float32_round_trip(tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(3, 2, dtype="float32", rng=0), gl.nn.LeakyReLU(0.3),
                             gl.nn.Linear(2, 1, bias=False, dtype="float32", rng=1))
    gl.save(model, tmp_path / "s.safetensors")
    loaded = gl.load(tmp_path / "s.safetensors")
    assert loaded[0].weight.data.dtype == np.float32 and loaded[2].bias is None
    assert loaded[1].negative_slope == 0.3
    np.testing.assert_array_equal(loaded.predict(X.astype(np.float32)), model.predict(X.astype(np.float32)))


def test_truncated_files_are_rejected(tmp_path):
    path = tmp_path / "net.safetensors"
    gl.save(_model(), path)
    blob = path.read_bytes()
    for cut in (len(blob) - 1, len(blob) // 2, 20, 4, 0):
        bad = tmp_path / f"cut{cut}.safetensors"
        bad.write_bytes(blob[:cut])
        with pytest.raises(gl.ModelFileError, match="truncated"):
            gl.load(bad)


def test_tampered_values_are_rejected(tmp_path):
    path = tmp_path / "net.safetensors"
    gl.save(_model(), path)
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0x40  # flip a bit in the last tensor's bytes
    path.write_bytes(bytes(blob))
    with pytest.raises(gl.ModelFileError, match="modified after it was saved"):
        gl.load(path)


def _forged(tmp_path, tensors, architecture):
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": json.dumps(architecture), "sha256": model_file.checksum(tensors), "metadata": "null"}
    path = tmp_path / "forged.safetensors"
    path.write_bytes(st.save(tensors, metadata=meta))
    return path


def test_tensors_that_disagree_with_the_architecture_are_rejected(tmp_path):
    arch = {"type": "Sequential", "layers": [{"type": "Linear", "in_features": 2, "out_features": 3, "bias": True}]}
    wrong_shape = _forged(tmp_path, {"0.weight": np.zeros((3, 3)), "0.bias": np.zeros(3)}, arch)
    with pytest.raises(gl.ModelFileError, match=r"disagree with the architecture.*'0.weight'.*\(3, 2\).*\(3, 3\)"):
        gl.load(wrong_shape)
    missing = _forged(tmp_path, {"0.weight": np.zeros((3, 2))}, arch)
    with pytest.raises(gl.ModelFileError, match=r"missing \['0.bias'\]"):
        gl.load(missing)
    unknown = _forged(tmp_path, {"0.weight": np.zeros((3, 2))}, {"type": "os.system"})
    with pytest.raises(gl.ModelFileError, match="cannot be rebuilt"):
        gl.load(unknown)


def test_files_of_another_kind_are_rejected(tmp_path):
    other = tmp_path / "other.safetensors"
    other.write_bytes(st.save({"w": np.ones(3)}, metadata={"format": "pt"}))
    with pytest.raises(gl.ModelFileError, match="not a gradlab model"):
        gl.load(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a model file at all" * 3)
    with pytest.raises(gl.ModelFileError):
        gl.load(text)
    with pytest.raises(gl.ModelFileError, match="no such file"):
        gl.load(tmp_path / "absent.safetensors")


def test_a_crash_mid_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "net.safetensors"
    old = _model()
    gl.save(old, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(model_file.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        gl.save(gl.nn.MLP([3, 2], rng=9), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.safetensors"]  # no temporary file left behind
    np.testing.assert_array_equal(gl.load(path).predict(X), old.predict(X))


def test_save_needs_a_describable_model_and_json_metadata(tmp_path):
    class Custom(gl.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(gl.InputTypeError, match="cannot describe itself"):
        gl.save(Custom(), tmp_path / "c.safetensors")
    with pytest.raises(gl.InputTypeError, match="JSON"):
        gl.save(_model(), tmp_path / "m.safetensors", metadata={"x": object()})
