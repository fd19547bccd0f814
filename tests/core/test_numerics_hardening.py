"""Numerics and input hardening: norm, log_softmax, pow and lists of Tensors, checked against PyTorch.

Each test failed before its fix: NaN or ±inf gradients of ``gl.norm`` at 0 and at tiny or huge vectors,
``log_softmax`` losing its digits to ``x − logsumexp(x)``, NaN as ∂(0ᵖ)/∂p, gradients dropped by lists
holding Tensors, and flags or parameters accepted or refused without a sentence. The compiled
cross-entropy loop must also give the NumPy row's bits.
"""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import native
from gradlab.ops import _loops
from gradlab.ops import losses as L

torch = pytest.importorskip("torch")


def _torch_grad(fn, value, dtype=torch.float64):
    t = torch.tensor(value, dtype=dtype, requires_grad=True)
    out = fn(t)
    out.backward()
    return out.detach().numpy(), t.grad.numpy()


# ------------------------------------------------------------------ norm
def test_norm_gradient_at_the_zero_vector_is_zero_as_pytorch():
    for shape in [(3,), (2, 3), ()]:
        x = np.zeros(shape)
        g = gl.grad(gl.norm)(x)
        _, tg = _torch_grad(torch.linalg.norm if shape else torch.abs, x)
        np.testing.assert_array_equal(g, tg)
        assert gl.norm(x).item() == 0.0


@pytest.mark.parametrize("value", [1e-300, 5e-324, 1e-320, 1e200, 1e308])
def test_norm_and_its_gradient_neither_overflow_nor_underflow(value):
    x = np.full(3, value)
    n = gl.norm(x).item()
    g = gl.grad(gl.norm)(x)
    assert math.isfinite(n) and n == pytest.approx(math.sqrt(3) * value, rel=1e-15 if value > 1e-300 else 1e-2)
    np.testing.assert_allclose(g, np.full(3, 1 / math.sqrt(3)), rtol=1e-15)


def test_norm_gradient_of_tiny_float32_values():
    x = gl.tensor(np.array([3e-45, 4e-45, 0.0], dtype=np.float32), dtype="float32", requires_grad=True)
    gl.norm(x).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [0.6, 0.8, 0.0], rtol=0.3)  # 3e-45 and 4e-45 are 2 and 3 units of 2^-149
    assert np.isfinite(x.grad).all() and x.grad[1] > x.grad[0] > 0


def test_norm_keeps_the_bits_of_sqrt_sum_squares_on_ordinary_inputs():
    rng = np.random.default_rng(0)
    for shape, axis in [((5,), None), ((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), (0, 2))]:
        a = rng.standard_normal(shape) * 10.0 ** rng.integers(-5, 5)
        np.testing.assert_array_equal(gl.norm(a, axis=axis).data, np.sqrt(np.sum(a * a, axis=axis)))
        g = gl.grad(lambda x: gl.sum(gl.norm(x, axis=axis)))(a)
        tg = _torch_grad(lambda t: torch.linalg.vector_norm(t, dim=axis).sum(), a)[1]
        np.testing.assert_allclose(g, tg, rtol=1e-14)
    assert gl.check_grad(lambda x: gl.norm(x, axis=1), rng.standard_normal((3, 4))).passed


def test_norm_of_nan_and_inf_is_pytorchs():
    for row in ([np.nan, 1.0], [np.inf, 1.0], [np.nan, np.inf]):
        x = np.array(row)
        with np.errstate(all="ignore"):
            n, g = gl.norm(x).item(), gl.grad(gl.norm)(x)
        t_n, t_g = _torch_grad(torch.linalg.norm, x)
        np.testing.assert_array_equal(n, t_n)
        np.testing.assert_array_equal(g, t_g)


def test_norm_hessian_matches_pytorch():
    x = np.array([3.0, -4.0, 1.0])
    want = torch.autograd.functional.hessian(torch.linalg.norm, torch.tensor(x)).numpy()
    np.testing.assert_allclose(gl.hessian(gl.norm)(x), want, rtol=1e-13)


# ----------------------------------------------------------- log_softmax
def test_log_softmax_of_equal_huge_logits_is_minus_log_3_with_pytorch_gradient():
    x = [1e300] * 3
    w = np.array([1.0, 2.0, 3.0])
    t_out, t_grad = _torch_grad(lambda t: (torch.log_softmax(t, -1) * torch.tensor(w)).sum(), x)
    xt = gl.tensor(x, requires_grad=True)
    y = gl.log_softmax(xt)
    np.testing.assert_allclose(y.data, -math.log(3), rtol=1e-15)
    gl.sum(y * w).backward()
    np.testing.assert_allclose(xt.grad, t_grad, atol=1e-15)


