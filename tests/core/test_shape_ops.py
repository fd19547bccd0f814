"""The shape and indexing operations against PyTorch (float64): values, gradients, edge cases, errors.

Each comparison runs the forward pass and a VJP with a random upstream gradient in both libraries.
"""

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.tensor import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _vjp_pair(gl_fn, torch_fn, *arrays, seed=0):
    """(gradlab output, torch output, gradlab grads, torch grads) for the same random upstream gradient."""
    xs = [gl.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, tout = gl_fn(*xs), torch_fn(*ts)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    gl.sum(out * g).backward()
    grads = [x.grad for x in xs]
    tgrads = torch.autograd.grad(tout, ts, torch.tensor(g))
    return out, tout, grads, tgrads


def assert_like_torch(gl_fn, torch_fn, *arrays, seed=0):
    out, tout, grads, tgrads = _vjp_pair(gl_fn, torch_fn, *arrays, seed=seed)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    for gr, tg in zip(grads, tgrads):
        np.testing.assert_allclose(np.asarray(gr), tg.numpy(), rtol=1e-12, atol=1e-14)


R = np.random.default_rng(3)


def rand(*shape):
    return R.standard_normal(shape)


# ---------------------------------------------------------------- axes and layout


@pytest.mark.parametrize("shape,axis,dims", [((5,), None, (0,)), ((2, 3), 1, (1,)), ((2, 3, 4), (0, -1), (0, 2)),
                                             ((2, 3), -2, (0,))])
def test_flip_matches_torch(shape, axis, dims):
    assert_like_torch(lambda x: gl.flip(x, axis), lambda t: torch.flip(t, dims), rand(*shape))


def test_squeeze_and_unsqueeze_match_torch():
    assert_like_torch(lambda x: gl.squeeze(x), lambda t: t.squeeze(), rand(1, 3, 1, 2))
    assert_like_torch(lambda x: gl.squeeze(x, -2), lambda t: t.squeeze(-2), rand(3, 1, 2))
    assert_like_torch(lambda x: gl.unsqueeze(x, -1), lambda t: t.unsqueeze(-1), rand(2, 3))
    assert_like_torch(lambda x: gl.unsqueeze(x, 1), lambda t: t.unsqueeze(1), rand(2, 3))


def test_expand_dims_follows_numpy_for_several_axes():
    x = rand(2, 3)
    assert gl.expand_dims(x, (0, -1)).shape == np.expand_dims(x, (0, -1)).shape == (1, 2, 3, 1)
    assert gl.expand_dims(x, 1).shape == (2, 1, 3)


def test_moveaxis_swapaxes_permute_match_torch():
    x = rand(2, 3, 4)
    assert_like_torch(lambda a: gl.moveaxis(a, 0, -1), lambda t: torch.movedim(t, 0, -1), x)
    assert_like_torch(lambda a: gl.moveaxis(a, (0, 2), (1, 0)), lambda t: torch.movedim(t, (0, 2), (1, 0)), x)
    assert_like_torch(lambda a: gl.swapaxes(a, 0, -1), lambda t: torch.swapaxes(t, 0, -1), x)
    assert_like_torch(lambda a: gl.permute(a, 2, 0, 1), lambda t: t.permute(2, 0, 1), x)
    assert_like_torch(lambda a: gl.permute(a, (1, -1, 0)), lambda t: t.permute(1, 2, 0), x)


def test_split_follows_numpy_and_chunk_follows_torch():
    x = rand(7, 2)
    parts = gl.split(x, [2, 5], axis=0)
    for p, ref in zip(parts, np.split(x, [2, 5])):
        np.testing.assert_array_equal(p.data, ref)
    assert [p.shape for p in gl.split(rand(2, 6), 3, axis=-1)] == [(2, 2)] * 3
    assert [p.shape[0] for p in gl.chunk(x, 3)] == [t.shape[0] for t in torch.chunk(torch.tensor(x), 3)] == [3, 3, 1]
    assert len(gl.chunk(rand(5), 4)) == len(torch.chunk(torch.zeros(5), 4)) == 3  # fewer chunks than asked

    def gl_fn(a):
        a1, a2, a3 = gl.chunk(a, 3)
        return gl.concatenate([a1 * 2.0, a2 * 3.0, a3 * a3])

    def torch_fn(t):
        t1, t2, t3 = torch.chunk(t, 3)
        return torch.cat([t1 * 2.0, t2 * 3.0, t3 * t3])

    assert_like_torch(gl_fn, torch_fn, x)


@pytest.mark.parametrize("shape,reps", [((3,), (2,)), ((2, 3), (2, 2)), ((3,), (2, 3)), ((2, 3), (2,)), ((2, 2), 3)])
def test_tile_matches_torch(shape, reps):
    treps = (reps,) if isinstance(reps, int) else reps
    assert_like_torch(lambda x: gl.tile(x, reps), lambda t: torch.tile(t, treps), rand(*shape))
    assert gl.tile(np.ones(shape), reps).shape == np.tile(np.ones(shape), reps).shape


@pytest.mark.parametrize("k", [0, 1, -1, 5])
def test_tril_triu_match_torch(k):
    x = rand(2, 3, 4)
    assert_like_torch(lambda a: gl.tril(a, k), lambda t: torch.tril(t, k), x)
    assert_like_torch(lambda a: gl.triu(a, k), lambda t: torch.triu(t, k), x)


# ---------------------------------------------------------------- repeat and pad


def test_repeat_matches_torch_repeat_interleave():
    x = rand(2, 3)
    assert_like_torch(lambda a: gl.repeat(a, 2, axis=1), lambda t: torch.repeat_interleave(t, 2, dim=1), x)
    assert_like_torch(lambda a: gl.repeat(a, [1, 0, 3], axis=-1),
                      lambda t: torch.repeat_interleave(t, torch.tensor([1, 0, 3]), dim=-1), x)
    assert_like_torch(lambda a: gl.repeat(a, 2), lambda t: torch.repeat_interleave(t, 2), x)  # flattened
    np.testing.assert_array_equal(gl.repeat(x, [2, 1], axis=0).data, np.repeat(x, [2, 1], axis=0))


@pytest.mark.parametrize("mode,tmode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect"),
                                        ("wrap", "circular")])
