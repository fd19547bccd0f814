"""The compiled window copies of the convolutions (im2col, col2im) against the NumPy code they stand in for."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.native import KERNELS
from gradlab.ops import conv_im2col as C

pytestmark = pytest.mark.skipif(KERNELS is None, reason="the C extension is not built here (NumPy path only)")

SETTINGS = [  # (x shape, kernel, stride, padding ((top, bottom), (left, right)), dilation, groups)
    ((2, 3, 9, 8), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 3, 9, 8), (3, 2), (2, 1), ((1, 1), (2, 0)), (1, 1), 3),
    ((1, 4, 7, 7), (2, 3), (2, 3), ((1, 2), (0, 1)), (2, 1), 2),
    ((3, 2, 6, 10), (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 2), 1),
    ((2, 1, 5, 5), (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 2, 8, 8), (3, 3), (3, 2), ((-1, 0), (0, -1)), (1, 1), 1),  # negative padding: a crop
]


def _without_kernels(monkeypatch, fn, *args):
    with monkeypatch.context() as m:
        m.setattr(C, "KERNELS", None)
        return fn(*args)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,groups", SETTINGS)
def test_compiled_im2col_copies_the_same_windows_as_numpy(monkeypatch, shape, kernel, stride, padding, dilation,
                                                          groups, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    cols, outs, wv = C.im2col(x, kernel, stride, padding, dilation, groups)
    ref, outs_ref, wv_ref = _without_kernels(monkeypatch, C.im2col, x, kernel, stride, padding, dilation, groups)
    assert outs == outs_ref and cols.dtype == dtype
    Ho, Wo = outs
    ref = ref.reshape(ref.shape[:3] + (Ho, wv_ref))[..., :Wo]  # the NumPy path may keep wide columns
    np.testing.assert_array_equal(cols.reshape(cols.shape[:3] + (Ho, Wo)), ref)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape,kernel,stride,padding,dilation,groups", SETTINGS[:-1])  # paddings ≥ 0, as callers
def test_compiled_col2im_adds_the_same_numbers_as_numpy(monkeypatch, shape, kernel, stride, padding, dilation,
                                                        groups, dtype, rtol):
    rng = np.random.default_rng(1)
    N, Cin, H, W = shape
    Ho, Wo = (C.out_size((H, W)[k], kernel[k], stride[k], padding[k], dilation[k]) for k in (0, 1))
    O = 2 * groups
    y = rng.standard_normal((N, O, Ho, Wo)).astype(dtype)
    w = rng.standard_normal((O, Cin // groups) + kernel).astype(dtype)
    b = rng.standard_normal(Cin).astype(dtype)
    got = C.col2im(y, w, b, stride, padding, dilation, groups, (H, W))
    want = _without_kernels(monkeypatch, C.col2im, y, w, b, stride, padding, dilation, groups, (H, W))
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def test_a_convolution_layer_gives_the_same_gradients_with_and_without_the_kernels(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 2, 9, 9))

    def grads():
        layer = gl.nn.Conv2d(2, 4, 3, stride=2, padding=1, rng=0)
        xt = gl.tensor(x, requires_grad=True)
        gl.sum(layer(xt) ** 2).backward()
        return xt.grad, layer.weight.grad

    fast = grads()
    slow = _without_kernels(monkeypatch, grads)
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_the_kernels_refuse_arrays_that_do_not_fit():
    x = np.zeros((1, 2, 4, 4))
    assert KERNELS.im2col(x, np.zeros((1, 2 * 4, 9), dtype=np.float32), 2, 2, 3, 3, 1, 1, 1, 1, 0, 0) is False
    assert KERNELS.im2col(x, np.zeros((1, 7, 9)), 2, 2, 3, 3, 1, 1, 1, 1, 0, 0) is False  # wrong column count
    assert KERNELS.im2col(x[..., ::2], np.zeros((1, 8, 9)), 2, 2, 3, 3, 1, 1, 1, 1, 0, 0) is False  # strided x
    assert KERNELS.col2im(x, np.zeros((1, 8, 9)), 2, 2, 3, 3, 0, 1, 1, 1, 0, 0) is False  # a zero stride


POOLS = [  # (x shape, kernel, stride, padding, dilation)
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1)),
    ((2, 2, 9, 7), (3, 3), (2, 2), (1, 1), (1, 1)),  # overlapping windows, padding
    ((1, 2, 10, 10), (3, 2), (1, 3), (1, 0), (2, 1)),
    ((2, 1, 5, 6), (1, 1), (1, 1), (0, 0), (1, 1)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,kernel,stride,padding,dilation", POOLS)
def test_compiled_max_pooling_picks_the_same_maxima_and_taps_as_numpy(monkeypatch, shape, kernel, stride, padding,
                                                                      dilation, dtype):
    from gradlab.ops import conv_pool as P

    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, shape).astype(dtype)  # small integers: many ties
    x.flat[::7] = np.nan  # and NaNs, whose last one wins its window
    got = P.max_pool2d_forward_saving(x, kernel, stride, padding, dilation)
    with monkeypatch.context() as m:
        m.setattr(P, "KERNELS", None)
        want = P.max_pool2d_forward_saving(x, kernel, stride, padding, dilation)
        g = rng.standard_normal(want[0].shape).astype(dtype)
        dx_want = P._spread_to_taps(g, want[1], x.shape, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    dx = P._spread_to_taps(g, got[1], x.shape, kernel, stride, padding, dilation)
    np.testing.assert_allclose(dx, dx_want, rtol=1e-6 if dtype == np.float32 else 1e-15)
