"""`gradlab demo`, `gradlab explain --diagram/--report` and History.plot: the wirings between the parts."""

import json
import os

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the demo's pictures need matplotlib (gradlab[plot])")

import gradlab as gl  # noqa: E402
from gradlab.cli import main  # noqa: E402
from support.browser import find_chromium, inspect_page  # noqa: E402
from support.pixels import assert_real_picture  # noqa: E402


def test_demo_runs_the_whole_tour(tmp_path, capsys):
    out = tmp_path / "tour"
    assert main(["demo", "--out-dir", str(out), "--epochs", "30"]) == 0
    text = capsys.readouterr().out
    # 1. the course example, with its published numbers
    assert "z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3" in text and "0.2563" in text and "0.2455" in text
    # 2. the relu-mse gradients, derived and verified
    assert "∂L/∂X = (2/m)H(ŷ − y)wᵀ" in text and "(2/m)XᵀH(ŷ − y)" in text
    assert text.count("PASSED") >= 3
    # 3./4. training and pictures, and where they are
    assert "Epoch 30/30" in text
    assert f"Everything is in the folder {out}" in text
    assert "`gradlab explore` opens the same network in your browser" in text  # where to go next
    for name in ("activations", "perceptron", "course_update", "computation_graph", "learning_curve",
                 "decision_boundary"):
        assert_real_picture(out / f"{name}.png")
    course = json.loads((out / "course.json").read_text())
    assert json.dumps(course)  # machine-readable numbers
    report = (out / "report.html").read_text()
    assert "The relu-mse loss ‖relu(Xw + b𝟏) − y‖²/m, derived" in report and report.count("<math") >= 6
    assert "http://" not in report and "https://" not in report


@pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_demo_report_renders_in_chromium(tmp_path):
    out = tmp_path / "tour"
    assert main(["demo", "--out-dir", str(out), "--epochs", "5"]) == 0
    page = inspect_page(out / "report.html", tmp_path / "demo_report.png")
    assert not page.console_errors, page.console_errors
    assert len(page.images) >= 6 and all(i["w"] > 0 and i["h"] > 0 for i in page.images)
    assert page.math and all(m["w"] > 0 and m["h"] > 0 for m in page.math)
    assert_real_picture(tmp_path / "demo_report.png")


def test_demo_rejects_bad_epochs(capsys):
    assert main(["demo", "--epochs", "0"]) == 2
    assert "argument --epochs: must be an int from 1 to 10,000; got '0'" in capsys.readouterr().err


def test_explain_draws_diagram_and_writes_report(tmp_path, capsys):
    diagram, report = tmp_path / "course.png", tmp_path / "course.html"
    assert main(["explain", "course", "--diagram", str(diagram), "--report", str(report)]) == 0
    assert "0.7823" in capsys.readouterr().out
    img = assert_real_picture(diagram, min_size=(600, 600))
    assert img.shape[0] > img.shape[1]  # three panels stacked: before, gradients, after
    page = report.read_text()
    assert "data:image/png;base64," in page and "0.2455" in page
    assert oct(os.stat(report).st_mode & 0o777) != oct(0o600)  # a normal file, not a private temp file


def test_explain_extras_reject_bad_file_names(capsys):
    assert main(["explain", "course", "--report", "out.png"]) == 2
    assert "--report must name an .html file" in capsys.readouterr().err
    assert main(["explain", "course", "--diagram", "out.txt"]) == 2
    assert "--diagram must name a .png, .svg or .pdf file" in capsys.readouterr().err


def test_history_plot_writes_learning_curves(tmp_path):
    X, y = gl.data.moons(80, noise=0.1, seed=0)
    model = gl.nn.MLP([2, 8, 1], rng=0)
    history = gl.fit(model, gl.nn.BCEWithLogitsLoss(), gl.optim.Adam(model.parameters(), lr=0.02), X, y,
                     epochs=8, seed=0, validation_split=0.25, verbose=0)
    fig = history.plot(tmp_path / "curves.png")
    assert fig is not None and len(fig.axes) >= 2  # loss and accuracy panels
    assert_real_picture(tmp_path / "curves.png")
    assert np.isfinite(history.history["val_loss"]).all()