def test_pad_matches_torch(mode, tmode):
    x = rand(2, 3, 4)  # torch pads the last axes of a batch
    width = ((0, 0), (1, 2), (3, 1))
    assert_like_torch(lambda a: gl.pad(a, width, mode=mode), lambda t: F.pad(t[None], (3, 1, 1, 2), mode=tmode)[0], x)


def test_pad_constant_value_and_numpy_forms():
    x = rand(2, 3)
    assert_like_torch(lambda a: gl.pad(a, 1, constant_values=2.5), lambda t: F.pad(t, (1, 1, 1, 1), value=2.5), x)
    for width in (2, (1, 2), ((1, 0), (0, 3))):
        for mode in ("constant", "edge", "reflect", "symmetric", "wrap"):
            np.testing.assert_array_equal(gl.pad(x, width, mode=mode).data, np.pad(x, width, mode=mode))


def test_pad_wider_than_the_axis_follows_numpy_and_sums_every_copy():
    x = gl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = gl.pad(x, (5, 4), mode="reflect")
    np.testing.assert_array_equal(y.data, np.pad(x.data, (5, 4), mode="reflect"))
    gl.sum(y).backward()
    np.testing.assert_array_equal(x.grad, [np.sum(np.pad(np.arange(3), (5, 4), mode="reflect") == i) for i in range(3)])


# ---------------------------------------------------------------- gathers and scatters


def test_take_along_axis_matches_torch_and_accumulates_repeats():
    x = rand(3, 4)
    idx = np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]])
    assert_like_torch(lambda a: gl.take_along_axis(a, idx, axis=-1),
                      lambda t: torch.take_along_dim(t, torch.tensor(idx), dim=-1), x)
    xt = gl.tensor(np.arange(4.0), requires_grad=True)
    gl.sum(gl.take_along_axis(xt, np.array([1, 1, 1, 3]), axis=0)).backward()
    np.testing.assert_array_equal(xt.grad, [0, 3, 0, 1])


