"""L1Loss, HuberLoss, SmoothL1Loss, NLLLoss, KLDivLoss and CrossEntropyLoss's options against torch.nn (float64)."""

import warnings

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import InputTypeError, ParameterError, ShapeError

torch = pytest.importorskip("torch")
REDUCTIONS = ("mean", "sum", "none")


def _both(gl_loss, torch_loss, x, target, torch_target=None, dtype=np.float64):
    """(gradlab value, torch value, gradlab ∂/∂x, torch ∂/∂x) for the loss summed over 'none''s entries."""
    xg = gl.tensor(x.astype(dtype), requires_grad=True)
    out = gl_loss(xg, target)
    gl.sum(out).backward()
    xt = torch.tensor(np.ascontiguousarray(x, dtype=dtype), requires_grad=True)
    tt = torch.tensor(target) if torch_target is None else torch_target
    ref = torch_loss(xt, tt)
    ref.sum().backward()
    return out.data, ref.detach().numpy(), _g(xg), xt.grad.numpy()


def _g(t):
    """The gradient of ``t`` as a NumPy array."""
    return np.asarray(t.grad.data if isinstance(t.grad, gl.Tensor) else t.grad)


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


# ------------------------------------------------------------ regression losses
REGRESSION = [
    (lambda r, **k: gl.nn.L1Loss(r), lambda r, **k: torch.nn.L1Loss(reduction=r), {}),
    (lambda r, **k: gl.nn.HuberLoss(r, **k), lambda r, **k: torch.nn.HuberLoss(reduction=r, **k), {"delta": 1.0}),
    (lambda r, **k: gl.nn.HuberLoss(r, **k), lambda r, **k: torch.nn.HuberLoss(reduction=r, **k), {"delta": 0.3}),
    (lambda r, **k: gl.nn.SmoothL1Loss(r, **k), lambda r, **k: torch.nn.SmoothL1Loss(reduction=r, **k),
     {"beta": 1.0}),
    (lambda r, **k: gl.nn.SmoothL1Loss(r, **k), lambda r, **k: torch.nn.SmoothL1Loss(reduction=r, **k),
     {"beta": 2.5}),
    (lambda r, **k: gl.nn.SmoothL1Loss(r, **k), lambda r, **k: torch.nn.SmoothL1Loss(reduction=r, **k),
     {"beta": 0.0}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("i", range(len(REGRESSION)))
@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 2)])
def test_regression_losses_value_and_gradient_equal_torch_including_ties_and_kinks(i, reduction, shape):
    make_gl, make_torch, kw = REGRESSION[i]
    r = np.random.default_rng(hash((i, shape)) % 2**32)
    y = r.standard_normal(shape)
    x = y + 2 * r.standard_normal(shape)
    flat = x.reshape(-1)
    flat[0] = y.reshape(-1)[0]  # a tie: ŷ = y
    t = float(kw.get("delta", kw.get("beta", 1.0)))
    flat[-1] = y.reshape(-1)[-1] + t  # exactly at the threshold (a kink of L1 when it is 0)
    v, ref, g, gref = _both(make_gl(reduction, **kw), make_torch(reduction, **kw), x, y)
    _close(v, ref)
    _close(g, gref)
    if i == 0:
        assert g.reshape(-1)[0] == 0.0  # L1's gradient at ŷ = y is 0, as PyTorch


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huber_float32_and_float64_equal_torch(dtype):
    r = np.random.default_rng(3)
    x, y = r.standard_normal((6, 2)), r.standard_normal((6, 2))
    v, ref, g, gref = _both(gl.nn.HuberLoss(delta=0.7), torch.nn.HuberLoss(delta=0.7), x.astype(dtype),
                            y.astype(dtype), dtype=dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert v.dtype == dtype
    _close(v, ref, tol)
    _close(g, gref, tol)


def test_regression_derivative_method_equals_autodiff():
    r = np.random.default_rng(4)
    x, y = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    for loss in (gl.nn.L1Loss(), gl.nn.HuberLoss(delta=0.5), gl.nn.SmoothL1Loss(beta=0.4), gl.nn.SmoothL1Loss("sum", beta=0)):
        xg = gl.tensor(x, requires_grad=True)
        loss(xg, y).backward()
        _close(loss.derivative(x, y), _g(xg))


# ------------------------------------------------------------ NLL and cross-entropy
def _targets(r, shape, C, ignore=None):
    t = r.integers(0, C, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


CLASS_SHAPES = [((6, 4), (6,)), ((3, 4, 5), (3, 5)), ((2, 3, 2, 2), (2, 2, 2)), ((4,), ())]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -100, 2])
def test_nll_loss_equals_torch_with_weights_and_ignored_targets(reduction, shapes, weighted, ignore):
    xs, ts = shapes
    C = xs[0] if len(xs) == 1 else xs[1]
    r = np.random.default_rng(len(xs) * 7 + weighted)
    x = np.log(np.random.default_rng(1).dirichlet(np.ones(C), size=int(np.prod(xs)) // C)).reshape(xs)
    if len(xs) > 1:
        x = np.moveaxis(np.log(np.random.default_rng(1).dirichlet(np.ones(C), size=int(np.prod(xs)) // C))
                        .reshape((xs[0],) + xs[2:] + (C,)), -1, 1)
    t = np.array(r.integers(0, C)) if ts == () else _targets(r, ts, C, ignore)
    w = r.uniform(0.3, 2.0, C) if weighted else None
    kw = {} if ignore is None else {"ignore_index": ignore}
    v, ref, g, gref = _both(gl.nn.NLLLoss(w, reduction=reduction, **kw),
                            torch.nn.NLLLoss(None if w is None else torch.tensor(w), reduction=reduction, **kw), x, t)
    _close(v, ref)
    _close(g, gref)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shapes", CLASS_SHAPES)
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"label_smoothing": 0.2},
                                     {"weight": True, "label_smoothing": 0.35}, {"ignore_index": 1},
                                     {"weight": True, "label_smoothing": 0.1, "ignore_index": -100}])
def test_cross_entropy_options_with_class_indices_equal_torch(reduction, shapes, options):
    xs, ts = shapes
    C = xs[0] if len(xs) == 1 else xs[1]
    r = np.random.default_rng(len(xs) * 11 + len(options))
    z = 2 * r.standard_normal(xs)
    ignore = options.get("ignore_index", -100 if len(options) > 1 else None)
    t = np.array(r.integers(0, C)) if ts == () else _targets(r, ts, C, ignore)
    kw = dict(options)
    if kw.pop("weight", False):
        kw["weight"] = r.uniform(0.3, 2.0, C)
    tkw = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
    v, ref, g, gref = _both(gl.nn.CrossEntropyLoss(reduction, **kw),
                            torch.nn.CrossEntropyLoss(reduction=reduction, **tkw), z, t)
    _close(v, ref)
    _close(g, gref)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("xs", [(5, 3), (2, 3, 4), (4,)])
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"label_smoothing": 0.25},
                                     {"weight": True, "label_smoothing": 0.6}])
