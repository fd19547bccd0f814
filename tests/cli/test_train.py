import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="gradlab train's pictures need matplotlib (gradlab[plot])")

import gradlab as gl  # noqa: E402
from gradlab.cli import main  # noqa: E402
from support.browser import find_chromium, inspect_page  # noqa: E402

from support.pixels import assert_real_picture  # noqa: E402


def test_train_writes_pictures_model_and_report(tmp_path, capsys):
    plots, report, model = tmp_path / "plots", tmp_path / "r.html", tmp_path / "m.safetensors"
    code = main(["train", "--data", "moons", "--layers", "2,16,1", "--epochs", "40", "--lr", "0.05", "--quiet",
                 "--plot", str(plots), "--report", str(report), "--save", str(model)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Summary" in out and "validation accuracy" in out and "time" in out
    for name in ("learning_curve", "decision_boundary", "network"):
        assert_real_picture(plots / f"{name}.png")
    loaded = gl.load(model)
    X, y = gl.data.moons(400, noise=0.2, seed=0)
    accuracy = np.mean((loaded.predict(X)[:, 0] > 0) == y)
    assert accuracy > 0.85
    assert report.stat().st_size > 10_000
    if find_chromium() is None:
        pytest.skip("chromium is not installed: the report was written but not opened in a browser")
    page = inspect_page(report, tmp_path / "report.png")
    assert page.console_errors == []
    assert len(page.images) >= 4 and all(i["w"] > 0 and i["h"] > 0 for i in page.images)
    assert [m for m in page.math if m["tag"] == "IMG" and m["w"] > 0]


def test_train_with_no_arguments_trains_on_moons(capsys):
    assert main(["train", "--epochs", "30", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "moons" in out and "2-16-16-1" in out and "Summary" in out
    assert "gradlab train --data moons" in out  # shows the full command it ran


def test_train_csv_regression(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 120)
    csv = tmp_path / "t.csv"
    csv.write_text("x,price\n" + "\n".join(f"{a:.4f},{2 * a + 1:.4f}" for a in x))
    plots = tmp_path / "plots"
    assert main(["train", "--data", str(csv), "--target", "price", "--layers", "1,8,1", "--epochs", "60", "--lr", "0.05",
                 "--quiet", "--plot", str(plots)]) == 0
    assert "mean squared error" in capsys.readouterr().out
    assert_real_picture(plots / "fitted_curve.png")


@pytest.mark.parametrize("args, words", [
    (["--data", "mooons"], ["unknown dataset", "moons"]),
    (["--layers", "3,16,1"], ["first layer size is 3", "2 features", "--layers 2,16,1"]),
    (["--layers", "2,16,2", "--loss", "bce"], ["one output"]),
    (["--data", "linear_regression", "--loss", "bce"], ["0/1 targets", "--loss mse"]),
    (["--loss", "hinge"], ["--loss", "hinge"]),
    (["--lr", "-1"], ["--lr", "> 0"]),
    (["--layers", "2,x,1"], ["--layers", "comma-separated"]),
    (["--data", "missing.csv"], ["does not exist"]),
    (["--report", "r.pdf"], [".html"]),
])
def test_bad_arguments_fail_before_training(args, words, capsys):
    assert main(["train", "--epochs", "5", *args]) == 2
    captured = capsys.readouterr()
    for w in words:
        assert w in captured.err
    assert "Epoch" not in captured.out and "Summary" not in captured.out


def test_full_command_is_printed_for_given_layers(capsys):
    assert main(["train", "--data", "iris", "--loss", "ce", "--layers", "4,8,3", "--epochs", "5", "--quiet", "--standardize"]) == 0
    out = capsys.readouterr().out
    assert "--layers 4,8,3" in out and "--standardize" in out and "3 classes" in out
