"""AdamW, RMSprop, Adagrad, Nesterov SGD, AMSGrad and parameter groups agree with torch.optim step for step
(25 steps, float64, to 1e-10), resume exactly from their state dicts, and refuse bad arguments in one sentence."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")

X = np.random.default_rng(0).standard_normal((16, 3))
Y = np.random.default_rng(1).standard_normal((16, 2))
STEPS = 25


def _pair():
    ours = gl.nn.MLP([3, 5, 2], activation="tanh", rng=3)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    with torch.no_grad():
        for (_, p), tp in zip(ours.named_parameters(), theirs.parameters()):
            tp.copy_(torch.from_numpy(p.data))
    return ours, theirs


def _train_both(opt, topt, ours, theirs, steps=STEPS, between=None):
    loss_fn, tloss_fn = gl.nn.MSELoss(), torch.nn.MSELoss()
    tx, ty = torch.from_numpy(X), torch.from_numpy(Y)
    for k in range(steps):
        opt.zero_grad()
        loss_fn(ours(X), Y).backward()
        opt.step()
        topt.zero_grad()
        tloss_fn(theirs(tx), ty).backward()
        topt.step()
        if between is not None:
            between(k, opt, topt)


def _assert_same(ours, theirs, atol=1e-10):
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=atol)
    start, _ = _pair()
    assert max(np.abs(a.data - b.data).max() for a, b in zip(ours.parameters(), start.parameters())) > 1e-3


def _run(name, kw, ours_kw=None):
    ours, theirs = _pair()
    opt = getattr(gl.optim, name)(ours.parameters(), **(kw if ours_kw is None else ours_kw))
    topt = getattr(torch.optim, name)(theirs.parameters(), **kw)
    _train_both(opt, topt, ours, theirs)
    _assert_same(ours, theirs)
    return opt


SETTINGS = [
    ("AdamW", {}), ("AdamW", {"lr": 0.01, "weight_decay": 0.1}), ("AdamW", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.02, "betas": (0.8, 0.95), "weight_decay": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True}), ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("RMSprop", {}), ("RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.005, "centered": True, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.002, "centered": True, "momentum": 0.5, "eps": 1e-4}),
    ("Adagrad", {}), ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name, kw", SETTINGS, ids=[f"{n}-{kw}" for n, kw in SETTINGS])
def test_optimizer_matches_torch_step_for_step(name, kw):
    _run(name, kw)


def test_adamw_default_weight_decay_is_torchs():
    assert gl.optim.AdamW(_pair()[0]).weight_decay == 0.01 == torch.optim.AdamW([torch.zeros(1)]).defaults["weight_decay"]
    assert gl.optim.RMSprop(_pair()[0]).lr == 0.01 and gl.optim.Adagrad(_pair()[0]).eps == 1e-10


def test_adamw_decay_is_decoupled_not_l2():
    """With a zero gradient, AdamW shrinks the weights by (1 − ηλ) and Adam with L2 moves them differently."""
    w = gl.tensor([1.0, -2.0], requires_grad=True)
    opt = gl.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = np.zeros(2)
    opt.step()
    np.testing.assert_array_equal(w.data, [0.95, -1.9])


def _grouped(model, lrs, extra):
    params = model.parameters() if isinstance(model, gl.nn.Module) else list(model.parameters())
    return [{"params": params[:2], "lr": lrs[0], **extra}, {"params": params[2:], "lr": lrs[1]}]


GROUPS = [
    ("SGD", {"lr": 0.05, "momentum": 0.9}, {"momentum": 0.5, "nesterov": True}),
    ("Adam", {"lr": 0.01}, {"betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01}, {"amsgrad": True}),
    ("RMSprop", {"lr": 0.01}, {"centered": True, "momentum": 0.3}),
    ("Adagrad", {"lr": 0.05}, {"lr_decay": 0.1}),
]


@pytest.mark.parametrize("name, kw, extra", GROUPS, ids=[g[0] for g in GROUPS])
def test_parameter_groups_match_torch_and_take_lr_changes_on_the_next_step(name, kw, extra):
    ours, theirs = _pair()
    opt = getattr(gl.optim, name)(_grouped(ours, (0.02, 0.003), extra), **kw)
    topt = getattr(torch.optim, name)(_grouped(theirs, (0.02, 0.003), extra), **kw)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2]
    assert opt.param_groups[1][next(iter(extra))] == topt.param_groups[1][next(iter(extra))]  # the default filled in

    def change(k, opt, topt):
        if k == 9:
            for g, tg in zip(opt.param_groups, topt.param_groups):
                g["lr"] *= 0.5
                tg["lr"] *= 0.5

    _train_both(opt, topt, ours, theirs, between=change)
    _assert_same(ours, theirs)


def test_one_group_keeps_adams_flat_path_and_two_groups_step_aside(monkeypatch):
    from gradlab.optim import adam

    used = []
    real = adam.Adam._step_flat
    monkeypatch.setattr(adam.Adam, "_step_flat", lambda self, *a: used.append(1) or real(self, *a))
    model = _pair()[0]
    opt = gl.optim.Adam(model, lr=0.01)
    opt._flat.native = False
    _train_both(opt, torch.optim.Adam(_pair()[1].parameters()), model, _pair()[1], steps=2)
    assert used == [1, 1]
    used.clear()
    ours, theirs = _pair()
    opt = gl.optim.Adam(_grouped(ours, (0.01, 0.01), {}), lr=0.01)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    _train_both(opt, topt, ours, theirs)
    assert used == []
    _assert_same(ours, theirs)


@pytest.mark.parametrize("make", [
    lambda p: gl.optim.AdamW(p, lr=0.02, amsgrad=True), lambda p: gl.optim.RMSprop(p, centered=True, momentum=0.5),
    lambda p: gl.optim.Adagrad(p, lr_decay=0.1, initial_accumulator_value=0.2),
    lambda p: gl.optim.SGD(_grouped(p, (0.1, 0.01), {}), lr=0.1, momentum=0.9, nesterov=True)])
def test_state_dict_resumes_exactly(make):
    a, b = _pair()[0], _pair()[0]
    opt_a = make(a)
    loss = gl.nn.MSELoss()

    def train(model, opt):
        for _ in range(4):
            opt.zero_grad()
            loss(model(X), Y).backward()
            opt.step()

    train(a, opt_a)
    b.load_state_dict(a.state_dict())
    opt_b = make(b)
    opt_b.param_groups[0]["lr"] = 123.0  # restored from the state
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    train(a, opt_a)
    train(b, opt_b)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_bad_arguments_are_refused_in_one_sentence():
    params = _pair()[0].parameters()
    with pytest.raises(gl.ParameterError, match=r"^The 'lr' parameter of RMSprop must be a finite number > 0\. Got -0\.1\.$"):
        gl.optim.RMSprop(params, lr=-0.1)
    with pytest.raises(gl.ParameterError, match=r"^The 'betas' parameter of AdamW must be a pair of numbers in \[0, 1\)"):
        gl.optim.AdamW(params, betas=(0.9, 1.5))
    with pytest.raises(gl.ParameterError, match="'alpha' parameter of RMSprop"):
        gl.optim.RMSprop(params, alpha=-0.5)
    with pytest.raises(gl.ParameterError, match="'lr_decay' parameter of Adagrad"):
        gl.optim.Adagrad(params, lr_decay=-1)
    with pytest.raises(gl.ParameterError, match="nesterov=True needs momentum > 0 and dampening = 0"):
        gl.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(gl.ParameterError, match=r"parameter group 1.*nesterov=True needs momentum > 0"):
        gl.optim.SGD([{"params": params[:2]}, {"params": params[2:], "momentum": 0.0}], lr=0.1, momentum=0.9,
                     nesterov=True)
    with pytest.raises(gl.ParameterError, match=r"^The 'lr' parameter of Adam \(parameter group 1\) must be a finite "
                                                r"number > 0\. Got -1\."):
        gl.optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": -1}])
    with pytest.raises(gl.ParameterError, match=r"group 0 has the key\(s\) 'momentum', which Adam does not take"):
        gl.optim.Adam([{"params": params, "momentum": 0.9}])
    with pytest.raises(gl.ParameterError, match="parameter group 0 has no 'params' key"):
        gl.optim.Adam([{"lr": 0.1}])
    with pytest.raises(gl.ParameterError, match="each parameter may appear in one group only"):
        gl.optim.Adam([{"params": params[:2]}, {"params": params[1:]}])
    with pytest.raises(gl.ParameterError, match="does not support foreach"):
        gl.optim.RMSprop(params, foreach=True)


def test_assigning_lr_sets_every_group_and_reading_gives_the_first():
    params = _pair()[0].parameters()
    opt = gl.optim.SGD([{"params": params[:2], "lr": 0.5}, {"params": params[2:]}], lr=0.1)
    assert opt.lr == 0.5 and [g["lr"] for g in opt.param_groups] == [0.5, 0.1]
    opt.lr = 0.2
    assert [g["lr"] for g in opt.param_groups] == [0.2, 0.2]


@pytest.mark.parametrize("name, kw", [("AdamW", {"lr": 0.01}), ("Adam", {"lr": 0.01, "amsgrad": True}),
                                      ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {"lr_decay": 0.1})])
def test_float32_parameters_stay_float32_and_match_torch(name, kw):
    rng = np.random.default_rng(2)
    start = rng.standard_normal((4, 3)).astype(np.float32)
    p, tp = gl.tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(), requires_grad=True)
    opt, topt = getattr(gl.optim, name)([p], **kw), getattr(torch.optim, name)([tp], **kw)
    for _ in range(20):
        g = rng.standard_normal((4, 3)).astype(np.float32)
        p.grad, tp.grad = g.copy(), torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=2e-5, atol=2e-6)
    assert np.abs(p.data - start).max() > 1e-3
