"""How accuracy decides, other metrics, evaluate, History helpers."""

import json

import numpy as np
import pytest

import gradlab as gl
from gradlab.train.history import History
from gradlab.train.metrics import accuracy, binary_threshold, resolve_metrics


def test_binary_accuracy_thresholds():
    out = np.array([[0.3], [0.7], [-0.2], [0.5]])
    y = np.array([1, 1, 0, 1])
    assert accuracy(out, y, threshold=0.5) == 0.5  # probabilities: 0.3 -> 0, 0.7 -> 1, -0.2 -> 0, 0.5 -> 0
    assert accuracy(out, y, threshold=0.0) == 1.0  # logits: 0.3 -> 1, 0.7 -> 1, -0.2 -> 0, 0.5 -> 1
    assert binary_threshold(gl.nn.BCEWithLogitsLoss()) == 0.0
    assert binary_threshold(gl.nn.BCELoss()) == 0.5
    assert binary_threshold(gl.nn.MSELoss()) == 0.5


def test_multiclass_accuracy_with_indices_and_one_hot():
    out = np.array([[2.0, 1.0, 0.0], [0.0, 0.1, 3.0], [1.0, 2.0, 0.0]])
    assert accuracy(out, np.array([0, 2, 0])) == pytest.approx(2 / 3)
    assert accuracy(out, gl.data.one_hot(np.array([0, 2, 0]), 3)) == pytest.approx(2 / 3)


def test_resolve_metrics_names_and_functions():
    def top(output, target):
        return 1.0

    fns = resolve_metrics(("acc", "mae", top), gl.nn.MSELoss())
    assert [n for n, _ in fns] == ["accuracy", "mae", "top"]
    with pytest.raises(gl.ParameterError, match="distinct"):
        resolve_metrics(("mse", "mse"), gl.nn.MSELoss())


def test_evaluate_matches_the_loss_on_the_whole_set():
    X, y = gl.data.blobs(50, centers=3, seed=0)
    model = gl.nn.MLP([2, 5, 3], rng=1)
    loss_fn = gl.nn.CrossEntropyLoss()
    result = gl.evaluate(model, loss_fn, X, y, metrics=("accuracy",), batch_size=7)
    full = loss_fn(model(gl.tensor(X)), y).item()
    assert result["loss"] == pytest.approx(full, rel=1e-12)
    assert result["accuracy"] == np.mean(model.predict(X).argmax(1) == y)
    assert model.training  # evaluate puts the model back in training mode


def test_history_helpers():
    h = History({"epochs": 3})
    for epoch, (loss, val) in enumerate([(1.0, 0.9), (0.5, 0.7), (0.25, 0.8)]):
        h.record(epoch, {"loss": loss, "val_loss": val}, 0.01)
    assert len(h) == 3 and h.last("loss") == 0.25 and h.best("val_loss") == (1, 0.7)
    assert h.last() == {"loss": 0.25, "val_loss": 0.8}
    data = json.loads(json.dumps(h.to_dict()))
    assert data["history"]["loss"] == [1.0, 0.5, 0.25] and data["epoch"] == [0, 1, 2]
    assert "3 epochs" in repr(h) and "loss=0.25" in repr(h)