@pytest.mark.parametrize("compiled", [True, False])
def test_cross_entropy_on_huge_logits_is_log_3_on_both_paths(compiled, monkeypatch):
    if not compiled:
        monkeypatch.setattr(_loops, "KERNELS", None)
    loss = gl.nn.CrossEntropyLoss()(gl.tensor([[1e300] * 3]), np.array([0]))
    assert loss.item() == pytest.approx(math.log(3), rel=1e-15)
    want = torch.nn.functional.cross_entropy(torch.tensor([[1e300] * 3], dtype=torch.float64), torch.tensor([0]))
    assert loss.item() == pytest.approx(want.item(), rel=1e-15)
    zero = gl.nn.CrossEntropyLoss()(gl.tensor([[2.0], [5.0]]), np.array([0, 0]))  # one class: the loss is +0
    assert zero.item() == 0.0 and not np.signbit(zero.item())


@pytest.mark.parametrize("row", [[1e4, 1e4 + 1, 1e4 - 3], [1e4, 0.0, 1.0], [-1e4, 3.0, 1e4 - 1], [0.5, -2.0, 7.0]])
def test_float32_log_softmax_at_1e4_matches_pytorch(row):
    a = np.array(row, dtype=np.float32)
    got = gl.log_softmax(gl.tensor(a, dtype="float32")).data
    assert got.dtype == np.float32
    t32 = torch.log_softmax(torch.tensor(a), -1).numpy()
    t64 = torch.log_softmax(torch.tensor(a, dtype=torch.float64), -1).numpy()
    np.testing.assert_allclose(got, t32, rtol=2 * np.finfo(np.float32).eps, atol=0)
    np.testing.assert_allclose(got, t64, rtol=2 * np.finfo(np.float32).eps, atol=0)
    np.testing.assert_allclose(gl.log_softmax(a.astype(np.float64)).data, t64, rtol=1e-15, atol=0)


def test_logsumexp_and_log_softmax_of_infinite_rows_match_pytorch():
    inf = math.inf
    for row in ([-inf, -inf], [inf, 1.0], [inf, inf], [-inf, 1.0]):
        t = torch.tensor(row, dtype=torch.float64)
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(gl.logsumexp(np.array(row)).data, torch.logsumexp(t, -1).numpy())
            np.testing.assert_array_equal(gl.log_softmax(np.array(row)).data, torch.log_softmax(t, -1).numpy())


# ------------------------------------------------------------------- pow
@pytest.mark.parametrize("p", [2.0, 0.5, 0.0, -1.0])
def test_gradient_of_zero_to_the_p_with_respect_to_p_is_pytorchs(p):
    with np.errstate(all="ignore"):
        g = gl.grad(lambda q: gl.tensor(0.0) ** q)(p)
    _, tg = _torch_grad(lambda q: torch.tensor(0.0, dtype=torch.float64) ** q, p)
    assert g == tg  # 0 for p >= 0, -inf for p < 0


def test_pow_gradients_elsewhere_are_unchanged_and_second_order_works():
    base, p = np.array([0.0, 2.0, 0.5]), np.array([2.0, 3.0, 1.5])
    g = gl.grad(lambda q: gl.sum(base ** q))(p)
    np.testing.assert_array_equal(g[1:], base[1:] ** p[1:] * np.log(base[1:]))
    assert g[0] == 0.0
    h = gl.hessian(lambda q: gl.sum(base ** q))(p)
    th = torch.autograd.functional.hessian(lambda q: (torch.tensor(base) ** q).sum(), torch.tensor(p)).numpy()
    np.testing.assert_allclose(h[1:, 1:], th[1:, 1:], rtol=1e-14)  # PyTorch's second derivative at base 0 is NaN
    np.testing.assert_array_equal(h[0], 0.0)
    np.testing.assert_allclose(gl.hessian(lambda x: gl.sum(x ** x))(np.array([0.5, 3.0])),
                               torch.autograd.functional.hessian(lambda x: (x ** x).sum(),
                                                                 torch.tensor([0.5, 3.0], dtype=torch.float64)),
                               rtol=1e-13)


# ------------------------------------------------- lists holding Tensors
def test_lists_of_tensors_keep_their_gradient():
    assert gl.grad(lambda x: gl.mean([x, x + 2]))(0.0) == 1.0
    assert gl.grad(lambda x: (x * [x, 2.0]).sum())(1.0) == 4.0
    assert gl.grad(lambda x: gl.sum(gl.matmul(np.eye(2), [[x, 1.0], (2.0, x)])))(1.0) == 2.0
    assert gl.grad(lambda x: gl.norm([x, 4.0]))(3.0) == pytest.approx(0.6)
    assert gl.grad(lambda x: gl.sum(gl.concatenate([[x, 1.0], [2.0]])))(3.0) == 1.0
    assert gl.grad(lambda x: gl.sum(gl.reshape([x, x, 1.0, 2.0], (2, 2))))(3.0) == 2.0
    assert gl.hessian(lambda x: gl.sum(x * [x * x, x]))(np.array(2.0)) == 14.0


