"""Tensor basics and the backward pass's PyTorch semantics."""

import warnings

import numpy as np
import pytest

import gradlab as gl


def test_attributes_and_dtypes():
    t = gl.tensor([[1, 2], [3, 4]])
    assert t.dtype == np.float64 and t.shape == (2, 2) and t.ndim == 2
    assert t.T.numpy().tolist() == [[1, 3], [2, 4]]
    assert gl.tensor(3.5).item() == 3.5
    f32 = gl.tensor([1.0, 2.0], dtype="float32")
    assert f32.dtype == np.float32
    assert (f32 * 2.0).dtype == np.float32  # Python scalars do not promote
    assert (f32 + gl.tensor([1.0, 1.0])).dtype == np.float64  # NumPy promotion
    assert gl.tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    d = gl.tensor([1.0], requires_grad=True)
    e = (d * 2).detach()
    assert not e.requires_grad and e.is_leaf


def test_operators_and_broadcast_gradients():
    a = gl.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = gl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = gl.tensor(2.0, requires_grad=True)
    y = ((a + b) * c - a / b + b**2 - (-a)).sum()
    y.backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == ()
    np.testing.assert_allclose(a.grad, np.broadcast_to(2.0 - 1 / b.data + 1.0, (2, 3)))
    np.testing.assert_allclose(b.grad, 2 * 2.0 + (a.data / b.data**2).sum(0) + 2 * 2 * b.data)
    np.testing.assert_allclose(c.grad, (a.data + b.data).sum())


def test_matmul_operator_and_reflected_ops():
    W = gl.tensor(np.eye(2) * 3, requires_grad=True)
    x = np.array([1.0, 2.0])
    y = (x @ W).sum() + (2 - W).sum() + (1 / (W + 1)).sum()
    y.backward()
    np.testing.assert_allclose(W.grad, np.array([[1, 1], [2, 2]]) - 1 - 1 / (W.data + 1) ** 2)


def test_comparisons_have_no_gradient():
    x = gl.tensor([1.0, -1.0], requires_grad=True)
    m = x > 0
    assert m.dtype == bool and not m.requires_grad


def test_gradients_accumulate_and_fan_out():
    x = gl.tensor(3.0, requires_grad=True)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == pytest.approx(7.0)
    (x * 2).backward()
    assert x.grad == pytest.approx(9.0)  # accumulates like PyTorch


def test_nonscalar_backward_needs_gradient():
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(gl.GraphError, match=r"shape \(2,\).*gradient="):
        y.backward()
    y.backward(gradient=np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [3.0, 30.0])
    with pytest.raises(gl.ShapeError, match="gradient has shape"):
        (x * 3).backward(gradient=np.ones(3))


def test_backward_twice_needs_retain_graph():
    x = gl.tensor(2.0, requires_grad=True)
    y = gl.exp(x) * x
    y.backward()
    with pytest.raises(gl.GraphError, match="already freed.*retain_graph=True"):
        y.backward()
    x.grad = None
    z = gl.exp(x) * x
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad == pytest.approx(2 * 3 * np.exp(2.0))


def test_backward_without_graph_is_a_clear_error():
    with pytest.raises(gl.GraphError, match="does not require a gradient"):
        gl.tensor(1.0).backward()


def test_long_chain_is_iterative():
    x = gl.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000)


def test_no_grad_and_enable_grad():
    x = gl.tensor(1.0, requires_grad=True)
    with gl.no_grad():
        y = x * 2
        with gl.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad
    assert gl.is_grad_enabled()


def test_detect_anomaly_names_the_forward_op():
    x = gl.tensor([1.0, -1.0], requires_grad=True)
    with gl.detect_anomaly():
        with pytest.raises(gl.NonFiniteError, match="forward pass of 'log'"):
            gl.log(x - 1.0)


def test_detect_anomaly_names_the_backward_op():
    x = gl.tensor([0.0, 4.0], requires_grad=True)
    with gl.detect_anomaly():
        y = gl.sqrt(x).sum()
        with pytest.raises(gl.NonFiniteError, match="backward pass of 'sqrt'"):
            y.backward()


def test_stable_softplus_and_log_sigmoid_at_extremes():
    x = gl.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp = gl.softplus(x)
        ls = gl.log_sigmoid(x)
        s = gl.sigmoid(x)
        (sp.sum() + ls.sum() + s.sum()).backward()
    assert np.all(np.isfinite(sp.data)) and np.all(np.isfinite(ls.data)) and np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(sp.data[[0, 2, 4]], [0.0, np.log(2), 1e4])
    np.testing.assert_allclose(ls.data[[0, 2, 4]], [-1e4, -np.log(2), 0.0])
    np.testing.assert_allclose(s.data[[0, 4]], [0.0, 1.0])


def test_stable_logsumexp_and_softmax():
    x = gl.tensor([1000.0, 1000.0, -1000.0], requires_grad=True)
    np.testing.assert_allclose(gl.logsumexp(x).item(), 1000 + np.log(2))
    np.testing.assert_allclose(gl.softmax(x).data, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(gl.log_softmax(x).data[:2], [-np.log(2)] * 2)


def test_max_ties_share_gradient_evenly():
    x = gl.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    gl.max(x).backward()
    np.testing.assert_allclose(x.grad, [0, 0.5, 0.5, 0])


def test_indexing_repeated_indices_accumulate():
    x = gl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 1.0])


def test_heaviside_gradient_is_zero():
    x = gl.tensor([-1.0, 2.0], requires_grad=True)
    gl.heaviside(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    np.testing.assert_array_equal(gl.heaviside(gl.tensor([-1.0, 0.0, 2.0])).data, [0.0, 0.0, 1.0])


def test_repr_is_readable():
    assert repr(gl.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert "op=mul" in repr(gl.tensor([1.0], requires_grad=True) * 2)


def test_backward_on_a_leaf_accumulates_the_seed():
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    x.backward(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    s = gl.tensor(2.0, requires_grad=True)
    s.backward()
    assert s.grad == 1.0
    s.grad[...] = 5.0  # the cached seed must not be shared
    t = gl.tensor(1.0, requires_grad=True)
    t.backward()
    assert t.grad == 1.0
