"""Module, Linear, Sequential, MLP, init, configs and predict."""

import json
import warnings

import numpy as np
import pytest

import gradlab as gl


def test_named_parameters_are_dotted_and_stable():
    net = gl.nn.MLP([2, 4, 3, 1], rng=0)
    names = [n for n, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert [p.shape for p in net.parameters()] == [(4, 2), (4,), (3, 4), (3,), (1, 3), (1,)]
    assert net.num_parameters() == 4 * 2 + 4 + 3 * 4 + 3 + 3 + 1
    assert len(net) == 5 and isinstance(net[1], gl.nn.ReLU) and isinstance(net[1:], gl.nn.Sequential)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]


def test_custom_module_discovers_parameters_and_children():
    class Net(gl.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = gl.tensor([2.0], requires_grad=True)
            self.body = gl.nn.Linear(3, 2, rng=1)

        def forward(self, x):
            return self.body(x) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "body.weight", "body.bias"]
    out = net(np.ones((4, 3)))
    out.sum().backward()
    assert net.scale.grad is not None and net.body.weight.grad.shape == (2, 3)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.eval()
    assert not net.training and not net.body.training
    net.train()
    assert net.body.training


def test_state_dict_holds_copies_and_load_is_shape_checked():
    a, b = gl.nn.MLP([2, 3, 1], rng=0), gl.nn.MLP([2, 3, 1], rng=1)
    sd = a.state_dict()
    sd["0.weight"][...] = 7.0
    assert not np.any(a[0].weight.data == 7.0)  # a copy
    arr = b[0].weight.data
    b.load_state_dict(a.state_dict())
    assert b[0].weight.data is arr  # loaded in place
    np.testing.assert_array_equal(b.predict(np.ones((2, 2))), a.predict(np.ones((2, 2))))
    bad = a.state_dict()
    bad["2.weight"] = np.zeros((3, 1))
    with pytest.raises(gl.ShapeError, match=r"'2.weight' has shape \(1, 3\) in the model but \(3, 1\)"):
        b.load_state_dict(bad)
    missing = a.state_dict()
    del missing["0.bias"]
    with pytest.raises(gl.ParameterError, match="missing parameters \\['0.bias'\\]"):
        b.load_state_dict(missing)


def test_repr_shows_shapes_and_parameter_count():
    text = repr(gl.nn.MLP([2, 16, 1], rng=0))
    assert "Linear(in_features=2, out_features=16, bias=True)" in text
    assert "weight (16, 2)" in text and "(1): ReLU()" in text
    assert "[65 parameters]" in text


def test_linear_default_init_is_pytorch_like_and_seeded():
    a = gl.nn.Linear(100, 50, rng=5)
    b = gl.nn.Linear(100, 50, rng=5)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert np.abs(a.weight.data).max() <= 0.1 and np.abs(a.weight.data).max() > 0.09
    assert np.abs(a.bias.data).max() <= 0.1
    assert not np.array_equal(gl.nn.Linear(100, 50, rng=6).weight.data, a.weight.data)
    gl.nn.init.manual_seed(3)
    c = gl.nn.Linear(4, 2)
    gl.nn.init.manual_seed(3)
    np.testing.assert_array_equal(gl.nn.Linear(4, 2).weight.data, c.weight.data)
    assert gl.nn.Linear(3, 2, bias=False).bias is None


@pytest.mark.parametrize("name,std", [
    ("xavier_uniform", np.sqrt(2 / (300 + 200))), ("xavier_normal", np.sqrt(2 / (300 + 200))),
    ("kaiming_uniform", np.sqrt(2 / 200)), ("kaiming_normal", np.sqrt(2 / 200)),
])
def test_initialisers_have_the_right_spread(name, std):
    fn = getattr(gl.nn.init, name)
    kw = {"nonlinearity": "relu"} if name.startswith("kaiming") else {}
    w = fn((300, 200), rng=np.random.default_rng(0), **kw)
    assert w.shape == (300, 200)
    assert abs(w.std() / std - 1) < 0.02
    np.testing.assert_array_equal(w, fn((300, 200), rng=0, **kw))


def test_simple_initialisers_and_errors():
    assert np.all(gl.nn.init.zeros((2, 3)) == 0)
    assert np.all(gl.nn.init.constant((2,), 0.5) == 0.5)
    np.testing.assert_array_equal(gl.nn.init.from_array((2,), [1, 2]), [1.0, 2.0])
    with pytest.raises(gl.ShapeError):
        gl.nn.init.from_array((3,), [1, 2])
    with pytest.raises(gl.ParameterError, match="'rng' parameter"):
        gl.nn.init.xavier_uniform((2, 2), rng="seed")
    layer = gl.nn.Linear(3, 2, init="xavier_normal", rng=0)
    assert np.all(layer.bias.data == 0)


