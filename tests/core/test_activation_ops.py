"""The activations after ReLU (gl.gelu, elu, selu, silu, mish, relu6, hardtanh, hardsigmoid, softsign, logsigmoid)
against torch.nn.functional in float64: forward and VJP on random inputs, broadcasting, kinks, large |x|,
second derivatives, and the messages for bad parameters."""

import warnings

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError

torch = pytest.importorskip("torch")
TF = torch.nn.functional
R = np.random.default_rng(20261130)

# (gradlab function, torch function, keyword arguments)
FUNCTIONS = [
    ("gelu", gl.gelu, TF.gelu, {}),
    ("gelu_tanh", gl.gelu, TF.gelu, {"approximate": "tanh"}),
    ("elu", gl.elu, TF.elu, {}),
    ("elu_alpha", gl.elu, TF.elu, {"alpha": 0.3}),
    ("selu", gl.selu, TF.selu, {}),
    ("silu", gl.silu, TF.silu, {}),
    ("mish", gl.mish, TF.mish, {}),
    ("relu6", gl.relu6, TF.relu6, {}),
    ("hardtanh", gl.hardtanh, TF.hardtanh, {}),
    ("hardtanh_bounds", gl.hardtanh, TF.hardtanh, {"min_val": -0.5, "max_val": 2.0}),
    ("hardsigmoid", gl.hardsigmoid, TF.hardsigmoid, {}),
    ("softsign", gl.softsign, TF.softsign, {}),
    ("logsigmoid", gl.logsigmoid, TF.logsigmoid, {}),
]
IDS = [f[0] for f in FUNCTIONS]
# PyTorch's float64 hardsigmoid backward multiplies by the float32 constant 1/6 (0.16666667163…); gradlab uses
# the exact 1/6, so that gradient agrees to float32's precision only
GRAD_RTOL = {"hardsigmoid": 1e-7}
KINKS = np.array([-6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0])


def _torch_value_and_vjp(tfn, x, g, kw):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = tfn(t, **kw)
    (grad,) = torch.autograd.grad(out, t, torch.tensor(g, dtype=torch.float64))
    return out.detach().numpy(), grad.numpy()


def _gradlab_value_and_vjp(fn, x, g, kw):
    t = gl.tensor(x, requires_grad=True)
    out = fn(t, **kw)
    gl.sum(out * g).backward()
    return out.numpy(), t.grad


def _compare(name, fn, tfn, kw, x, g=None):
    g = R.standard_normal(np.shape(x)) if g is None else g
    want, want_grad = _torch_value_and_vjp(tfn, x, g, kw)
    got, got_grad = _gradlab_value_and_vjp(fn, x, g, kw)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got_grad, want_grad, rtol=GRAD_RTOL.get(name, 1e-13), atol=1e-14)


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=IDS)
@pytest.mark.parametrize("shape", [(), (7,), (4, 5)])
def test_forward_and_vjp_match_torch_on_random_inputs(name, fn, tfn, kw, shape):
    _compare(name, fn, tfn, kw, R.uniform(-8, 8, shape))


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=IDS)
def test_gradients_at_kinks_and_ties_follow_torch(name, fn, tfn, kw):
    _compare(name, fn, tfn, kw, KINKS, np.ones_like(KINKS))


