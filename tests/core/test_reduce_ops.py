"""The reductions against PyTorch (float64): values and gradients, ties, zeros, 0-d inputs, norms, and the errors."""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError, ShapeError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(2026)


def ours(fn, x, g=None):
    """(value, gradient of Σ g ⊙ fn(x)) by gradlab; g random when not given."""
    t = gl.tensor(x, requires_grad=True)
    out = fn(t)
    g = RNG.standard_normal(out.shape) if g is None else g
    out.backward(gl.tensor(g))
    return out.data, (t.grad if t.grad is not None else np.zeros_like(x)), g


def theirs(fn, x, g):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    (grad,) = torch.autograd.grad(out, t, torch.tensor(g, dtype=torch.float64), allow_unused=True)
    return out.detach().numpy(), (grad.numpy() if grad is not None else np.zeros_like(x))


def assert_like_torch(our_fn, torch_fn, x):
    value, grad, g = ours(our_fn, x)
    t_value, t_grad = theirs(torch_fn, x, g)
    assert np.shape(value) == t_value.shape
    np.testing.assert_allclose(value, t_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-10, atol=1e-12)


def dims(axis):
    return axis if axis is not None else None


SETTINGS = [(None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 1), True), ((0, 2), False)]


@pytest.mark.parametrize("axis,keepdims", SETTINGS)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "logsumexp"])
def test_reduction_matches_torch(name, axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    tnames = {"max": "amax", "min": "amin"}
    tfn = getattr(torch, tnames.get(name, name))
    d = axis if axis is not None else tuple(range(3))
    if name == "prod" and isinstance(d, tuple):  # torch.prod takes one dim: reduce them one after another
        def tf(t):
            for a in sorted((a % 3 for a in d), reverse=True):
                t = torch.prod(t, dim=a, keepdim=keepdims)
            return t
    else:
        def tf(t):
            return tfn(t, dim=d, keepdim=keepdims)
    assert_like_torch(lambda t: getattr(gl, name)(t, axis=axis, keepdims=keepdims), tf, x)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, True), ((0, 2), False)])
def test_var_and_std_match_torch_for_each_correction(name, correction, axis, keepdims):
    x = RNG.standard_normal((3, 4, 5))
    d = axis if axis is not None else None
    tf = lambda t: getattr(torch, name)(t, dim=d, correction=correction, keepdim=keepdims)  # noqa: E731
    assert_like_torch(lambda t: getattr(gl, name)(t, axis=axis, keepdims=keepdims, correction=correction), tf, x)
    value = getattr(gl, name)(x, axis=axis, keepdims=keepdims, ddof=correction).data  # NumPy's name, same meaning
    np.testing.assert_allclose(value, getattr(np, name)(x, axis=axis, keepdims=keepdims, ddof=correction), rtol=1e-12)


def test_var_default_correction_is_one_as_torch():
    x = RNG.standard_normal(6)
    assert gl.var(x).item() == pytest.approx(torch.var(torch.tensor(x)).item(), rel=1e-12)
    assert gl.std(x).item() == pytest.approx(np.std(x, ddof=1), rel=1e-12)


def test_std_gradient_at_a_constant_input_is_zero_as_torch():
    x = np.full((2, 3), 1.7)
    assert_like_torch(lambda t: gl.std(t, axis=1), lambda t: torch.std(t, dim=1), x)
    value, grad, _ = ours(lambda t: gl.std(t), x)
    assert value == 0 and np.all(grad == 0)


def test_a_mean_kept_as_an_axis_broadcasts_back_against_its_input():
    x = RNG.standard_normal((4, 3))
    assert_like_torch(lambda t: (t - gl.mean(t, axis=1, keepdims=True)) / gl.std(t, axis=1, keepdims=True),
                      lambda t: (t - t.mean(1, keepdim=True)) / t.std(1, keepdim=True), x)


@pytest.mark.parametrize("name,tname", [("max", "amax"), ("min", "amin")])
def test_ties_share_the_gradient_evenly_as_torch_amax_amin(name, tname):
    x = np.array([[3.0, -1.0, 3.0, 3.0], [-2.0, -2.0, 0.5, 1.0]])
    for axis in (None, 1, 0):
        assert_like_torch(lambda t: getattr(gl, name)(t, axis=axis), lambda t: getattr(torch, tname)(
            t, dim=axis if axis is not None else (0, 1)), x)
    _, grad, _ = ours(lambda t: gl.max(t), x, g=np.array(1.0))
    assert grad[0].tolist() == [1 / 3, 0, 1 / 3, 1 / 3]


