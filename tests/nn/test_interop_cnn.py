"""to_torch / from_torch carry convolutional networks and each new layer across, weights, buffers and modes
included, computing the same outputs and gradients as PyTorch in float64."""

import numpy as np
import pytest

import gradlab as gl
from support.cnn_layers import layer_cases, randomise_state

torch = pytest.importorskip("torch", reason="PyTorch is not installed")

TIGHT = dict(rtol=1e-12, atol=1e-13)
RNG = np.random.default_rng(7)
IMG = RNG.standard_normal((6, 2, 9, 8))
SEQ = RNG.standard_normal((4, 4, 11))
VEC = RNG.standard_normal((7, 5))


def _lenet(dtype=None):
    return gl.nn.Sequential(
        gl.nn.Conv2d(1, 6, 5, padding=2, rng=0, dtype=dtype), gl.nn.BatchNorm2d(6, dtype=dtype), gl.nn.ReLU(),
        gl.nn.MaxPool2d(2), gl.nn.Conv2d(6, 16, 5, rng=1, dtype=dtype), gl.nn.Tanh(), gl.nn.AvgPool2d(2),
        gl.nn.Dropout(0.5), gl.nn.Flatten(), gl.nn.Linear(16 * 2 * 2, 12, rng=2, dtype=dtype),
        gl.nn.LayerNorm(12, dtype=dtype), gl.nn.ReLU(), gl.nn.Linear(12, 10, rng=3, dtype=dtype))


def _same_state(ours, theirs):
    mine, other = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(other)
    for key in mine:
        assert mine[key].dtype == other[key].numpy().dtype, key
        np.testing.assert_allclose(mine[key], other[key].numpy(), **TIGHT, err_msg=key)


def test_lenet_trains_and_predicts_as_its_torch_copy_in_both_modes():
    model = _lenet()
    x = np.random.default_rng(1).standard_normal((8, 1, 16, 16))
    labels = np.arange(8) % 10
    model.train()
    model[7].eval()  # Dropout: the libraries draw different masks, so it runs in eval mode; BatchNorm trains
    tmodel = gl.nn.to_torch(model)
    assert tmodel.training and tmodel[1].training and not tmodel[7].training
    assert tmodel[0].weight.dtype == torch.float64 and tmodel[1].num_batches_tracked.dtype == torch.int64
    _same_state(model, tmodel)
    for _ in range(3):  # training steps: outputs, gradients and running statistics agree
        model.zero_grad(), tmodel.zero_grad()
        out = model(gl.Tensor(x))
        tout = tmodel(torch.from_numpy(x))
        np.testing.assert_allclose(out.data, tout.detach().numpy(), **TIGHT)
        gl.nn.CrossEntropyLoss()(out, labels).backward()
        torch.nn.functional.cross_entropy(tout, torch.from_numpy(labels)).backward()
        for (name, p), tp in zip(model.named_parameters(), tmodel.parameters()):
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), **TIGHT, err_msg=name)
            p.data[...] -= 0.1 * p.grad
        with torch.no_grad():
            for tp in tmodel.parameters():
                tp -= 0.1 * tp.grad
        _same_state(model, tmodel)
    assert int(model[1].num_batches_tracked.data) == 3
    model.eval(), tmodel.eval()
    test = np.random.default_rng(2).standard_normal((5, 1, 16, 16))
    np.testing.assert_allclose(model.predict(test), tmodel(torch.from_numpy(test)).detach().numpy(), **TIGHT)
    back = gl.nn.from_torch(tmodel)
    assert not back.training and not back[1].training
    for key, value in tmodel.state_dict().items():  # torch's trained values, copied exactly
        np.testing.assert_array_equal(back.state_dict()[key], value.numpy(), err_msg=key)
    np.testing.assert_allclose(back.predict(test), tmodel(torch.from_numpy(test)).detach().numpy(), **TIGHT)
    again = gl.nn.from_torch(gl.nn.to_torch(model))  # gradlab → torch → gradlab changes nothing
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[key], value, err_msg=key)
    np.testing.assert_array_equal(again.predict(test), model.predict(test))
    with torch.no_grad():  # copies, never shared
        tmodel[1].running_mean.add_(1.0)
    assert not np.array_equal(model[1].running_mean.data, tmodel[1].running_mean.numpy())


