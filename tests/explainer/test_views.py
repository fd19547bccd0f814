"""Matrix and graph views, conventions, layouts, renderers and the CLI."""

import contextlib
import io
import json

import numpy as np
import pytest

import gradlab as gl
from gradlab.cli import main
from gradlab.explainer import example, explain


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["explain", *args])
    return status, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- graph view

def test_graph_view_of_the_circuit_example():
    g = gl.explain_graph(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
    assert g.grad("x") == -4.0 and g.grad("y") == -4.0 and g.grad("z") == 3.0
    assert g["df/dz"] == 3.0
    text = g.render("text", color=False)
    assert "∂f/∂x = ∂f/∂v1 × ∂v1/∂x = −4.0 × 1 = −4.0 × 1.0 = −4.0" in text
    assert "∂f/∂z = v1 = 3.0" in text  # ∂f/∂f = 1: no "∂f/∂f × ∂f/∂z" that defines ∂f/∂z by itself


def test_graph_view_accumulates_fan_out():
    g = gl.explain_graph(lambda x: x * x + x, 3.0)
    assert g.grad("x") == pytest.approx(7.0)
    assert "(accumulated)" in g.render("text", color=False)


def test_graph_view_of_a_network_loss_matches_the_trace():
    exp = example("course")
    from gradlab.explainer.graph import graph_of_explanation

    g = graph_of_explanation(exp)
    np.testing.assert_allclose(g.grad("W2"), exp["dW[2]"], atol=1e-14)
    np.testing.assert_allclose(g.grad("x"), exp["dL/dx"], atol=1e-14)


# ---------------------------------------------------------------- matrix view

def test_two_layer_matrix_view_follows_the_homework_recursion():
    exp = example("two-layer", layout="numerator")
    tr = exp.trace
    # δ⁽²⁾ = 2(ŷ − y) for identity output and ℓ = ‖ŷ − y‖²
    np.testing.assert_allclose(exp["delta[2]"], 2 * (exp["y_hat"] - exp["y"]))
    # δ⁽¹⁾ = [W⁽²⁾ I⁺]ᵀ δ⁽²⁾ with I⁺ = Diag(max(0, sign(s⁽¹⁾)))
    Iplus = np.diag((exp["z[1]"] > 0).astype(float))
    np.testing.assert_allclose(exp["delta[1]"], (tr.W(2) @ Iplus).T @ exp["delta[2]"])
    # numerator layout: ∂ℓ/∂W⁽¹⁾ = x [δ⁽¹⁾]ᵀ, shape d_x × d_s
    np.testing.assert_allclose(exp["dW[1]"], np.outer(exp["x"], exp["delta[1]"]))
    np.testing.assert_allclose(exp["dW[2]"], np.outer(exp["a[1]"], exp["delta[2]"]))
    text = exp.render("text", view="matrix", color=False)
    assert "δ⁽¹⁾ = [W⁽²⁾ ∂a⁽¹⁾/∂z⁽¹⁾]ᵀ δ⁽²⁾" in text
    assert "∂ℓ/∂W⁽¹⁾ = x [δ⁽¹⁾]ᵀ" in text
    assert "Layout: numerator" in text


@pytest.mark.parametrize("variant", ["sigmoid-mse", "sigmoid-bce"])
def test_two_layer_variants(variant):
    exp = example("two-layer", variant)
    s = exp["z[2]"]
    yhat = 1 / (1 + np.exp(-s))
    if variant == "sigmoid-bce":  # ∂ℓ/∂ŷᵢ = (1/K)(ŷᵢ − yᵢ)/(ŷᵢ(1 − ŷᵢ)); with σ′ this gives δ = (ŷ − y)/K
        np.testing.assert_allclose(exp["delta[2]"], (yhat - exp["y"]) / 2)
    else:
        np.testing.assert_allclose(exp["delta[2]"], 2 * (yhat - exp["y"]) * yhat * (1 - yhat))
    assert exp.check_ok


def test_layouts_are_transposes():
    den, num = example("two-layer"), example("two-layer", layout="numerator")
    for l in (1, 2):
        np.testing.assert_array_equal(den[f"dW[{l}]"], num[f"dW[{l}]"].T)
        assert den[f"dW[{l}]"].shape == den[f"W[{l}]"].shape


def test_seed_question_batch_gradients():
    exp = example("relu-mse")
    tr = exp.trace
    X, y, w = tr.X, tr.Y[:, 0], tr.W(1)[0]
    m = X.shape[0]
    z = X @ w + tr.b(1)[0]
    H = np.diag((z > 0).astype(float))
    r = np.maximum(z, 0) - y
    np.testing.assert_allclose(exp["dW[1]"][0], 2 / m * X.T @ H @ r)
    np.testing.assert_allclose(exp["db[1]"][0], 2 / m * np.ones(m) @ H @ r)
    np.testing.assert_allclose(exp["dL/dx"], 2 / m * np.outer(H @ r, w))
    text = exp.render("text", view="matrix", color=False)
    assert "H = Diag(h)" in text and "third-order tensor" in text and "dz = dX w" in text


# ---------------------------------------------------------------- conventions

NET = [([[0.5, -0.3], [0.2, 0.4]], [0.1, -0.2], "tanh"), ([[0.3, -0.5]], [0.05], "sigmoid")]


def test_conventions_change_numbers_and_are_stated():
    base = explain(NET, [1.0, 2.0], [0.3], "mse", lr=0.5)
    half = explain(NET, [1.0, 2.0], [0.3], "mse", lr=0.5, half=True)
    np.testing.assert_allclose(half["dW[1]"], base["dW[1]"] / 2)
    assert "½" in half.render("text", color=False) and "½" not in base.render("text", color=False)
    X, Y = [[1.0, 2.0], [0.5, -1.0]], [[0.3], [0.9]]
    mean = explain(NET, X, Y, "mse")
    total = explain(NET, X, Y, "mse", reduction="sum")
    np.testing.assert_allclose(total["dW[2]"], 2 * mean["dW[2]"])
    assert "Loss reduction: sum" in total.render("markdown")


def test_frozen_and_shared_bias():
    frozen = explain(NET, [1.0, 2.0], [0.3], "mse", lr=0.5, frozen_bias=True)
    np.testing.assert_array_equal(frozen["b_new[1]"], frozen["b[1]"])
    assert "frozen" in frozen.render("text", color=False)
    shared = explain([(w, 0.1, f) for w, _, f in NET], [1.0, 2.0], [0.3], "mse", shared_bias=True)
    assert shared["db[1]"].shape == () and shared.check_ok
    assert shared["db[1]"] == pytest.approx(np.sum(shared["delta[1]"]))


def test_sequential_update_order_uses_new_weights():
    seq = explain(NET, [1.0, 2.0], [0.3], "mse", lr=0.5, update_order="sequential")
    sim = explain(NET, [1.0, 2.0], [0.3], "mse", lr=0.5)
    np.testing.assert_allclose(seq["dW[2]"], sim["dW[2]"])
    W2_new = sim["W_new[2]"]
    np.testing.assert_allclose(seq["da[1]"], W2_new.T @ seq["delta[2]"])
    assert not np.allclose(seq["dW[1]"], sim["dW[1]"])
    assert "Sequential updates" in seq.render("text", color=False)


def test_disagreement_with_autodiff_raises(monkeypatch):
    from gradlab.explainer import trace as trace_mod

    real = trace_mod._param_grads
    monkeypatch.setattr(trace_mod, "_param_grads", lambda d, a, s: tuple(v * 1.001 for v in real(d, a, s)))
    with pytest.raises(gl.GradientCheckError, match="disagree"):
        explain(NET, [1.0, 2.0], [0.3], "mse")
    flagged = explain(NET, [1.0, 2.0], [0.3], "mse", check="flag")
    assert not flagged.check_ok and "disagree" in flagged.render("text", color=False)


def test_gl_nn_model_and_loss_object():
    model = gl.nn.Sequential(gl.nn.Linear(2, 3), gl.nn.Sigmoid(), gl.nn.Linear(3, 1), gl.nn.Sigmoid())
    exp = gl.explain(model, [1.0, -1.0], [1.0], gl.nn.BCELoss(), lr=0.1)
    x = gl.tensor([[1.0, -1.0]])
    loss = gl.nn.BCELoss()(model(x), gl.tensor([[1.0]]))
    loss.backward()
    np.testing.assert_allclose(exp["dW[1]"], model[0].weight.grad, atol=1e-12)
    assert float(exp["loss"]) == pytest.approx(loss.item())


# ---------------------------------------------------------------- renderers and CLI

def test_json_has_every_name_and_metadata():
    status, out, _ = run_cli("two-layer", "--format", "json", "--layout", "numerator")
    data = json.loads(out)
    assert status == 0 and data["layout"] == "numerator" and data["conventions"]["reduction"] == "sum"
    for name in ["z[1]", "a[2]", "delta[1]", "dW[2]", "db[1]", "dL/dx", "loss"]:
        assert name in data["values"]
    assert data["autodiff_check"]["passed"]


def test_precision_option():
    _, out, _ = run_cli("course", "--precision", "6", "--no-color")
    assert "a₁⁽¹⁾ = σ(0.3) = 0.574443" in out


def test_text_color_only_on_terminals(monkeypatch):
    exp = example("course")
    monkeypatch.delenv("NO_COLOR", raising=False)
    colored = exp.render("text", color=True)
    assert "\x1b[" in colored and "0.5744" in colored
    assert "\x1b[" not in exp.render("text")  # pytest captures stdout: not a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    from gradlab.explainer.render.text import wants_color

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert not wants_color(Tty())
    monkeypatch.delenv("NO_COLOR")
    assert wants_color(Tty())


def test_jupyter_reprs():
    exp = example("course")
    assert exp._repr_markdown_().startswith("# Course example")
    assert "<math" in exp._repr_html_() and "<html" not in exp._repr_html_()
    assert r"\frac{\partial L}" in exp._repr_latex_()


@pytest.mark.parametrize("args,message", [
    (["nope"], "invalid choice"),
    (["two-layer", "--variant", "foo"], "variant"),
    (["course", "--precision", "99"], "precision"),
    (["course", "--standalone"], "--standalone applies"),
    (["--model", "/no/such/file.safetensors", "--input", "1", "--target", "1", "--loss", "mse"], "no such file"),
    (["course", "--loss", "mse", "--model", "x"], "not both"),
])
def test_bad_arguments_give_a_message_not_a_traceback(args, message):
    from gradlab.cli import main as cli_main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = cli_main(["explain", *args])
        except SystemExit as exc:  # argparse's own errors
            status = exc.code
    assert status == 2
    assert message in err.getvalue() and "Traceback" not in err.getvalue()


def test_saved_model_from_the_cli(tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.ReLU(), gl.nn.Linear(2, 1))
    path = tmp_path / "m.safetensors"
    gl.save(model, str(path))
    status, out, _ = run_cli("--model", str(path), "--input", "1,2;0,1", "--target", "0.5;1", "--loss", "mse",
                             "--lr", "0.1", "--format", "json")
    data = json.loads(out)
    assert status == 0 and np.shape(data["values"]["z[1]"]) == (2, 2) and "W_new[2]" in data["values"]


def test_output_file_and_demo(tmp_path, capsys):
    status, _, err = run_cli("course", "--format", "html", "--output", str(tmp_path / "c.html"))
    assert status == 0 and (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")
    from gradlab.app.demo import explain_course  # the demo's first step

    line = explain_course(str(tmp_path / "demo"))
    out = capsys.readouterr().out
    assert "z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3" in out
    assert "4.23% reduction" in line and (tmp_path / "demo" / "course.json").exists()


def test_perceptron_or_converges_xor_does_not():
    from gradlab.explainer.perceptron import explain_perceptron

    or_ = explain_perceptron("or")
    xor = explain_perceptron("xor")
    assert or_.model.converged_ and not xor.model.converged_
    assert "not linearly separable" in xor.render("text", color=False)
    w = np.asarray(or_.model.weights_)
    X = np.c_[np.ones(4), or_.X]
    np.testing.assert_array_equal((X @ w >= 0).astype(int), or_.y)
