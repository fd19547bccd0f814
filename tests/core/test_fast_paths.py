"""Fused rows on the training path agree with the general path they replace."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.ops.nn import dense_stack


@pytest.mark.parametrize("acts", [("relu", "relu", "identity"), ("sigmoid", "tanh", "sigmoid"),
                                  ("leaky_relu", "identity", "tanh")])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dense_stack_joint_backward_equals_layer_by_layer(acts, dtype):
    rng = np.random.default_rng(0)
    sizes = [3, 5, 4, 2]
    X = gl.tensor(rng.standard_normal((7, 3)), dtype=dtype, requires_grad=True)
    layers = [(gl.tensor(rng.standard_normal((o, i)), dtype=dtype, requires_grad=True),
               gl.tensor(rng.standard_normal(o), dtype=dtype, requires_grad=True)) for i, o in zip(sizes, sizes[1:])]
    fns = {"relu": gl.relu, "sigmoid": gl.sigmoid, "tanh": gl.tanh, "identity": lambda z: z,
           "leaky_relu": lambda z: gl.leaky_relu(z, 0.01)}
    Y = rng.standard_normal((7, 2))

    out = dense_stack(X, layers, acts)
    gl.mse(out, Y).backward()  # joint rule (vjp_all with saved activations)
    fast = [X.grad] + [g for W, b in layers for g in (W.grad, b.grad)]
    X.grad = None
    for W, b in layers:
        W.grad = b.grad = None
    h = X
    for (W, b), a in zip(layers, acts):
        h = fns[a](gl.linear(h, W, b))
    gl.mse(h, Y).backward()  # general path, one primitive at a time
    slow = [X.grad] + [g for W, b in layers for g in (W.grad, b.grad)]
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(out.data, h.data, rtol=tol)
    for a, b in zip(fast, slow):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_mse_loss_row_equals_composition():
    from gradlab.core.tensor import apply
    from gradlab.ops.nn import MSE_LOSS

    rng = np.random.default_rng(1)
    p, t = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    for reduction, ref in (("mean", lambda d: gl.mean(d * d)), ("sum", lambda d: gl.sum(d * d))):
        g1 = gl.grad(lambda p: apply(MSE_LOSS, p, t, reduction=reduction))(p)
        g2 = gl.grad(lambda p: ref(p - t))(p)
        np.testing.assert_allclose(g1, g2, rtol=1e-13)


@pytest.mark.parametrize("acts", [("relu", "relu", "identity"), ("sigmoid", "leaky_relu", "tanh"),
                                  ("identity", "relu", "sigmoid")])
@pytest.mark.parametrize("batch, sizes", [(1, [3, 5, 4, 2]), (7, [3, 5, 4, 2]),
                                         (64, [3, 200, 200, 2])])  # 64 x 200: ReLU's in-place mask
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_delta_loop_equals_the_general_loop(acts, batch, sizes, dtype):
    from gradlab.ops import _loops
    from gradlab.ops.nn import _act_backward, _delta_recursion, dense_stack_forward_saving

    rng = np.random.default_rng(3)
    x = rng.standard_normal((batch, 3)).astype(dtype)
    wb = []
    for i, o in zip(sizes, sizes[1:]):
        wb += [rng.standard_normal((o, i)).astype(dtype), rng.standard_normal(o).astype(dtype)]
    _, saved = dense_stack_forward_saving(x, *wb, activations=acts, negative_slope=0.1)
    g = rng.standard_normal((batch, 2)).astype(dtype)
    g_before, saved_before = g.copy(), [a.copy() for a in saved]
    for needs in ([True] * 7, [False] + [True] * 6, [True, False, True, True, False, False, True]):
        fast = _loops.delta_recursion(g, saved, wb, acts, 0.1, needs, _act_backward)
        assert np.array_equal(g, g_before)  # the upstream gradient and the saved activations are only read
        assert all(np.array_equal(a, b) for a, b in zip(saved, saved_before))
        slow = _delta_recursion(g, saved, wb, acts, 0.1, needs)
        for i, (a, b) in enumerate(zip(fast, slow)):
            assert (a is None) == (not needs[i]) == (b is None)
            if a is not None:
                assert a.dtype == dtype and a.shape == b.shape
                np.testing.assert_allclose(a, b, rtol=1e-12 if dtype == np.float64 else 1e-5, atol=1e-6)


def test_training_path_gradients_are_fresh_writable_arrays_of_the_parameter_dtype():
    for dtype in ("float64", "float32"):
        net = gl.nn.Sequential(gl.nn.Linear(2, 4, rng=0, dtype=dtype), gl.nn.ReLU(),
                               gl.nn.Linear(4, 1, rng=1, dtype=dtype))
        X = np.random.default_rng(0).standard_normal((5, 2)).astype(dtype)
        gl.nn.MSELoss()(net(X), np.zeros((5, 1), dtype)).backward()
        grads = [p.grad for p in net.parameters()]
        for p, g in zip(net.parameters(), grads):
            assert g.dtype == p.data.dtype and g.shape == p.data.shape
            assert g.flags.writeable and g.flags.owndata
        assert len({id(g) for g in grads}) == len(grads)
        grads[1][...] = 7.0  # writing one gradient leaves the others and the next step's alone
        net.zero_grad()
        gl.nn.MSELoss()(net(X), np.zeros((5, 1), dtype)).backward()
        assert not np.any(net.parameters()[1].grad == 7.0)


def test_a_layer_used_twice_gets_the_sum_of_its_gradients(monkeypatch):
    lin = gl.nn.Linear(3, 3, rng=0)
    net = gl.nn.Sequential(lin, gl.nn.Tanh(), lin)
    X = np.random.default_rng(0).standard_normal((4, 3))
    gl.nn.MSELoss()(net(X), np.ones((4, 3))).backward()
    fused = [p.grad.copy() for p in net.parameters()]
    net.zero_grad()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    gl.nn.MSELoss()(net(X), np.ones((4, 3))).backward()
    for a, p in zip(fused, net.parameters()):
        np.testing.assert_allclose(a, p.grad, rtol=1e-13)


@pytest.mark.parametrize("acts", [("relu", "relu", "identity"), ("tanh", "leaky_relu", "sigmoid")])
@pytest.mark.parametrize("x_dtype, p_dtype", [(np.float64, np.float64), (np.float32, np.float32),
                                              (np.float64, np.float32), (np.float32, np.float64)])
@pytest.mark.parametrize("batch, hidden", [(1, 4), (64, 200)])
def test_numpy_forward_loop_equals_the_general_loop(acts, x_dtype, p_dtype, batch, hidden):
    from gradlab.ops import _loops
    from gradlab.ops.nn import _act_forward, _dense_forward

    rng = np.random.default_rng(5)
    sizes = [3, hidden, hidden, 2]
    x = rng.standard_normal((batch, 3)).astype(x_dtype)
    wb = []
    for i, o in zip(sizes, sizes[1:]):
        wb += [rng.standard_normal((o, i)).astype(p_dtype), rng.standard_normal(o).astype(p_dtype)]
    wb[3] = None  # a layer without bias
    x_before = x.copy()
    out_fast, acts_fast = _loops.dense_forward(x, wb, acts, 0.1, _act_forward)
    out_slow, acts_slow = _dense_forward(x, wb, acts, 0.1)
    assert np.array_equal(x, x_before)
    for a, b in zip(acts_fast, acts_slow):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12 if a.dtype == np.float64 else 1e-5, atol=1e-6)


@pytest.mark.parametrize("row, kw, pshape, tshape", [
    ("mse_loss", {"reduction": "mean"}, (4, 1), (1, 3)), ("mse_loss", {"reduction": "sum"}, (4, 3), (3,)),
    ("mse_loss", {"reduction": "mean"}, (3,), (4, 3)), ("mse_loss", {"reduction": "mean"}, (2, 3), (2, 3)),
    ("cross_entropy_loss", {"reduction": "mean"}, (4, 3), (3,)),  # one target row for every sample
    ("cross_entropy_loss", {"reduction": "sum"}, (2, 3), (2, 3))])
def test_fused_losses_give_each_input_its_own_shape_on_the_training_path(row, kw, pshape, tshape):
    """backward() (the joint rule), gl.grad (the per-input rules) and finite differences agree under broadcasting."""
    from gradlab.core.tensor import apply
    from gradlab.ops.losses import CROSS_ENTROPY_LOSS
    from gradlab.ops.nn import MSE_LOSS

    prim = {"mse_loss": MSE_LOSS, "cross_entropy_loss": CROSS_ENTROPY_LOSS}[row]
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(pshape), rng.random(tshape)
    x, y = gl.tensor(a, requires_grad=True), gl.tensor(b, requires_grad=True)
    apply(prim, x, y, **kw).backward()
    gx, gy = gl.grad(lambda u, v: apply(prim, u, v, **kw), argnums=(0, 1))(a, b)
    assert x.grad.shape == pshape and y.grad.shape == tshape
    np.testing.assert_allclose(x.grad, gx, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y.grad, gy, rtol=1e-12, atol=1e-14)
    gl.assert_grad(lambda u: apply(prim, u, b, **kw), a)
