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
