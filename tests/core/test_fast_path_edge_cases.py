"""The training-path fast paths at their edges.

The first group guards against bugs these paths once had; the second group
pins edge cases that were checked and work, where the other tests
(test_fast_paths.py, tests/optim/test_optim.py, tests/nn/test_modules.py) do
not already cover them.
"""

import tracemalloc
import warnings

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: these comparisons need it")


def _grads(params):
    return [None if p.grad is None else np.array(p.grad, copy=True) for p in params]


# =============================================================== bugs found
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradient_does_not_follow_later_writes_to_the_callers_target_array(reduction):
    """_probabilities returns the caller's probability array itself (no copy) when its dtype matches;
    the backward pass reads it again, so refilling a reused target buffer between forward and
    backward changes the gradient (before the change astype always copied)."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 3))
    target = np.eye(3)[[0, 1, 2, 0]]

    def run(t, clobber):
        Z = gl.tensor(z, requires_grad=True)
        loss = gl.nn.CrossEntropyLoss(reduction=reduction)(Z, t)
        if clobber:
            t[...] = 0.0  # the caller reuses its buffer for the next batch
        (loss if reduction != "none" else loss.sum()).backward()
        return Z.grad

    expected = run(target.copy(), clobber=False)
    np.testing.assert_allclose(run(target.copy(), clobber=True), expected, rtol=1e-14)


def test_cross_entropy_of_an_empty_batch_is_nan_like_torch():
    """The fused row's 1/N is a Python division: N = 0 raises ZeroDivisionError (torch and the
    previous general path give a NaN loss and a (0, C) gradient)."""
    z = np.zeros((0, 3))
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.zeros(0, dtype=torch.long))
    assert torch.isnan(ref)
    Z = gl.tensor(z, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = gl.nn.CrossEntropyLoss()(Z, np.zeros(0, dtype=np.int64))
        assert np.isnan(float(loss.data))
        loss.backward()
    assert Z.grad.shape == (0, 3)


def test_mse_loss_of_an_empty_batch_backward_like_torch():
    """(pre-existing, but in the rewritten mse_loss rules) _mse_scale's 2.0 / d.size divides by zero."""
    zt = torch.zeros((0, 3), requires_grad=True)
    torch.nn.functional.mse_loss(zt, torch.zeros((0, 3))).backward()
    Z = gl.tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gl.nn.MSELoss()(Z, np.zeros((0, 3))).backward()
    assert Z.grad.shape == tuple(zt.grad.shape)


def test_cross_entropy_class_indices_do_not_allocate_a_classes_squared_identity():
    """One-hot rows via the cached np.eye(C) cost C² memory (C = 4000: 128 MB, C = 50 000: 20 GB)
    where the rows themselves are N × C."""
    C, N = 4000, 2
    z = np.random.default_rng(0).standard_normal((N, C))
    y = np.array([3, C - 1])
    tracemalloc.start()
    try:
        gl.nn.CrossEntropyLoss()(gl.tensor(z, requires_grad=True), y).backward()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.0f} MiB for {N} samples of {C} classes"


def test_plain_sgd_does_not_round_the_learning_rate_to_the_gradients_dtype():
    """The plain loop casts lr to the gradient's dtype: an integer gradient makes lr = 0.1 into 0
    (before: p ← p − 0.1 g, as torch's float arithmetic)."""
    p = gl.tensor(np.ones(3), requires_grad=True)
    opt = gl.optim.SGD([p], lr=0.1)
    p.grad = np.array([1, 2, 3])
    opt.step()
    np.testing.assert_allclose(p.data, [0.9, 0.8, 0.7], rtol=1e-15)


@pytest.mark.parametrize("slope", [-0.5, -2.0])
def test_fused_leaky_relu_with_a_negative_slope_equals_the_general_path(slope, monkeypatch):
    """(pre-existing in the fused row) _act_backward takes LeakyReLU's derivative from the output
    a > 0, which is wrong when the slope is negative (z < 0 gives a = slope·z > 0)."""
    X = np.random.default_rng(0).standard_normal((5, 3))

    def grads():
        net = gl.nn.Sequential(gl.nn.Linear(3, 4, rng=0), gl.nn.LeakyReLU(slope), gl.nn.Linear(4, 1, rng=1))
        gl.nn.MSELoss()(net(X), np.zeros((5, 1))).backward()
        return _grads(net.parameters())

    fused = grads()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    for a, b in zip(fused, grads()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_cross_entropy_with_masked_minus_inf_logits_matches_torch():
    """(pre-existing, kept by the fused row) −Σ p ln softmax(z) multiplies the zero targets by −inf:
    NaN, where torch picks the target's log-probability (finite for a masked non-target class)."""
    z = np.random.default_rng(9).standard_normal((4, 3))
    z[:, 1] = -np.inf
    y = np.array([0, 2, 0, 2])
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y))
    loss = gl.nn.CrossEntropyLoss()(gl.tensor(z, requires_grad=True), y)
    np.testing.assert_allclose(float(loss.data), ref.item(), rtol=1e-14)


