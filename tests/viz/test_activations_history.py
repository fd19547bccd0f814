import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl
from gradlab.viz.activations import NAMES, activation_curves

from support.pixels import assert_real_picture


def test_import_gradlab_does_not_import_matplotlib():
    code = "import sys, gradlab, gradlab.viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_activation_derivatives_are_the_closed_forms():
    x = np.linspace(-4, 4, 81) + 0.013  # avoid the kink at exactly 0
    s, ds = activation_curves("sigmoid", x)
    np.testing.assert_allclose(ds, s * (1 - s), rtol=1e-12)
    t, dt = activation_curves("tanh", x)
    np.testing.assert_allclose(dt, 1 - t**2, rtol=1e-12)
    r, dr = activation_curves("relu", x)
    np.testing.assert_array_equal(dr, (x > 0).astype(float))
    lr, dlr = activation_curves("leaky_relu", x, negative_slope=0.1)
    np.testing.assert_allclose(dlr, np.where(x > 0, 1.0, 0.1))
    np.testing.assert_allclose(lr, np.where(x > 0, x, 0.1 * x))
    i, di = activation_curves("identity", x)
    np.testing.assert_array_equal(di, np.ones_like(x))
    st, dst = activation_curves("step", x)
    np.testing.assert_array_equal(st, (x > 0).astype(float))
    np.testing.assert_array_equal(dst, np.zeros_like(x))


def test_activation_derivatives_agree_with_nn_modules():
    x = np.linspace(-3, 3, 31) + 0.01
    for name, cls in (("sigmoid", gl.nn.Sigmoid), ("tanh", gl.nn.Tanh), ("relu", gl.nn.ReLU)):
        mod = cls()
        if not hasattr(mod, "derivative"):
            pytest.skip("gl.nn activations have no .derivative here")
        _, d = activation_curves(name, x)
        np.testing.assert_allclose(np.asarray(getattr(mod.derivative(gl.tensor(x)), "data", mod.derivative(gl.tensor(x)))),
                                   d, rtol=1e-10)


def test_activations_png_has_six_panels_and_content(tmp_path):
    path = tmp_path / "act.png"
    fig = gl.viz.plot_activations(path)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == len(NAMES) == 6
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Sigmoid", "Tanh", "ReLU", "Leaky ReLU", "Identity", "Unit step"]
    img = assert_real_picture(path, min_size=(1200, 700))
    assert img.shape[1] > img.shape[0]


def test_activations_svg(tmp_path):
    path = tmp_path / "act.svg"
    gl.viz.plot_activations(path, names=("sigmoid", "relu"))
    text = path.read_text()
    assert "<svg" in text and text.count("<path") > 20


def test_bad_picture_suffix_and_names():
    with pytest.raises(gl.ParameterError, match="must be a file name ending in"):
        gl.viz.plot_activations("pic.txt")
    with pytest.raises(gl.ParameterError, match="plot_activations"):
        gl.viz.plot_activations(names=("frobnicate",))


def _fake_history(epochs=40):
    e = np.arange(epochs)
    return {"loss": list(0.7 * np.exp(-e / 8) + 0.05), "val_loss": list(0.7 * np.exp(-e / 8) + 0.09),
            "accuracy": list(1 - 0.5 * np.exp(-e / 6)), "val_accuracy": list(0.96 - 0.5 * np.exp(-e / 6))}


def test_learning_curves_from_dict(tmp_path):
    path = tmp_path / "hist.png"
    fig = gl.viz.plot_history(_fake_history(), path)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    loss_ax = fig.axes[0]
    assert len(loss_ax.get_lines()) == 2  # training and validation
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_xdata(), np.arange(1, 41))
    assert loss_ax.get_xlabel() == "epoch"
    assert_real_picture(path, min_size=(800, 300))


def test_learning_curves_from_fit_history(tmp_path):
    X, y = gl.data.moons(120, noise=0.1, seed=0)
    model = gl.nn.MLP([2, 8, 1], rng=0)
    history = gl.fit(model, gl.nn.BCEWithLogitsLoss(), gl.optim.Adam(model.parameters(), lr=0.05), X, y,
                     epochs=8, seed=0, validation_split=0.25, verbose=0)
    fig = gl.viz.plot_history(history, tmp_path / "h.png")
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()[0].get_ydata()) == 8


def test_history_errors():
    with pytest.raises(gl.InputTypeError):
        gl.viz.plot_history([1, 2, 3])
    with pytest.raises(gl.ParameterError):
        gl.viz.plot_history({})