def test_cross_entropy_options_with_probability_targets_equal_torch(reduction, xs, options):
    r = np.random.default_rng(len(xs) + 5 * len(options))
    C = xs[0] if len(xs) == 1 else xs[1]
    z = r.standard_normal(xs)
    p = r.random(xs)
    p = p / p.sum(axis=0 if len(xs) == 1 else 1, keepdims=True)
    kw = dict(options)
    if kw.pop("weight", False):
        kw["weight"] = r.uniform(0.3, 2.0, C)
    tkw = {k: torch.tensor(v) if k == "weight" else v for k, v in kw.items()}
    v, ref, g, gref = _both(gl.nn.CrossEntropyLoss(reduction, **kw),
                            torch.nn.CrossEntropyLoss(reduction=reduction, **tkw), z, p)
    _close(v, ref)
    _close(g, gref)


def test_cross_entropy_float32_with_options_equals_torch():
    r = np.random.default_rng(9)
    z, t, w = r.standard_normal((8, 5)).astype(np.float32), r.integers(0, 5, 8), r.uniform(0.5, 2, 5)
    v, ref, g, gref = _both(gl.nn.CrossEntropyLoss(weight=w, label_smoothing=0.1),
                            torch.nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32),
                                                      label_smoothing=0.1), z, t, dtype=np.float32)
    assert v.dtype == np.float32
    _close(v, ref, 1e-6)
    _close(g, gref, 1e-6)


