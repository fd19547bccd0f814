"""grad, value_and_grad, vjp, jvp, jacobian, hessian — and their layouts."""

import numpy as np
import pytest

import gradlab as gl


def f_quad(x, A):
    return (x @ (A @ x)) + gl.sum(gl.sin(x))


def test_grad_has_the_shape_of_the_variable():
    X = np.arange(6.0).reshape(3, 2)
    g = gl.grad(lambda X: gl.sum(X * X))(X)
    assert g.shape == (3, 2)  # denominator layout
    np.testing.assert_allclose(g, 2 * X)


def test_grad_argnums_and_value_and_grad(rng):
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    v, (gx, gA) = gl.value_and_grad(f_quad, argnums=(0, 1))(x, A)
    assert v == pytest.approx(x @ A @ x + np.sin(x).sum())
    np.testing.assert_allclose(gx, (A + A.T) @ x + np.cos(x))
    np.testing.assert_allclose(gA, np.outer(x, x))


def test_grad_of_constant_function_is_zero():
    np.testing.assert_array_equal(gl.grad(lambda x: gl.tensor(3.0))(np.ones(2)), np.zeros(2))


def test_vjp(rng):
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    out, vjp_fn = gl.vjp(lambda A, x: gl.tanh(A @ x), A, x)
    v = rng.standard_normal(4)
    gA, gx = vjp_fn(v)
    d = v * (1 - np.tanh(A @ x) ** 2)
    np.testing.assert_allclose(out, np.tanh(A @ x))
    np.testing.assert_allclose(gA, np.outer(d, x))
    np.testing.assert_allclose(gx, A.T @ d)


def test_jvp_is_forward_mode_exact(rng):
    A = rng.standard_normal((4, 3))
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    out, jv = gl.jvp(lambda x: gl.sigmoid(A @ x) * gl.sum(x * x), [x], [v])
    J = gl.jacobian(lambda x: gl.sigmoid(A @ x) * gl.sum(x * x))(x)
    np.testing.assert_allclose(jv, J @ v, rtol=1e-12)


def test_jacobian_is_numerator_layout(rng):
    A = rng.standard_normal((4, 3))
    J = gl.jacobian(lambda x: A @ x)(rng.standard_normal(3))
    assert J.shape == (4, 3)  # m x n for f: R^3 -> R^4
    np.testing.assert_allclose(J, A)
    Jm = gl.jacobian(lambda X: X * 2.0)(np.ones((2, 3)))
    assert Jm.shape == (2, 3, 2, 3)


def test_hessian_exact(rng):
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal(3)
    H = gl.hessian(lambda x: x @ (A @ x) + gl.sum(gl.exp(x)))(x)
    np.testing.assert_allclose(H, A + A.T + np.diag(np.exp(x)), rtol=1e-12)
    H2 = gl.hessian(lambda x: gl.sum(gl.sigmoid(x) * gl.log(x * x + 1)))(x)
    num = gl.numerical_jacobian(lambda x: gl.tensor(gl.grad(lambda y: gl.sum(gl.sigmoid(y) * gl.log(y * y + 1)))(x.data)), x)
    np.testing.assert_allclose(H2, num, rtol=1e-5, atol=1e-7)


def test_hessian_through_matrix_ops(rng):
    M = np.eye(3) * 2 + rng.standard_normal((3, 3)) * 0.2
    H = gl.hessian(lambda X: gl.logdet(X))(M)
    # d²/dX² log det X: -(X^-T)_{il} (X^-T)_{kj} arrangement; check against numerics of the gradient
    g = lambda X: gl.tensor(gl.grad(gl.logdet)(X.data))  # noqa: E731
    num = gl.numerical_jacobian(g, M)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-7)


def test_hessian_of_relu_network_matches_numeric(rng):
    W = rng.standard_normal((4, 3))

    def f(x):
        return gl.sum(gl.relu(W @ x) ** 2) + gl.sum(gl.logsumexp(W @ x) * x)

    x = rng.standard_normal(3)
    H = gl.hessian(f)(x)
    num = gl.numerical_jacobian(lambda t: gl.tensor(gl.grad(f)(t.data)), x)
    np.testing.assert_allclose(H, num, rtol=1e-5, atol=1e-6)


def test_mixed_second_derivative_through_grad_of_another_argument():
    # ∂/∂y of ∂f/∂x for f = Σ x² y: the gradient 2xy must stay a Tensor when y is being differentiated
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    mixed = gl.jacobian(gl.grad(lambda a, b: gl.sum(a * b * a), argnums=0), argnums=1)(x, y)
    np.testing.assert_array_equal(mixed, np.diag(2 * x))
