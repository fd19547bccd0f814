"""What the explainer covers and what it refuses: every activation and loss of gl.nn, exact or refused by name.

Each of the problems found by new users one step off the built-in examples has a test here: cross-entropy
explained as binary cross-entropy, a saved model that ended in NaN, Softmax and BCEWithLogitsLoss refused,
bias-free layers given a bias, a kink printed as if exact, two shapes and two roundings of one number, and
options checked only after the work.
"""

import inspect
import re
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.primitive import PRIMITIVES, register
from gradlab.core.primitive import elementwise_jacobian as EJ
from gradlab.explainer.examples import example
from gradlab.ops import catalog

HERE = pathlib.Path(__file__).resolve().parent
from support import browser as outputs_render  # noqa: E402


def _seq(*mods):
    return gl.nn.Sequential(*mods)


def _set(linear, W, b=None):
    linear.weight.data[...] = np.asarray(W, dtype=float)
    if b is not None:
        linear.bias.data[...] = np.asarray(b, dtype=float)
    return linear


def _gl_loss(model, loss, x, y):
    """The loss gradlab's own modules compute, and the gradients autodiff gives: the reference."""
    model.zero_grad()
    out = model(gl.tensor(np.atleast_2d(x)))
    value = loss(out, y)
    value.backward()
    return float(value.data)


# ---------------------------------------------------------------- the problems found


def test_cross_entropy_is_explained_as_cross_entropy_not_binary():
    lin = _set(gl.nn.Linear(2, 2), [[0.3, -0.2], [0.1, 0.4]], [0.05, -0.1])
    model = _seq(lin, gl.nn.Sigmoid())
    exp = gl.explain(model, [0.5, -1.0], [1.0, 0.0], gl.nn.CrossEntropyLoss())
    ref = _gl_loss(model, gl.nn.CrossEntropyLoss(), [0.5, -1.0], np.array([[1.0, 0.0]]))
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    bce = gl.explain(model, [0.5, -1.0], [1.0, 0.0], gl.nn.BCELoss())
    assert abs(float(bce["loss"]) - ref) > 1e-3  # the two losses differ here, so the test tells them apart
    text = exp.render("text", color=False)
    assert "cross-entropy" in text and "binary cross-entropy" not in text
    np.testing.assert_allclose(exp["dW[1]"], lin.weight.grad, atol=1e-15)
    assert "Sigmoid" in text or "sigmoid" in text


def test_cross_entropy_by_name_is_cross_entropy():
    model = [([[0.3, -0.2], [0.1, 0.4]], [0.05, -0.1], "identity")]
    for name in ("cross_entropy", "cross-entropy", "ce", "CrossEntropyLoss"):
        exp = gl.explain(model, [0.5, -1.0], 0, name)
        z = np.array([0.3 * 0.5 + 0.2 + 0.05, 0.1 * 0.5 - 0.4 - 0.1])
        assert float(exp["loss"]) == pytest.approx(-(z[0] - np.log(np.exp(z).sum())), abs=1e-15)


@pytest.mark.parametrize("target_form", ["index", "one-hot", "probabilities"])
def test_softmax_cross_entropy_targets(target_form):
    lin = _set(gl.nn.Linear(3, 3), np.arange(9).reshape(3, 3) / 10 - 0.4, [0.1, 0.0, -0.1])
    model = _seq(lin)
    x = np.array([[1.0, -0.5, 2.0], [0.3, 0.2, -1.0]])
    y = {"index": np.array([2, 0]), "one-hot": np.eye(3)[[2, 0]],
         "probabilities": np.array([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]])}[target_form]
    exp = gl.explain(model, x, y, gl.nn.CrossEntropyLoss(), lr=0.1)
    ref = _gl_loss(model, gl.nn.CrossEntropyLoss(), x, y)
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    np.testing.assert_allclose(exp["dW[1]"], lin.weight.grad, atol=1e-15)
    text = exp.render("text", color=False)
    assert "simplifies to" in text and "p − y" in text


