"""Activations' derivatives, the losses' "ŷ − y" gradients, reductions and input errors."""

import numpy as np
import pytest

import gradlab as gl

Z = np.array([[-2.0, -0.5, 0.3, 1.7], [0.9, -1.1, 2.5, -0.2]])


def _elementwise_grad(module, z):
    t = gl.tensor(z, requires_grad=True)
    module(t).sum().backward()
    return t.grad


@pytest.mark.parametrize("module,formula", [
    (gl.nn.Sigmoid(), lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
    (gl.nn.Tanh(), lambda z: 1 - np.tanh(z) ** 2),
    (gl.nn.ReLU(), lambda z: (z > 0).astype(float)),
    (gl.nn.LeakyReLU(0.1), lambda z: np.where(z > 0, 1.0, 0.1)),
    (gl.nn.Identity(), lambda z: np.ones_like(z)),
    (gl.nn.Step(), lambda z: np.zeros_like(z)),
], ids=lambda m: getattr(m, "name", ""))
@pytest.mark.filterwarnings("ignore::gradlab.nn.GradientWarning")
def test_derivative_is_the_slides_formula_and_the_autodiff_gradient(module, formula):
    np.testing.assert_allclose(module.derivative(Z), formula(Z), rtol=1e-14)
    np.testing.assert_allclose(module.derivative(Z), _elementwise_grad(module, Z), rtol=1e-14)
    assert module.name and module.latex and module.dlatex


def test_step_has_the_slides_threshold_convention():
    out = gl.nn.Step(threshold=0.5)(np.array([0.2, 0.5, 0.8])).numpy()
    np.testing.assert_array_equal(out, [0.0, 1.0, 1.0])  # g(z) = 1 if z ≥ θ


def test_softmax_derivative_is_diag_s_minus_ssT():
    s = gl.nn.Softmax()(Z).numpy()
    J = gl.nn.Softmax().derivative(Z)
    for i in range(2):
        np.testing.assert_allclose(J[i], np.diag(s[i]) - np.outer(s[i], s[i]), rtol=1e-14)
        np.testing.assert_allclose(J[i], gl.jacobian(lambda v: gl.softmax(v))(Z[i]), rtol=1e-12, atol=1e-15)


def test_sigmoid_plus_bce_gradient_wrt_logits_is_prediction_minus_target_over_n():
    z = gl.tensor(Z.reshape(-1, 1), requires_grad=True)
    y = np.array([[1.0], [0.0], [1.0], [1.0], [0.0], [0.0], [1.0], [0.0]])
    gl.nn.BCELoss()(gl.sigmoid(z), y).backward()
    yhat = 1 / (1 + np.exp(-z.numpy()))
    np.testing.assert_allclose(z.grad, (yhat - y) / 8, rtol=1e-12, atol=1e-16)
    z.grad = None
    gl.nn.BCEWithLogitsLoss()(z, y).backward()
    np.testing.assert_allclose(z.grad, (yhat - y) / 8, rtol=1e-14, atol=1e-17)


def test_softmax_plus_cross_entropy_gradient_wrt_logits_is_prediction_minus_target_over_n():
    z = gl.tensor(Z, requires_grad=True)
    labels = np.array([3, 0])
    gl.nn.CrossEntropyLoss()(z, labels).backward()
    s = gl.nn.Softmax()(Z).numpy()
    onehot = np.eye(4)[labels]
    np.testing.assert_allclose(z.grad, (s - onehot) / 2, rtol=1e-14, atol=1e-17)
    z.grad = None
    gl.nn.CrossEntropyLoss()(z, onehot).backward()  # probability targets give the same
    np.testing.assert_allclose(z.grad, (s - onehot) / 2, rtol=1e-14, atol=1e-17)


def test_mse_reductions_follow_the_slides_and_the_homework():
    yhat, y = np.array([[1.0], [2.0], [4.0]]), np.array([[0.0], [2.0], [2.0]])
    assert gl.nn.MSELoss()(yhat, y).item() == pytest.approx(5 / 3)  # (1/N) Σ
    assert gl.nn.MSELoss("sum")(yhat, y).item() == 5.0  # ‖ŷ − y‖²
    np.testing.assert_array_equal(gl.nn.MSELoss("none")(yhat, y).numpy(), [[1.0], [0.0], [4.0]])
    np.testing.assert_allclose(gl.nn.MSELoss().derivative(yhat, y), 2 * (yhat - y) / 3)
    # (N, 1) prediction with an (N,) target: the target is reshaped, not broadcast to (N, N)
    assert gl.nn.MSELoss()(yhat, y.ravel()).item() == pytest.approx(5 / 3)


def test_loss_errors_name_the_loss_expected_and_actual():
    with pytest.raises(gl.ShapeError, match=r"MSELoss: prediction has shape \(3, 2\) but target has shape \(3, 3\)"):
        gl.nn.MSELoss()(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(gl.ParameterError, match=r"BCELoss: target labels must lie in \[0, 1\]; got values in \[0, 2\]"):
        gl.nn.BCELoss()(np.full(3, 0.5), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(gl.ParameterError, match="BCELoss: predictions"):
        gl.nn.BCELoss()(np.array([1.5, 0.5]), np.array([1.0, 0.0]))
    with pytest.raises(gl.ParameterError, match="BCEWithLogitsLoss: target labels"):
        gl.nn.BCEWithLogitsLoss()(np.zeros(2), np.array([-1.0, 0.0]))
    with pytest.raises(gl.ParameterError, match=r"class index 4 is out of range; expected indices in \[0, 3\]"):
        gl.nn.CrossEntropyLoss()(np.zeros((2, 4)), np.array([1, 4]))
    with pytest.raises(gl.ShapeError, match=r"need class indices of shape \(2,\)"):
        gl.nn.CrossEntropyLoss()(np.zeros((2, 4)), np.array([1, 2, 3]))
    with pytest.raises(gl.InputTypeError, match="whole numbers"):
        gl.nn.CrossEntropyLoss()(np.zeros((2, 4)), np.array([0.5, 1.0]))
    with pytest.raises(gl.ParameterError, match="'reduction' parameter of MSELoss"):
        gl.nn.MSELoss("avg")


def test_functional_forms_equal_the_modules():
    F = gl.nn.functional
    np.testing.assert_array_equal(F.leaky_relu(Z, 0.2).numpy(), gl.nn.LeakyReLU(0.2)(Z).numpy())
    np.testing.assert_array_equal(F.step(Z, 0.3).numpy(), gl.nn.Step(0.3)(Z).numpy())
    np.testing.assert_array_equal(F.softmax(Z, dim=0).numpy(), gl.nn.Softmax(0)(Z).numpy())
    assert F.cross_entropy(Z, [1, 2]).item() == gl.nn.CrossEntropyLoss()(Z, [1, 2]).item()
    assert F.mse_loss(Z, 0 * Z, reduction="sum").item() == pytest.approx((Z**2).sum())
