"""Cases found by trying to break the convolutional-network work: looks at a model that change it, pooling padding,
clipping with an infinite norm, adding a parameter group, and from_torch's messages."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")
nn = gl.nn


def _data(n=32, features=5, classes=2, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, features)), r.integers(0, classes, n)


def test_fit_trains_a_network_with_batchnorm1d_on_features():
    X, y = _data()
    m = nn.Sequential(nn.Linear(5, 8, rng=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2, rng=1))
    history = gl.fit(m, nn.CrossEntropyLoss(), gl.optim.SGD(m.parameters(), lr=0.1), X, y, epochs=2, batch_size=16,
                     shuffle=False, verbose=0, metrics=())
    assert len(history.history["loss"]) == 2 and m[1].num_batches_tracked.data == 4  # 2 epochs × 2 batches


def test_fit_changes_running_statistics_and_dropout_masks_only_by_its_steps():
    X, y = _data()

    def build():
        gl.manual_seed(5)
        return nn.Sequential(nn.Linear(5, 8, rng=0), nn.Dropout(0.3), nn.BatchNorm1d(8), nn.Linear(8, 2, rng=1))

    fitted, manual = build(), build()
    gl.fit(fitted, nn.CrossEntropyLoss(), gl.optim.SGD(fitted.parameters(), lr=0.1), X, y, epochs=1, batch_size=32,
           shuffle=False, verbose=0, metrics=())
    gl.manual_seed(5)
    build()  # the same draws of the generator as fitted's construction
    opt = gl.optim.SGD(manual.parameters(), lr=0.1)
    nn.CrossEntropyLoss()(manual(gl.tensor(X)), y).backward()
    opt.step()
    np.testing.assert_array_equal(fitted[0].weight.data, manual[0].weight.data)
    np.testing.assert_array_equal(fitted[2].running_mean.data, manual[2].running_mean.data)
    assert fitted[2].num_batches_tracked.data == 1 and fitted.training  # its mode is its own again


def test_a_picture_of_the_feature_maps_leaves_the_model_as_it_was():
    pytest.importorskip("matplotlib")
    m = nn.Sequential(nn.Conv2d(1, 2, 3, rng=0), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2))
    before = {k: v.copy() for k, v in ((k, np.asarray(t.data)) for k, t in m.state_dict().items())}
    gl.viz.plot_feature_maps(m, np.random.default_rng(0).standard_normal((1, 8, 8)))
    for k, t in m.state_dict().items():
        np.testing.assert_array_equal(np.asarray(t.data), before[k])
    assert m.training and m[1].training


@pytest.mark.parametrize("kernel,stride,padding,dilation", [(2, 1, 3, 5), (3, 2, 2, 2)])
def test_max_pooling_refuses_padding_over_half_the_kernel_as_pytorch(kernel, stride, padding, dilation):
    x = np.ones((1, 1, 9, 9))
    with pytest.raises(RuntimeError):
        torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride, padding, dilation)
    with pytest.raises(gl.ParameterError, match="max_pool2d: padding .* must be at most half the kernel size"):
        gl.max_pool2d(x, kernel, stride=stride, padding=padding, dilation=dilation)


def test_clip_grad_norm_with_an_infinite_max_norm_returns_the_norm_and_clips_nothing():
    w = gl.tensor([3.0, 4.0], requires_grad=True)
    gl.sum(w * w).backward()
    tw = torch.tensor([3.0, 4.0], requires_grad=True)
    (tw * tw).sum().backward()
    total = gl.nn.utils.clip_grad_norm_([w], float("inf"))
    assert total.item() == torch.nn.utils.clip_grad_norm_([tw], float("inf")).item() == 10.0
    np.testing.assert_array_equal(w.grad, [6.0, 8.0])


@pytest.mark.parametrize("name,kw", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01}),
                                     ("Adagrad", {"lr": 0.1}), ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
                                     ("AdamW", {"lr": 0.01, "amsgrad": True})])
def test_add_param_group_matches_pytorch_step_for_step(name, kw):
    r = np.random.default_rng(0)
    W1, W2, X = r.standard_normal((3, 2)), r.standard_normal(3), r.standard_normal((5, 2))
    a, b = gl.tensor(W1, requires_grad=True), gl.tensor(W2, requires_grad=True)
    ta, tb = torch.tensor(W1, requires_grad=True), torch.tensor(W2, requires_grad=True)
    ours, theirs = getattr(gl.optim, name)([a], **kw), getattr(torch.optim, name)([ta], **kw)
    for k in range(6):
        if k == 3:
            ours.add_param_group({"params": [b], "lr": 0.05})
            theirs.add_param_group({"params": [tb], "lr": 0.05})
        ours.zero_grad()
        theirs.zero_grad()
        gl.sum((gl.tanh(gl.tensor(X) @ a.T) @ b) ** 2).backward()
        ((torch.tanh(torch.tensor(X) @ ta.T) @ tb) ** 2).sum().backward()
        ours.step()
        theirs.step()
    np.testing.assert_allclose(a.data, ta.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert [g["lr"] for g in ours.param_groups] == [kw["lr"], 0.05]


def test_add_param_group_refuses_a_parameter_already_in_a_group():
    w = gl.tensor([1.0], requires_grad=True)
    opt = gl.optim.SGD([w], lr=0.1)
    with pytest.raises(gl.ParameterError, match="each parameter may appear in one group only"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(gl.InputTypeError, match="add_param_group: expected a dict"):
        opt.add_param_group([w])


@pytest.mark.parametrize("module,named", [(torch.nn.AvgPool2d(3, divisor_override=2), "divisor_override=2"),
                                          (torch.nn.AvgPool2d(2, ceil_mode=True), "ceil_mode=True"),
                                          (torch.nn.MaxPool2d(2, ceil_mode=True), "ceil_mode=True")])
def test_from_torch_names_the_setting_it_refuses(module, named):
    with pytest.raises(gl.GradlabError) as info:
        gl.nn.from_torch(torch.nn.Sequential(module))
    message = str(info.value)
    assert named in message and "None" not in message and "=False" not in message