def test_set_parameters_checks_shapes():
    layer = gl.nn.Linear(2, 3)
    layer.set_parameters(weight=np.arange(6.0).reshape(3, 2), bias=[1, 2, 3])
    np.testing.assert_array_equal(layer(np.array([[1.0, 1.0]])).numpy(), [[2.0, 7.0, 12.0]])
    with pytest.raises(gl.ShapeError, match=r"weight must have shape \(3, 2\)"):
        layer.set_parameters(weight=np.zeros((2, 3)))
    with pytest.raises(gl.ShapeError, match="expects in_features = 2"):
        layer(np.ones((4, 5)))
    with pytest.raises(gl.ParameterError, match="'out_features' parameter of Linear"):
        gl.nn.Linear(2, 0)


def test_predict_is_batched_and_builds_no_graph():
    net = gl.nn.MLP([3, 8, 2], activation="tanh", rng=0)
    X = np.random.default_rng(1).standard_normal((2500, 3))
    full = net(X).numpy()
    out = net.predict(X, batch_size=1000)
    assert isinstance(out, np.ndarray) and out.shape == (2500, 2)
    np.testing.assert_allclose(out, full, rtol=1e-14)
    with pytest.raises(gl.ParameterError, match="batch_size"):
        net.predict(X, batch_size=0)


@pytest.mark.parametrize("model", [
    gl.nn.MLP([2, 5, 3], activation="leaky_relu", output_activation="softmax", rng=0),
    gl.nn.Sequential(gl.nn.Linear(2, 4, rng=0), gl.nn.LeakyReLU(0.2), gl.nn.Linear(4, 1, bias=False, rng=1),
                     gl.nn.Sigmoid()),
    gl.nn.Sequential(gl.nn.Linear(3, 2, rng=0), gl.nn.Step(threshold=0.5), gl.nn.Tanh(), gl.nn.Identity(),
                     gl.nn.Softmax(dim=1)),
], ids=["mlp", "seq", "acts"])
def test_config_round_trip(model):
    cfg = model.to_config()
    cfg2 = json.loads(json.dumps(cfg))
    rebuilt = gl.nn.from_config(cfg2)
    assert type(rebuilt) is type(model)
    assert rebuilt.to_config() == cfg
    rebuilt.load_state_dict(model.state_dict())
    X = np.random.default_rng(0).standard_normal((4, model[0].in_features))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(rebuilt.predict(X), model.predict(X))


def test_from_config_rejects_unknown_types():
    with pytest.raises(gl.ParameterError, match="unknown module type 'Transformer'"):
        gl.nn.from_config({"type": "Transformer"})
    with pytest.raises(gl.ParameterError, match="'type'"):
        gl.nn.from_config([1, 2])

    class Custom(gl.nn.Module):
        pass

    with pytest.raises(gl.InputTypeError, match="Custom cannot describe itself"):
        Custom().to_config()


def test_mlp_validation():
    with pytest.raises(gl.ParameterError, match="'sizes' parameter of MLP"):
        gl.nn.MLP([3])
    with pytest.raises(gl.ParameterError, match="unknown activation 'swish'"):
        gl.nn.MLP([2, 2], activation="swish")
    with pytest.raises(gl.InputTypeError, match="must be a gradlab Module"):
        gl.nn.Sequential(gl.nn.Linear(2, 2), "relu")


@pytest.mark.parametrize("acts", [("relu", "relu"), ("sigmoid", "tanh"), ("leaky_relu", "identity")])
def test_fused_sequential_equals_layer_by_layer(acts, monkeypatch):
    net = gl.nn.MLP([3, 5, 4, 2], activation=acts[0], output_activation=acts[1], rng=0)
    assert net._dense_plan() is not None
    X = np.random.default_rng(0).standard_normal((6, 3))
    Y = np.random.default_rng(1).standard_normal((6, 2))
    gl.nn.MSELoss()(net(X), Y).backward()
    fused = [p.grad.copy() for p in net.parameters()]
    out_fused = net.predict(X)
    net.zero_grad()
    monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
    gl.nn.MSELoss()(net(X), Y).backward()
    np.testing.assert_allclose(net.predict(X), out_fused, rtol=1e-13)
    for a, p in zip(fused, net.parameters()):
        np.testing.assert_allclose(a, p.grad, rtol=1e-12, atol=1e-15)


def test_layers_the_fused_row_cannot_run_take_the_general_path():
    assert gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Softmax())._dense_plan() is None
    assert gl.nn.Sequential(gl.nn.Linear(2, 2, bias=False), gl.nn.ReLU())._dense_plan() is None
    assert gl.nn.Sequential(gl.nn.ReLU(), gl.nn.Linear(2, 2))._dense_plan() is None
    two_slopes = gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.LeakyReLU(0.1), gl.nn.Linear(2, 2), gl.nn.LeakyReLU(0.2))
    assert two_slopes(np.ones((3, 2))).op.name == "leaky_relu"  # one slope per fused row: layer by layer


