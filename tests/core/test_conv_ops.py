"""Convolution and pooling against torch.nn.functional: values, VJPs, dtypes, second derivatives, errors."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.")

R = np.random.default_rng(1919)


def _compare(gl_fn, torch_fn, shapes, dtype=np.float64, rtol=1e-12, atol=1e-13, data=None, **kw):
    """Forward and the VJP of every input with one random upstream gradient, gradlab vs PyTorch."""
    arrays = data if data is not None else [R.standard_normal(s).astype(dtype) for s in shapes]
    ours = [gl.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = gl_fn(*ours, **kw), torch_fn(*theirs, **kw)
    assert out.shape == tuple(ref.shape) and out.data.dtype == dtype
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    g = R.standard_normal(tuple(ref.shape)).astype(dtype)
    gl.sum(out * g).backward()
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        assert a.grad.dtype == dtype and a.grad.shape == a.shape
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=rtol, atol=atol)


CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": 2, "padding": 1}),
    ((1, 2, 9, 8), (3, 2, 2, 3), {"stride": (2, 3), "padding": (2, 1), "dilation": (2, 1)}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 6, 5), (4, 1, 3, 3), {"groups": 4, "padding": "same"}),  # depthwise
    ((2, 3, 6, 7), (5, 3, 2, 4), {"padding": "same", "dilation": (1, 2)}),  # asymmetric 'same' in both axes
    ((1, 3, 5, 5), (2, 3, 4, 4), {"padding": "same"}),  # even kernel: the extra row/column after
    ((2, 5, 4, 4), (7, 5, 1, 1), {}),  # 1×1
    ((3, 2, 5, 5), (2, 2, 5, 5), {"padding": "valid"}),  # kernel as large as the input
    ((2, 3, 11, 9), (4, 3, 3, 3), {"stride": 3}),  # odd sizes, pixels left over
]


@pytest.mark.parametrize("xs,ws,kw", CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(xs, ws, kw, bias):
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    _compare(gl.conv2d, F.conv2d, shapes, **kw)


@pytest.mark.parametrize("xs,ws,kw", [((2, 3, 10), (4, 3, 3), {}), ((1, 4, 9), (4, 2, 2), {"stride": 2, "groups": 2}),
                                      ((2, 2, 8), (3, 2, 4), {"padding": "same", "dilation": 2}),
                                      ((2, 2, 8), (3, 2, 3), {"padding": 2, "stride": 3})])
def test_conv1d_matches_torch(xs, ws, kw):
    _compare(gl.conv1d, F.conv1d, [xs, ws, (ws[0],)], **kw)


@pytest.mark.parametrize("xs,ws,kw", [
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 2), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 3, 4), (4, 3, 2, 3), {"stride": (3, 2), "output_padding": (2, 1), "groups": 2}),
    ((2, 2, 4, 4), (2, 2, 3, 3), {"dilation": 2, "padding": 2, "stride": 1, "output_padding": 1}),  # op < dilation
    ((1, 3, 5, 5), (3, 1, 3, 3), {"groups": 3, "stride": 2, "padding": 1}),
])
def test_conv_transpose2d_matches_torch(xs, ws, kw):
    c_out = ws[1] * kw.get("groups", 1)
    _compare(gl.conv_transpose2d, F.conv_transpose2d, [xs, ws, (c_out,)], **kw)


def _distinct(shape):
    return R.permutation(int(np.prod(shape))).reshape(shape) * 0.5 - 3.0


@pytest.mark.parametrize("xs,kw", [
    ((2, 3, 8, 6), {"kernel_size": 2}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),  # overlapping windows, −∞ padding
    ((1, 2, 9, 7), {"kernel_size": (3, 2), "stride": (2, 1), "dilation": (2, 1)}),
    ((2, 1, 5, 5), {"kernel_size": 2, "stride": 1}),
])
def test_max_pool2d_matches_torch(xs, kw):
    _compare(gl.max_pool2d, F.max_pool2d, None, data=[_distinct(xs)], **kw)


def test_max_pool2d_sends_the_gradient_of_a_tie_to_the_first_max_as_torch():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 3.0, 3.0], [5.0, 5.0, 1.0, 1.0], [5.0, 5.0, 1.0, 1.0]]]])
    _compare(gl.max_pool2d, F.max_pool2d, None, data=[x], kernel_size=2)
    _compare(gl.max_pool2d, F.max_pool2d, None, data=[x], kernel_size=2, stride=1)


def test_max_pool2d_propagates_nan_and_sends_its_gradient_where_torch_does():
    x = _distinct((1, 2, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 3, 3] = np.nan
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}):
        ours, theirs = gl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, ref = gl.max_pool2d(ours, **kw), F.max_pool2d(theirs, **kw)
        np.testing.assert_array_equal(out.data, ref.detach().numpy())
        gl.sum(out).backward()
        ref.sum().backward()
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())


@pytest.mark.parametrize("xs,kw", [
    ((2, 3, 8, 6), {"kernel_size": 2}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 7, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((1, 2, 9, 7), {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0)}),
])
def test_avg_pool2d_matches_torch(xs, kw):
    _compare(gl.avg_pool2d, F.avg_pool2d, [xs], **kw)


@pytest.mark.parametrize("xs,size", [((2, 3, 7, 6), (3, 4)), ((2, 3, 5, 5), 1), ((1, 2, 5, 7), (5, 3)),
                                     ((1, 2, 4, 6), (None, 4)), ((1, 1, 3, 3), (5, 4))])  # overlaps, upsampling
def test_adaptive_avg_pool2d_matches_torch(xs, size):
    _compare(gl.adaptive_avg_pool2d, F.adaptive_avg_pool2d, [xs], output_size=size)


@pytest.mark.parametrize("fn,kw,shapes", [
    ("conv2d", {"padding": 1, "stride": 2}, [(4, 3, 9, 9), (5, 3, 3, 3), (5,)]),
    ("conv2d", {"groups": 3}, [(4, 3, 9, 9), (6, 1, 3, 3), (6,)]),
    ("conv_transpose2d", {"stride": 2, "output_padding": 1}, [(2, 3, 4, 4), (3, 2, 3, 3), (2,)]),
    ("max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, [(2, 3, 9, 9)]),
    ("avg_pool2d", {"kernel_size": 2}, [(2, 3, 8, 8)]),
    ("adaptive_avg_pool2d", {"output_size": 3}, [(2, 3, 7, 7)]),
])
def test_float32_stays_float32_and_matches_torch(fn, kw, shapes):
    _compare(getattr(gl, fn), getattr(F, fn), shapes, dtype=np.float32, rtol=2e-5, atol=2e-5, **kw)


@pytest.mark.parametrize("fn,kw,xs,ws", [("conv2d", {"padding": 1}, (3, 6, 5), (2, 3, 3, 3)),
                                         ("conv1d", {"stride": 2}, (3, 7), (2, 3, 3)),
                                         ("conv_transpose2d", {"stride": 2}, (3, 4, 4), (3, 2, 3, 3))])
def test_unbatched_inputs_as_torch(fn, kw, xs, ws):
    _compare(getattr(gl, fn), getattr(F, fn), [xs, ws], **kw)


def test_unbatched_pooling_as_torch():
    _compare(gl.max_pool2d, F.max_pool2d, None, data=[_distinct((3, 6, 6))], kernel_size=2)
    _compare(gl.avg_pool2d, F.avg_pool2d, [(3, 6, 6)], kernel_size=3, stride=1)


@pytest.mark.parametrize("kw", [{"padding": 1}, {"stride": 2, "groups": 2, "dilation": (1, 2)}])
def test_conv2d_hessian_vector_products_match_torch(kw):
    """∂²L/∂(x, W, b)² v for L = Σ c ⊙ tanh(conv2d(x, W, b)): the VJPs (conv rows) differentiated again."""
    x, b = R.standard_normal((2, 4, 6, 6)), R.standard_normal(4)
    w = R.standard_normal((4, 4 // kw.get("groups", 1), 3, 3))
    ref_out = F.conv2d(*(torch.tensor(a) for a in (x, w, b)), **kw)
    c = R.standard_normal(tuple(ref_out.shape))
    v = [R.standard_normal(a.shape) for a in (x, w, b)]

    def loss(x, w, b):
        return gl.sum(gl.tanh(gl.conv2d(x, w, b, **kw)) * c)

    def directional(x, w, b):
        gx, gw, gb = gl.grad(loss, argnums=(0, 1, 2))(x, w, b)
        return gl.sum(gx * v[0]) + gl.sum(gw * v[1]) + gl.sum(gb * v[2])

    ours = gl.grad(directional, argnums=(0, 1, 2))(x, w, b)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tl = (torch.tanh(F.conv2d(tx, tw, tb, **kw)) * torch.tensor(c)).sum()
    grads = torch.autograd.grad(tl, (tx, tw, tb), create_graph=True)
    theirs = torch.autograd.grad(sum((g * torch.tensor(d)).sum() for g, d in zip(grads, v)), (tx, tw, tb))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.data if hasattr(a, "data") else a), t.numpy(), rtol=1e-11, atol=1e-12)


def test_jacobian_of_a_small_conv_matches_torch():
    x, w = R.standard_normal((1, 2, 4, 4)), R.standard_normal((2, 2, 2, 2))
    J = gl.jacobian(lambda x, w: gl.conv2d(x, w, stride=2, padding=1), argnums=1)(x, w)
    ref = torch.autograd.functional.jacobian(lambda w: F.conv2d(torch.tensor(x), w, stride=2, padding=1),
                                             torch.tensor(w))
    assert J.shape == tuple(ref.shape)
    np.testing.assert_allclose(np.asarray(J), ref.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("call,error,match", [
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 4, 3, 3))), gl.ShapeError, "has 3 channels.*expects 4"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 7, 3))), gl.ShapeError, "larger than the padded input"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), padding="full"), gl.ParameterError,
     "'same' or 'valid'"),
    (lambda: gl.conv2d(np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3)), groups=2), gl.ParameterError,
     "groups = 2 must divide out_channels = 3"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 1, 3, 3)), groups=2), gl.ParameterError,
     "must divide in_channels = 3"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), padding="same", stride=2), gl.ParameterError,
     "needs stride 1"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), np.ones(3)), gl.ShapeError, r"bias .*\(2,\)"),
    (lambda: gl.conv2d(np.ones((5, 5)), np.ones((2, 3, 3, 3))), gl.ShapeError, r"\(N, C, H, W\)"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5)), np.ones((2, 3, 3, 3)), stride=0), gl.ParameterError, "stride"),
    (lambda: gl.conv2d(np.ones((1, 3, 5, 5), int), np.ones((2, 3, 3, 3))), gl.InputTypeError, "floating dtype"),
    (lambda: gl.conv_transpose2d(np.ones((1, 3, 5, 5)), np.ones((3, 2, 3, 3)), stride=2, output_padding=2),
     gl.ParameterError, "output_padding"),
    (lambda: gl.max_pool2d(np.ones((1, 1, 4, 4)), 2, padding=2), gl.ParameterError, "at most half"),
    (lambda: gl.max_pool2d(np.ones((1, 1, 4, 4)), 5), gl.ShapeError, "larger than"),
    (lambda: gl.avg_pool2d(np.ones((1, 1, 4, 4)), 2, ceil_mode=True), gl.ParameterError, "ceil_mode"),
    (lambda: gl.adaptive_avg_pool2d(np.ones((1, 1, 4, 4)), (2, 2, 2)), gl.ParameterError, "output_size"),
])
def test_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
