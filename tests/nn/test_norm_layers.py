"""BatchNorm1d/2d, LayerNorm, Dropout, Embedding and Module buffers/apply/train against torch.nn in float64."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")

TIGHT = dict(rtol=1e-12, atol=1e-13)


def _to_torch_state(module, tmodule):
    tmodule.load_state_dict({k: torch.tensor(v) for k, v in module.state_dict().items()})


def _same_state(module, tmodule, **tol):
    mine, theirs = module.state_dict(), tmodule.state_dict()
    assert list(mine) == list(theirs)
    for k in mine:
        np.testing.assert_allclose(mine[k], theirs[k].numpy(), **(tol or TIGHT), err_msg=k)
        assert mine[k].dtype == theirs[k].numpy().dtype, k


def _randomise(module, rng):
    for p in module.parameters():
        p.data[...] = rng.normal(size=p.shape)


# ------------------------------------------------------------------------------------------- BatchNorm
@pytest.mark.parametrize("seed", range(6))
def test_batchnorm_training_steps_eval_and_gradients_equal_torch(seed):
    rng = np.random.default_rng(seed)
    two_d = seed % 2 == 0
    c = int(rng.integers(1, 5))
    momentum = [0.1, None, 0.37][seed % 3]
    affine = bool(rng.integers(2)) or seed == 0
    shape = (int(rng.integers(2, 5)), c, 3, 2) if two_d else ((5, c) if seed % 3 else (3, c, 4))
    cls, tcls = (gl.nn.BatchNorm2d, torch.nn.BatchNorm2d) if two_d else (gl.nn.BatchNorm1d, torch.nn.BatchNorm1d)
    bn = cls(c, eps=1e-3 * (seed + 1), momentum=momentum, affine=affine)
    tbn = tcls(c, eps=1e-3 * (seed + 1), momentum=momentum, affine=affine).double()
    _randomise(bn, rng)
    _to_torch_state(bn, tbn)
    for _ in range(4):  # training steps: outputs, gradients of the input and the parameters, running statistics
        x = rng.normal(2.0, 3.0, size=shape)
        g = rng.normal(size=shape)
        xg, xt = gl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, yt = bn(xg), tbn(xt)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), **TIGHT)
        gl.sum(y * g).backward()
        (yt * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
        if affine:
            np.testing.assert_allclose(bn.weight.grad, tbn.weight.grad.numpy(), rtol=1e-11, atol=1e-12)
            np.testing.assert_allclose(bn.bias.grad, tbn.bias.grad.numpy(), rtol=1e-11, atol=1e-12)
            bn.zero_grad()
            tbn.zero_grad()
        _same_state(bn, tbn)
    assert int(bn.num_batches_tracked.data) == 4
    assert bn.eval() is bn and not bn.training
    x = rng.normal(size=shape)
    xg, xt = gl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    tbn.eval()
    y, yt = bn(xg), tbn(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **TIGHT)
    gl.sum(y * y).backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    _same_state(bn, tbn)  # eval changes no statistic


def test_batchnorm_without_running_stats_uses_the_batch_in_eval_and_has_no_buffers():
    rng = np.random.default_rng(3)
    bn, tbn = gl.nn.BatchNorm2d(3, track_running_stats=False), torch.nn.BatchNorm2d(3, track_running_stats=False)
    tbn = tbn.double()
    assert bn.running_mean is None and list(bn.state_dict()) == list(tbn.state_dict()) == ["weight", "bias"]
    x = rng.normal(size=(2, 3, 2, 2))
    bn.eval(), tbn.eval()
    np.testing.assert_allclose(bn(x).data, tbn(torch.tensor(x)).detach().numpy(), **TIGHT)


def test_batchnorm_gradients_pass_check_grad_to_second_order():
    bn = gl.nn.BatchNorm1d(3, momentum=None)
    _randomise(bn, np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(4, 3))
    assert gl.check_grad(lambda t: gl.sum(bn(t) ** 3), x)
    assert gl.check_grad(lambda t: bn(t), x, mode="full")
    first = gl.grad(lambda t: gl.sum(bn(t) ** 3))  # second order against torch's double backward
    second = gl.grad(lambda t: gl.sum(first(t) ** 2))(x)
    tbn = torch.nn.BatchNorm1d(3).double()
    tbn.load_state_dict({k: torch.tensor(v) for k, v in bn.state_dict().items()}, strict=False)
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad((tbn(xt) ** 3).sum(), xt, create_graph=True)
    (gt * gt).sum().backward()
    np.testing.assert_allclose(np.asarray(second), xt.grad.numpy(), rtol=1e-10, atol=1e-11)


def test_batchnorm_float32_matches_torch_float32():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 4, 3, 3)).astype(np.float32)
    bn, tbn = gl.nn.BatchNorm2d(4, dtype="float32"), torch.nn.BatchNorm2d(4)
    y = bn(gl.tensor(x))
    assert y.data.dtype == np.float32 and bn.running_var.data.dtype == np.float32
    np.testing.assert_allclose(y.data, tbn(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(bn.running_var.data, tbn.running_var.numpy(), rtol=1e-6)
    assert bn.to_config()["dtype"] == "float32"


def test_batchnorm_refuses_wrong_inputs_with_named_errors():
    with pytest.raises(gl.ShapeError, match=r"BatchNorm1d: expected a 2-d or 3-d input .* got shape \(2, 3, 4, 5\)"):
        gl.nn.BatchNorm1d(3)(np.zeros((2, 3, 4, 5)))
    with pytest.raises(gl.ShapeError, match="has 4 channels .* num_features=3"):
        gl.nn.BatchNorm2d(3)(np.zeros((2, 4, 1, 1)))
    with pytest.raises(gl.ShapeError, match="more than 1 value per channel"):
        gl.nn.BatchNorm1d(3)(np.zeros((1, 3)))
    with pytest.raises(gl.ParameterError, match="'momentum' parameter of BatchNorm2d"):
        gl.nn.BatchNorm2d(3, momentum=1.5)
    out = gl.nn.BatchNorm1d(3).eval()(np.ones((1, 3)))  # eval needs no batch statistics, as torch
    np.testing.assert_allclose(out.data, np.ones((1, 3)) / np.sqrt(1 + 1e-5), **TIGHT)


# ------------------------------------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("normalized_shape, affine, bias", [(5, True, True), ((3, 5), True, False),
                                                             ([5], False, True), ((2, 3, 5), True, True)])
def test_layernorm_forward_and_gradients_equal_torch(normalized_shape, affine, bias):
    rng = np.random.default_rng(7)
    ln = gl.nn.LayerNorm(normalized_shape, eps=1e-4, elementwise_affine=affine, bias=bias)
    tln = torch.nn.LayerNorm(normalized_shape, eps=1e-4, elementwise_affine=affine, bias=bias).double()
    _randomise(ln, rng)
    _to_torch_state(ln, tln)
    x = rng.normal(1.0, 2.0, size=(2, 2, 3, 5))
    g = rng.normal(size=x.shape)
    xg, xt = gl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ln(xg), tln(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **TIGHT)
    gl.sum(y * g).backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xg.grad, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    for (name, p), (tname, tp) in zip(ln.named_parameters(), tln.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-11, atol=1e-12)
    assert gl.check_grad(lambda t: gl.sum(ln(t) ** 2), x[0])
    assert gl.nn.from_config(ln.to_config()).state_dict().keys() == ln.state_dict().keys()


def test_layernorm_refuses_a_mismatched_trailing_shape():
    with pytest.raises(gl.ShapeError, match=r"last 2 dimensions must be \(3, 4\).*got shape \(2, 4, 3\)"):
        gl.nn.LayerNorm((3, 4))(np.zeros((2, 4, 3)))


# ------------------------------------------------------------------------------------------- Dropout
def test_dropout_equals_torch_given_the_same_mask_values_and_gradient():
    rng = np.random.default_rng(0)
    for p in (0.1, 0.5, 0.8, 1 / 3):
        drop = gl.nn.Dropout(p, rng=1)
        x = rng.normal(size=(40, 7))
        xg = gl.tensor(x, requires_grad=True)
        y = drop(xg)
        mask = torch.tensor(drop.last_mask)
        scale = 1.0 / (1.0 - p)
        # torch's own kernel applied to our mask: x * mask * 1/(1 − p)
        yt = torch.ops.aten.native_dropout_backward(torch.tensor(x), mask, scale)
        assert np.array_equal(y.data, yt.numpy())  # bit for bit
        g = rng.normal(size=x.shape)
        gl.sum(y * g).backward()
        assert np.array_equal(xg.grad, torch.ops.aten.native_dropout_backward(torch.tensor(g), mask, scale).numpy())


def test_dropout_statistics_fraction_scaling_and_eval_identity():
    drop = gl.nn.Dropout(0.3, rng=5)
    x = np.ones((200, 250))
    y = drop(x).data
    dropped = np.mean(y == 0)
    assert abs(dropped - 0.3) < 5 * np.sqrt(0.3 * 0.7 / x.size)  # five standard deviations
    assert np.all((y == 0) | (y == 1 / 0.7))
    assert np.array_equal(y != 0, drop.last_mask)
    xt = gl.tensor(x)
    assert drop.eval()(xt) is xt  # eval: the input itself, as torch
    assert torch.nn.Dropout(0.3).eval()(torch.ones(2)).tolist() == [1.0, 1.0]


def test_dropout_p0_and_p1_behave_as_torch():
    x = np.random.default_rng(1).normal(size=(3, 4))
    xt = gl.tensor(x, requires_grad=True)
    assert gl.nn.Dropout(0.0)(xt) is xt and torch.nn.Dropout(0.0)(torch.tensor(x)).equal(torch.tensor(x))
    y = gl.nn.Dropout(1.0)(xt)
    yt = torch.nn.Dropout(1.0)(torch.tensor(x, requires_grad=True))
    assert np.array_equal(y.data, yt.detach().numpy()) and not np.any(y.data)
    gl.sum(y).backward()
    assert np.array_equal(xt.grad, np.zeros_like(x))


def test_dropout_is_reproducible_from_seeds_and_the_default_generator():
    x = np.ones((10, 10))
    gl.manual_seed(11)
    a = gl.nn.Dropout(0.5)(x).data
    b = gl.nn.Dropout(0.5)(x).data
    gl.manual_seed(11)
    assert np.array_equal(gl.nn.Dropout(0.5)(x).data, a) and not np.array_equal(a, b)
    d1, d2 = gl.nn.Dropout(0.5, rng=3), gl.nn.Dropout(0.5, rng=3)
    assert np.array_equal(d1(x).data, d2(x).data) and not np.array_equal(d1(x).data, d2.eval()(x).data)
    with pytest.raises(gl.ParameterError, match="'inplace' parameter of Dropout must be False"):
        gl.nn.Dropout(0.5, inplace=True)


# ------------------------------------------------------------------------------------------- Embedding
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_lookup_and_gradient_equal_torch(padding_idx):
    emb = gl.nn.Embedding(6, 3, padding_idx=padding_idx, rng=0)
    temb = torch.nn.Embedding(6, 3, padding_idx=padding_idx).double()
    if padding_idx is not None:
        assert not np.any(emb.weight.data[padding_idx]) and emb.padding_idx == temb.padding_idx
    emb.weight.data[...] = np.random.default_rng(2).normal(size=(6, 3))  # a non-zero padding row too
    _to_torch_state(emb, temb)
    idx = np.array([[0, 2, 2], [5, 1, 2], [5, 5, 3]])
    g = np.random.default_rng(3).normal(size=(3, 3, 3))
    y, yt = emb(idx), temb(torch.tensor(idx))
    assert np.array_equal(y.data, yt.detach().numpy())
    gl.sum(y * g).backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, temb.weight.grad.numpy(), **TIGHT)
    if padding_idx is not None:
        assert not np.any(emb.weight.grad[padding_idx % 6])
    assert gl.nn.from_config(emb.to_config()).padding_idx == emb.padding_idx


def test_embedding_initialisation_is_standard_normal_from_the_generator():
    w = gl.nn.Embedding(400, 50, rng=4).weight.data
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.03  # 4 standard errors
    assert np.array_equal(w, np.random.default_rng(4).standard_normal((400, 50)))


def test_embedding_refuses_float_and_out_of_range_indices():
    emb = gl.nn.Embedding(4, 2)
    with pytest.raises(gl.InputTypeError, match="Embedding: the index must hold integers"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(gl.ParameterError, match=r"index 4 is out of range \[0, 4\)"):
        emb(np.array([1, 4]))
    with pytest.raises(gl.ParameterError, match="'padding_idx' parameter of Embedding"):
        gl.nn.Embedding(4, 2, padding_idx=4)


# ------------------------------------------------------------------------------------------- Module
def test_state_dict_of_a_network_with_buffers_has_torch_names_and_round_trips():
    net = gl.nn.Sequential(gl.nn.Linear(3, 4), gl.nn.BatchNorm1d(4), gl.nn.ReLU(), gl.nn.Linear(4, 2))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                               torch.nn.Linear(4, 2)).double()
    assert list(net.state_dict()) == list(tnet.state_dict())
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert [n for n, _ in net.named_buffers()] == [n for n, _ in tnet.named_buffers()]
    x = np.random.default_rng(0).normal(size=(5, 3))
    for _ in range(3):
        tnet(torch.tensor(x))
    net.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})  # torch → gradlab, buffers too
    _same_state(net, tnet)
    net.eval(), tnet.eval()
    np.testing.assert_allclose(net(x).data, tnet(torch.tensor(x)).detach().numpy(), **TIGHT)
    copy = gl.nn.from_config(net.to_config()).load_state_dict(net.state_dict())
    assert int(copy[1].num_batches_tracked.data) == 3
    with pytest.raises(gl.ParameterError, match=r"missing parameters \['1.running_mean'\]"):
        copy.load_state_dict({k: v for k, v in net.state_dict().items() if k != "1.running_mean"})


def test_register_buffer_as_torch():
    m = gl.nn.Module()
    m.register_buffer("stat", np.zeros(2))
    m.register_buffer("scratch", np.ones(1), persistent=False)
    m.register_buffer("later", None)
    assert m.parameters() == [] and [n for n, _ in m.named_buffers()] == ["stat", "scratch"]
    assert list(m.state_dict()) == ["stat"]
    m.stat = gl.tensor([1.0, 2.0])  # assigning a Tensor to a buffer keeps it a buffer
    assert m.parameters() == [] and m.state_dict()["stat"].tolist() == [1.0, 2.0]
    with pytest.raises(gl.InputTypeError, match="cannot assign int to the buffer 'stat'"):
        m.stat = 3
    with pytest.raises(gl.ParameterError, match="already an attribute"):
        m.training_data = 1
        m.register_buffer("training_data", np.zeros(1))


def test_apply_reinitialises_every_linear_children_first():
    net = gl.nn.Sequential(gl.nn.Linear(2, 3), gl.nn.Sequential(gl.nn.ReLU(), gl.nn.Linear(3, 1)))
    seen = []

    def reset(m):
        seen.append(type(m).__name__)
        if isinstance(m, gl.nn.Linear):
            m.weight.data[...] = 0.5
            m.bias.data[...] = 0.0

    assert net.apply(reset) is net
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]  # torch's order (post-order)
    tnet = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(3, 1)))
    tseen = []
    tnet.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen
    assert all(np.all(p.data == 0.5) for n, p in net.named_parameters() if n.endswith("weight"))


def test_train_and_eval_propagate_to_children_and_return_self():
    inner = gl.nn.Sequential(gl.nn.Dropout(0.5), gl.nn.BatchNorm1d(2))
    net = gl.nn.Sequential(gl.nn.Linear(2, 2), inner)
    assert net.eval() is net
    assert [m.training for m in net.modules()] == [False] * 5
    assert net.train() is net and all(m.training for m in net.modules())
    assert inner.train(False) is inner and net.training and not inner[0].training
    with pytest.raises(gl.ParameterError, match="'mode' parameter of Sequential.train"):
        net.train("no")


def test_named_modules_lists_a_shared_module_once_as_torch():
    shared = gl.nn.Linear(2, 2)
    net = gl.nn.Sequential(shared, gl.nn.ReLU(), shared)
    tshared = torch.nn.Linear(2, 2)
    tnet = torch.nn.Sequential(tshared, torch.nn.ReLU(), tshared)
    assert [n for n, _ in net.named_modules()] == [n for n, _ in tnet.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in net.named_modules(remove_duplicate=False)] == \
        [n for n, _ in tnet.named_modules(remove_duplicate=False)]
    assert [n for n, _ in net.named_modules(prefix="net")] == ["net", "net.0", "net.1"]
