"""Conv1d, Conv2d, ConvTranspose2d, the pooling layers, Flatten and Unflatten against torch.nn in float64."""

import math

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")

TIGHT = dict(rtol=1e-12, atol=1e-13)
GRAD = dict(rtol=1e-11, atol=1e-12)


def _compare(module, tmodule, x, rng, extra=()):
    """Load module's state into tmodule; compare outputs, input gradients and parameter gradients."""
    tmodule.load_state_dict({k: torch.tensor(v) for k, v in module.state_dict().items()})
    xg, xt = gl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = module(xg), tmodule(xt)
    if isinstance(y, tuple):
        y, idx = y
        yt, tidx = yt
        assert np.array_equal(np.asarray(getattr(idx, "data", idx)), tidx.numpy())
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **TIGHT)
    g = rng.normal(size=y.shape)
    gl.sum(y * g).backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), **GRAD)
    for (name, p), (tname, tp) in zip(module.named_parameters(), tmodule.named_parameters(), strict=True):
        assert name == tname and p.shape == tuple(tp.shape)
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), **GRAD, err_msg=name)
    assert list(module.state_dict()) == list(tmodule.state_dict())
    rebuilt = gl.nn.from_config(module.to_config()).load_state_dict(module.state_dict())
    np.testing.assert_array_equal(rebuilt(x)[0].data if isinstance(rebuilt(x), tuple) else rebuilt(x).data,
                                  y.data)


def _settings(seed, transposed=False):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kernel = tuple(int(k) for k in rng.integers(1, 4, size=2))
    stride = tuple(int(s) for s in rng.integers(1, 3, size=2))
    dilation = tuple(int(d) for d in rng.integers(1, 3, size=2))
    padding = tuple(int(rng.integers(0, 1 + (dilation[i] * (kernel[i] - 1)) // 2)) for i in range(2))
    kw = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, groups=groups,
              bias=bool(seed % 3))
    if transposed:
        kw["output_padding"] = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    return rng, c_in, c_out, kw


@pytest.mark.parametrize("seed", range(6))
def test_conv2d_layer_equals_torch(seed):
    rng, c_in, c_out, kw = _settings(seed)
    if seed == 5:
        kw.update(stride=1, padding="same")
    _compare(gl.nn.Conv2d(c_in, c_out, **kw), torch.nn.Conv2d(c_in, c_out, **kw).double(),
             rng.normal(size=(2, c_in, 7, 6)), rng)


@pytest.mark.parametrize("seed", range(4))
def test_conv1d_layer_equals_torch(seed):
    rng, c_in, c_out, kw = _settings(seed)
    kw = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    if seed == 3:
        kw.update(stride=1, padding="same")
    _compare(gl.nn.Conv1d(c_in, c_out, **kw), torch.nn.Conv1d(c_in, c_out, **kw).double(),
             rng.normal(size=(3, c_in, 9)), rng)


@pytest.mark.parametrize("seed", range(4))
def test_conv_transpose2d_layer_equals_torch(seed):
    rng, c_in, c_out, kw = _settings(seed, transposed=True)
    _compare(gl.nn.ConvTranspose2d(c_in, c_out, **kw), torch.nn.ConvTranspose2d(c_in, c_out, **kw).double(),
             rng.normal(size=(2, c_in, 4, 5)), rng)


@pytest.mark.parametrize("cls, args, weight_shape", [
    ("Conv2d", (4, 6, (3, 2)), (6, 4, 3, 2)),
    ("Conv2d", (4, 6, 3, 1, 0, 1, 2), (6, 2, 3, 3)),
    ("Conv1d", (3, 5, 4), (5, 3, 4)),
    ("ConvTranspose2d", (4, 6, 3, 1, 0, 0, 2), (4, 3, 3, 3)),
])
def test_initialisation_is_torch_kaiming_uniform_from_gradlabs_generator(cls, args, weight_shape):
    layer = getattr(gl.nn, cls)(*args, rng=7)
    tlayer = getattr(torch.nn, cls)(*args)
    assert layer.weight.shape == tuple(tlayer.weight.shape) == weight_shape
    fan_in = weight_shape[1] * math.prod(weight_shape[2:])
    w_bound = math.sqrt(3.0) * (math.sqrt(2.0 / (1 + 5)) / math.sqrt(fan_in))  # torch's kaiming_uniform_(a=√5)
    bound = 1 / math.sqrt(fan_in)  # torch's bias bound
    gen = np.random.default_rng(7)  # the same draws, in the same order: weight, then bias
    assert np.array_equal(layer.weight.data, gen.uniform(-w_bound, w_bound, size=weight_shape))
    assert np.array_equal(layer.bias.data, gen.uniform(-bound, bound, size=(layer.out_channels,)))
    assert np.abs(tlayer.weight.detach().numpy()).max() <= w_bound
    gl.manual_seed(3)
    a = getattr(gl.nn, cls)(*args).weight.data
    gl.manual_seed(3)
    assert np.array_equal(a, getattr(gl.nn, cls)(*args).weight.data)


def test_pooling_options_gradlab_cannot_compute_are_refused_at_construction():
    for cls, kw in [(gl.nn.MaxPool2d, dict(ceil_mode=True)), (gl.nn.MaxPool2d, dict(return_indices=True)),
                    (gl.nn.AvgPool2d, dict(ceil_mode=True)), (gl.nn.AvgPool2d, dict(divisor_override=3))]:
        name = next(iter(kw))
        with pytest.raises(gl.ParameterError, match=f"'{name}' parameter of {cls.__name__} must be"):
            cls(2, **kw)


def test_conv_layers_refuse_bad_arguments_at_construction():
    with pytest.raises(gl.ParameterError, match=r"in_channels \(3\) and out_channels \(4\) must both be divisible"):
        gl.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(gl.ParameterError, match="padding='same' needs stride 1"):
        gl.nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(gl.ParameterError, match="'padding_mode' parameter of Conv2d"):
        gl.nn.Conv2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(gl.ParameterError, match="output_padding"):
        gl.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)
    with pytest.raises(gl.ParameterError, match="'kernel_size' parameter of Conv1d"):
        gl.nn.Conv1d(3, 4, (3, 3))


# ------------------------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1)),
                                dict(kernel_size=(3, 1), stride=(1, 2), padding=(1, 0))])