ZERO_INPUTS = [np.array([1.5, 0.0, -2.0, 0.7]), np.array([0.0, 1.3, 0.0, -0.8]), np.array([0.0, 0.0, 0.0, 2.0]),
               np.array([[0.0, 2.0, 3.0], [1.1, -0.9, 0.0], [0.0, 0.0, 4.0]])]


@pytest.mark.parametrize("x", ZERO_INPUTS, ids=["one-zero", "two-zeros", "three-zeros", "matrix"])
def test_prod_and_cumprod_gradients_with_zeros_match_torch(x):
    assert_like_torch(lambda t: gl.prod(t), torch.prod, x)
    assert_like_torch(lambda t: gl.cumprod(t, axis=-1), lambda t: torch.cumprod(t, dim=-1), x)
    assert_like_torch(lambda t: gl.cumprod(t, axis=0), lambda t: torch.cumprod(t, dim=0), x)
    if x.ndim == 2:
        assert_like_torch(lambda t: gl.prod(t, axis=1), lambda t: torch.prod(t, dim=1), x)


def test_only_the_zero_of_a_product_gets_a_gradient():
    _, grad, _ = ours(lambda t: gl.prod(t), np.array([2.0, 0.0, 3.0]), g=np.array(1.0))
    assert grad.tolist() == [0.0, 6.0, 0.0]
    _, grad, _ = ours(lambda t: gl.prod(t), np.array([2.0, 0.0, 0.0]), g=np.array(1.0))
    assert grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("x", ZERO_INPUTS[:3], ids=["one-zero", "two-zeros", "three-zeros"])
def test_second_derivatives_of_prod_and_cumprod_with_zeros_match_torch(x):
    tx = torch.tensor(x)
    for ours_f, torch_f in [(lambda t: gl.prod(t), torch.prod),
                            (lambda t: gl.sum(gl.cumprod(t, 0) * np.arange(1.0, 5.0)),
                             lambda t: (torch.cumprod(t, 0) * torch.arange(1.0, 5.0, dtype=torch.float64)).sum())]:
        np.testing.assert_allclose(gl.hessian(ours_f)(x), torch.autograd.functional.hessian(torch_f, tx).numpy(),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_and_cumprod_match_torch_and_numpy(axis):
    x = RNG.standard_normal((3, 4))
    for name in ("cumsum", "cumprod"):
        if axis is None:  # NumPy flattens
            tf = lambda t, n=name: getattr(torch, n)(t.reshape(-1), dim=0)  # noqa: E731
        else:
            tf = lambda t, n=name: getattr(torch, n)(t, dim=axis)  # noqa: E731
        assert_like_torch(lambda t, n=name: getattr(gl, n)(t, axis=axis), tf, x)
        np.testing.assert_allclose(getattr(gl, name)(x, axis=axis).data, getattr(np, name)(x, axis=axis), rtol=1e-12)


def test_var_and_std_second_derivatives_match_torch():
    x = RNG.standard_normal(5)
    for name in ("var", "std"):
        np.testing.assert_allclose(gl.hessian(lambda t, n=name: getattr(gl, n)(t))(x),
                                   torch.autograd.functional.hessian(getattr(torch, name), torch.tensor(x)).numpy(),
                                   rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- norms

INF = math.inf
VECTOR_ORDS = [None, 2, 1, INF, -INF, 3, 0.5, 1.5]
MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, INF, -INF]


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), (0, True), (-1, True)])
def test_vector_norms_match_torch(ord, axis, keepdims):
    x = RNG.standard_normal((3, 4)) if axis is not None else RNG.standard_normal(5)
    tord = 2 if ord is None else ord
    assert_like_torch(lambda t: gl.norm(t, ord=ord, axis=axis, keepdims=keepdims),
                      lambda t: torch.linalg.vector_norm(t, tord, dim=axis, keepdim=keepdims), x)
    np.testing.assert_allclose(gl.norm(x, ord, axis, keepdims).data, np.linalg.norm(x, ord, axis, keepdims), rtol=1e-12)


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@pytest.mark.parametrize("axis,keepdims", [(None, False), ((0, 1), True), ((1, 0), False), ((2, 0), True)])
def test_matrix_norms_match_torch(ord, axis, keepdims):
    x = RNG.standard_normal((3, 4)) if axis is None or max(axis) < 2 else RNG.standard_normal((3, 2, 4))
    tdim = axis if axis is not None else (-2, -1)
    assert_like_torch(lambda t: gl.norm(t, ord=ord, axis=axis, keepdims=keepdims),
                      lambda t: torch.linalg.matrix_norm(t, ord, dim=tdim, keepdim=keepdims), x)
    np.testing.assert_allclose(gl.norm(x, ord, axis, keepdims).data, np.linalg.norm(x, ord, axis, keepdims), rtol=1e-12)