def test_softmax_output_layer_shows_its_full_jacobian():
    lin = _set(gl.nn.Linear(2, 3), [[0.2, -0.1], [0.4, 0.3], [-0.5, 0.1]], [0.0, 0.1, 0.2])
    model = _seq(lin, gl.nn.Softmax())
    exp = gl.explain(model, [1.0, 2.0], [0.0, 1.0, 0.0], gl.nn.MSELoss(), lr=0.5)
    ref = _gl_loss(model, gl.nn.MSELoss(), [1.0, 2.0], np.array([[0.0, 1.0, 0.0]]))
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    np.testing.assert_allclose(exp["dW[1]"], lin.weight.grad, atol=1e-15)
    a = exp["a[1]"]
    J = exp["jacobian[1]"]
    np.testing.assert_allclose(J, np.diag(a) - np.outer(a, a), atol=1e-15)
    assert abs(J[0, 1]) > 0.01  # off the diagonal: not element-wise
    matrix = exp.render("text", view="matrix", color=False)
    assert "diag(ŷ) − ŷ ŷᵀ" in matrix.replace("𝐲", "y") or "diag" in matrix
    from gradlab.explainer.notation import fmt

    assert fmt(J[0, 1], 4) in matrix  # an off-diagonal entry is printed


def test_bce_with_logits_is_explained():
    lin = _set(gl.nn.Linear(2, 1), [[0.7, -0.3]], [0.2])
    model = _seq(lin)
    exp = gl.explain(model, [[1.0, 2.0], [-1.0, 0.5]], [1.0, 0.0], gl.nn.BCEWithLogitsLoss(), lr=0.1)
    ref = _gl_loss(model, gl.nn.BCEWithLogitsLoss(), [[1.0, 2.0], [-1.0, 0.5]], np.array([[1.0], [0.0]]))
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    np.testing.assert_allclose(exp["dW[1]"], lin.weight.grad, atol=1e-15)
    text = exp.render("text", color=False)
    assert "p − y" in text and "σ(" in text


def test_bias_free_layers_have_no_bias_anywhere():
    l1 = _set(gl.nn.Linear(2, 2, bias=False), [[0.15, 0.20], [0.25, 0.30]])
    l2 = _set(gl.nn.Linear(2, 1, bias=False), [[0.40, 0.45]])
    model = _seq(l1, gl.nn.Sigmoid(), l2, gl.nn.Sigmoid())
    exp = gl.explain(model, [0.05, 0.10], [0.01], gl.nn.MSELoss(), lr=0.5, half=True)
    assert not any(name.startswith(("b[", "db[", "b_new[")) for name in exp.names())
    for view in ("scalar", "matrix", "graph"):
        text = exp.render("text", view=view, color=False)
        assert "b₁" not in text and "b⁽" not in text and "∂L/∂b" not in text, view
    # the verification pass uses the bias-free network: equal to a real gradient step
    ref = _gl_loss(model, gl.nn.MSELoss(), [0.05, 0.10], np.array([[0.01]])) / 2
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    gl.optim.SGD(model.parameters(), lr=0.5 * 0.5).step()  # ½ of the MSE: half the gradient
    np.testing.assert_allclose(exp["W_new[1]"], l1.weight.data, atol=1e-15)
    new = float(gl.nn.MSELoss()(model(gl.tensor([[0.05, 0.10]])), np.array([[0.01]])).data) / 2
    assert float(exp["loss_new"]) == pytest.approx(new, abs=1e-15)


def test_kink_of_the_two_layer_example_is_flagged_in_every_view():
    exp = example("two-layer")
    assert 0 < abs(float(exp["z[1]"][0])) < 1e-9
    for view in ("scalar", "matrix"):
        text = exp.render("text", view=view, color=False)
        assert "Kink" in text and "ReLU(0) = 0" in text, view
        assert "ReLU(0.0) = 0.0" not in text
    assert exp.to_dict()["kinks"][0]["layer"] == 1
    assert "Kink" in exp.render("markdown") and "Kink" in exp.render("html")