def test_maxpool2d_layer_equals_torch(kw):
    rng = np.random.default_rng(1)
    _compare(gl.nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), rng.normal(size=(2, 3, 7, 8)), rng)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                dict(kernel_size=(3, 2), stride=2)])
def test_avgpool2d_layer_equals_torch(kw):
    rng = np.random.default_rng(2)
    _compare(gl.nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), rng.normal(size=(2, 3, 7, 8)), rng)


@pytest.mark.parametrize("size", [1, 3, (2, 5), (4, None)])
def test_adaptive_avgpool2d_layer_equals_torch(size):
    rng = np.random.default_rng(3)
    _compare(gl.nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), rng.normal(size=(2, 3, 7, 8)), rng)


# ------------------------------------------------------------------------------------------- reshaping
@pytest.mark.parametrize("start, end", [(1, -1), (0, -1), (1, 2), (-2, -1), (2, 2)])
def test_flatten_equals_torch(start, end):
    rng = np.random.default_rng(4)
    _compare(gl.nn.Flatten(start, end), torch.nn.Flatten(start, end), rng.normal(size=(2, 3, 4, 5)), rng)


@pytest.mark.parametrize("dim, sizes", [(1, (3, 20)), (1, (3, -1, 5)), (-1, (2, 30)), (0, (1, 2))])
def test_unflatten_equals_torch(dim, sizes):
    rng = np.random.default_rng(5)
    _compare(gl.nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes), rng.normal(size=(2, 60)), rng)


def test_flatten_and_unflatten_refuse_shapes_that_do_not_fit():
    with pytest.raises(gl.ShapeError, match=r"Flatten: start_dim=1 and end_dim=-1 must be dimensions .* shape \(4,\)"):
        gl.nn.Flatten()(np.zeros(4))
    with pytest.raises(gl.ShapeError, match="start_dim=2 comes after end_dim=1"):
        gl.nn.Flatten(2, 1)(np.zeros((2, 3, 4)))
    with pytest.raises(gl.ShapeError, match=r"dimension 1 of size 60 .* cannot be split into \(7, -1\)"):
        gl.nn.Unflatten(1, (7, -1))(np.zeros((2, 60)))
    with pytest.raises(gl.ParameterError, match="at most one -1"):
        gl.nn.Unflatten(1, (-1, -1))


def test_a_small_cnn_trains_a_step_like_torch():
    rng = np.random.default_rng(6)
    net = gl.nn.Sequential(gl.nn.Conv2d(1, 4, 3, padding=1, rng=0), gl.nn.BatchNorm2d(4), gl.nn.ReLU(),
                           gl.nn.MaxPool2d(2), gl.nn.Dropout(0.0), gl.nn.Flatten(), gl.nn.Linear(4 * 3 * 3, 2, rng=1))
    tnet = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Dropout(0.0), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 3 * 3, 2)).double()
    _compare(net, tnet, rng.normal(size=(5, 1, 6, 6)), rng)
    np.testing.assert_allclose(net[1].running_var.data, tnet[1].running_var.numpy(), **TIGHT)


def test_float32_layers_compute_in_float32_like_torch():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    conv, tconv = gl.nn.Conv2d(3, 4, 3, padding=1, dtype="float32"), torch.nn.Conv2d(3, 4, 3, padding=1)
    tconv.load_state_dict({k: torch.tensor(v) for k, v in conv.state_dict().items()})
    y = conv(x)
    assert conv.weight.data.dtype == y.data.dtype == np.float32 and conv.to_config()["dtype"] == "float32"
    np.testing.assert_allclose(y.data, tconv(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert gl.nn.from_config(conv.to_config()).weight.data.dtype == np.float32
