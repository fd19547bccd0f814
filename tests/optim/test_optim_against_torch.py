"""20 optimisation steps agree with torch.optim to 1e-10 (float64), from the same weights and data."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")

X = np.random.default_rng(0).standard_normal((16, 3))
Y = np.random.default_rng(1).standard_normal((16, 2))


def _pair():
    ours = gl.nn.MLP([3, 5, 2], activation="tanh", rng=3)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    with torch.no_grad():
        for (_, p), tp in zip(ours.named_parameters(), theirs.parameters()):
            tp.copy_(torch.from_numpy(p.data))
    return ours, theirs


def _run(make_ours, make_theirs, sched=None, steps=20):
    ours, theirs = _pair()
    opt, topt = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    s = ts = None
    if sched is not None:
        s, ts = sched[0](opt), sched[1](topt)
    loss_fn, tloss_fn = gl.nn.MSELoss(), torch.nn.MSELoss()
    tx, ty = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(ours(X), Y).backward()
        opt.step()
        topt.zero_grad()
        tloss_fn(theirs(tx), ty).backward()
        topt.step()
        if s is not None:
            s.step()
            ts.step()
            assert abs(s.get_last_lr()[0] - ts.get_last_lr()[0]) < 1e-15
    moved = 0.0
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=0, atol=1e-10)
    start, _ = _pair()
    moved = max(np.abs(a.data - b.data).max() for a, b in zip(ours.parameters(), start.parameters()))
    assert moved > 1e-3  # the optimiser really moved the weights


SGD_SETTINGS = [
    {},
    {"momentum": 0.9},
    {"momentum": 0.9, "dampening": 0.3},
    {"momentum": 0.9, "nesterov": True},
    {"weight_decay": 0.01},
    {"momentum": 0.5, "weight_decay": 0.05, "nesterov": True},
]


@pytest.mark.parametrize("kw", SGD_SETTINGS, ids=str)
def test_sgd_matches_torch(kw):
    _run(lambda p: gl.optim.SGD(p, lr=0.05, **kw), lambda p: torch.optim.SGD(p, lr=0.05, **kw))


ADAM_SETTINGS = [{}, {"betas": (0.8, 0.99)}, {"eps": 1e-4}, {"weight_decay": 0.1}]


@pytest.mark.parametrize("kw", ADAM_SETTINGS, ids=str)
def test_adam_matches_torch(kw):
    _run(lambda p: gl.optim.Adam(p, lr=0.01, **kw), lambda p: torch.optim.Adam(p, lr=0.01, **kw))


SCHEDULES = {
    "step": (lambda o: gl.optim.StepLR(o, step_size=3, gamma=0.5),
             lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "exponential": (lambda o: gl.optim.ExponentialLR(o, gamma=0.9),
                    lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "cosine": (lambda o: gl.optim.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.001)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_torch(name):
    _run(lambda p: gl.optim.SGD(p, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
         sched=SCHEDULES[name])
    _run(lambda p: gl.optim.Adam(p, lr=0.02), lambda p: torch.optim.Adam(p, lr=0.02), sched=SCHEDULES[name])
