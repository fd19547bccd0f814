"""The element-wise math functions against PyTorch (float64): values, VJPs, second derivatives, edge cases.

Also: erf_array against math.erf to the ulp, dtypes kept, out-of-domain NaN, and the messages for bad arguments.
"""

import math
import warnings

import array_api_strict as xps
import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import InputTypeError, NonFiniteError, ParameterError, ShapeError
from gradlab.ops.api import XP
from gradlab.ops.special import erf, erf_array

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(2026)

# name: (torch function, low, high) of the random inputs (inside the domain, off the jumps for the steps)
UNARY = {
    "tan": (torch.tan, -1.3, 1.3),
    "arcsin": (torch.asin, -0.95, 0.95),
    "arccos": (torch.acos, -0.95, 0.95),
    "arctan": (torch.atan, -4.0, 4.0),
    "sinh": (torch.sinh, -3.0, 3.0),
    "cosh": (torch.cosh, -3.0, 3.0),
    "arcsinh": (torch.asinh, -5.0, 5.0),
    "arccosh": (torch.acosh, 1.05, 6.0),
    "arctanh": (torch.atanh, -0.95, 0.95),
    "log1p": (torch.log1p, -0.9, 5.0),
    "expm1": (torch.expm1, -3.0, 3.0),
    "log2": (torch.log2, 0.1, 8.0),
    "log10": (torch.log10, 0.1, 8.0),
    "exp2": (torch.exp2, -3.0, 3.0),
    "square": (torch.square, -3.0, 3.0),
    "reciprocal": (torch.reciprocal, 0.2, 3.0),
    "sign": (torch.sign, -3.0, 3.0),
    "floor": (torch.floor, -3.0, 3.0),
    "ceil": (torch.ceil, -3.0, 3.0),
    "round": (torch.round, -3.0, 3.0),
    "trunc": (torch.trunc, -3.0, 3.0),
    "erf": (torch.erf, -4.0, 4.0),
}
STEPS = ("sign", "floor", "ceil", "round", "trunc")


def gl_value_and_vjp(f, inputs, g):
    out, vjp_fn = gl.vjp(f, *inputs)
    return np.asarray(out), [np.asarray(v) for v in vjp_fn(g)]


def torch_value_and_vjp(f, inputs, g):
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    out = f(*ts)
    grads = torch.autograd.grad(out, ts, torch.tensor(g), allow_unused=True)
    grads = [np.zeros_like(a) if gr is None else gr.numpy() for a, gr in zip(inputs, grads)]
    return out.detach().numpy(), grads


# ---------------------------------------------------------------- erf_array


def test_erf_array_is_within_one_ulp_of_math_erf():
    x = np.concatenate([RNG.uniform(-6, 6, 100_000), [0.0, -0.0, 1e-300, -1e-300, 5e-324, 2.0**-29, 0.84375,
                                                        1.25, 1 / 0.35, 6.0, -6.0, 27.0, -1e10]])
    y = erf_array(x)
    ref = np.array([math.erf(v) for v in x])
    ulps = np.abs(y - ref) / np.spacing(np.abs(ref))
    assert ulps.max() <= 1.0
    assert np.signbit(erf_array(np.array(-0.0)))


def test_erf_array_at_infinities_and_nan():
    y = erf_array(np.array([np.inf, -np.inf, np.nan]))
    np.testing.assert_array_equal(y[:2], [1.0, -1.0])
    assert np.isnan(y[2])


def test_erf_array_runs_on_array_api_strict_and_keeps_float32():
    x = RNG.uniform(-5, 5, 1000)
    ys = erf_array(xps.asarray(x))
    assert isinstance(ys, type(xps.asarray(0.0))) and ys.dtype == xps.float64
    np.testing.assert_array_equal(np.asarray(ys), erf_array(x))
    y32 = erf_array(x.astype(np.float32))
    assert y32.dtype == np.float32
    assert erf_array(xps.asarray(x, dtype=xps.float32)).dtype == xps.float32
    np.testing.assert_allclose(y32, [math.erf(v) for v in x.astype(np.float32)], rtol=1e-7, atol=1e-7)


def test_erf_dispatches_to_the_differentiable_row_on_tensors():
    x = gl.tensor([0.3, -1.2], requires_grad=True)
    y = erf(x)
    assert isinstance(y, gl.Tensor) and y.op.name == "erf"
    np.testing.assert_array_equal(erf(np.array([0.3, -1.2])), y.data)


# ---------------------------------------------------------------- values and VJPs against PyTorch


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_value_and_vjp_match_torch(name):
    tfn, lo, hi = UNARY[name]
    x = RNG.uniform(lo, hi, (4, 5))
    if name in STEPS:  # off the jumps: integers, and the halves for round
        x = np.where(np.abs(x * 2 - np.round(x * 2)) < 0.05, x + 0.1, x)
    g = RNG.standard_normal(x.shape)
    out, (dx,) = gl_value_and_vjp(getattr(gl, name), [x], g)
    tout, (tdx,) = torch_value_and_vjp(tfn, [x], g)
    np.testing.assert_allclose(out, tout, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dx, tdx, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(set(UNARY) - set(STEPS)))