# ===================================================== edge cases that work
@pytest.mark.parametrize("dtype", [np.uint64, np.uint32, np.uint8, np.int8, np.int32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_index_dtypes_match_torch(dtype, reduction):
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((5, 3)), np.array([0, 1, 2, 1, 0])
    Z = gl.tensor(z, requires_grad=True)
    loss = gl.nn.CrossEntropyLoss(reduction=reduction)(Z, y.astype(dtype))
    loss.backward()
    zt = torch.tensor(z, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(zt, torch.tensor(y), reduction=reduction)
    ref.backward()
    assert loss.op.name == "cross_entropy_loss"
    np.testing.assert_allclose(float(loss.data), ref.item(), rtol=1e-14)
    np.testing.assert_allclose(Z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_one_sample_and_soft_targets_with_gradient_match_torch(reduction):
    rng = np.random.default_rng(2)
    z1 = rng.standard_normal(3)
    Z = gl.tensor(z1, requires_grad=True)
    gl.nn.CrossEntropyLoss(reduction=reduction)(Z, 2).backward()
    zt = torch.tensor(z1, requires_grad=True)
    torch.nn.functional.cross_entropy(zt, torch.tensor(2), reduction=reduction).backward()
    assert Z.grad.shape == (3,)
    np.testing.assert_allclose(Z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-16)

    z, P = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), 4)
    Z, Pt = gl.tensor(z, requires_grad=True), gl.tensor(P, requires_grad=True)
    gl.nn.CrossEntropyLoss(reduction=reduction)(Z, Pt).backward()
    zt, pt = torch.tensor(z, requires_grad=True), torch.tensor(P, requires_grad=True)
    torch.nn.functional.cross_entropy(zt, pt, reduction=reduction).backward()
    np.testing.assert_allclose(Z.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(Pt.grad, pt.grad.numpy(), rtol=1e-12, atol=1e-16)


def _net(dtype="float64", acts=(gl.nn.ReLU, gl.nn.Tanh), sizes=(3, 5, 4, 2)):
    mods = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        mods.append(gl.nn.Linear(a, b, rng=i, dtype=dtype))
        if i < len(acts):
            mods.append(acts[i]())
    return gl.nn.Sequential(*mods)


@pytest.mark.parametrize("shape, loss", [(s, loss) for s in [(1, 3), (3,), (6, 3), (2, 4, 3)] for loss in ("mse", "ce")
                                         if not (loss == "ce" and len(s) > 2)])  # CE takes (N, C) or (C,)
@pytest.mark.parametrize("dtype, x_dtype", [("float64", np.float64), ("float32", np.float32),
                                            ("float32", np.float64), ("float64", np.float32)])
def test_retain_graph_double_backward_with_input_gradient_equals_the_general_path(shape, dtype, x_dtype, loss,
                                                                                   monkeypatch):
    rng = np.random.default_rng(3)
    X = rng.standard_normal(shape).astype(x_dtype)
    Y = rng.standard_normal(shape[:-1] + (2,)) if loss == "mse" else rng.integers(0, 2, shape[:-1])
    fn = gl.nn.MSELoss() if loss == "mse" else gl.nn.CrossEntropyLoss()

    def run():
        net = _net(dtype)
        Xt = gl.tensor(X, requires_grad=True)
        out = net(Xt)
        L = fn(out, Y)
        L.backward(retain_graph=True)
        once = _grads(net.parameters()) + [Xt.grad.copy()]
        L.backward()
        twice = [p.grad for p in net.parameters()] + [Xt.grad]
        return out, once, twice, Xt

    out, once, twice, Xt = run()
    assert out.op.name == "dense_stack"
    for a, b in zip(once, twice):
        np.testing.assert_allclose(b, 2 * a, rtol=1e-6)
    arrays = [out.data, Xt.data] + twice
    for i, a in enumerate(twice):  # no gradient shares memory with another or with saved data
        assert a.flags.writeable
        assert not any(np.shares_memory(a, b) for j, b in enumerate(arrays) if b is not a)
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    _, once_ref, twice_ref, _ = run()
    tol = 1e-12 if dtype == "float64" and x_dtype == np.float64 else 1e-5
    for a, b in zip(once + twice, once_ref + twice_ref):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_grad_and_hessian_through_a_fused_net_and_cross_entropy_equal_the_general_path(monkeypatch):
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((4, 3)), np.array([0, 1, 1, 0])

    def results():
        net = _net(acts=(gl.nn.Tanh, gl.nn.Sigmoid), sizes=(3, 4, 3, 2))
        g = gl.grad(lambda x: gl.nn.CrossEntropyLoss()(net(x), y))(X)
        H = gl.hessian(lambda x: gl.nn.CrossEntropyLoss()(net(x), y[:1]))(X[:1])
        return g, np.asarray(H)

    fused = results()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    for a, b in zip(fused, results()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("change", ["freeze", "new_weight_float32", "swap_activation"])
def test_changes_after_the_plan_is_cached_give_the_general_paths_gradients(change, monkeypatch):
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))

    def run():
        net = _net()
        net(X)  # the plan is cached
        if change == "freeze":
            net[0].weight.requires_grad = False
        elif change == "new_weight_float32":
            net[2].weight = gl.tensor(np.ones((4, 5), np.float32), requires_grad=True)
        else:
            setattr(net, "3", gl.nn.Sigmoid())
        gl.nn.MSELoss()(net(X), Y).backward()
        return _grads(net.parameters())

    fused = run()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    for a, b in zip(fused, run()):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


def test_in_place_relu_mask_with_a_float32_model_and_float64_input(monkeypatch):
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((64, 3)), rng.standard_normal((64, 2))

    def run():
        net = _net("float32", acts=(gl.nn.ReLU, gl.nn.ReLU), sizes=(3, 300, 300, 2))
        gl.nn.MSELoss()(net(X), Y).backward()
        return _grads(net.parameters())

    fused = run()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    for a, b in zip(fused, run()):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_matches_torch_with_missing_gradients_and_a_reload_midway(dtype):
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (4,), (2, 3)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(5)]
    grads[1][0] = None  # the first parameter misses step 2
    ps = [gl.tensor(a.copy(), requires_grad=True) for a in init]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt = gl.optim.Adam(ps, lr=0.01, weight_decay=0.1)
    topt = torch.optim.Adam(tps, lr=0.01, weight_decay=0.1)
    for step, gs in enumerate(grads):
        if step == 3:  # checkpoint into a fresh optimizer
            state = opt.state_dict()
            opt = gl.optim.Adam(ps, lr=0.5, weight_decay=0.1)  # lr comes from the state
            opt.load_state_dict(state)
            for buf in state["state"]["exp_avg"]:
                buf[...] = 1e9  # the loaded optimizer holds copies
        for p, tp, g in zip(ps, tps, gs):
            p.grad = None if g is None else g.copy()
            tp.grad = None if g is None else torch.tensor(g)
        opt.step()
        topt.step()
    tol = 1e-12 if dtype == np.float64 else 1e-6
    for p, tp in zip(ps, tps):
        assert p.data.dtype == dtype
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=tol, atol=tol)


