"""Every layer, activation and loss equals PyTorch's (float64): values and gradients."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")

RNG = np.random.default_rng(123)


def _t(a, grad=True):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=grad)


def _g(a, grad=True):
    return gl.tensor(np.array(a), requires_grad=grad)


def test_linear_matches_torch():
    x = RNG.standard_normal((5, 4))
    layer = gl.nn.Linear(4, 3, rng=1)
    tl = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        tl.weight.copy_(torch.from_numpy(layer.weight.data))
        tl.bias.copy_(torch.from_numpy(layer.bias.data))
    gx, tx = _g(x), _t(x)
    gout, tout = layer(gx), tl(tx)
    up = RNG.standard_normal((5, 3))
    gout.backward(up)
    tout.backward(torch.from_numpy(up))
    np.testing.assert_allclose(gout.numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(gx.grad, tx.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(layer.weight.grad, tl.weight.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(layer.bias.grad, tl.bias.grad.numpy(), rtol=1e-13, atol=1e-14)


ACTIVATIONS = [
    (gl.nn.Identity(), torch.nn.Identity()),
    (gl.nn.Sigmoid(), torch.nn.Sigmoid()),
    (gl.nn.Tanh(), torch.nn.Tanh()),
    (gl.nn.ReLU(), torch.nn.ReLU()),
    (gl.nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (gl.nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (gl.nn.Softmax(dim=-1), torch.nn.Softmax(dim=-1)),
    (gl.nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
]


@pytest.mark.parametrize("ours,theirs", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_matches_torch(ours, theirs):
    z = RNG.standard_normal((6, 4)) * 3
    gz, tz = _g(z), _t(z)
    gout, tout = ours(gz), theirs(tz)
    up = RNG.standard_normal((6, 4))
    (gout * up).sum().backward()
    (tout * torch.from_numpy(up)).sum().backward()
    np.testing.assert_allclose(gout.numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gz.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("ours,theirs", [a for a in ACTIVATIONS if not isinstance(a[0], gl.nn.Softmax)],
                         ids=lambda m: repr(m))
def test_activation_derivative_equals_torch_elementwise_gradient(ours, theirs):
    z = RNG.standard_normal((3, 5)) * 2
    tz = _t(z)
    theirs(tz).sum().backward()
    np.testing.assert_allclose(ours.derivative(z), tz.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_softmax_derivative_is_the_rowwise_jacobian():
    z = RNG.standard_normal((3, 4))
    J = gl.nn.Softmax().derivative(z)
    assert J.shape == (3, 4, 4)
    for i in range(3):
        Jt = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), torch.from_numpy(z[i]))
        np.testing.assert_allclose(J[i], Jt.numpy(), rtol=1e-12, atol=1e-15)


def _loss_case(name, reduction):
    if name == "mse":
        p, y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 3))
        return gl.nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction), p, y
    if name == "bce":
        p, y = RNG.uniform(0.02, 0.98, (5, 2)), RNG.uniform(0, 1, (5, 2))
        return gl.nn.BCELoss(reduction), torch.nn.BCELoss(reduction=reduction), p, y
    if name == "bce_logits":
        p, y = RNG.standard_normal((5, 2)) * 3, (RNG.random((5, 2)) > 0.5).astype(float)
        return gl.nn.BCEWithLogitsLoss(reduction), torch.nn.BCEWithLogitsLoss(reduction=reduction), p, y
    if name == "ce_index":
        p, y = RNG.standard_normal((6, 4)) * 2, RNG.integers(0, 4, 6)
        return gl.nn.CrossEntropyLoss(reduction), torch.nn.CrossEntropyLoss(reduction=reduction), p, y
    p, y = RNG.standard_normal((6, 4)) * 2, RNG.dirichlet(np.ones(4), 6)
    return gl.nn.CrossEntropyLoss(reduction), torch.nn.CrossEntropyLoss(reduction=reduction), p, y


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse", "bce", "bce_logits", "ce_index", "ce_prob"])
def test_loss_matches_torch(name, reduction):
    ours, theirs, p, y = _loss_case(name, reduction)
    gp, tp = _g(p), _t(p)
    ty = torch.from_numpy(y) if y.dtype.kind == "i" else _t(y, grad=False)
    gout, tout = ours(gp, y), theirs(tp, ty)
    np.testing.assert_allclose(gout.numpy(), tout.detach().numpy(), rtol=1e-13, atol=1e-15)
    up = RNG.standard_normal(tout.shape)
    gout.backward(up)
    tout.backward(torch.from_numpy(np.array(up)))
    np.testing.assert_allclose(gp.grad, tp.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["mse", "bce", "bce_logits", "ce_index", "ce_prob"])
def test_loss_derivative_equals_torch_gradient(name):
    ours, theirs, p, y = _loss_case(name, "mean")
    tp = _t(p)
    ty = torch.from_numpy(y) if y.dtype.kind == "i" else _t(y, grad=False)
    theirs(tp, ty).backward()
    np.testing.assert_allclose(ours.derivative(p, y), tp.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_bce_target_gradient_matches_torch():
    p, y = RNG.uniform(0.05, 0.95, (4,)), RNG.uniform(0, 1, (4,))
    gp, gy = _g(p), _g(y)
    tp, ty = _t(p), _t(y)
    gl.nn.BCELoss()(gp, gy).backward()
    torch.nn.BCELoss()(tp, ty).backward()
    np.testing.assert_allclose(gy.grad, ty.grad.numpy(), rtol=1e-12)


def test_bce_clamps_like_torch_at_zero_and_one():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    ours = gl.nn.BCELoss(reduction="none")(p, y).numpy()
    theirs = torch.nn.BCELoss(reduction="none")(torch.from_numpy(p), torch.from_numpy(y)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    assert ours.tolist() == [100.0, 100.0, 0.0, 0.0]


def test_bce_with_logits_is_stable_at_1e4():
    z = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    gz = _g(z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = gl.nn.BCEWithLogitsLoss(reduction="sum")(gz, y)
        out.backward()
    tz = _t(z)
    tout = torch.nn.BCEWithLogitsLoss(reduction="sum")(tz, torch.from_numpy(y))
    tout.backward()
    assert np.isfinite(out.item())
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-15)
    np.testing.assert_allclose(out.item(), 2e4 + np.log(2), rtol=1e-15)
    np.testing.assert_array_equal(gz.grad, tz.grad.numpy())