def test_one_rounding_and_one_shape_per_quantity():
    course = example("course").render("text", color=False)
    assert "0.1750" in course and " 0.175 " not in course and "−0.0140" in course
    relu = example("relu-mse")
    matrix = relu.render("text", view="matrix", color=False)
    assert "−1.6438" in matrix and "−1.6437" not in matrix
    two = example("two-layer", layout="numerator")
    exp = gl.explain(two.trace.net, [1.0, 2.0], [0.5, 1.0], "mse", lr=0.1, reduction="sum")
    doc = exp.view("matrix")
    shapes = set()
    from gradlab.explainer.notation import Matrix, Row

    def walk(node):
        if isinstance(node, Row):
            for item in node.items:
                walk(item)
        elif isinstance(node, Matrix) and [float(r[0].value) for r in node.rows if hasattr(r[0], "value")] == [0.0, 0.1]:
            shapes.add(node.shape)

    for block in doc.blocks:
        if hasattr(block, "node"):
            walk(block.node)
    assert shapes == {(2, 1)}  # b⁽²⁾ = [0.0, 0.1] is a column in the forward pass and in the update


def test_options_are_checked_before_any_work(monkeypatch):
    from gradlab.explainer import api

    def boom(*a, **k):
        raise AssertionError("the trace was computed before the options were checked")

    monkeypatch.setattr(api, "compute_trace", boom)
    net = [([[0.5]], [0.0], "sigmoid")]
    for kwargs, word in [({"check": "flg"}, "check"), ({"layout": "row"}, "layout"), ({"precision": 20}, "precision"),
                         ({"precision": 2.5}, "precision"), ({"lr": float("inf")}, "lr"), ({"reduction": "none"}, "reduction"),
                         ({"update_order": "random"}, "update_order"), ({"half": "yes"}, "half")]:
        with pytest.raises(gl.GradlabError, match=word):
            gl.explain(net, [1.0], [1.0], "mse", **kwargs)


# ---------------------------------------------------------------- refuse, never approximate


def _exported(base):
    return [obj for name, obj in vars(gl.nn).items()
            if inspect.isclass(obj) and issubclass(obj, base) and obj is not base]


def _model_with(act):
    lin1 = _set(gl.nn.Linear(2, 3), [[0.2, -0.4], [0.5, 0.1], [-0.3, 0.6]], [0.1, -0.2, 0.05])
    lin2 = _set(gl.nn.Linear(3, 2), [[0.3, -0.1, 0.2], [-0.6, 0.4, 0.1]], [0.0, 0.1])
    return _seq(lin1, act, lin2, gl.nn.Sigmoid())


def test_every_activation_of_gl_nn_is_explained_exactly_or_refused_by_name():
    classes = _exported(gl.nn.Activation)
    assert {c.__name__ for c in classes} >= {"Identity", "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus",
                                             "Softmax"}
    for cls in classes:
        act = cls()
        model = _model_with(act)
        try:
            exp = gl.explain(model, [1.0, -2.0], [1.0, 0.0], gl.nn.BCELoss(), lr=0.1)
        except gl.GradlabError as err:
            assert cls.__name__ in str(err), (cls, err)
            continue
        ref = _gl_loss(model, gl.nn.BCELoss(), [1.0, -2.0], np.array([[1.0, 0.0]]))
        assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15), cls
        np.testing.assert_allclose(exp["dW[1]"], model[0].weight.grad, atol=1e-15, err_msg=cls.__name__)
        assert cls.kind.name in exp.render("text", color=False), cls