def test_the_cached_plan_follows_changes_to_the_layers():
    net = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), gl.nn.ReLU(), gl.nn.Linear(3, 1, rng=1))
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = net(X).data.copy()
    assert net._dense_plan()[1] == ("relu", "identity")
    net.append(gl.nn.Sigmoid())  # a new last layer
    np.testing.assert_allclose(net(X).data, 1 / (1 + np.exp(-before)), rtol=1e-14)
    setattr(net, "1", gl.nn.Tanh())  # a replaced activation
    h = np.tanh(X @ net[0].weight.data.T + net[0].bias.data)
    expected = 1 / (1 + np.exp(-(h @ net[2].weight.data.T + net[2].bias.data)))
    np.testing.assert_allclose(net(X).data, expected, rtol=1e-14)
    setattr(net, "1", gl.nn.Softmax())  # a layer the fused row cannot run: the general path
    assert net._dense_plan() is None
    assert net(X).op.name != "dense_stack"


def test_mlp_builds_float32_layers_with_the_same_initial_values():
    a = gl.nn.MLP([3, 4, 2], rng=0)
    b = gl.nn.MLP([3, 4, 2], rng=0, dtype="float32")
    for p, q in zip(a.parameters(), b.parameters()):
        assert q.data.dtype == np.float32
        np.testing.assert_array_equal(q.data, p.data.astype(np.float32))
    assert b(np.ones((5, 3), dtype=np.float32)).data.dtype == np.float32
    with pytest.raises(gl.ParameterError, match="dtype"):
        gl.nn.MLP([3, 2], dtype="int8")


def test_a_float32_mlp_saves_and_loads_as_float32(tmp_path):
    net = gl.nn.MLP([3, 4, 2], rng=0, dtype="float32")
    gl.save(net, tmp_path / "net.safetensors")
    back = gl.load(tmp_path / "net.safetensors")
    for p, q in zip(net.parameters(), back.parameters()):
        assert q.data.dtype == np.float32
        np.testing.assert_array_equal(p.data, q.data)


def test_changing_an_activation_or_a_bias_after_the_first_call_is_seen(monkeypatch):
    def reference(net, X):
        monkeypatch.setattr(gl.nn.Sequential, "fuse", False)
        out = net(X).data.copy()
        monkeypatch.undo()
        return out

    X = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, -1.0]])
    net = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), gl.nn.LeakyReLU(0.1), gl.nn.Linear(3, 3, rng=1),
                           gl.nn.LeakyReLU(0.1), gl.nn.Linear(3, 1, rng=2))
    assert net(X).op.name == "dense_stack"
    net[1].negative_slope = net[3].negative_slope = 0.3  # both: still one fused row, with the new slope
    out = net(X)
    assert out.op.name == "dense_stack"
    np.testing.assert_allclose(out.data, reference(net, X), rtol=1e-14)
    net[3].negative_slope = 0.5  # two slopes: one layer at a time
    out = net(X)
    assert out.op.name != "dense_stack"
    np.testing.assert_allclose(out.data, reference(net, X), rtol=1e-14)
    net[3].negative_slope = 0.3
    net[2].bias = None  # a bias removed in place
    out = net(X)
    np.testing.assert_allclose(out.data, reference(net, X), rtol=1e-14)
    gl.nn.MSELoss()(out, np.zeros((3, 1))).backward()
    assert net[0].weight.grad is not None and net[2].weight.grad is not None


@pytest.mark.parametrize("make, words", [
    (lambda: gl.nn.MLP([2, 3.5, 1]), ["sizes", "3.5"]),
    (lambda: gl.nn.MLP(["2", "3", "1"]), ["sizes", "'2'"]),
    (lambda: gl.nn.MLP([2, True, 1]), ["sizes"]),
    (lambda: gl.nn.Linear(2, 3, bias="no"), ["bias", "True or False", "'no'"]),
    (lambda: gl.nn.MLP([2, 3, 1], bias=1), ["bias", "True or False"]),
    (lambda: gl.optim.Adam(gl.nn.Linear(2, 1).parameters(), amsgrad="yes"), ["Adam", "amsgrad"]),
    (lambda: gl.optim.SGD(gl.nn.Linear(2, 1).parameters(), lr=0.1, foreach=True), ["SGD", "foreach"]),
])
def test_constructors_refuse_values_they_would_misread(make, words):
    with pytest.raises(gl.GradlabError) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_identity_takes_and_ignores_arguments_as_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(3.0)
    ours, theirs = gl.nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1)
    np.testing.assert_array_equal(ours(x).data, theirs(torch.tensor(x)).numpy())
