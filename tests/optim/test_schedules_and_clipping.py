"""ReduceLROnPlateau, OneCycleLR and LinearLR set the same learning rates (and momenta) as torch's schedulers,
step by step and group by group; clip_grad_norm_ / clip_grad_value_ give torch's gradients and total norms."""

import math

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")


def _groups(lib, lrs=(0.1, 0.02), **kw):
    """An optimizer of ``lib`` (gl or torch) with one parameter per group, for schedules."""
    if lib is gl:
        ps = [gl.tensor(np.ones(2), requires_grad=True) for _ in lrs]
    else:
        ps = [torch.ones(2, dtype=torch.float64, requires_grad=True) for _ in lrs]
    return [{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)]


def _pair(name="SGD", lrs=(0.1, 0.02), **kw):
    return getattr(gl.optim, name)(_groups(gl, lrs), lr=lrs[0], **kw), \
        getattr(torch.optim, name)(_groups(torch, lrs), lr=lrs[0], **kw)


def _same_groups(opt, topt, keys=("lr",)):
    for g, tg in zip(opt.param_groups, topt.param_groups):
        for k in keys:
            assert g[k] == pytest.approx(tg[k], rel=1e-15, abs=0), (k, g[k], tg[k])


PLATEAU = [{}, {"mode": "max", "factor": 0.5, "patience": 2}, {"threshold_mode": "abs", "threshold": 0.05, "patience": 1},
           {"patience": 0, "cooldown": 2, "min_lr": [0.01, 0.005]}, {"patience": 1, "factor": 0.3, "eps": 0.01},
           {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "patience": 1, "min_lr": 0.004}]
METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89995, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.6, 0.6, 0.6, 0.6, 0.5,
           0.55, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.3, 0.3, 0.3, 0.3, 0.3] * 2


@pytest.mark.parametrize("kw", PLATEAU, ids=str)
def test_reduce_lr_on_plateau_matches_torch(kw):
    opt, topt = _pair()
    s, ts = gl.optim.ReduceLROnPlateau(opt, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    changed = 0
    for m in METRICS:
        before = opt.lr
        s.step(m)
        ts.step(m)
        _same_groups(opt, topt)
        assert s.get_last_lr() == ts.get_last_lr()
        changed += opt.lr != before
    assert changed >= 1  # the schedule really reduced


ONE_CYCLE = [({"max_lr": 0.5, "total_steps": 40}, "SGD", {"momentum": 0.9}),
             ({"max_lr": [0.5, 0.1], "epochs": 4, "steps_per_epoch": 7, "anneal_strategy": "linear"}, "SGD",
              {"momentum": 0.9}),
             ({"max_lr": 0.3, "total_steps": 31, "three_phase": True, "pct_start": 0.25}, "Adam", {}),
             ({"max_lr": 0.3, "total_steps": 25, "div_factor": 10.0, "final_div_factor": 100.0,
               "base_momentum": 0.8, "max_momentum": 0.9}, "AdamW", {}),
             ({"max_lr": 0.2, "total_steps": 20, "cycle_momentum": False}, "Adagrad", {})]


@pytest.mark.parametrize("kw, name, opt_kw", ONE_CYCLE, ids=[c[1] + str(i) for i, c in enumerate(ONE_CYCLE)])
def test_one_cycle_matches_torch_including_momentum(kw, name, opt_kw):
    opt, topt = _pair(name, **opt_kw)
    s, ts = gl.optim.OneCycleLR(opt, **kw), torch.optim.lr_scheduler.OneCycleLR(topt, **kw)
    keys = ["lr"] + (["momentum"] if "momentum" in opt_kw else ["betas"] if name.startswith("Adam") else [])
    total = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
    seen = set()
    for g, tg in zip(opt.param_groups, topt.param_groups):
        assert g["lr"] == pytest.approx(tg["lr"], rel=1e-15)
    for _ in range(total - 1):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        for g, tg in zip(opt.param_groups, topt.param_groups):
            for k in keys:
                np.testing.assert_allclose(g[k], tg[k], rtol=1e-14, atol=0)
        seen.add(round(opt.lr, 12))
    assert len(seen) > total // 2  # the lr really moved
    with pytest.raises(gl.ParameterError, match="OneCycleLR: tried to step"):
        s.step()
        s.step()


@pytest.mark.parametrize("kw", [{}, {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 4},
                                {"start_factor": 0.01, "total_iters": 10}], ids=str)
def test_linear_lr_matches_torch_bit_for_bit(kw):
    opt, topt = _pair()
    s, ts = gl.optim.LinearLR(opt, **kw), torch.optim.lr_scheduler.LinearLR(topt, **kw)
    assert s.get_last_lr() == ts.get_last_lr()
    for e in range(1, 15):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == ts.get_last_lr()
        for lr, base in zip(s.get_last_lr(), s.base_lrs):
            assert lr == pytest.approx(s.lr_at(e, base), rel=1e-14)


def test_closed_form_schedules_follow_every_group():
    opt, topt = _pair()
    s, ts = gl.optim.StepLR(opt, step_size=2, gamma=0.5), torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.5)
    for _ in range(6):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)
    assert s.get_last_lr() == [0.1 / 8, 0.02 / 8]


