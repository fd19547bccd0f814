"""gradlab train --model cnn: digits to ≥ 98 % held-out accuracy with the command's defaults, its pictures,
report and model file, and its refusals."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="gradlab train's pictures need matplotlib (gradlab[plot])")

import gradlab as gl  # noqa: E402
from gradlab.cli import main  # noqa: E402
from support.pixels import assert_real_picture  # noqa: E402


def test_cnn_on_digits_reaches_98_percent_and_writes_everything(tmp_path, capsys):
    plots, report, model = tmp_path / "plots", tmp_path / "r.html", tmp_path / "m.safetensors"
    code = main(["train", "--data", "digits", "--model", "cnn", "--quiet", "--plot", str(plots),
                 "--report", str(report), "--save", str(model)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Training a CNN" in out and "conv 3×3 1→16" in out and "8×8" in out and "pixels divided by 16" in out
    assert "10 epochs" in out and "lr 0.003" in out
    accuracy = float(re.search(r"validation accuracy\s*[│ ]\s*([0-9.]+)", out).group(1))
    assert accuracy >= 0.98
    for name in ("learning_curve", "filters", "feature_maps"):
        assert_real_picture(plots / f"{name}.png")
    assert not (plots / "decision_boundary.png").exists() and "not drawn: decision boundary" in out
    html = report.read_text()
    assert "Training a CNN" in html and "Not drawn: decision boundary" in html and html.count("<img") >= 3
    loaded = gl.load(model)
    X, y = gl.data.digits()
    predicted = loaded.predict(X.reshape(-1, 1, 8, 8)).argmax(axis=1)  # raw pixels: the file holds the scaling
    assert (predicted == y).mean() >= 0.98


def test_full_command_of_a_cnn_run_names_the_model_and_no_layers(capsys):
    assert main(["train", "--data", "digits", "--model", "cnn", "--epochs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    line = next(s for s in out.splitlines() if s.startswith("Same run as a full command"))
    assert "--model cnn" in line and "--layers" not in line and "--epochs 1" in line and "--lr 0.003" in line


@pytest.mark.parametrize("args, words", [
    (["--model", "cnn", "--data", "moons"], ["--model cnn needs square grey images", "moons has 2 features",
                                             "--model mlp"]),
    (["--model", "cnn", "--data", "iris"], ["iris has 4 features"]),
    (["--model", "cnn", "--data", "digits", "--layers", "64,10"], ["--layers", "apply to --model mlp"]),
    (["--model", "cnn", "--data", "digits", "--activation", "tanh"], ["--activation", "ReLU"]),
    (["--model", "rnn"], ["--model", "mlp, cnn", "'rnn'"]),
])
def test_cnn_refusals_before_training(args, words, capsys):
    assert main(["train", "--epochs", "1", *args]) == 2
    captured = capsys.readouterr()
    for w in words:
        assert w in captured.err
    assert "Summary" not in captured.out


def test_mlp_stays_the_default_with_its_defaults(capsys):
    assert main(["train", "--epochs", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Training an MLP 2-16-16-1" in out and "lr 0.01" in out and "--model" not in out
