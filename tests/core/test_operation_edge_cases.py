"""Edge cases of the operations found by trying to break them: empty axes, NaN order, narrow integer dtypes,
None operands, overflowing products, infinite arguments, LAPACK failures, 0-d gathers, integer remainders."""

import warnings

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")


def test_contractions_over_an_axis_of_length_zero_have_empty_or_zero_gradients():
    x = gl.tensor(np.zeros((0,)), requires_grad=True)
    gl.einsum("i->", x).backward()
    assert x.grad.shape == (0,)
    a, b = gl.tensor(np.zeros((2, 0)), requires_grad=True), gl.tensor(np.zeros((0, 4)), requires_grad=True)
    gl.sum(gl.dot(a, b)).backward()
    assert a.grad.shape == (2, 0) and b.grad.shape == (0, 4)
    p, q = gl.tensor(np.zeros((0, 3)), requires_grad=True), gl.tensor(np.ones((1, 3)), requires_grad=True)
    gl.sum(gl.einsum("ij,ij->ij", p, q)).backward()
    np.testing.assert_array_equal(q.grad, np.zeros((1, 3)))


def test_sort_and_topk_are_named_tuples_with_nan_the_largest_as_pytorch():
    data = [1.0, np.nan, 3.0, 3.0]
    for descending in (False, True):
        got = gl.sort(data, descending=descending)
        want = torch.sort(torch.tensor(data, dtype=torch.float64), descending=descending, stable=True)
        np.testing.assert_array_equal(got.values.data, want.values.numpy())
        np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    top = gl.topk(data, 2)
    assert np.isnan(top.values.data[0]) and top.indices.data.tolist() == [1, 2]


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "bool"])
def test_narrow_integer_and_boolean_tensors_give_float64_in_float_functions(dtype):
    x = gl.tensor([1, 0] if dtype == "bool" else [20, 3], dtype=dtype)
    for fn, tfn in ((gl.exp, torch.exp), (gl.sqrt, torch.sqrt), (gl.sigmoid, torch.sigmoid), (gl.silu, torch.nn.functional.silu)):
        out = fn(x)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, tfn(torch.tensor(x.data.astype(np.float64))).numpy(), rtol=1e-14)


def test_randint_refuses_bounds_its_dtype_cannot_hold():
    with pytest.raises(gl.ParameterError, match=r"randint: integers in \[0, 1180591620717411303424\) do not fit"):
        gl.randint(0, 2**70, seed=0)
    with pytest.raises(gl.ParameterError, match="do not fit dtype uint8"):
        gl.randint(0, 300, dtype="uint8")


@pytest.mark.parametrize("fn", [gl.prod, gl.min, gl.sum, gl.flip, gl.var, lambda v: gl.add(1.0, v)])
def test_none_is_refused_as_an_operand(fn):
    with pytest.raises(gl.InputTypeError, match="got (None|NoneType None)"):
        fn(None)


def test_linear_still_takes_no_bias():
    out = gl.linear(np.ones((2, 3)), np.ones((4, 3)), None)
    np.testing.assert_array_equal(out.data, np.full((2, 4), 3.0))


def test_integer_base_to_a_negative_power_and_lapack_failures_are_named():
    with pytest.raises(gl.ParameterError, match="pow: an integer base to a negative integer power"):
        gl.tensor([2], dtype="int64") ** -1
    with pytest.raises(gl.NonFiniteError, match=r"svd: the input \(shape \(2, 2\)\) holds NaN or inf"):
        gl.svd(np.array([[np.nan, 1.0], [1.0, 1.0]]))


def test_prod_and_cumprod_with_a_zero_and_overflowing_cofactors_are_exact():
    # the exact gradients: only the zero gets the (overflowing) product of the others; every other entry gets
    # a product holding the zero, 0 (PyTorch agrees except for prod's first entry, where it gives 0·∞ = NaN)
    cases = [(gl.prod, [0.0, 1e300, 1e300], [np.inf, 0.0, 0.0]),
             (gl.prod, [2.0, 0.0, 1e300, 1e300], [0.0, np.inf, 0.0, 0.0]),
             (lambda v: gl.sum(gl.cumprod(v)), [0.0, 1e300, 1e300], [np.inf, 0.0, 0.0]),
             (lambda v: gl.sum(gl.cumprod(v)), [2.0, 0.0, 1e300, 1e300], [1.0, np.inf, 0.0, 0.0])]
    for fn, data, want in cases:
        x = gl.tensor(data, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(x).backward()
        np.testing.assert_array_equal(x.grad, want)
    t = torch.tensor([2.0, 0.0, 1e300, 1e300], dtype=torch.float64, requires_grad=True)
    t.cumprod(0).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), cases[3][2])


@pytest.mark.parametrize("y,x", [(np.inf, 1.0), (1.0, np.inf), (-np.inf, 2.0), (np.inf, np.inf)])
def test_arctan2_gradients_at_an_infinite_argument_are_their_limits(y, x):
    dy, dx = gl.grad(lambda a, b: gl.arctan2(a, b), argnums=(0, 1))(y, x)
    assert dy == 0.0 and dx == 0.0


def test_arccosh_gradient_is_nan_outside_its_domain_and_inf_at_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grads = [float(gl.grad(gl.arccosh)(v)) for v in (-1.0, -2.0, 0.5, 1.0)]
    assert np.isnan(grads[:3]).all() and grads[3] == np.inf


def test_gather_of_a_0d_value_reads_it_as_pytorch():
    x = gl.tensor(2.0, requires_grad=True)
    y = gl.gather(x, 0, np.array(0))
    y.backward()
    assert y.shape == () and y.item() == 2.0 and x.grad == 1.0
    assert gl.gather(np.array(2.0), -1, np.array(0)).item() == torch.gather(torch.tensor(2.0), -1, torch.tensor(0)).item()


def test_integer_remainder_by_zero_is_refused():
    with pytest.raises(gl.ParameterError, match="mod: an integer divided by the integer 0"):
        gl.mod(gl.tensor([7], dtype="int64"), gl.tensor([0], dtype="int64"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(gl.mod(7.0, 0.0).item())
