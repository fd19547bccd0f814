import numpy as np
import pytest

import gradlab as gl
from gradlab.viz.perceptron import epoch_weights, gate_data

from support.pixels import assert_real_picture, rendered_rgb


@pytest.fixture(scope="module")
def trained_blobs():
    """Two well-separated clusters and a network that classifies them perfectly."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal([-2.0, -1.0], 0.5, size=(60, 2)), rng.normal([2.0, 1.5], 0.5, size=(60, 2))])
    y = np.repeat([0, 1], 60)
    model = gl.nn.MLP([2, 8, 1], rng=0)
    gl.fit(model, gl.nn.BCEWithLogitsLoss(), gl.optim.Adam(model.parameters(), lr=0.05), X, y, epochs=30, seed=0, verbose=0)
    return model, X, y


def test_decision_boundary_colours_known_points(trained_blobs):
    model, X, y = trained_blobs
    fig = gl.viz.plot_decision_boundary(model, X, y, output="logit", show_points=False)
    ax = fig.axes[0]
    img = rendered_rgb(fig)
    h = img.shape[0]
    px = ax.transData.transform(X)
    rows = np.clip((h - px[:, 1]).astype(int), 0, h - 1)
    cols = np.clip(px[:, 0].astype(int), 0, img.shape[1] - 1)
    rgb = img[rows, cols]
    blueish = rgb[:, 2] - rgb[:, 0]  # class 1 regions are blue, class 0 orange
    assert np.mean((blueish > 0.1) == (y == 1)) >= 0.95
    assert np.mean(blueish[y == 0] < -0.1) >= 0.95


def test_decision_boundary_png_with_points(trained_blobs, tmp_path):
    model, X, y = trained_blobs
    path = tmp_path / "b.png"
    fig = gl.viz.plot_decision_boundary(model, X, y, path, output="logit")
    assert "accuracy 100.0%" in fig.axes[0].get_title()
    assert_real_picture(path, min_size=(500, 400))


def test_auto_output_reads_sigmoid_networks_as_probabilities(trained_blobs):
    model, X, _ = trained_blobs
    with_sigmoid = gl.nn.Sequential(*list(model), gl.nn.Sigmoid())
    p_auto, k = gl.viz.predict_scores(with_sigmoid, X)
    p_logit, _ = gl.viz.predict_scores(model, X, output="logit")
    assert k == 2
    np.testing.assert_allclose(p_auto, p_logit, rtol=1e-12)


def test_boundary_rejects_wrong_shapes(trained_blobs):
    model, X, y = trained_blobs
    with pytest.raises(gl.ShapeError, match=r"\(N, 2\)"):
        gl.viz.plot_decision_boundary(model, np.c_[X, X], y)
    with pytest.raises(gl.ShapeError, match="rows"):
        gl.viz.plot_decision_boundary(model, X, y[:10])


def test_regression_curve_follows_the_model(tmp_path):
    X = np.linspace(-3, 3, 60).reshape(-1, 1)
    y = np.sin(X[:, 0])
    path = tmp_path / "r.png"
    fig = gl.viz.plot_fit(lambda t: gl.sin(t), X, y, path)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), np.sin(line.get_xdata()), atol=1e-12)
    assert "MSE 0" in fig.axes[0].get_title()
    assert_real_picture(path)


def test_perceptron_lines_per_epoch(tmp_path):
    path = tmp_path / "p.png"
    fig = gl.viz.plot_perceptron(("and", "or", "xor"), path, max_epochs=8)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("AND: separated") and titles[1].startswith("OR: separated")
    assert titles[2].startswith("XOR: never separated in 8 epochs")
    assert_real_picture(path, min_size=(1000, 400))


def test_epoch_weights_of_a_fitted_perceptron_separate_and():
    X, y = gate_data("and")
    p = gl.Perceptron(2).fit(X, y, max_epochs=20)
    ws = epoch_weights(p)
    assert len(ws) == p.epochs_ + 1
    np.testing.assert_array_equal(ws[0], p.initial_weights)
    final = ws[-1]
    z = final[0] + X @ final[1:]
    np.testing.assert_array_equal((z >= p.threshold).astype(int), y)


def test_unknown_gate():
    with pytest.raises(gl.ParameterError, match="gate"):
        gl.viz.plot_perceptron("xnor")