def test_unary_second_derivative_matches_torch(name):
    tfn, lo, hi = UNARY[name]
    x = RNG.uniform(lo, hi, (6,))
    w = RNG.standard_normal(x.shape)
    fn = getattr(gl, name)
    h = gl.grad(lambda v: gl.sum(gl.grad(lambda z: gl.sum(fn(z) * w))(v)))(x)
    t = torch.tensor(x, requires_grad=True)
    (d1,) = torch.autograd.grad((tfn(t) * torch.tensor(w)).sum(), t, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), t)
    np.testing.assert_allclose(h, d2.numpy(), rtol=1e-10, atol=1e-12)


BROADCAST = [((3,), (3,)), ((2, 1), (1, 3)), ((2, 3), ()), ((), (4,))]


@pytest.mark.parametrize("a,b", BROADCAST)
def test_arctan2_value_and_both_gradients_match_torch_with_broadcasting(a, b):
    y, x = RNG.standard_normal(a), RNG.standard_normal(b)
    g = RNG.standard_normal(np.broadcast_shapes(a, b))
    out, grads = gl_value_and_vjp(gl.arctan2, [y, x], g)
    tout, tgrads = torch_value_and_vjp(torch.atan2, [y, x], g)
    np.testing.assert_allclose(out, tout, rtol=1e-14)
    for got, want in zip(grads, tgrads):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("a,b", BROADCAST)
def test_mod_value_and_both_gradients_match_torch_remainder_with_broadcasting(a, b):
    x, y = RNG.uniform(-20, 20, a), RNG.uniform(0.5, 3, b) * RNG.choice([-1.0, 1.0], b)
    g = RNG.standard_normal(np.broadcast_shapes(a, b))
    out, grads = gl_value_and_vjp(gl.mod, [x, y], g)
    tout, tgrads = torch_value_and_vjp(torch.remainder, [x, y], g)
    np.testing.assert_allclose(out, tout, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(out, np.mod(x, y))
    for got, want in zip(grads, tgrads):
        np.testing.assert_allclose(got, want, rtol=1e-13)


def test_mod_has_the_divisor_sign_and_its_y_gradient_is_minus_the_floor_quotient():
    x, y = np.array([7.0, -7.0, 7.0, -7.0]), np.array([3.0, 3.0, -3.0, -3.0])
    np.testing.assert_array_equal(gl.mod(x, y).data, [1.0, 2.0, -2.0, -1.0])
    _, (dx, dy) = gl_value_and_vjp(gl.mod, [x, y], np.ones(4))
    np.testing.assert_array_equal(dx, np.ones(4))
    np.testing.assert_array_equal(dy, -np.floor_divide(x, y))


def test_mod_second_derivative_is_zero():
    x, y = np.array([2.5, -4.1]), np.array([1.5, 0.7])
    h = gl.grad(lambda b: gl.sum(gl.grad(lambda a, c: gl.sum(gl.mod(a, c) ** 2), argnums=1)(x, b)))(y)
    t_x, t_y = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    (d1,) = torch.autograd.grad((torch.remainder(t_x, t_y) ** 2).sum(), t_y, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), t_y)
    np.testing.assert_allclose(h, d2.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- edge cases


@pytest.mark.parametrize("name", STEPS)
def test_steps_have_zero_gradient_at_their_jumps_and_zeros(name):
    x = np.array([-2.0, -1.5, -0.5, 0.0, 0.5, 1.0, 2.5])
    out, (dx,) = gl_value_and_vjp(getattr(gl, name), [x], np.ones(7))
    tout, (tdx,) = torch_value_and_vjp(UNARY[name][0], [x], np.ones(7))
    np.testing.assert_array_equal(out, tout)
    np.testing.assert_array_equal(dx, np.zeros(7))
    np.testing.assert_array_equal(tdx, np.zeros(7))


def test_round_halves_go_to_even_as_numpy_and_torch():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])
    np.testing.assert_array_equal(gl.round(x).data, [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 4.0])
    np.testing.assert_array_equal(gl.round(x).data, torch.round(torch.tensor(x)).numpy())


@pytest.mark.parametrize("decimals", [1, 2, -1, -2])
def test_round_decimals_matches_numpy_and_torch(decimals):
    x = RNG.uniform(-500, 500, 50)
    got = gl.round(x, decimals=decimals).data
    np.testing.assert_array_equal(got, np.round(x, decimals))
    np.testing.assert_allclose(got, torch.round(torch.tensor(x), decimals=decimals).numpy(), rtol=1e-15)


def test_sign_of_zero_and_nan():
    got = gl.sign(np.array([-0.0, 0.0, -3.0, 2.0, np.nan])).data
    np.testing.assert_array_equal(got[:4], [0.0, 0.0, -1.0, 1.0])
    assert np.isnan(got[4])


@pytest.mark.parametrize("name,x", [("arcsin", 2.0), ("arcsin", -1.5), ("arccos", -2.0), ("arccosh", 0.5),
                                    ("arctanh", 1.5), ("log2", -1.0), ("log10", -1.0), ("log1p", -2.0)])