def test_norm_ord_zero_counts_without_gradient():
    t = gl.tensor([0.0, 2.0, -1.0, 0.0], requires_grad=True)
    n = gl.norm(t, 0)
    assert n.item() == 2.0 and not n.requires_grad


def test_norm_gradients_at_zero_follow_torch():
    assert_like_torch(lambda t: gl.norm(t, 0.5), lambda t: torch.linalg.vector_norm(t, 0.5), np.array([0.0, 1.0, 2.0]))
    for ord in (None, 1, 3, 0.5, INF):
        assert_like_torch(lambda t: gl.norm(t, ord), lambda t: torch.linalg.vector_norm(t, 2 if ord is None else ord),
                          np.zeros(3))


def test_spectral_norm_ties_share_the_gradient_as_torch():
    x = np.diag([2.0, 2.0, 1.0])
    assert_like_torch(lambda t: gl.norm(t, 2), lambda t: torch.linalg.matrix_norm(t, 2), x)
    assert_like_torch(lambda t: gl.norm(t, "nuc"), lambda t: torch.linalg.matrix_norm(t, "nuc"), x)


def test_two_norm_stays_overflow_safe_with_keepdims():
    x = np.array([[3e200, 4e200], [3e-300, 4e-300]])
    np.testing.assert_allclose(gl.norm(x, axis=1, keepdims=True).data, [[5e200], [5e-300]], rtol=1e-15)


# ---------------------------------------------------------------- 0-d inputs

ZERO_D = {
    "sum": (gl.sum, torch.sum), "mean": (gl.mean, torch.mean), "max": (gl.max, torch.amax),
    "min": (gl.min, torch.amin), "prod": (gl.prod, torch.prod), "logsumexp": (gl.logsumexp, torch.logsumexp),
    "var": (lambda t, **k: gl.var(t, correction=0, **k), lambda t, **k: torch.var(t, correction=0, **k)),
    "std": (lambda t, **k: gl.std(t, correction=0, **k), lambda t, **k: torch.std(t, correction=0, **k)),
    "norm": (gl.norm, lambda t, **k: torch.linalg.vector_norm(t, **k)),
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("name", sorted(ZERO_D))
def test_every_reduction_of_a_0d_value_matches_torch(name, axis, keepdims):
    fn, tfn = ZERO_D[name]
    x = np.array(-1.5)
    tkw = {"dim": 0 if axis is None else axis, "keepdim": keepdims}  # for a 0-d value, no axis is axis 0
    tfn_ = lambda t: tfn(t, **tkw)  # noqa: E731
    assert_like_torch(lambda t: fn(t, axis=axis, keepdims=keepdims), tfn_, x)


@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_cumulative_and_arg_reductions_of_a_0d_value_match_torch(axis):
    x = np.array(1.5)
    assert_like_torch(lambda t: gl.softmax(t, axis), lambda t: torch.softmax(t, axis), x)
    assert_like_torch(lambda t: gl.log_softmax(t, axis), lambda t: torch.log_softmax(t, axis), x)
    assert_like_torch(lambda t: gl.cumsum(t, axis), lambda t: torch.cumsum(t, axis), x)
    assert_like_torch(lambda t: gl.cumprod(t, axis), lambda t: torch.cumprod(t, axis), x)
    assert gl.argmax(x, axis).item() == torch.argmax(torch.tensor(x), axis).item() == 0
    assert gl.argmin(x, axis, keepdims=True).shape == ()
    assert gl.any(x, axis).item() is True and gl.all(np.array(0.0), axis).item() is False


def test_sum_of_a_0d_tensor_over_axis_0_is_the_value():  # a user report: it raised a ShapeError
    assert gl.sum(gl.tensor(1.5), axis=0).item() == 1.5
    assert gl.sum(gl.tensor(1.5), axis=-1, keepdims=True).shape == ()


def test_log_softmax_of_a_0d_tensor_is_zero_with_zero_derivatives():  # a user report: its derivatives failed
    assert gl.log_softmax(gl.tensor(1.5)).item() == 0.0
    assert gl.grad(gl.log_softmax)(1.5) == 0.0
    assert gl.hessian(gl.log_softmax)(np.array(1.5)) == 0.0
    assert gl.hessian(gl.softmax)(np.array(1.5)) == 0.0


# ---------------------------------------------------------------- argmax, argmin, any, all

def test_argmax_and_argmin_give_int64_first_occurrences_without_gradient():
    x = gl.tensor([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]], requires_grad=True)
    i = gl.argmax(x, axis=1)
    assert i.data.dtype == np.int64 and i.tolist() == [1, 2] and not i.requires_grad
    assert gl.argmin(x, axis=1).tolist() == [0, 0]
    assert gl.argmax(x).item() == 1 and gl.argmin(x).item() == 3
    assert gl.argmax(x, axis=0, keepdims=True).shape == (1, 3)
    assert gl.argmax(x, axis=-1).tolist() == torch.argmax(torch.tensor(x.data), dim=-1).tolist()