def test_every_loss_of_gl_nn_is_explained_exactly_or_refused_by_name():
    classes = _exported(gl.nn.Loss)
    assert {c.__name__ for c in classes} >= {"MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"}
    model = _model_with(gl.nn.Tanh())
    for cls in classes:
        for reduction in ("mean", "sum"):
            loss = cls(reduction=reduction)
            y = np.array([[1.0, 0.0]])
            try:
                exp = gl.explain(model, [1.0, -2.0], y[0], loss)
            except gl.GradlabError as err:
                assert cls.__name__ in str(err), (cls, err)
                continue
            ref = _gl_loss(model, loss, [1.0, -2.0], y)
            assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15), cls
            np.testing.assert_allclose(exp["dW[1]"], model[0].weight.grad, atol=1e-15, err_msg=cls.__name__)
            assert loss.kind.title in exp.render("text", color=False)


def test_unknown_modules_and_loss_subclasses_are_refused_by_name():
    class Doubler(gl.nn.Module):
        def forward(self, x):
            return 2 * x

    class MyMSE(gl.nn.MSELoss):
        def forward(self, p, t):
            return super().forward(p, t) * 3

    lin = gl.nn.Linear(2, 1)
    with pytest.raises(gl.GradlabError, match="Doubler"):
        gl.explain(_seq(lin, Doubler()), [1.0, 2.0], [1.0], "mse")
    with pytest.raises(gl.GradlabError, match="MyMSE"):
        gl.explain(_seq(lin), [1.0, 2.0], [1.0], MyMSE())
    with pytest.raises(gl.GradlabError, match="reduction"):
        gl.explain(_seq(lin), [1.0, 2.0], [1.0], gl.nn.MSELoss(reduction="none"))
    with pytest.raises(gl.GradlabError, match="BCEWithLogitsLoss"):  # logits given to BCE on probabilities
        gl.explain(_seq(_set(lin, [[3.0, 1.0]], [0.0])), [1.0, 2.0], [1.0], gl.nn.BCELoss())
    with pytest.raises(gl.GradlabError, match="squared error"):
        gl.explain(_seq(lin, gl.nn.Sigmoid()), [1.0, 2.0], [1.0], "bce", half=True)


# ---------------------------------------------------------------- adding an activation: one row, one entry


@pytest.fixture
def cube_activation():
    """x³ registered as a primitive row and a catalog entry, removed again afterwards."""
    row = register("test_cube", lambda x: x ** 3, (lambda g, out, x: g * 3 * x ** 2,), EJ)
    kind = catalog.register_activation(catalog.ActivationKind(
        "cube", "Cube", "cube", row, ("^", "z", 3), ("*", 3, ("^", "z", 2)), "z"))

    class Cube(gl.nn.Activation):
        """z³, for the recipe test."""

        kind = catalog.ACTIVATION_KINDS["cube"]

    yield Cube
    del PRIMITIVES["test_cube"], catalog.ACTIVATION_KINDS["cube"]
    assert kind.name == "cube"


def test_a_new_activation_is_one_row_and_one_catalog_entry(cube_activation):
    lin1 = _set(gl.nn.Linear(2, 2), [[0.5, -0.2], [0.3, 0.8]], [0.1, 0.0])
    lin2 = _set(gl.nn.Linear(2, 1), [[0.7, -0.4]], [0.2])
    model = _seq(lin1, cube_activation(), lin2)
    assert cube_activation().derivative(np.array([2.0])) == pytest.approx([12.0])
    exp = gl.explain(model, [1.0, 2.0], [0.5], gl.nn.MSELoss(), lr=0.1)
    ref = _gl_loss(model, gl.nn.MSELoss(), [1.0, 2.0], np.array([[0.5]]))
    assert float(exp["loss"]) == pytest.approx(ref, abs=1e-15)
    np.testing.assert_allclose(exp["dW[1]"], lin1.weight.grad, atol=1e-14)
    z = exp["z[1]"]
    np.testing.assert_allclose(exp["fprime[1]"], 3 * z ** 2, atol=1e-15)
    text = exp.render("text", color=False)
    assert "cube(" in text and "3 z²" in text.replace("₁", "").replace("₂", "").replace("⁽¹⁾", "")