def test_every_target_ignored_gives_nan_mean_as_torch():
    z, t = np.random.default_rng(0).standard_normal((3, 4)), np.full(3, -100)
    assert np.isnan(float(gl.nn.CrossEntropyLoss()(z, t).data))
    assert np.isnan(float(torch.nn.CrossEntropyLoss()(torch.tensor(z), torch.tensor(t))))
    assert float(gl.nn.NLLLoss(reduction="sum")(z, t).data) == 0.0


def test_cross_entropy_derivative_method_with_options_equals_autodiff():
    r = np.random.default_rng(2)
    z, t = r.standard_normal((5, 3)), np.array([0, 2, -100, 1, 1])
    loss = gl.nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5], label_smoothing=0.2)
    zg = gl.tensor(z, requires_grad=True)
    loss(zg, t).backward()
    _close(loss.derivative(z, t), _g(zg))


# ------------------------------------------------------------ KL divergence
@pytest.mark.parametrize("reduction", ("sum", "none", "batchmean", "mean"))
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
def test_kl_div_equals_torch(reduction, log_target, shape):
    r = np.random.default_rng(len(shape) + 2 * log_target)
    x = np.log(r.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
    y = r.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    y.reshape(-1)[1] = 0.0  # y = 0 contributes 0
    if log_target:
        y = np.log(r.dirichlet(np.ones(shape[-1]), size=shape[:-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, ref, g, gref = _both(gl.nn.KLDivLoss(reduction, log_target=log_target),
                                torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), x, y)
    _close(v, ref)
    _close(g, gref)


def test_kl_div_mean_warns_as_torch():
    x = np.log(np.full((2, 2), 0.5))
    with pytest.warns(UserWarning, match="batchmean"):
        gl.nn.KLDivLoss()(x, np.full((2, 2), 0.5))


# ------------------------------------------------------------ errors
def test_clear_errors_for_bad_targets_shapes_and_arguments():
    z = np.zeros((3, 4))
    with pytest.raises(ParameterError, match=r"NLLLoss: class index 4 is out of range.*\[0, 3\]"):
        gl.nn.NLLLoss()(z, np.array([0, 4, 1]))
    with pytest.raises(ParameterError, match=r"CrossEntropyLoss: class index -1 is out of range"):
        gl.nn.CrossEntropyLoss(label_smoothing=0.1)(z, np.array([0, -1, 1]))
    with pytest.raises(ShapeError, match=r"NLLLoss: input of shape \(3, 4\) needs class indices of shape \(3,\)"):
        gl.nn.NLLLoss()(z, np.array([0, 1]))
    with pytest.raises(InputTypeError, match="NLLLoss: target must be integer class indices"):
        gl.nn.NLLLoss()(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ShapeError, match=r"weight has shape \(3,\); expected \(4,\)"):
        gl.nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0])(z, np.array([0, 1, 2]))
    with pytest.raises(ParameterError, match="ignore_index=1 is not supported for probability targets"):
        gl.nn.CrossEntropyLoss(ignore_index=1)(z, np.full((3, 4), 0.25))
    with pytest.raises(ShapeError, match=r"HuberLoss: prediction has shape \(3, 4\) but target has shape \(4, 3\)"):
        gl.nn.HuberLoss()(z, np.zeros((4, 3)))
    with pytest.raises(ParameterError, match="reduction"):
        gl.nn.L1Loss("avg")
    with pytest.raises(ParameterError, match="reduction"):
        gl.nn.NLLLoss(reduction="batchmean")
    with pytest.raises(ParameterError, match="delta"):
        gl.nn.HuberLoss(delta=0.0)
    with pytest.raises(ParameterError, match="beta"):
        gl.nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(ParameterError, match="label_smoothing"):
        gl.nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ShapeError, match=r"weight must have shape \(C,\)"):
        gl.nn.NLLLoss(np.ones((2, 2)))


def test_weight_is_a_buffer_in_the_state_dict_as_torch():
    loss = gl.nn.CrossEntropyLoss(weight=[1.0, 2.0])
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0], dtype=torch.float64))
    assert set(loss.state_dict()) == set(ref.state_dict()) == {"weight"}
    assert set(gl.nn.NLLLoss().state_dict()) == set(torch.nn.NLLLoss().state_dict()) == set()


