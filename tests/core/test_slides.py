"""The slides' matrix-calculus results, as tests."""

import numpy as np

import gradlab as gl


def test_jacobian_of_ln_x2_sin_3x():
    for x0 in (2.0, -0.7, 5.0):
        J = gl.jacobian(lambda x: gl.concatenate([gl.log(x * x), gl.sin(3 * x)]))(np.array([x0]))
        np.testing.assert_allclose(J, [[2 / x0], [3 * np.cos(3 * x0)]], rtol=1e-12)


def test_affine_neuron_gradients():
    w, x, b = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0]), 0.3
    gw, gb = gl.grad(lambda w, b: gl.dot(w, x) + b, argnums=(0, 1))(w, b)
    np.testing.assert_allclose(gw, x)  # ∂(w·x + b)/∂w = xᵀ (as a gradient: x)
    assert gb == 1.0
    J = gl.jacobian(lambda w: gl.reshape(gl.dot(w, x) + b, (1,)))(w)
    np.testing.assert_allclose(J, x[None, :])  # a 1×n row: xᵀ


def test_relu_neuron_gradient():
    x = np.array([1.0, 2.0])
    active = gl.grad(lambda w: gl.relu(gl.dot(w, x) + 0.5))(np.array([1.0, 1.0]))
    np.testing.assert_allclose(active, x)  # z > 0: the gradient of the affine part
    inactive = gl.grad(lambda w: gl.relu(gl.dot(w, x) - 10.0))(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(inactive, [0.0, 0.0])  # z <= 0: zero
    at_zero = gl.grad(lambda w: gl.relu(gl.dot(w, x) - 3.0))(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(at_zero, [0.0, 0.0])  # z = 0 counts as inactive


def test_elementwise_jacobians_are_diagonal():
    w, x = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    np.testing.assert_allclose(gl.jacobian(lambda w: w * x)(w), np.diag(x))  # ∂(w⊙x)/∂w = diag(x)
    np.testing.assert_allclose(gl.jacobian(lambda w: w + x)(w), np.eye(3))
    np.testing.assert_allclose(gl.jacobian(gl.sigmoid)(w), np.diag(gl.sigmoid(w).data * (1 - gl.sigmoid(w).data)))
    prim = gl.PRIMITIVES["mul"]
    np.testing.assert_allclose(prim.explicit_jacobian(0, w, x), np.diag(x))


def test_sum_reduction_gradient_is_a_row_of_ones():
    J = gl.jacobian(lambda x: gl.reshape(gl.sum(x), (1,)))(np.arange(4.0))
    np.testing.assert_array_equal(J, np.ones((1, 4)))


def test_vector_scalar_operations():
    x = np.array([1.0, 2.0, 3.0])
    z = 2.5
    gz = gl.grad(lambda z: gl.sum(x * z))(z)
    assert gz == x.sum()  # ∂(Σ x z)/∂z = Σ x
    np.testing.assert_allclose(gl.jacobian(lambda x: x * z)(x), z * np.eye(3))


def test_mse_cost_gradient_over_n_samples():
    rng = np.random.default_rng(3)
    X, y, w, b = rng.standard_normal((6, 3)), rng.standard_normal(6), rng.standard_normal(3), 0.2

    def cost(w, b):
        return gl.mean((gl.relu(X @ w + b) - y) ** 2)

    gw, gb = gl.grad(cost, argnums=(0, 1))(w, b)
    z = X @ w + b
    e = (np.maximum(z, 0) - y) * (z > 0)
    np.testing.assert_allclose(gw, 2 / 6 * X.T @ e)
    np.testing.assert_allclose(gb, 2 / 6 * e.sum())