# ---------------------------------------------------------------- every network kind renders for real

KINDS = {
    "softmax + cross-entropy": (lambda: _seq(_set(gl.nn.Linear(2, 3), [[0.2, 0.1], [-0.3, 0.4], [0.5, -0.6]])),
                                gl.nn.CrossEntropyLoss(), 1),
    "sigmoid + BCE, no bias": (lambda: _seq(gl.nn.Linear(2, 2, bias=False), gl.nn.Sigmoid(),
                                            gl.nn.Linear(2, 1, bias=False), gl.nn.Sigmoid()), gl.nn.BCELoss(), [1.0]),
    "BCE with logits": (lambda: _seq(gl.nn.Linear(2, 2), gl.nn.Tanh(), gl.nn.Linear(2, 1)),
                        gl.nn.BCEWithLogitsLoss(), [0.0]),
    "leaky ReLU + softplus + MSE": (lambda: _seq(gl.nn.Linear(2, 2), gl.nn.LeakyReLU(0.2), gl.nn.Linear(2, 2),
                                                 gl.nn.Softplus(), gl.nn.Linear(2, 1)), gl.nn.MSELoss(), [0.3]),
    "step + softmax output": (lambda: _seq(gl.nn.Linear(2, 2), gl.nn.Step(), gl.nn.Linear(2, 2), gl.nn.Softmax()),
                              gl.nn.MSELoss(reduction="sum"), [1.0, 0.0]),
}


def _kind_explanation(name, **kwargs):
    build, loss, y = KINDS[name]
    model = build()
    rng = np.random.default_rng(len(name))
    for p in model.parameters():
        p.data[...] = rng.uniform(-1, 1, p.data.shape)
    return gl.explain(model, [0.5, -1.0], y, loss, lr=0.1, **kwargs)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
@pytest.mark.parametrize("name", list(KINDS))
def test_latex_of_every_network_kind_compiles(name, tmp_path):
    exp = _kind_explanation(name)
    for view in ("scalar", "matrix", "graph"):
        tex = exp.render("latex", view=view, standalone=True)
        assert tex.isascii()
        (tmp_path / f"{view}.tex").write_text(tex, encoding="ascii")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{view}.tex"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (view, run.stdout[-1500:])