def test_schedule_arguments_are_refused_in_one_sentence():
    opt = _pair()[0]
    with pytest.raises(gl.ParameterError, match=r"^The 'factor' parameter of ReduceLROnPlateau must be a number in \[0, 1\)"):
        gl.optim.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(gl.ParameterError, match="'mode' parameter of ReduceLROnPlateau"):
        gl.optim.ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(gl.ParameterError, match="min_lr has 3 values for 2 parameter groups"):
        gl.optim.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
    with pytest.raises(gl.InputTypeError, match="'metric' parameter of ReduceLROnPlateau.step"):
        gl.optim.ReduceLROnPlateau(opt).step("low")
    with pytest.raises(gl.ParameterError, match="give total_steps, or both epochs and steps_per_epoch"):
        gl.optim.OneCycleLR(opt, max_lr=0.1, epochs=3)
    with pytest.raises(gl.ParameterError, match="needs an optimizer with momentum or betas"):
        gl.optim.OneCycleLR(_pair("Adagrad")[0], max_lr=0.1, total_steps=10)
    with pytest.raises(gl.ParameterError, match="'start_factor' parameter of LinearLR must be a number in \\(0, 1\\]"):
        gl.optim.LinearLR(opt, start_factor=0)


# ---------------------------------------------------------------- clipping

def _grads(dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(dtype) * scale for s in ((3, 4), (4,), (2, 3))]
    ours = [gl.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    for p, tp, a in zip(ours, theirs, arrays):
        p.grad = a.copy() * 2
        tp.grad = torch.tensor(a * 2)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.5, math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _grads()
    total = gl.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert float(total) == pytest.approx(ttotal.item(), rel=1e-13)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-13, atol=0)
    if max_norm < 1:
        clipped = np.linalg.norm(np.concatenate([p.grad.ravel() for p in ours]), ord=norm_type)
        assert clipped == pytest.approx(max_norm, rel=1e-5)  # max_norm / (N + 1e-6) · N


def test_clip_grad_norm_in_float32_and_on_a_module():
    ours, theirs = _grads(np.float32)
    total = gl.nn.utils.clip_grad_norm_(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert total.data.dtype == np.float32 and float(total) == pytest.approx(ttotal.item(), rel=1e-6)
    for p, tp in zip(ours, theirs):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-6)
    model = gl.nn.MLP([2, 3, 1], rng=0)
    gl.nn.MSELoss()(model(np.ones((4, 2))), np.full((4, 1), 50.0)).backward()
    assert float(gl.nn.utils.clip_grad_norm_(model, 0.1)) > 0.1
    assert float(gl.nn.utils.clip_grad_norm_(model.parameters(), 0.1)) == pytest.approx(0.1, rel=1e-4)


def test_clip_grad_norm_nonfinite_and_no_gradients():
    ours, theirs = _grads()
    ours[1].grad[0] = np.inf
    with pytest.raises(gl.NonFiniteError, match="clip_grad_norm_: the total norm of order 2.0 of the gradients is inf"):
        gl.nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    theirs[1].grad[0] = math.inf
    assert math.isinf(float(gl.nn.utils.clip_grad_norm_(ours, 1.0)))
    torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad, tp.grad.numpy())  # NaNs where torch has them
    assert float(gl.nn.utils.clip_grad_norm_([gl.tensor([1.0], requires_grad=True)], 1.0)) == 0.0
    with pytest.raises(gl.ParameterError, match="'max_norm' parameter of clip_grad_norm_"):
        gl.nn.utils.clip_grad_norm_(ours, -1.0)
    with pytest.raises(gl.ParameterError, match="'norm_type' parameter of clip_grad_norm_"):
        gl.nn.utils.clip_grad_norm_(ours, 1.0, norm_type=-2)


def test_clip_grad_value_matches_torch():
    ours, theirs = _grads(scale=3.0)
    assert gl.nn.utils.clip_grad_value_(ours, 1.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad, tp.grad.numpy())
    assert max(np.abs(p.grad).max() for p in ours) == 1.5
    with pytest.raises(gl.ParameterError, match="'clip_value' parameter of clip_grad_value_"):
        gl.nn.utils.clip_grad_value_(ours, -1.0)
