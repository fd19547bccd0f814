"""gl.viz.plot_filters and gl.viz.plot_feature_maps: one axes per kernel / channel, holding exactly the weights
and activations."""

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the pictures need matplotlib (gradlab[plot])")

import gradlab as gl  # noqa: E402
from gradlab.core.errors import InputTypeError, ParameterError, ShapeError  # noqa: E402
from gradlab.nn.models import lenet  # noqa: E402
from support.pixels import assert_real_picture  # noqa: E402


def _model():
    return lenet(1, 8, 10, channels=(3, 4), kernel_size=3, rng=0)


def test_filters_of_a_layer_are_its_weights_in_order(tmp_path):
    conv = gl.nn.Conv2d(2, 3, (3, 2), rng=1)
    fig = gl.viz.plot_filters(conv, tmp_path / "f.png")
    assert len(fig.axes) == 3 * 2
    for o in range(3):
        for i in range(2):
            np.testing.assert_array_equal(fig.axes[o * 2 + i].images[0].get_array(), conv.weight.data[o, i])
    assert_real_picture(tmp_path / "f.png")


def test_filters_of_a_model_draw_every_conv_layer():
    model = _model()
    fig = gl.viz.plot_filters(model)
    assert len(fig.axes) == 3 * 1 + 4 * 3
    np.testing.assert_array_equal(fig.axes[3 + 2 * 3 + 1].images[0].get_array(), model[3].weight.data[2, 1])


def test_feature_maps_are_the_activations_after_each_conv_and_pool(tmp_path):
    model = _model()
    x = np.random.default_rng(0).random((1, 8, 8))
    fig = gl.viz.plot_feature_maps(model, x, tmp_path / "m.svg")
    assert len(fig.axes) == 1 + 3 + 3 + 4 + 4  # input, conv, pool, conv, pool
    h = gl.tensor(x[None])
    expected = [x]
    for layer in model.children()[:6]:
        h = layer(h)
        if type(layer).__name__ in ("Conv2d", "MaxPool2d"):
            expected.append(h.data[0])
    panels = [img for m in expected for img in m]
    for ax, want in zip(fig.axes, panels):
        np.testing.assert_allclose(ax.images[0].get_array(), want, rtol=0, atol=0)
    assert (tmp_path / "m.svg").stat().st_size > 1000


def test_refusals_name_the_function_and_the_problem():
    with pytest.raises(InputTypeError, match="plot_filters: Sequential holds no Conv2d"):
        gl.viz.plot_filters(gl.nn.Sequential(gl.nn.Linear(2, 2)))
    with pytest.raises(InputTypeError, match="plot_feature_maps: .*no Conv2d or pooling"):
        gl.viz.plot_feature_maps(gl.nn.Sequential(gl.nn.Flatten()), np.zeros((1, 2, 2)))
    with pytest.raises(ShapeError, match=r"plot_feature_maps: x must be one image .*\(2, 1, 8, 8\)"):
        gl.viz.plot_feature_maps(_model(), np.zeros((2, 1, 8, 8)))
    with pytest.raises(ShapeError, match="1,024"):
        gl.viz.plot_filters(gl.nn.Conv2d(40, 40, 1))
    with pytest.raises(ParameterError, match="path"):
        gl.viz.plot_filters(gl.nn.Conv2d(1, 1, 1), "filters.txt")
    with pytest.raises(InputTypeError, match="Conv2d"):
        gl.viz.plot_filters("not a model")