def test_any_and_all_give_bool_tensors():
    x = np.array([[0.0, 1.0], [0.0, 0.0]])
    assert gl.any(x, axis=1).tolist() == [True, False] and gl.any(x, axis=1).data.dtype == bool
    assert gl.all(x).item() is False and gl.all(x + 1, axis=(0, 1), keepdims=True).shape == (1, 1)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("call,error,message", [
    (lambda: gl.min(np.ones((2, 3)), axis=2), ShapeError, "min: axis 2 is out of range for an input with 2"),
    (lambda: gl.prod(np.ones(3), axis=1.0), ParameterError, "prod: axis must be an int"),
    (lambda: gl.sum(gl.tensor(1.5), axis=1), ShapeError, "sum: axis 1 is out of range for an input with 0"),
    (lambda: gl.var(np.ones(3), correction=1, ddof=1), ParameterError, "var: give correction .* or ddof .*, not both"),
    (lambda: gl.std(np.ones(3), correction=-1), ParameterError, "std: correction must be a number ≥ 0"),
    (lambda: gl.var(np.ones(2), correction=2), ParameterError, "var: correction 2 leaves no degrees of freedom"),
    (lambda: gl.std(gl.tensor(1.5)), ParameterError, "std: correction 1 leaves no degrees of freedom for 1"),
    (lambda: gl.cumsum(np.ones((2, 2)), axis=(0, 1)), ParameterError, "cumsum: axis must be one int or None"),
    (lambda: gl.argmax(np.ones((2, 2)), axis=(0,)), ParameterError, "argmax: axis must be one int or None"),
    (lambda: gl.argmin(np.ones((0,))), ShapeError, "argmin: the input of shape"),
    (lambda: gl.softmax(np.ones((2, 2)), axis=None), ParameterError, "softmax: axis must be one int"),
    (lambda: gl.max(np.ones(2), keepdims="yes"), ParameterError, "max: keepdims must be True or False"),
    (lambda: gl.sum(np.ones(2), keepdims=1), ParameterError, "sum: keepdims must be True or False"),
    (lambda: gl.min(np.ones(2), keepdims="yes"), ParameterError, "min: keepdims must be True or False"),
    (lambda: gl.norm(np.ones(3), ord="nuc"), ParameterError, "norm: ord 'nuc' is a matrix norm"),
    (lambda: gl.norm(np.ones(3), ord=-3), ParameterError, "norm: ord -3.0 is not a vector norm"),
    (lambda: gl.norm(np.ones((2, 2)), ord=3), ParameterError, "norm: ord 3.0 is not a matrix norm"),
    (lambda: gl.norm(np.ones((2, 2)), ord="max"), ParameterError, "norm: ord must be None, a number, 'fro'"),
    (lambda: gl.norm(np.ones((2, 2, 2)), ord=1), ShapeError, r"norm: ord=1 with axis=None needs a vector or a matrix"),
    (lambda: gl.norm(np.ones((2, 2)), ord=1, axis=(0, 0)), ShapeError, "norm: the two matrix axes must differ"),
    (lambda: gl.norm(np.ones((2, 2)), ord=1, axis=(0, 1, 1)), ShapeError, "norm: axis must be an int"),
])
def test_bad_arguments_are_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("ord", [3, 0.5, "nuc", 2, -2, INF], ids=str)
def test_norm_second_derivatives_match_torch(ord):
    x = RNG.standard_normal((2, 3)) + 0.1
    if isinstance(ord, str) or ord in (2, -2):
        ours_f, torch_f = (lambda t: gl.norm(t, ord)), (lambda t: torch.linalg.matrix_norm(t, ord))
    else:
        x = x.ravel()
        ours_f, torch_f = (lambda t: gl.norm(t, ord)), (lambda t: torch.linalg.vector_norm(t, ord))
    np.testing.assert_allclose(gl.hessian(ours_f)(x), torch.autograd.functional.hessian(torch_f, torch.tensor(x)).numpy(),
                               rtol=1e-8, atol=1e-10)
