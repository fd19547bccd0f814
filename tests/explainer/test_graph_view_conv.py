"""The graph view on a small convolutional network: every node's value and gradient, equal to autodiff and to
PyTorch in float64."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _problem():
    rng = np.random.default_rng(0)
    return rng.standard_normal((2, 1, 5, 5)), rng.standard_normal((3, 1, 2, 2)), rng.standard_normal(3)


def _net(x, w, b):
    return gl.mean(gl.avg_pool2d(gl.tanh(gl.max_pool2d(gl.conv2d(x, w, b, padding=1), 2)), 1) ** 2)


def test_graph_of_conv_and_pooling_has_one_node_per_operation_with_values():
    x, w, b = _problem()
    g = gl.explain_graph(_net, x, w, b)
    assert [n.op for n in g.nodes] == [None, None, None, "conv2d", "max_pool2d", "tanh", "avg_pool2d", "pow", "mean"]
    h = gl.conv2d(x, w, b, padding=1)
    np.testing.assert_array_equal(g.nodes[3].value, h.data)
    np.testing.assert_array_equal(g.nodes[4].value, gl.max_pool2d(h, 2).data)
    text = g.render("text")
    assert "conv2d" in text and "max_pool2d" in text and "∂f/∂w" in text


def test_graph_gradients_equal_autodiff_and_torch():
    x, w, b = _problem()
    g = gl.explain_graph(_net, x, w, b)
    leaves = [gl.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = _net(*leaves)
    out.backward()
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    t_out = (F.avg_pool2d(torch.tanh(F.max_pool2d(F.conv2d(tx, tw, tb, padding=1), 2)), 1) ** 2).mean()
    t_out.backward()
    assert g.nodes[-1].value == pytest.approx(t_out.item(), rel=1e-13)
    for name, leaf, t in zip("xwb", leaves, (tx, tw, tb)):
        np.testing.assert_array_equal(g.grad(name), leaf.grad)
        np.testing.assert_allclose(g.grad(name), t.grad.numpy(), rtol=1e-12, atol=1e-14)
    # every intermediate node carries its gradient, of its value's shape
    assert all(n.grad is not None and np.shape(n.grad) == np.shape(n.value) for n in g.nodes)


def test_graph_of_a_network_of_layers_with_its_parameters_as_constants():
    conv, pool = gl.nn.Conv2d(1, 2, 3, padding=1, rng=0), gl.nn.MaxPool2d(2)
    x = np.random.default_rng(2).standard_normal((1, 1, 4, 4))
    g = gl.explain_graph(lambda x: gl.sum(pool(conv(x))), x)
    ops = [n.op for n in g.nodes if n.op]
    assert ops == ["conv2d", "max_pool2d", "sum"]
    leaf = gl.tensor(x, requires_grad=True)
    gl.sum(pool(conv(leaf))).backward()
    np.testing.assert_array_equal(g.grad("x"), leaf.grad)
