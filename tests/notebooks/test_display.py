"""Rich display outside a kernel: draw_graph's gradients, Module.summary, Tensor and figure representations."""

from __future__ import annotations

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import GraphError, ParameterError, ShapeError


def _f(x, w):
    return gl.tanh(x * w).sum()


def test_draw_graph_of_a_function_shows_every_nodes_value_and_gradient():
    pic = gl.viz.draw_graph(_f, [1.0, 2.0], [0.5, -1.0], engine="python")
    grads = {n["title"]: n["grad"] for n in pic.nodes}
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    expected_x = w * (1 - np.tanh(x * w) ** 2)
    assert grads["x"] == "[" + ", ".join(f"{v:.3g}" for v in expected_x) + "]"
    assert grads["tanh"] == "[1, 1]" and grads["sum"] == "1"
    assert all(n["grad"] is not None for n in pic.nodes)
    assert pic._repr_svg_().startswith("<svg") and "grad [1, 1]" in pic.svg


def test_draw_graph_of_a_live_tensor_keeps_its_graph_and_grads(tmp_path):
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    pic = gl.viz.draw_graph(y, engine="python")
    assert pic.nodes[0]["grad"] == "[2, 4]" and x.grad is None
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    assert gl.viz.draw_graph(y, engine="python").nodes == pic.nodes  # after backward(): the pass it kept
    assert pic.save(tmp_path / "g.svg").read_text().startswith("<svg")
    with pytest.raises(ParameterError, match="must end in .svg"):
        pic.save(tmp_path / "g.png")


def test_module_summary_lists_layers_output_shapes_and_counts():
    lines = []
    model = gl.nn.MLP([2, 8, 3])
    model.summary((2,), print_fn=lines.append)
    assert "(batch, 8)" in lines[0] and "(batch, 3)" in lines[0] and "Total parameters: 51" in lines[0]
    assert "(batch, 3)" in model._repr_html_()
    with pytest.raises(ShapeError, match=r"Module.summary: input_shape \(5,\) does not fit MLP"):
        model.summary((5,), print_fn=lines.append)


def test_tensor_html_shows_shape_dtype_values_and_grad():
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    page = x._repr_html_()
    assert "(2,)" in page and "float64" in page and "[2., 4.]" in page


def test_figures_render_themselves_as_png_without_pyplot():
    pytest.importorskip("matplotlib")
    fig = gl.viz.plot_activations()
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_a_copied_or_unpickled_model_keeps_its_summary_and_a_string_is_no_shape():
    import copy
    import pickle

    m = gl.nn.MLP([2, 4, 1])
    m.summary((2,), print_fn=lambda *_: None)
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        html = clone._repr_html_()
        assert "(batch, 4)" in html and "not called" not in html
    with pytest.raises(gl.ParameterError, match="input_shape must be the shape of one sample"):
        m.summary("12")


def test_draw_graph_explains_missing_inputs_and_lays_out_long_chains_quickly():
    import functools

    long_chain = lambda x: gl.sum(functools.reduce(lambda a, _: a * 1.0001, range(300), x))  # noqa: E731
    picture = gl.viz.draw_graph(long_chain, np.ones(2))
    assert len(picture.nodes) > 300 and picture.engine == "python"
    with pytest.raises(gl.InputTypeError, match="give the function's inputs after it"):
        gl.viz.draw_graph(lambda: gl.tensor(2.0) * 3)
    with pytest.raises(gl.InputTypeError, match="input 0 .* is not numbers"):
        gl.viz.draw_graph(lambda x: x * 2, "abc")