def test_take_along_axis_negative_indices_and_broadcasting_follow_numpy():
    x = rand(1, 4)
    idx = np.array([[-1, 0], [2, -4], [3, 3]])
    np.testing.assert_array_equal(gl.take_along_axis(x, idx, axis=1).data, np.take_along_axis(x, idx, axis=1))
    np.testing.assert_array_equal(gl.take_along_axis(rand(3, 2).ravel(), np.array([4, 0]), axis=None).shape, (2,))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_torch(dim):
    x = rand(3, 4)
    n = x.shape[dim]
    idx = np.random.default_rng(1).integers(0, n, size=(2, 3))  # smaller than x: torch allows it
    assert_like_torch(lambda a: gl.gather(a, dim, idx), lambda t: torch.gather(t, dim, torch.tensor(idx)), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_add_matches_torch(dim):
    x, src = rand(3, 4), rand(2, 4)
    idx = np.random.default_rng(2).integers(0, x.shape[dim], size=(2, 4))  # repeats accumulate
    assert_like_torch(lambda a, s: gl.scatter_add(a, dim, idx, s),
                      lambda a, s: a.scatter_add(dim, torch.tensor(idx), s), x, src)


def test_scatter_add_with_a_larger_src_uses_its_leading_block_and_gives_the_rest_zero_gradient():
    x, src = rand(3, 4), gl.tensor(rand(3, 5), requires_grad=True)
    idx = np.array([[0, 2, 2], [1, 1, 0]])
    out = gl.scatter_add(x, 0, idx, src)
    ref = torch.tensor(x).scatter_add(0, torch.tensor(idx), torch.tensor(src.data))  # torch's forward allows it
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)
    g = rand(3, 4)
    gl.sum(out * g).backward()
    expected = np.zeros((3, 5))
    expected[:2, :3] = np.take_along_axis(g[:, :3], idx, axis=0)
    np.testing.assert_array_equal(src.grad, expected)


def test_index_arguments_accept_integer_tensors_and_lists():
    x = rand(2, 3)
    idx = np.array([[2, 0], [1, 1]])
    ref = np.take_along_axis(x, idx, axis=1)
    for form in (idx, idx.tolist(), Tensor.wrap(idx), Tensor.wrap(idx.astype(np.int32))):
        np.testing.assert_array_equal(gl.gather(x, 1, form).data, ref)
        np.testing.assert_array_equal(gl.take_along_axis(x, form, 1).data, ref)


def test_getitem_takes_integer_and_boolean_tensors():
    x = gl.tensor(rand(4, 2), requires_grad=True)
    rows = Tensor.wrap(np.array([3, 0, 3]))
    mask = Tensor.wrap(np.array([True, False, True, False]))
    np.testing.assert_array_equal(x[rows].data, x.data[[3, 0, 3]])
    np.testing.assert_array_equal(x[mask].data, x.data[[0, 2]])
    gl.sum(x[rows]).backward()
    np.testing.assert_array_equal(x.grad[:, 0], [1, 0, 0, 2])
    with pytest.raises(gl.InputTypeError, match="integers or booleans"):
        x[np.array([0.0, 1.0])]


@pytest.mark.parametrize("call", [lambda x, i: gl.gather(x, 1, i), lambda x, i: gl.take_along_axis(x, i, 1),
                                  lambda x, i: gl.scatter_add(x, 1, i, np.ones((2, 2)))])
def test_float_indices_are_refused(call):
    with pytest.raises(gl.InputTypeError, match="must hold integers, got an array of dtype float64"):
        call(rand(2, 3), gl.tensor([[0.0, 1.0], [1.0, 2.0]]))


# ---------------------------------------------------------------- sort and topk


@pytest.mark.parametrize("axis,descending", [(-1, False), (0, True), (1, True)])
def test_sort_matches_torch(axis, descending):
    x = rand(4, 5)
    out, tout, grads, tgrads = _vjp_pair(lambda a: gl.sort(a, axis, descending)[0],
                                         lambda t: torch.sort(t, dim=axis, descending=descending)[0], x)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    np.testing.assert_array_equal(grads[0], tgrads[0].numpy())
    _, idx = gl.sort(x, axis, descending)
    np.testing.assert_array_equal(idx.data, torch.sort(torch.tensor(x), dim=axis, descending=descending)[1].numpy())
    assert idx.data.dtype == np.int64


@pytest.mark.parametrize("descending", [False, True])
def test_sort_ties_keep_their_order_as_torch_stable_sort(descending):
    x = np.array([[2.0, 1.0, 2.0, 0.5, 1.0, 2.0]])
    t = torch.tensor(x, requires_grad=True)
    tv, ti = torch.sort(t, dim=-1, descending=descending, stable=True)
    g = np.arange(6.0)[None] + 1
    (tg,) = torch.autograd.grad(tv, t, torch.tensor(g))
    xt = gl.tensor(x, requires_grad=True)
    v, i = gl.sort(xt, -1, descending)
    np.testing.assert_array_equal(i.data, ti.numpy())
    gl.sum(v * g).backward()
    np.testing.assert_array_equal(xt.grad, tg.numpy())