def test_kink_conventions_are_the_documented_ones():
    grad = lambda f, x, **kw: gl.grad(lambda v: gl.sum(f(v, **kw)))(np.array(x))  # noqa: E731
    np.testing.assert_array_equal(grad(gl.relu6, [0.0, 6.0, 3.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad(gl.hardtanh, [-1.0, 1.0, 0.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad(gl.hardsigmoid, [-3.0, 3.0, 0.0]), [0.0, 0.0, 1 / 6])
    np.testing.assert_array_equal(grad(gl.elu, [0.0], alpha=2.5), [2.5])  # the left branch αeˣ at 0
    np.testing.assert_allclose(grad(gl.selu, [0.0]), [1.0507009873554805 * 1.6732632423543772], rtol=1e-15)
    np.testing.assert_array_equal(grad(gl.softsign, [0.0]), [1.0])


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=IDS)
def test_large_inputs_give_no_warning_and_no_nan(name, fn, tfn, kw):
    x = np.array([-1e4, -800.0, -40.0, 40.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = gl.tensor(x, requires_grad=True)
        out = fn(t, **kw)
        gl.sum(out).backward()
    assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(t.grad))
    _compare(name, fn, tfn, kw, x, np.ones_like(x))


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=IDS)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf·0 and inf/inf, as NumPy says
def test_infinities_and_nan_give_torchs_values(name, fn, tfn, kw):
    """NaN stays NaN; ±inf give the limit, or NaN where torch's formula gives inf·0 or inf/inf."""
    x = np.array([-np.inf, np.inf, np.nan])
    got = fn(x, **kw).numpy()
    want = tfn(torch.tensor(x, dtype=torch.float64), **kw).numpy()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,fn,tfn,kw", FUNCTIONS, ids=IDS)
def test_broadcast_input_gradient_sums_back(name, fn, tfn, kw):
    x = R.uniform(-4, 4, (3, 1))
    t = gl.tensor(x, requires_grad=True)
    gl.sum(fn(gl.broadcast_to(t, (3, 4)), **kw) * np.arange(4.0)).backward()
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (tfn(tt.expand(3, 4), **kw) * torch.arange(4.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=GRAD_RTOL.get(name, 1e-13), atol=1e-15)


@pytest.mark.parametrize("name,fn,tfn,kw", [f for f in FUNCTIONS if f[0] not in
                                             ("relu6", "hardtanh", "hardtanh_bounds", "hardsigmoid")], ids=str)
def test_second_derivatives_match_torch(name, fn, tfn, kw):
    x = R.uniform(-3, 3, (5,))
    hess = gl.hessian(lambda v: gl.sum(fn(v, **kw)))(x)
    want = torch.autograd.functional.hessian(lambda v: tfn(v, **kw).sum(), torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(hess, want.numpy(), rtol=1e-12, atol=1e-14)


def test_logsigmoid_is_log_sigmoid():
    assert gl.logsigmoid is gl.log_sigmoid


def test_integer_inputs_are_promoted_to_float64():
    out = gl.relu6(np.array([-1, 3, 9]))
    assert out.numpy().dtype == np.float64
    np.testing.assert_array_equal(out.numpy(), [0.0, 3.0, 6.0])


@pytest.mark.parametrize("call,message", [
    (lambda: gl.gelu([1.0], approximate="tan"), "The 'approximate' parameter of gelu must be 'none' or 'tanh'. "
                                                "Got 'tan'."),
    (lambda: gl.elu([1.0], alpha="1"), "The 'alpha' parameter of elu must be a finite number. Got '1'."),
    (lambda: gl.elu([1.0], alpha=float("nan")), "The 'alpha' parameter of elu must be a finite number. Got nan."),
    (lambda: gl.hardtanh([1.0], min_val=2.0, max_val=1.0),
     "hardtanh: min_val (2.0) must not be greater than max_val (1.0)"),
    (lambda: gl.hardtanh([1.0], max_val=None), "The 'max_val' parameter of hardtanh must be a finite number. "
                                               "Got None."),
])
def test_bad_parameters_are_refused_with_a_clear_message(call, message):
    with pytest.raises(ParameterError) as info:
        call()
    assert str(info.value) == message


def test_hardtanh_with_equal_bounds_is_constant_with_zero_gradient():
    g = gl.grad(lambda v: gl.sum(gl.hardtanh(v, 0.5, 0.5)))(np.array([-1.0, 0.5, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(gl.hardtanh(np.array([-1.0, 2.0]), 0.5, 0.5).numpy(), [0.5, 0.5])