def test_a_list_keeps_a_float32_tensors_dtype():
    x = gl.tensor(1.0, dtype="float32", requires_grad=True)
    y = x * [x, 2.0]
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad == 4.0


def test_lists_that_cannot_be_stacked_or_kept_are_refused_with_a_sentence():
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(gl.ShapeError, match=r"mean: a list holding Tensors is stacked .* different shapes"):
        gl.mean([x, 3.0])
    with pytest.raises(gl.InputTypeError, match=r"tensor: the list holds Tensors that require a gradient"):
        gl.tensor([x, x])
    with pytest.raises(gl.InputTypeError, match=r"jacobian: the list holds Tensors .* gl\.stack"):
        gl.jacobian(lambda t: [t, 2 * t])(np.array([1.0, 2.0]))
    # no gradient to lose: converted as before
    np.testing.assert_array_equal(gl.tensor([gl.tensor(1.0), 2.0]).data, [1.0, 2.0])
    with gl.no_grad():
        np.testing.assert_array_equal(gl.tensor([gl.tensor(1.0, requires_grad=True), 2.0]).data, [1.0, 2.0])


# -------------------------------------------------- flags and parameters
def test_requires_grad_must_be_a_bool():
    for bad in ("yes", 1, None, "False"):
        with pytest.raises(gl.ParameterError, match=r"'requires_grad' parameter of tensor must be True or False\. "
                                                    r"Got " + repr(bad).replace("(", r"\(")):
            gl.tensor(1.0, requires_grad=bad)
    with pytest.raises(gl.ParameterError, match="'requires_grad' parameter of Tensor"):
        gl.Tensor(1.0, requires_grad="yes")
    with pytest.raises(gl.ParameterError, match="'flag' parameter of requires_grad_"):
        gl.tensor(1.0).requires_grad_("yes")
    assert gl.tensor(1.0, requires_grad=np.bool_(True)).requires_grad


def test_leaky_relu_slope_and_check_grad_function_are_named_in_one_sentence():
    x = gl.tensor([1.0, -1.0])
    for bad in ("a", None, True):
        want = rf"The 'negative_slope' parameter of leaky_relu must be a real number .*Got {bad!r}\."
        with pytest.raises(gl.ParameterError, match=want):
            gl.leaky_relu(x, bad)
    np.testing.assert_array_equal(gl.leaky_relu(x, 1).data, [1.0, -1.0])
    with pytest.raises(gl.InputTypeError, match=r"The 'f' parameter of check_grad must be a function .*Got int 5\."):
        gl.check_grad(5, np.ones(2))
    with pytest.raises(gl.InputTypeError, match=r"The 'f' parameter of numerical_jacobian"):
        gl.numerical_jacobian("f", np.ones(2))


# --------------------------------------- compiled cross-entropy vs NumPy
def _forward_backward(z, p, reduction):
    loss, s = L.cross_entropy_loss_forward_saving(z, p, reduction)
    g = np.asarray(0.7, dtype=z.dtype)
    dz = L.cross_entropy_loss_vjp_all(g, loss, z, p, saved=s, needs=[True, False], reduction=reduction)[0]
    return loss, s, dz


@pytest.mark.skipif(native.KERNELS is None, reason="compiled kernels not built (gradlab._kernels)")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_cross_entropy_gives_the_numpy_rows_bits(dtype, monkeypatch):
    rng = np.random.default_rng(7)
    cases = [(32, 10), (1, 2), (5, 1), (3, 257), (200, 130), (0, 4), (64, 7)]
    for k, (n, c) in enumerate(cases * 4):
        z = (rng.standard_normal((n, c)) * 10.0 ** rng.integers(-2, 5)).astype(dtype)
        p = rng.dirichlet(np.ones(c), size=n).astype(dtype) if k % 3 == 0 else np.eye(c, dtype=dtype)[
            rng.integers(0, c, n)]
        if k % 5 == 1 and n and c > 1:  # a masked logit with target 0
            z[0, 0], p[0, 0], p[0, 1] = -np.inf, 0.0, 1.0 - p[0, 2:].sum()
        reduction = ("mean", "sum")[k % 2]
        with np.errstate(all="ignore"):
            compiled = _forward_backward(z, p, reduction)
            with monkeypatch.context() as m:
                m.setattr(_loops, "KERNELS", None)
                reference = _forward_backward(z, p, reduction)
        assert type(compiled[0]) is type(reference[0])
        for a, b in zip(compiled, reference):
            assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), (n, c, reduction)