@pytest.mark.parametrize("k,axis,largest", [(2, -1, True), (3, 0, False), (1, 1, True), (0, -1, True)])
def test_topk_matches_torch(k, axis, largest):
    x = rand(4, 5)
    assert_like_torch(lambda a: gl.topk(a, k, axis, largest)[0],
                      lambda t: torch.topk(t, k, dim=axis, largest=largest)[0], x)
    np.testing.assert_array_equal(gl.topk(x, k, axis, largest)[1].data,
                                  torch.topk(torch.tensor(x), k, dim=axis, largest=largest)[1].numpy())


def test_topk_ties_go_to_the_lower_index_and_unsorted_keeps_x_order():
    x = np.array([1.0, 3.0, 2.0, 3.0, 0.0])
    v, i = gl.topk(x, 2)
    np.testing.assert_array_equal(i.data, [1, 3])
    v, i = gl.topk(np.array([0.5, 4.0, 1.0, 3.0]), 2, sorted=False)
    np.testing.assert_array_equal(i.data, [1, 3])
    np.testing.assert_array_equal(v.data, [4.0, 3.0])


# ---------------------------------------------------------------- second order


def test_second_derivatives_flow_through_the_index_rows():
    x = rand(3, 4)
    idx = np.array([[0, 0, 2], [3, 1, 1], [2, 2, 2]])

    def f(a):
        y = gl.take_along_axis(a, idx, 1) ** 3 + gl.sort(a, 1)[0][:, :3] ** 2
        return gl.sum(gl.pad(y, 1, mode="reflect") ** 2)

    def tf(t):
        y = torch.take_along_dim(t, torch.tensor(idx), 1) ** 3 + torch.sort(t, 1)[0][:, :3] ** 2
        return torch.sum(F.pad(y[None], (1, 1, 1, 1), mode="reflect")[0] ** 2)

    H = gl.hessian(f)(x)
    T = torch.autograd.functional.hessian(tf, torch.tensor(x))
    np.testing.assert_allclose(np.asarray(H), T.numpy(), rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("call,error,message", [
    (lambda: gl.squeeze(rand(2, 3), 1), gl.ShapeError, "squeeze: axis 1 has length 3, but only axes of length 1"),
    (lambda: gl.flip(rand(2, 3), 2), gl.ShapeError, "flip: axis 2 is out of range for an input with 2 dimensions"),
    (lambda: gl.moveaxis(rand(2, 3), 0, (0, 1)), gl.ParameterError, "moveaxis: source 0 and destination"),
    (lambda: gl.permute(rand(2, 3, 4), 0, 1), gl.ShapeError, "permute: dims"),
    (lambda: gl.permute(rand(2, 3), 0, 0), gl.ParameterError, "repeats an axis"),
    (lambda: gl.split(rand(5), 2), gl.ShapeError, "cannot be split into 2 equal parts"),
    (lambda: gl.chunk(rand(5), 0), gl.ParameterError, "chunk: chunks must be at least 1"),
    (lambda: gl.tile(rand(2), -1), gl.ParameterError, "tile: each repetition count must be at least 0"),
    (lambda: gl.tril(rand(3), 0), gl.ShapeError, r"tril: x must be a matrix \(..., m, n\), got shape \(3,\)"),
    (lambda: gl.repeat(rand(2, 3), [1, 2], axis=1), gl.ShapeError, "repeats has 2 entries, but the axis has 3"),
    (lambda: gl.pad(rand(3), 1, mode="mirror"), gl.ParameterError, "pad: mode must be one of"),
    (lambda: gl.pad(rand(3), -1), gl.ParameterError, "must not be negative"),
    (lambda: gl.pad(rand(3), 1, mode="edge", constant_values=1), gl.ParameterError, "only for mode 'constant'"),
    (lambda: gl.gather(rand(2, 3), 1, np.array([[0, 3]])), gl.ParameterError,
     r"gather: index value 3 is out of range \[0, 3\)"),
    (lambda: gl.gather(rand(2, 3), 1, np.array([-1])), gl.ShapeError, "as many dimensions as x"),
    (lambda: gl.gather(rand(2, 3), 1, np.array([[0], [0], [1]])), gl.ShapeError, "larger than x"),
    (lambda: gl.take_along_axis(rand(2, 3), np.array([[5]]), 1), gl.ParameterError, r"out of range \[-3, 3\)"),
    (lambda: gl.scatter_add(rand(2, 3), 1, np.array([[0, 1]]), np.ones((1, 1))), gl.ShapeError,
     "no larger than src"),
    (lambda: gl.topk(rand(3), 4), gl.ParameterError, "topk: k = 4 is larger than the axis length 3"),
    (lambda: gl.sort(np.float64(2.0)), gl.ShapeError, "sort: x must have at least one dimension"),
])
def test_bad_arguments_are_refused_with_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
