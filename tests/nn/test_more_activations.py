"""gl.nn's GELU, ELU, SELU, SiLU, Mish, ReLU6, Hardtanh, Hardsigmoid, Softsign and LogSigmoid: torch.nn's names,
arguments and numbers; derivative() equals autodiff; catalog formulas evaluate to the row; explain, configs and
model files work."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError
from gradlab.ops import catalog as C

torch = pytest.importorskip("torch")
R = np.random.default_rng(7)

# (gradlab module, torch module)
MODULES = [
    (lambda: gl.nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: gl.nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    (lambda: gl.nn.ELU(), lambda: torch.nn.ELU()),
    (lambda: gl.nn.ELU(alpha=0.7), lambda: torch.nn.ELU(alpha=0.7)),
    (lambda: gl.nn.SELU(), lambda: torch.nn.SELU()),
    (lambda: gl.nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: gl.nn.Mish(), lambda: torch.nn.Mish()),
    (lambda: gl.nn.ReLU6(), lambda: torch.nn.ReLU6()),
    (lambda: gl.nn.Hardtanh(), lambda: torch.nn.Hardtanh()),
    (lambda: gl.nn.Hardtanh(min_val=-2.0, max_val=0.5), lambda: torch.nn.Hardtanh(min_val=-2.0, max_val=0.5)),
    (lambda: gl.nn.Hardsigmoid(), lambda: torch.nn.Hardsigmoid()),
    (lambda: gl.nn.Softsign(), lambda: torch.nn.Softsign()),
    (lambda: gl.nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
]
IDS = [repr(m()) for m, _ in MODULES]
Z = np.concatenate([R.uniform(-7, 7, 40), [-1e4, -3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0, 1e4]]).reshape(5, 10)


@pytest.mark.parametrize("make,make_torch", MODULES, ids=IDS)
def test_module_matches_torch_forward_and_gradient(make, make_torch):
    module, tmodule = make(), make_torch()
    assert type(module).__name__ == type(tmodule).__name__
    g = R.standard_normal(Z.shape)
    t = gl.tensor(Z, requires_grad=True)
    out = module(t)
    gl.sum(out * g).backward()
    tt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    tout = tmodule(tt)
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-14, atol=1e-15)
    rtol = 1e-7 if isinstance(module, gl.nn.Hardsigmoid) else 1e-13  # torch's float32 1/6 in its float64 backward
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=rtol, atol=1e-14)  # tanh ulps, cancelling


@pytest.mark.parametrize("make,make_torch", MODULES, ids=IDS)
def test_derivative_is_the_autodiff_gradient_and_the_catalog_formula(make, make_torch):
    module = make()
    t = gl.tensor(Z, requires_grad=True)
    gl.sum(module(t)).backward()
    np.testing.assert_array_equal(module.derivative(Z), t.grad)
    kind = module.kind
    z = R.uniform(-5, 5, 30)
    env = {"z": z, "e": np.e, **kind.param_values(module.kind_params())}  # α, lo, hi: the catalog's symbols
    np.testing.assert_allclose(C.evaluate(kind.formula, env), module(z).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(C.evaluate(kind.derivative, env), module.derivative(z), rtol=1e-13, atol=1e-15)
    assert module.name and module.latex.isascii() and module.dlatex.isascii()


def test_gelu_tanh_has_its_own_formula():
    assert gl.nn.GELU().kind is C.GELU and gl.nn.GELU("tanh").kind is C.GELU_TANH
    assert "Φ" in C.GELU.text() and "tanh" in C.GELU_TANH.text()


@pytest.mark.parametrize("make,make_torch", MODULES, ids=IDS)
def test_config_round_trip_keeps_the_arguments(make, make_torch):
    module = make()
    again = gl.nn.from_config(module.to_config())
    assert type(again) is type(module) and repr(again) == repr(module)
    np.testing.assert_array_equal(again(Z).numpy(), module(Z).numpy())


def test_names_and_aliases_build_modules():
    assert type(gl.nn.get_activation("gelu")) is gl.nn.GELU
    assert type(gl.nn.get_activation("silu")) is gl.nn.SiLU
    assert type(gl.nn.get_activation("logsigmoid")) is gl.nn.LogSigmoid
    assert type(gl.nn.get_activation("relu6")) is gl.nn.ReLU6


@pytest.mark.parametrize("call,message", [
    (lambda: gl.nn.GELU("exact"), "The 'approximate' parameter of GELU must be 'none' or 'tanh'. Got 'exact'."),
    (lambda: gl.nn.ELU(alpha=None), "The 'alpha' parameter of ELU must be a finite number. Got None."),
    (lambda: gl.nn.Hardtanh(1.0, -1.0), "Hardtanh: min_val (1.0) must not be greater than max_val (-1.0)"),
])
def test_bad_constructor_arguments_are_refused(call, message):
    with pytest.raises(ParameterError) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("act", [gl.nn.GELU(), gl.nn.GELU("tanh"), gl.nn.ELU(0.5), gl.nn.SELU(), gl.nn.SiLU(),
                                 gl.nn.Mish(), gl.nn.ReLU6(), gl.nn.Hardtanh(-2.0, 2.0), gl.nn.Hardsigmoid(),
                                 gl.nn.Softsign(), gl.nn.LogSigmoid()], ids=repr)
def test_explain_checks_itself_and_writes_the_activation(act):
    model = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), act, gl.nn.Linear(3, 1, rng=1))
    exp = gl.explain(model, [0.5, -1.0], [0.2], "mse", lr=0.1)
    assert exp.check_ok
    assert f"{act.kind.symbol}(" in exp.render("text", color=False)
    x = gl.tensor([[0.5, -1.0]])
    loss = gl.nn.MSELoss()(model(x), [[0.2]])
    loss.backward()
    np.testing.assert_allclose(exp["dW[1]"], model[0].weight.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("act", [gl.nn.GELU(), gl.nn.ELU(0.5), gl.nn.Hardtanh(-2.0, 3.0), gl.nn.SELU(),
                                 gl.nn.LogSigmoid()], ids=repr)
def test_model_file_round_trip(act, tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), act, gl.nn.Linear(3, 1, rng=1))
    gl.save(model, tmp_path / "m.safetensors")
    again = gl.load(tmp_path / "m.safetensors")
    assert repr(again[1]) == repr(act)
    x = R.standard_normal((4, 2))
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
