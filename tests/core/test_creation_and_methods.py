"""Creating tensors, integer and boolean tensors, dtype conversion, and the Tensor methods PyTorch users type."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize("make,ref", [
    (lambda: gl.zeros(2, 3), np.zeros((2, 3))),
    (lambda: gl.zeros((2, 3)), np.zeros((2, 3))),
    (lambda: gl.ones([4]), np.ones(4)),
    (lambda: gl.ones(()), np.ones(())),
    (lambda: gl.full((2, 2), -np.inf), np.full((2, 2), -np.inf)),
    (lambda: gl.full(3, 7), np.full(3, 7.0)),
    (lambda: gl.eye(3), np.eye(3)),
    (lambda: gl.eye(2, 4, k=1), np.eye(2, 4, 1)),
    (lambda: gl.arange(5), np.arange(5.0)),
    (lambda: gl.arange(1, 2, 0.25), np.arange(1, 2, 0.25)),
    (lambda: gl.linspace(0, 1, 5), np.linspace(0, 1, 5)),
    (lambda: gl.linspace(-1, 1, steps=4, endpoint=False), np.linspace(-1, 1, 4, endpoint=False)),
])
def test_creation_values_are_numpys_in_float64(make, ref):
    t = make()
    assert isinstance(t, gl.Tensor) and t.dtype == np.float64 and t.is_leaf and not t.requires_grad
    np.testing.assert_array_equal(t.data, ref)


def test_creation_takes_a_dtype_and_requires_grad():
    assert gl.ones(2, dtype="float32").dtype == np.float32
    assert gl.zeros(2, dtype=torch.float32).dtype == np.float32
    assert gl.arange(4, dtype="int64").dtype == np.int64
    assert gl.eye(2, dtype=np.float32).dtype == np.float32
    w = gl.randn(3, seed=0, requires_grad=True)
    gl.sum(w * w).backward()
    np.testing.assert_allclose(w.grad, 2 * w.data)
    x = gl.tensor([[1.0, 2.0]], dtype="float32")
    assert gl.zeros_like(x).dtype == np.float32 and gl.zeros_like(x).shape == (1, 2)
    assert gl.ones_like(x, dtype="int64").dtype == np.int64
    np.testing.assert_array_equal(gl.full_like(np.zeros((2,)), 3.5).data, [3.5, 3.5])


def test_random_tensors_are_reproducible_from_a_seed_and_continue_a_generator():
    np.testing.assert_array_equal(gl.rand(2, 3, seed=4).data, np.random.default_rng(4).random((2, 3)))
    np.testing.assert_array_equal(gl.randn((5,), seed=4).data, np.random.default_rng(4).standard_normal(5))
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    a, b = gl.randn(3, seed=g1), gl.randn(3, seed=g1)
    np.testing.assert_array_equal(np.concatenate([a.data, b.data]), g2.standard_normal(6))
    r = gl.randint(3, 7, size=(1000,), seed=1)
    assert r.dtype == np.int64 and r.data.min() == 3 and r.data.max() == 6
    assert gl.randint(5, size=4, seed=2, dtype="int32").dtype == np.int32
    assert gl.rand(2, seed=0, dtype="float32").dtype == np.float32


@pytest.mark.parametrize("call,message", [
    (lambda: gl.zeros(-1), "zeros: a shape is lengths, each an int ≥ 0"),
    (lambda: gl.ones(2.5), "ones: a shape is lengths"),
    (lambda: gl.arange(0, 1, 0), "arange: step must not be 0"),
    (lambda: gl.arange(0, 1, 0.5, dtype="int64"), "arange: 0.5 cannot be held exactly as int64"),
    (lambda: gl.linspace(0, 1, num=3, steps=3), "linspace: give num"),
    (lambda: gl.rand(2, seed=-1), "seed"),
    (lambda: gl.rand(2, dtype="int64"), "rand: draws real numbers"),
    (lambda: gl.randint(3, 1), "randint: needs low < high, got low=3 and high=1"),
    (lambda: gl.full(2, "a"), "full: fill_value must be a real number"),
    (lambda: gl.eye(-2), "eye: n must be an int ≥ 0"),
    (lambda: gl.ones(2, dtype="int64", requires_grad=True), "ones: a tensor of dtype int64 cannot require a gradient"),
    (lambda: gl.zeros(2, dtype="complex64"), "zeros: dtype 'complex64' is not supported"),
])
def test_creation_refuses_bad_arguments_naming_the_function(call, message):
    with pytest.raises(gl.GradlabError) as info:
        call()
    assert message in str(info.value)


# ---------------------------------------------------------------- integer and boolean tensors


def test_integer_and_boolean_tensors_index_and_mask_with_gradients_to_the_values():
    idx = gl.tensor([0, 2, 2], dtype="int64")
    mask = gl.tensor([True, False, True], dtype="bool")
    assert idx.dtype == np.int64 and mask.dtype == np.bool_ and repr(idx) == "tensor([0, 2, 2], dtype=int64)"
    x = gl.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    (gl.sum(x[idx] * 2) + gl.sum(x[mask][:, :1])).backward()
    tx = torch.tensor(x.data, requires_grad=True)
    ((tx[torch.tensor([0, 2, 2])] * 2).sum() + tx[torch.tensor([True, False, True])][:, :1].sum()).backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    assert gl.tensor(3, dtype="int64").item() == 3 and isinstance(gl.tensor(3, dtype="int64").item(), int)


@pytest.mark.parametrize("call,message", [
    (lambda: gl.tensor([1, 2], dtype="int64", requires_grad=True), "tensor: a tensor of dtype int64 cannot require"),
    (lambda: gl.tensor([True], dtype="bool").requires_grad_(), "requires_grad_: a tensor of dtype bool cannot"),
    (lambda: gl.tensor([1.5], dtype="int64"), "tensor: 1.5 cannot be held exactly as int64"),
    (lambda: gl.tensor([2], dtype="bool"), "tensor: 2 cannot be held exactly as bool"),
    (lambda: gl.grad(lambda a: gl.sum(a * 2.0))(gl.tensor([1, 2], dtype="int64")),
     "grad: argument 0 is a tensor of dtype int64"),
    (lambda: gl.jacobian(lambda a: a * 2.0)(gl.tensor([True], dtype="bool")), "jacobian: argument 0 is a tensor of dtype bool"),
    (lambda: gl.tensor([1.0, 2.0])[gl.tensor([0.0])], "getitem: indices must be integers or booleans"),
])
def test_integer_and_boolean_tensors_are_refused_as_differentiation_targets(call, message):
    with pytest.raises(gl.GradlabError) as info:
        call()
    assert message in str(info.value)


def test_integer_tensors_are_fine_as_non_differentiated_arguments():
    g = gl.grad(lambda a, i: gl.sum(a[i] ** 2))(gl.tensor([1.0, 2.0, 3.0]), gl.tensor([2, 0], dtype="int64"))
    np.testing.assert_array_equal(g, [2.0, 0.0, 6.0])


# ---------------------------------------------------------------- dtype conversion


def test_astype_between_floats_carries_the_gradient_back_in_the_inputs_dtype():
    x = gl.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = gl.astype(x, "float32")
    assert y.dtype == np.float32 and y.op.name == "astype"
    gl.sum(y * y).backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, 2 * x.data)
    tx = torch.tensor(x.data, requires_grad=True)
    (tx.to(torch.float32) ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    H = gl.hessian(lambda t: gl.sum(gl.astype(t, "float64") ** 3))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(H, np.diag([6.0, 12.0]))


def test_astype_to_integers_keeps_values_exactly_or_refuses():
    assert gl.astype(gl.tensor([1.0, 2.0]), "int64").data.tolist() == [1, 2]
    assert not gl.astype(gl.tensor([1.0], requires_grad=True), "int32").requires_grad
    with pytest.raises(gl.InputTypeError, match="astype: 1.5 cannot be held exactly as int64"):
        gl.astype(gl.tensor([1.5]), "int64")


# ---------------------------------------------------------------- Tensor methods as PyTorch users type them


def _pair(shape=(2, 3, 4), seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return gl.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


METHODS = [
    ("sum dim keepdim", lambda t: t.sum(dim=1, keepdim=True)),
    ("sum dims", lambda t: t.sum(dim=(0, 2))),
    ("mean dim", lambda t: t.mean(dim=-1)),
    ("mean", lambda t: t.mean()),
    ("max", lambda t: t.max()),
    ("max dim values", lambda t: t.max(dim=1).values),
    ("min dim values", lambda t: t.min(dim=2, keepdim=True).values),
    ("reshape ints", lambda t: t.reshape(6, 4)),
    ("reshape tuple", lambda t: t.reshape((4, -1))),
    ("view", lambda t: t.view(-1)),
    ("flatten", lambda t: t.flatten()),
    ("flatten 1", lambda t: t.flatten(1)),
    ("flatten 0 1", lambda t: t.flatten(0, 1)),
    ("unsqueeze", lambda t: t.unsqueeze(1)),
    ("unsqueeze squeeze", lambda t: t.unsqueeze(0).squeeze(0)),
    ("squeeze dim", lambda t: t[:, :1].squeeze(dim=1)),
    ("transpose a b", lambda t: t.transpose(0, 2)),
    ("transpose negative", lambda t: t.transpose(-1, -2)),
    ("permute ints", lambda t: t.permute(2, 0, 1)),
    ("permute tuple", lambda t: t.permute((1, 2, 0))),
    ("t", lambda t: t[0].t()),
    ("clone", lambda t: t.clone() * 2),
]


@pytest.mark.parametrize("name,method", METHODS, ids=[m[0] for m in METHODS])
def test_tensor_methods_match_pytorch_values_and_gradients(name, method):
    g, t = _pair()
    og, ot = method(g), method(t)
    np.testing.assert_allclose(og.data, ot.detach().numpy(), rtol=1e-14)
    w = np.random.default_rng(1).standard_normal(ot.shape)
    gl.sum(og * w).backward()
    (ot * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(g.grad, t.grad.numpy(), rtol=1e-14)


def test_max_and_min_with_dim_are_pytorchs_values_and_indices():
    g, t = _pair((3, 5))
    for op in ("max", "min"):
        r, q = getattr(g, op)(dim=1), getattr(t, op)(dim=1)
        values, indices = r
        np.testing.assert_array_equal(values.data, q.values.detach().numpy())
        np.testing.assert_array_equal(indices.data, q.indices.numpy())
        assert r.indices.dtype == np.int64 and not r.indices.requires_grad
    np.testing.assert_array_equal(g.max(axis=1).data, t.amax(dim=1).detach().numpy())  # axis=: the values alone
    assert g.argmax().item() == t.argmax().item()


def test_to_item_tolist_numpy():
    g, _ = _pair((2,))
    assert g.to("float32").dtype == np.float32 and g.to(torch.float64) is g and g.to("cpu") is g
    assert gl.tensor([2.0, -3.0]).to("int64").tolist() == [2, -3]
    with pytest.raises(gl.InputTypeError, match="cannot be held exactly as int64"):
        g.to("int64")  # PyTorch truncates silently; gradlab refuses (gl.trunc first says what is meant)
    assert g.tolist() == g.data.tolist() and g.numpy() is g.data
    assert g[0].item() == g.data[0]
    with pytest.raises(gl.InputTypeError, match="to: gradlab computes on the CPU"):
        g.to("cuda")


@pytest.mark.parametrize("call,message", [
    (lambda t: t.sum(axis=0, dim=1), "sum: give axis (NumPy's name) or dim (PyTorch's), not both"),
    (lambda t: t.mean(keepdims=True, keepdim=True), "mean: give keepdims"),
    (lambda t: t.flatten(3), "flatten: start_dim 3 is out of range"),
    (lambda t: t.flatten(2, 0), "flatten: start_dim 2 comes after end_dim 0"),
    (lambda t: t.t(), "t: expects a matrix or a vector"),
    (lambda t: t.reshape(5, 5), "reshape: cannot reshape (2, 3, 4)"),
])
def test_tensor_methods_refuse_bad_arguments(call, message):
    g, _ = _pair()
    with pytest.raises(gl.GradlabError) as info:
        call(g)
    assert message in str(info.value)


def test_manual_seed_resets_the_default_generator_for_weights_and_random_tensors():
    gl.manual_seed(7)
    w1, r1 = gl.nn.Linear(3, 2).weight.data.copy(), gl.randn(4).data
    gl.manual_seed(7)
    w2, r2 = gl.nn.Linear(3, 2).weight.data.copy(), gl.randn(4).data
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(r1, r2)
    with pytest.raises(gl.ParameterError, match="seed"):
        gl.manual_seed(-1)


def test_reshape_and_transpose_still_take_numpys_keywords():
    t = gl.tensor(np.arange(6.0).reshape(2, 3))
    assert t.reshape(shape=(3, 2)).shape == (3, 2) and t.transpose(axes=(1, 0)).shape == (3, 2)
    with pytest.raises(gl.InputTypeError, match="reshape: give the shape positionally or as shape=, not both"):
        t.reshape(2, 3, shape=(3, 2))
