"""Optimizer behaviour: validation, in-place updates, zero_grad, state dicts, schedules."""

import numpy as np
import pytest

import gradlab as gl


def _model():
    return gl.nn.MLP([2, 3, 1], rng=0)


def _loss(model):
    X = np.array([[0.5, -1.0], [1.5, 2.0], [-0.3, 0.7]])
    return gl.nn.MSELoss()(model(X), np.array([[1.0], [0.0], [2.0]]))


def _train(model, opt, steps=3):
    for _ in range(steps):
        opt.zero_grad()
        _loss(model).backward()
        opt.step()


def test_lr_validation_uses_the_template():
    with pytest.raises(gl.ParameterError, match=r"^The 'lr' parameter of SGD must be a finite number > 0\. Got -1\.$"):
        gl.optim.SGD(_model().parameters(), lr=-1)
    with pytest.raises(gl.ParameterError, match="'betas' parameter of Adam"):
        gl.optim.Adam(_model().parameters(), betas=(0.9, 1.0))
    with pytest.raises(gl.ParameterError, match="'momentum' parameter of SGD"):
        gl.optim.SGD(_model().parameters(), lr=0.1, momentum=-0.5)
    with pytest.raises(gl.ParameterError, match="nesterov"):
        gl.optim.SGD(_model().parameters(), lr=0.1, nesterov=True)
    with pytest.raises(gl.ParameterError, match="empty"):
        gl.optim.SGD([], lr=0.1)
    with pytest.raises(gl.InputTypeError, match="params\\[0\\]"):
        gl.optim.Adam([np.zeros(3)])
    with pytest.raises(gl.ParameterError, match="does not require a gradient"):
        gl.optim.Adam([gl.tensor([1.0])])
    with pytest.raises(gl.ParameterError, match="'step_size' parameter of StepLR"):
        gl.optim.StepLR(gl.optim.SGD(_model(), lr=0.1), step_size=0)


@pytest.mark.parametrize("make", [lambda p: gl.optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: gl.optim.Adam(p, lr=0.1)])
def test_step_updates_in_place_and_lowers_the_loss(make):
    model = _model()
    arrays = [p.data for p in model.parameters()]
    opt = make(model)  # a Module is accepted for params
    first = _loss(model).item()
    _train(model, opt, 30)
    assert all(p.data is a for p, a in zip(model.parameters(), arrays))
    assert _loss(model).item() < 0.5 * first


def test_zero_grad_and_parameters_without_gradient_are_skipped():
    model = _model()
    opt = gl.optim.SGD(model.parameters(), lr=0.1)
    _loss(model).backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    before = [p.data.copy() for p in model.parameters()]
    opt.step()  # no gradients: nothing moves
    assert all(np.array_equal(b, p.data) for b, p in zip(before, model.parameters()))


def test_plain_sgd_is_w_minus_lr_grad():
    w = gl.tensor([1.0, -2.0], requires_grad=True)
    opt = gl.optim.SGD([w], lr=0.25)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w.data, [1.0 - 0.25 * 2.0, -2.0 - 0.25 * -4.0])


@pytest.mark.parametrize("make", [lambda p: gl.optim.SGD(p, lr=0.1, momentum=0.9),
                                  lambda p: gl.optim.Adam(p, lr=0.05)])
def test_state_dict_resumes_exactly(make):
    a, b = _model(), _model()
    opt_a = make(a.parameters())
    _train(a, opt_a)
    b.load_state_dict(a.state_dict())
    opt_b = make(b.parameters())
    opt_b.load_state_dict(opt_a.state_dict())
    _train(a, opt_a)
    _train(b, opt_b)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    with pytest.raises(gl.ParameterError, match="expected the state of a"):
        gl.optim.SGD(a, lr=0.1).load_state_dict(gl.optim.Adam(a).state_dict())


def test_schedules_closed_forms():
    opt = gl.optim.SGD(_model(), lr=1.0)
    s = gl.optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        s.step()
        lrs.append(s.get_last_lr()[0])
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    opt = gl.optim.SGD(_model(), lr=2.0)
    c = gl.optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    for _ in range(4):
        c.step()
    assert opt.lr == pytest.approx(0.0, abs=1e-15)
    c2 = gl.optim.ExponentialLR(gl.optim.Adam(_model(), lr=1.0), gamma=0.5)
    c2.step()
    c2.step()
    assert c2.optimizer.lr == 0.25


def test_step_activation_warns_once_when_trained():
    model = gl.nn.Sequential(gl.nn.Linear(2, 1, rng=0), gl.nn.Step())
    opt = gl.optim.SGD(model, lr=0.1)
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    with pytest.warns(gl.nn.GradientWarning, match="zero gradient") as record:
        for _ in range(3):
            opt.zero_grad()
            gl.nn.MSELoss()(model(X), np.array([[1.0], [0.0]])).backward()
            opt.step()
    assert len([w for w in record if issubclass(w.category, gl.nn.GradientWarning)]) == 1
    assert model[0].weight.grad is not None and np.all(model[0].weight.grad == 0)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_flat_update_equals_the_per_parameter_update_bit_for_bit(weight_decay, monkeypatch):
    from gradlab.optim import adam

    def train(flat):
        model = _model()
        opt = gl.optim.Adam(model, lr=0.05, weight_decay=weight_decay)
        opt._flat.native = False  # NumPy's flat path (tests/core/test_native.py compares the compiled one to it)
        used = []
        if not flat:
            monkeypatch.setattr(adam._FlatBuffers, "ready", lambda *a: False)
        else:
            real = adam._FlatBuffers.ready
            monkeypatch.setattr(adam._FlatBuffers, "ready", lambda *a: used.append(real(*a)) or used[-1])
        _train(model, opt, 12)
        monkeypatch.undo()
        return model, opt, used

    (a, opt_a, used), (b, opt_b, _) = train(True), train(False)
    assert used and all(used)  # the flat path really ran
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.array_equal(p.data, q.data)
    sa, sb = opt_a.state_dict(), opt_b.state_dict()
    for key in ("exp_avg", "exp_avg_sq"):
        for x, y in zip(sa["state"][key], sb["state"][key]):
            assert np.array_equal(x, y)


def test_adam_parameters_that_miss_a_step_take_the_per_parameter_path():
    model = _model()
    params = model.parameters()
    opt = gl.optim.Adam(params, lr=0.05)
    _loss(model).backward()
    params[0].grad = None  # the first weight has no gradient this step
    frozen = params[0].data.copy()
    opt.step()
    assert np.array_equal(params[0].data, frozen)
    assert opt.state_dict()["state"]["steps"] == [0] + [1] * (len(params) - 1)
    opt.zero_grad()
    _loss(model).backward()
    opt.step()  # step counts differ: still correct, per parameter
    assert opt.state_dict()["state"]["steps"] == [1] + [2] * (len(params) - 1)
    assert not np.array_equal(params[0].data, frozen)


@pytest.mark.parametrize("make, other", [
    (lambda p: gl.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-4, weight_decay=0.01), gl.optim.Adam),
    (lambda p: gl.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     lambda p: gl.optim.SGD(p, lr=0.1))])
def test_load_state_dict_restores_every_hyper_parameter(make, other):
    model = _model()
    opt = make(model)
    _train(model, opt)
    twin = gl.nn.MLP([2, 3, 1], rng=0)
    twin.load_state_dict(model.state_dict())
    resumed = other(twin)
    resumed.load_state_dict(opt.state_dict())
    assert resumed._hyper() == opt._hyper()
    _train(model, opt)
    _train(twin, resumed)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