def test_out_of_domain_gives_nan_as_numpy_and_torch(name, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = getattr(gl, name)(np.array([x])).data
    assert np.isnan(got[0])
    assert torch.isnan(UNARY[name][0](torch.tensor([x]))).all()


def test_detect_anomaly_names_the_operation_out_of_its_domain():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(NonFiniteError, match="'arccosh'"), gl.detect_anomaly():
            gl.arccosh(gl.tensor([0.5], requires_grad=True))


@pytest.mark.parametrize("name,x", [("arcsin", 1.0), ("arcsin", -1.0), ("arccos", 1.0), ("arccosh", 1.0),
                                    ("arctanh", 1.0), ("arctanh", -1.0), ("log2", 0.0), ("log10", 0.0),
                                    ("log1p", -1.0), ("reciprocal", 0.0)])
def test_gradient_at_the_edge_of_the_domain_is_infinite_as_torch(name, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out, (dx,) = gl_value_and_vjp(getattr(gl, name), [np.array([x])], np.ones(1))
    tout, (tdx,) = torch_value_and_vjp(UNARY[name][0], [np.array([x])], np.ones(1))
    np.testing.assert_array_equal(out, tout)
    assert np.isinf(dx[0]) and dx[0] == tdx[0]


def test_arctan2_at_the_origin_has_zero_gradients_as_torch():
    out, grads = gl_value_and_vjp(gl.arctan2, [np.zeros(2), np.array([0.0, -0.0])], np.ones(2))
    tout, tgrads = torch_value_and_vjp(torch.atan2, [np.zeros(2), np.array([0.0, -0.0])], np.ones(2))
    np.testing.assert_array_equal(out, tout)  # atan2(0, −0) = π
    for got, want in zip(grads, tgrads):
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, [0.0, 0.0])


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_arctan2_gradients_do_not_underflow_or_overflow(scale):
    y, x = np.array([3.0 * scale]), np.array([4.0 * scale])
    _, (dy, dx) = gl_value_and_vjp(gl.arctan2, [y, x], np.ones(1))
    np.testing.assert_allclose(dy, [4.0 / 25.0 / scale], rtol=1e-14)
    np.testing.assert_allclose(dx, [-3.0 / 25.0 / scale], rtol=1e-14)


def test_functions_at_zero_match_torch():
    x = np.zeros(3)
    for name in ("tan", "arcsin", "arctan", "sinh", "arcsinh", "arctanh", "log1p", "expm1", "erf", "square"):
        out, (dx,) = gl_value_and_vjp(getattr(gl, name), [x], np.ones(3))
        tout, (tdx,) = torch_value_and_vjp(UNARY[name][0], [x], np.ones(3))
        np.testing.assert_array_equal(out, tout)
        np.testing.assert_allclose(dx, tdx, rtol=1e-15)


def test_log1p_and_expm1_are_accurate_for_tiny_inputs():
    x = np.array([1e-20, -3e-17])
    np.testing.assert_array_equal(gl.log1p(x).data, x)
    np.testing.assert_array_equal(gl.expm1(x).data, x)


@pytest.mark.parametrize("name", sorted(UNARY) + ["arctan2", "mod"])
def test_float32_inputs_keep_float32(name):
    x = gl.tensor(RNG.uniform(0.2, 0.8, (3,)).astype(np.float32) + (1.0 if name == "arccosh" else 0.0),
                  requires_grad=True)
    fn = getattr(gl, name)
    y = fn(x, x) if name in ("arctan2", "mod") else fn(x)
    gl.sum(y).backward()
    assert y.data.dtype == np.float32 and x.grad.dtype == np.float32


# ---------------------------------------------------------------- the Tensor namespace and errors


def test_tensor_namespace_log1p_and_sign_are_the_rows():
    x = gl.tensor([0.5, -0.25], requires_grad=True)
    assert XP.log1p(x).op.name == "log1p" and XP.sign(x).op.name == "sign"
    assert XP.asin(x).op.name == "arcsin" and XP.remainder(x, 2.0).op.name == "mod"


def test_softplus_second_derivative_runs_through_the_log1p_row():
    x = np.array([-1.0, 0.3, 2.0])
    h = gl.grad(lambda v: gl.sum(gl.grad(lambda z: gl.sum(gl.softplus(z)))(v)))(x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(h, s * (1 - s), rtol=1e-12)


@pytest.mark.parametrize("decimals", [1.5, "2", None, True])
def test_round_refuses_a_decimals_that_is_not_an_int(decimals):
    with pytest.raises(ParameterError, match=r"round: decimals must be an int, got"):
        gl.round(np.array([1.25]), decimals=decimals)


@pytest.mark.parametrize("name", ["arctan2", "mod"])
def test_binary_functions_name_themselves_when_shapes_do_not_broadcast(name):
    with pytest.raises(ShapeError, match=rf"{name}: shapes \(2,\) and \(3,\) cannot be broadcast"):
        getattr(gl, name)(np.ones(2), np.ones(3))


def test_a_string_argument_is_refused_with_the_operation_named():
    with pytest.raises(InputTypeError, match="erf: expected a Tensor, a number or an array"):
        gl.erf("0.5")
