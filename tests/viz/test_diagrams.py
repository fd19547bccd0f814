import shutil

import numpy as np
import pytest

import gradlab as gl
from gradlab.viz.graph import graph_nodes, to_dot
from gradlab.viz.network import layers_of
from gradlab.app.tour import course_step

from support.pixels import assert_real_picture


def test_network_diagram_of_an_mlp(tmp_path):
    model = gl.nn.MLP([2, 5, 3, 1], rng=0)
    path = tmp_path / "n.png"
    fig = gl.viz.network_diagram(model, path, labels="weights")
    ax = fig.axes[0]
    assert len(ax.patches) == 2 + 5 + 3 + 1  # one circle per neuron
    assert len(ax.get_lines()) == 2 * 5 + 5 * 3 + 3 * 1  # one edge per weight
    widths = [ln.get_linewidth() for ln in ax.get_lines()]
    W = np.concatenate([m.weight.data.ravel() for m in model if hasattr(m, "weight")])
    assert np.argmax(widths) == np.argmax(np.abs(W))  # thickest edge = largest |w|
    labels = [t.get_text() for t in ax.texts]
    assert f"{model[0].weight.data[0, 0]:.2f}" in labels
    assert_real_picture(path, min_size=(500, 400))


def test_edge_colours_follow_the_sign():
    W1 = np.array([[1.0, -2.0]])
    fig = gl.viz.network_diagram([(W1, np.zeros(1))], labels=None)
    colors = [ln.get_color() for ln in fig.axes[0].get_lines()]
    assert colors[0] != colors[1]


def test_layers_must_chain():
    with pytest.raises(gl.ShapeError, match="layer 2"):
        gl.viz.network_diagram([np.ones((3, 2)), np.ones((1, 4))])


def test_course_step_matches_the_slides():
    step = course_step(lr=0.1)
    assert round(step["loss"], 4) == 0.2563
    np.testing.assert_allclose(np.round(step["gradients"][2], 4), [[-0.1394, -0.1349, -0.1374]])
    np.testing.assert_allclose(np.round(step["gradients"][0].ravel(), 4), [-0.0053, -0.0067])
    np.testing.assert_allclose(np.round(step["after"][2][0], 4), [[0.4139, 0.2135, 0.6137]])
    assert step["loss_after"] < step["loss"]


def test_update_diagram_shows_before_gradients_after(tmp_path):
    step = course_step()
    path = tmp_path / "u.png"
    fig = gl.viz.network_update_diagram(step["before"], path, after=step["after"], gradients=step["gradients"], lr=0.1,
                                        neuron_values=step["activations"])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Before") and titles[1].startswith("Gradients") and titles[2].startswith("After")
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "-0.1394" in texts  # ∂L/∂w1 of the output layer, as in the slides
    assert "0.7739" in [t.get_text() for t in fig.axes[0].texts]  # ŷ in the output neuron
    assert_real_picture(path, min_size=(700, 1000))


def test_update_diagram_from_an_explanation(tmp_path):
    explain = pytest.importorskip("gradlab.explainer")
    if not hasattr(explain, "example"):
        pytest.skip("gradlab.explainer has no built-in examples yet")
    e = explain.example("course")
    fig = gl.viz.network_update_diagram(e, tmp_path / "e.png")
    assert "-0.1394" in [t.get_text() for t in fig.axes[1].texts]
    assert "0.7739" in [t.get_text() for t in fig.axes[0].texts]
    assert len(layers_of(e)) == 3
    fig = gl.viz.network_diagram(e, tmp_path / "n.png")
    assert len(fig.axes[0].patches) == 1 + 2 + 3 + 1


def _loss():
    X = gl.tensor(np.array([[1.0, 2.0], [0.5, -1.0]]), name="X")
    W = gl.tensor(np.array([[0.3], [-0.2]]), requires_grad=True, name="W")
    b = gl.tensor([0.1], requires_grad=True, name="b")
    y = gl.tensor(np.array([[1.0], [0.0]]), name="y")
    return gl.mse(gl.relu(X @ W + b), y)


def test_graph_nodes_follow_the_expression():
    nodes, edges = graph_nodes(_loss())
    ops = [n["title"] for n in nodes if n["kind"] == "op"]
    assert ops[:3] == ["matmul", "add", "relu"] and ops[-1] == "mean"
    assert {n["title"] for n in nodes if n["kind"] == "leaf"} == {"X", "W", "b", "y"}
    last = nodes[-1]
    assert last["shape"] == () and abs(float(last["value"]) - _loss().item()) < 1e-3
    assert all(a < b for a, b in edges)
    dot = to_dot(_loss())
    assert dot.startswith("digraph") and "relu" in dot and "->" in dot


def test_graph_with_matplotlib(tmp_path):
    path = gl.viz.computation_graph(_loss(), tmp_path / "g.png", engine="matplotlib")
    assert_real_picture(path, min_size=(600, 150))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")
def test_graph_with_graphviz(tmp_path):
    path = gl.viz.computation_graph(_loss(), tmp_path / "g.png", engine="dot")
    assert_real_picture(path, min_size=(600, 100))
    svg = gl.viz.computation_graph(_loss(), tmp_path / "g.svg", engine="dot")
    assert "matmul" in svg.read_text()


def test_graph_after_backward_draws_the_pass_backward_kept(tmp_path):
    loss = _loss()
    before, _ = graph_nodes(loss)
    loss.backward()
    after, _ = graph_nodes(loss)
    assert [(n["title"], n["value"]) for n in after] == [(n["title"], n["value"]) for n in before]
    assert {n["title"]: n["grad"] for n in after if n["kind"] == "op"}["mean"] == "1"
    assert gl.viz.computation_graph(loss, tmp_path / "g.png").stat().st_size > 0