@pytest.mark.skipif(outputs_render.chromium_path() is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_of_softmax_cross_entropy_renders_without_console_errors(tmp_path):
    exp = _kind_explanation("softmax + cross-entropy")
    page = tmp_path / "page.html"
    page.write_text(exp.render("html", view="matrix"), encoding="utf-8")
    run = subprocess.run([outputs_render.chromium_path(), *outputs_render.chromium_args(tmp_path / "p"),
                          f"--screenshot={tmp_path / 'shot.png'}", "--window-size=1200,2000", "--enable-logging=stderr",
                          "--v=0", page.as_uri()], capture_output=True, text=True, timeout=120,
                         env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert (tmp_path / "shot.png").stat().st_size > 10_000, run.stderr[-1500:]
    assert not [line for line in run.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]


# ---------------------------------------------------------------- saved models on the command line


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gradlab", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_every_model_train_can_save_explains_with_input_and_target_only(tmp_path):
    cases = [("moons", "2,4,1", "0.5,-1", "1", "binary cross-entropy on logits"),
             ("iris", "4,5,3", "5.1,3.5,1.4,0.2", "0", "cross-entropy"),
             ("moons", "2,3,1", "0.5,-1", "0.7", "squared error")]
    for n, (data, layers, x, y, title) in enumerate(cases):
        extra = ["--loss", "mse"] if title == "squared error" else []
        run = _cli("train", "--data", data, "--layers", layers, "--epochs", "2", "--save", f"m{n}.safetensors",
                   *extra, cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-1500:]
        out = _cli("explain", "--model", f"m{n}.safetensors", "--input", x, "--target", y, "--lr", "0.1",
                   "--no-color", cwd=tmp_path)
        assert out.returncode == 0, out.stderr[-1500:]
        assert f"Loss: {title}" in out.stdout and "as recorded in the model file" in out.stdout
        assert "nan" not in out.stdout.lower() and "Traceback" not in out.stderr and "Warning" not in out.stderr
    # BCE on probabilities given to a model that outputs logits: refused with a sentence, not NaN
    out = _cli("explain", "--model", "m0.safetensors", "--input", "0.5,-1", "--target", "1", "--loss", "bce",
               cwd=tmp_path)
    assert out.returncode == 2 and "bce_with_logits" in out.stderr and "Traceback" not in out.stderr


def test_a_model_file_without_a_recorded_loss_gets_an_inferred_and_stated_one(tmp_path):
    model = _seq(_set(gl.nn.Linear(2, 1), [[0.4, -0.2]], [0.1]), gl.nn.Sigmoid())
    gl.save(model, tmp_path / "sig.safetensors")
    out = _cli("explain", "--model", "sig.safetensors", "--input", "1,2", "--target", "1", "--no-color", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "inferred from the sigmoid output layer" in out.stdout
    gl.save(_seq(gl.nn.Linear(2, 3)), tmp_path / "three.safetensors")
    out = _cli("explain", "--model", "three.safetensors", "--input", "1,2", "--target", "1,0,0", cwd=tmp_path)
    assert out.returncode == 2 and "--loss" in out.stderr and "Traceback" not in out.stderr
    out = _cli("explain", "course", "--input", "1", cwd=tmp_path)
    assert out.returncode == 2 and "--input" in out.stderr


# ---------------------------------------------------------------- edges a hostile reader found


@pytest.mark.parametrize("x, lr", [([-56.0], None), ([-40.0], None), ([-1e300], None), ([2.0], 1e300)])
def test_extreme_numbers_print_without_crash_or_fake_digits(x, lr):
    exp = gl.explain([([[1.0]], [0.0], "identity")], x, [1.0], "bce_with_logits", lr=lr)
    for fmt in ("text", "markdown", "latex", "html"):
        for view in ("scalar", "matrix"):
            out = exp.render(fmt, view=view)
            assert "/0.0000" not in out and not re.search(r"\binf\b|\bnan\b|∞", out), (fmt, view)
    if lr is None:
        assert "∂L/∂p =" not in exp.render("text", color=False)  # only the exact simplification p − y


def test_rounding_keeps_the_requested_decimals_at_high_precision():
    from gradlab.explainer.notation import fmt

    assert fmt(1 / 3, 15) == "0.333333333333333"
    assert fmt(123456789012.5, 15) == "123456789012.5"
    assert fmt(2.35e17, 4) == "2.3500e+17"
    assert fmt(0.1 + 0.2, 4) == "0.3"


def test_an_update_that_overflows_is_refused():
    with pytest.raises(gl.ParameterError, match="overflow"):
        gl.explain([([[1.0]], [0.0], "identity")], [-56.0], [1.0], "bce_with_logits", lr=1e308)


def test_sequential_updates_name_the_new_weights_and_check_only_the_last_layer():
    net = [(np.array([[0.3, -0.8], [0.5, 0.2]]), [0.1, -0.1], "sigmoid"), (np.array([[1.5, -2.0]]), [0.2], "sigmoid")]
    seq = gl.explain(net, [0.5, -1.0], [1.0], "mse", lr=2.0, update_order="sequential")
    sim = gl.explain(net, [0.5, -1.0], [1.0], "mse", lr=2.0)
    np.testing.assert_allclose(seq["dL/dx"], seq["delta[1]"] @ np.array([[0.3, -0.8], [0.5, 0.2]]))  # old W⁽¹⁾
    text = seq.render("text", color=False)
    assert "w_new,11⁽²⁾" in text and "not compared" in text
    assert "W_new⁽²⁾" in seq.render("text", view="matrix", color=False)
    assert "Sequential" not in gl.explain(net, [0.5, -1.0], [1.0], "mse", update_order="sequential").render("text")
    assert "not compared" not in sim.render("text", color=False)


def test_the_graph_view_flags_kinks():
    exp = gl.explain([([[1.0]], [0.0], "relu"), ([[2.0]], [0.1], "identity")], [0.0], [1.0], "mse")
    for fmt in ("text", "markdown", "html", "latex"):
        assert "Kink" in exp.render(fmt, view="graph"), fmt
    kink = exp.to_dict()["kinks"][0]
    assert (kink["layer"], kink["sample_index"], kink["neuron_index"]) == (1, 0, 0)


def test_refusals_name_what_was_given():
    class MySig(gl.nn.Sigmoid):
        def forward(self, z):
            return super().forward(z) * 0.5 + 0.25

    torch = pytest.importorskip("torch")
    cases = [(lambda: gl.explain([([[1.0, 0.0]], [0.0], "leaky")], [-1.0, 2.0], [1.0], "mse"), "'leaky'"),
             (lambda: gl.explain(_seq(gl.nn.Linear(2, 1), MySig()), [1.0, 2.0], [1.0], "mse"), "MySig"),
             (lambda: gl.explain(_seq(gl.nn.Linear(2, 1)), [1.0, 2.0], [1.0], torch.nn.MSELoss()), "torch.nn"),
             (lambda: gl.explain(_seq(gl.nn.Linear(2, 3)), [1.0, 2.0], [1.0, 0, 0], "mse", shared_bias=True), "list"),
             (lambda: gl.explain([([[1.0, 0], [0, 1]], [0.0, 0], "identity")], [1.0, 2.0], [np.nan, 1],
                                 "cross_entropy"), "NaN")]
    for call, word in cases:
        with pytest.raises(gl.GradlabError, match=word):
            call()


def test_worked_lines_show_the_step_threshold_and_leaky_slope():
    model = _seq(_set(gl.nn.Linear(1, 1), [[1.0]], [0.0]), gl.nn.Step(threshold=0.5))
    text = gl.explain(model, [0.3], [1.0], "mse").render("text", color=False)
    assert "step(0.3) (θ = 0.5) = 0.0" in text
    model = _seq(_set(gl.nn.Linear(1, 1), [[1.0]], [0.0]), gl.nn.LeakyReLU(0.2))
    assert "(α = 0.2)" in gl.explain(model, [-1.0], [1.0], "mse").render("text", color=False)


def test_sums_of_negative_terms_read_with_a_minus():
    exp = gl.explain([([[1.0, 0], [0, 1]], [0.0, 0], "sigmoid")], [1.0, 2.0], [1, 0], "bce")
    for fmt in ("text", "markdown"):
        out = exp.render(fmt)
        assert "+ −" not in out and "+ -" not in out, fmt


def test_class_indices_as_a_column_on_the_command_line(tmp_path):
    model = _seq(_set(gl.nn.Linear(2, 3), [[0.2, 0.1], [-0.3, 0.4], [0.5, -0.6]]))
    gl.save(model, tmp_path / "c.safetensors", metadata={"loss": "cross_entropy"})
    out = _cli("explain", "--model", "c.safetensors", "--input", "1,2;3,4", "--target", "0;2", "--no-color",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    gl.save(_seq(gl.nn.Linear(2, 1), gl.nn.Step()), tmp_path / "s.safetensors")
    out = _cli("explain", "--model", "s.safetensors", "--input", "1,2", "--target", "1", "--loss", "bce", cwd=tmp_path)
    assert out.returncode == 2 and "strictly inside (0, 1)" in out.stderr and "outputs logits" not in out.stderr