def test_a_float32_lenet_stays_float32_both_ways():
    model = _lenet("float32").eval()
    tmodel = gl.nn.to_torch(model)
    assert tmodel[0].weight.dtype == torch.float32 and tmodel[1].running_var.dtype == torch.float32
    x = np.random.default_rng(3).standard_normal((4, 1, 16, 16)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    back = gl.nn.from_torch(tmodel)
    assert back[0].weight.data.dtype == np.float32 and back[1].running_mean.data.dtype == np.float32
    assert back.to_config()["layers"][0] == model.to_config()["layers"][0]


def test_a_torch_built_cnn_comes_over_with_its_buffers():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(
        torch.nn.Conv1d(3, 4, 3, padding="same", bias=False), torch.nn.BatchNorm1d(4, momentum=None),
        torch.nn.Flatten(), torch.nn.Unflatten(1, (4, 2, -1)), torch.nn.Flatten(),
        torch.nn.Sequential(torch.nn.Linear(4 * 10, 5), torch.nn.Dropout(0.1)),
    ).double()
    x = torch.from_numpy(np.random.default_rng(4).standard_normal((6, 3, 10)))
    tmodel(x), tmodel(2 * x)  # two training steps of the running statistics
    tmodel.eval()
    ours = gl.nn.from_torch(tmodel)
    assert isinstance(ours[5], gl.nn.Sequential) and ours[1].momentum is None
    assert int(ours[1].num_batches_tracked.data) == 2
    np.testing.assert_allclose(ours.predict(x.numpy()), tmodel(x).detach().numpy(), **TIGHT)
    ours.train(), tmodel.train()
    ours[5][1].eval(), tmodel[5][1].eval()
    np.testing.assert_allclose(ours(gl.Tensor(x.numpy())).data, tmodel(x).detach().numpy(), **TIGHT)
    _same_state(ours, tmodel)


LAYERS = layer_cases()




def _run(layer, x, mode):
    layer.train(mode == "train")
    return layer(x if x.dtype.kind == "i" else gl.Tensor(x))


# in training mode each library draws its own dropout mask: Dropout is compared in eval mode only
MODES = [(*case, mode) for case in LAYERS for mode in ("eval", "train") if (case[0], mode) != ("dropout", "train")]


@pytest.mark.parametrize("name, make, x, mode", MODES, ids=[f"{c[0]}-{c[3]}" for c in MODES])
def test_each_layer_alone_computes_as_torch_and_comes_back_unchanged(name, make, x, mode):
    layer = make()
    randomise_state(layer, np.random.default_rng(len(name)))
    tmodel = gl.nn.to_torch(layer)
    tlayer = tmodel[0]
    assert type(tlayer).__name__ == type(layer).__name__
    _same_state(layer, tlayer)
    back = gl.nn.from_torch(tmodel)[0]
    assert type(back) is type(layer)
    config, back_config = layer.to_config(), back.to_config()
    if "stride" in config and config["stride"] is None:  # torch stores a pooling stride of None as the kernel size
        config["stride"] = back_config["stride"]
    assert back_config == config
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[key], value, err_msg=key)
    tlayer.train(mode == "train")
    ref = tlayer(torch.from_numpy(x)).detach().numpy()
    out = _run(layer, x, mode)
    np.testing.assert_allclose(out.data, ref, **TIGHT)
    assert out.data.dtype == ref.dtype and out.data.shape == ref.shape
    np.testing.assert_allclose(_run(back, x, mode).data, ref, **TIGHT)
    _same_state(layer, tlayer)  # the running statistics moved alike in training mode


def test_arguments_gradlab_does_not_compute_are_refused_naming_the_layer():
    nn = torch.nn
    cases = [
        (nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"), r"layer 0 \(Conv2d\) has padding_mode='reflect'"),
        (nn.MaxPool2d(2, ceil_mode=True), r"layer 0 \(MaxPool2d\) has ceil_mode=True;"),
        (nn.AvgPool2d(2, divisor_override=3), r"layer 0 \(AvgPool2d\) has divisor_override=3;"),
        (nn.Embedding(4, 2, max_norm=1.0), r"layer 0 \(Embedding\) has max_norm=1\.0"),
        (nn.Embedding(4, 2, scale_grad_by_freq=True), r"layer 0 \(Embedding\) has scale_grad_by_freq=True"),
        (nn.Dropout(inplace=True), r"layer 0 \(Dropout\) has inplace=True"),
        (nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Dropout2d())),
         r"layer 1\.1 \(Dropout2d\) is not supported"),
        (nn.Linear(2, 2).half(), r"layer 0 \(Linear\) has weight of dtype torch\.float16"),
        (nn.BatchNorm2d(2, affine=False).to(torch.float16), r"layer 0 \(BatchNorm2d\) has running_mean of dtype"),
    ]
    for module, message in cases:
        with pytest.raises(gl.InputTypeError, match=message):
            gl.nn.from_torch(module)
    with pytest.raises(gl.InputTypeError, match=r"to_torch: layer 1\.0 \(Step\) has no PyTorch counterpart"):
        gl.nn.to_torch(gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Sequential(gl.nn.Step())))