def test_adam_flat_path_after_load_state_dict_and_replaced_parameter_arrays():
    def run(reload, replace):
        ps = [gl.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True),
              gl.tensor(np.arange(3.0), requires_grad=True)]
        opt = gl.optim.Adam(ps, lr=0.1)
        for p in ps:
            p.grad = np.full(p.data.shape, 0.5)
        opt.step()
        if reload:
            state = opt.state_dict()
            opt = gl.optim.Adam(ps, lr=0.1)
            opt.load_state_dict(state)
        if replace:
            ps[0].data = ps[0].data.copy()  # a new array of the same shape
        for s in range(3):
            for p in ps:
                p.grad = np.full(p.data.shape, 0.25 * (s + 1))
            opt.step()
        assert opt._flat.ready(ps, opt._steps)
        return [p.data for p in ps]

    ref = run(False, False)
    for reload, replace in ((True, False), (False, True), (True, True)):
        for a, b in zip(run(reload, replace), ref):
            np.testing.assert_array_equal(a, b)


def test_plain_sgd_float32_parameter_with_float64_gradient():
    p = gl.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = gl.optim.SGD([p], lr=0.1)
    p.grad = np.array([1.0, 2.0, 3.0])
    opt.step()
    assert p.data.dtype == np.float32
    np.testing.assert_allclose(p.data, [0.9, 0.8, 0.7], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32"), "float64", None])
def test_mlp_dtype_config_round_trip(dtype):
    net = gl.nn.MLP([2, 3, 1], dtype=dtype, rng=0)
    back = gl.nn.from_config(net.to_config())
    want = np.dtype("float64" if dtype in ("float64", None) else "float32")
    assert {p.data.dtype for p in back.parameters()} == {want} == {p.data.dtype for p in net.parameters()}


def test_dense_stack_refuses_a_negative_leaky_slope_with_the_reason():
    from gradlab.ops.nn import dense_stack

    x = gl.tensor(np.ones((2, 3)))
    W, b = gl.tensor(np.ones((2, 3)), requires_grad=True), gl.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(gl.ParameterError, match="negative_slope -0.5 cannot be fused"):
        dense_stack(x, [(W, b)], ("leaky_relu",), negative_slope=-0.5)
    assert dense_stack(x, [(W, b)], ("leaky_relu",), negative_slope=0.0).op.name == "dense_stack"


def test_a_sequential_with_a_negative_leaky_slope_runs_layer_by_layer():
    net = gl.nn.Sequential(gl.nn.Linear(3, 4, rng=0), gl.nn.LeakyReLU(-0.5), gl.nn.Linear(4, 1, rng=1))
    assert net(np.ones((2, 3))).op.name == "linear"