# ------------------------------------------------------------ the explainer: exact or refused
def _model():
    return gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), gl.nn.Tanh(), gl.nn.Linear(3, 3, rng=1))


@pytest.mark.parametrize("loss", [gl.nn.CrossEntropyLoss(label_smoothing=0.1),
                                  gl.nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0]),
                                  gl.nn.CrossEntropyLoss(ignore_index=0), gl.nn.NLLLoss(), gl.nn.KLDivLoss(),
                                  gl.nn.HuberLoss(delta=0.5)])
def test_explain_refuses_losses_it_cannot_explain_as_written(loss):
    with pytest.raises(InputTypeError, match="explain: cannot explain"):
        gl.explain(_model(), [[0.5, -1.0], [1.0, 0.2]], [1, 2], loss)


def test_explain_refuses_an_ignored_target_of_plain_cross_entropy():
    with pytest.raises(ParameterError, match="ignore_index=-100"):
        gl.explain(_model(), [[0.5, -1.0], [1.0, 0.2]], [1, -100], gl.nn.CrossEntropyLoss())


@pytest.mark.parametrize("loss", [gl.nn.L1Loss(), gl.nn.L1Loss("sum"), "huber", "smooth_l1", "l1"])
def test_explain_gives_autodiffs_numbers_for_l1_and_huber(loss):
    model = _model()
    x, y = np.array([[0.5, -1.0], [1.0, 0.2]]), np.array([[0.3, -2.0, 0.1], [1.5, 0.0, -0.4]])
    exp = gl.explain(model, x, y, loss, lr=0.1)
    ref = {"l1": gl.nn.L1Loss(), "huber": gl.nn.HuberLoss(), "smooth_l1": gl.nn.SmoothL1Loss()}.get(loss, loss)
    out = ref(model(gl.tensor(x)), y)
    out.backward()
    assert exp.check_ok
    assert float(exp["loss"]) == pytest.approx(float(out.data), rel=1e-13)
    np.testing.assert_allclose(exp["dW[2]"], _g(model[2].weight), rtol=1e-12, atol=1e-15)


def test_fit_with_cross_entropy_options_trains_as_the_plain_loop_not_the_fused_plain_step():
    from gradlab.train.loop import fit

    r = np.random.default_rng(0)
    X, y = r.standard_normal((40, 2)), r.integers(0, 3, 40)
    loss = gl.nn.CrossEntropyLoss(weight=[1.0, 3.0, 0.5], label_smoothing=0.1)
    fitted, manual = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0)), gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0))
    fit(fitted, loss, gl.optim.SGD(fitted.parameters(), lr=0.5), X, y, epochs=2, batch_size=40, shuffle=False,
        metrics=(), verbose=0)
    opt = gl.optim.SGD(manual.parameters(), lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        loss(manual(gl.tensor(X)), y).backward()
        opt.step()
    np.testing.assert_array_equal(fitted[0].weight.data, manual[0].weight.data)
    plain = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0))
    fit(plain, gl.nn.CrossEntropyLoss(), gl.optim.SGD(plain.parameters(), lr=0.5), X, y, epochs=2, batch_size=40,
        shuffle=False, metrics=(), verbose=0)
    assert not np.allclose(plain[0].weight.data, manual[0].weight.data)  # the options change the training


def test_an_option_set_after_construction_counts_for_the_fused_step_and_the_explainer():
    from gradlab.train.loop import fit

    loss = gl.nn.CrossEntropyLoss()
    loss.label_smoothing = 0.2  # as torch allows; the loss is no longer plain cross-entropy
    with pytest.raises(InputTypeError, match="explain: cannot explain"):
        gl.explain(_model(), [[0.5, -1.0], [1.0, 0.2]], [1, 2], loss)
    r = np.random.default_rng(1)
    X, y = r.standard_normal((30, 2)), r.integers(0, 3, 30)
    fitted, manual = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0)), gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0))
    fit(fitted, loss, gl.optim.SGD(fitted.parameters(), lr=0.5), X, y, epochs=1, batch_size=30, shuffle=False,
        metrics=(), verbose=0)
    opt = gl.optim.SGD(manual.parameters(), lr=0.5)
    loss(manual(gl.tensor(X)), y).backward()
    opt.step()
    np.testing.assert_array_equal(fitted[0].weight.data, manual[0].weight.data)

