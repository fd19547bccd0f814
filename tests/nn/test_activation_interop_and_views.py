"""The activations after ReLU end to end: to torch and back with their arguments, in model files (GELU's one
word argument, hostile words refused), in the explainer with their own parameters (ELU's α, Hardtanh's bounds),
both kinks of ReLU6/Hardtanh/Hardsigmoid flagged, and a derivative that is a sum bracketed after ×."""

import json

import numpy as np
import pytest
from support.model_files import container

import gradlab as gl
from gradlab.explainer.notation import Sym
from gradlab.explainer.opnotation import OpArgs, _activation
from gradlab.explainer.render.nodes_text import one_line
from gradlab.io import model_file
from gradlab.ops import catalog as C

NEW = [gl.nn.GELU(), gl.nn.GELU(approximate="tanh"), gl.nn.ELU(), gl.nn.ELU(alpha=0.7), gl.nn.SELU(),
       gl.nn.SiLU(), gl.nn.Mish(), gl.nn.ReLU6(), gl.nn.Hardtanh(), gl.nn.Hardtanh(min_val=-2.0, max_val=0.5),
       gl.nn.Hardsigmoid(), gl.nn.Softsign(), gl.nn.LogSigmoid()]
X = np.random.default_rng(3).uniform(-6, 6, (16, 3))


def _model(act):
    return gl.nn.Sequential(gl.nn.Linear(3, 4, rng=0), act, gl.nn.Linear(4, 2, rng=1))


# ------------------------------------------------------------------ 1. PyTorch interop
@pytest.mark.parametrize("act", NEW, ids=repr)
def test_to_torch_and_back_keeps_the_activation_and_its_arguments(act):
    torch = pytest.importorskip("torch")
    model = _model(act)
    tmodel = gl.nn.to_torch(model)
    tact = tmodel[1]
    assert type(tact).__name__ == type(act).__name__
    for arg in ("approximate", "alpha", "min_val", "max_val"):
        if hasattr(act, arg):
            assert getattr(tact, arg) == getattr(act, arg)
    expected = model(X).numpy()
    with torch.no_grad():
        got = tmodel(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    back = gl.nn.from_torch(tmodel)
    assert type(back[1]) is type(act) and repr(back[1]) == repr(act)
    np.testing.assert_allclose(back(X).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_from_torch_tells_relu6_from_hardtanh():
    torch = pytest.importorskip("torch")
    back = gl.nn.from_torch(torch.nn.Sequential(torch.nn.ReLU6(), torch.nn.Hardtanh(-3.0, 4.0)))
    assert type(back[0]) is gl.nn.ReLU6 and repr(back[1]) == "Hardtanh(min_val=-3.0, max_val=4.0)"


def test_refusals_list_the_new_activations():
    torch = pytest.importorskip("torch")
    with pytest.raises(gl.InputTypeError, match="Step.*supported: .*GELU, ELU, SELU.*Hardtanh.*LogSigmoid"):
        gl.nn.to_torch(gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Step()))
    with pytest.raises(gl.InputTypeError, match="PReLU.*supported: .*Mish, ReLU6.*Softsign"):
        gl.nn.from_torch(torch.nn.Sequential(torch.nn.PReLU()))
    assert "GELU (approximate)" in gl.nn.interop.__doc__ and "Hardtanh (min_val, max_val)" in gl.nn.interop.__doc__


# ------------------------------------------------------------------ 2. model files
@pytest.mark.parametrize("act", NEW, ids=repr)
def test_model_file_round_trip_of_every_new_activation(act, tmp_path):
    model = _model(act)
    gl.save(model, tmp_path / "m.safetensors")
    again = gl.load(tmp_path / "m.safetensors")
    assert type(again[1]) is type(act) and repr(again[1]) == repr(act)
    np.testing.assert_array_equal(again(X).numpy(), model(X).numpy())


def _hostile(tmp_path, act_config):
    arch = {"type": "Sequential", "layers": [act_config]}
    meta = {"format": model_file.FORMAT, "format_version": model_file.FORMAT_VERSION,
            "architecture": json.dumps(arch), "sha256": model_file.checksum({}), "metadata": "null"}
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(container({}, meta))
    return path


@pytest.mark.parametrize("value", ["bogus", "TANH", 1, None, True])
def test_a_hostile_gelu_approximation_is_refused_by_name(value, tmp_path):
    path = _hostile(tmp_path, {"type": "GELU", "approximate": value})
    with pytest.raises(gl.ModelFileError,
                       match=rf"architecture.layers\[0\].approximate must be one of 'none', 'tanh', got {value!r}"):
        gl.load(path)


def test_the_word_is_accepted_only_where_it_belongs(tmp_path):
    assert repr(gl.load(_hostile(tmp_path, {"type": "GELU", "approximate": "none"}))[0]) == "GELU(approximate='none')"
    with pytest.raises(gl.ModelFileError, match=r"layers\[0\].alpha must be a finite JSON number, got 'tanh'"):
        gl.load(_hostile(tmp_path, {"type": "ELU", "alpha": "tanh"}))
    mlp = {"type": "MLP", "sizes": [2, 3, 1], "activation": {"type": "GELU", "approximate": "tanh"}}
    assert gl.io.architecture.plan(mlp).params[0] == ("0.weight", (3, 2), "float64")
    with pytest.raises(gl.io.architecture.ArchitectureError, match=r"architecture.activation.approximate must be"):
        gl.io.architecture.plan({**mlp, "activation": {"type": "GELU", "approximate": "erf"}})


# ------------------------------------------------------------------ 3. each activation's own parameters
def _explain(act, x=(0.5, -1.0), y=(0.2,)):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), act, gl.nn.Linear(2, 1, rng=1))
    return gl.explain(model, list(x), list(y), "mse", lr=0.1)


def _lines(exp, start):
    return [line.strip() for line in exp.render("text", color=False).splitlines() if line.strip().startswith(start)]


def test_elu_writes_its_alpha_in_the_forward_and_worked_lines():
    exp = _explain(gl.nn.ELU(alpha=0.5), x=(0.5, 3.0))  # z₂⁽¹⁾ < 0: the αeᶻ branch is the one taken
    assert exp.check_ok
    assert exp.trace.Z[1][0].min() < 0
    assert all("(α = 0.5)" in line for line in _lines(exp, "a₁⁽¹⁾ = ELU(") + _lines(exp, "a₂⁽¹⁾ = ELU("))
    worked = _lines(exp, "∂L/∂z₁⁽¹⁾ =") + _lines(exp, "∂L/∂z₂⁽¹⁾ =")
    assert len(worked) == 2 and all("else α eᶻ" not in w and "else 0.5 × exp(" in w for w in worked)
    assert "else 0.01" not in " ".join(worked)  # not LeakyReLU's default slope


def test_hardtanh_writes_its_bounds():
    exp = _explain(gl.nn.Hardtanh(min_val=-0.5, max_val=2.0))
    assert exp.check_ok
    assert "Hardtanh(0.8654) (lo = −0.5, hi = 2.0) = 0.8654" in _lines(exp, "a₁⁽¹⁾ =")[0]
    (worked,) = _lines(exp, "∂L/∂z₁⁽¹⁾ =")
    assert "(0 if 0.8654 ≥ 2.0 else 1 if 0.8654 > −0.5 else 0)" in worked
    latex = exp.render("latex")
    assert r"\left(\operatorname{lo} = -0.5" in latex and r"\geq \operatorname{hi}" in latex


@pytest.mark.parametrize("act", [gl.nn.ELU(alpha=0.5), gl.nn.ELU(alpha=2.0), gl.nn.Hardtanh(-0.5, 2.0),
                                 gl.nn.Hardtanh(-0.1, 0.2), gl.nn.LeakyReLU(0.3), gl.nn.Step(0.4)], ids=repr)
def test_the_worked_tree_with_the_layers_values_is_the_derivative(act):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.nn.GradientWarning)
        exp = _explain(act, x=(0.5, 3.0))
    tr, kind = exp.trace, act.kind
    env = {"z": tr.Z[1], "a": tr.A[1], "e": np.e, **kind.param_values(act.kind_params())}
    np.testing.assert_allclose(C.evaluate(kind.worked_tree(), env), tr.fprime[1], rtol=1e-14)
    assert exp.check_ok


def test_the_catalog_names_each_parameters_symbol():
    assert C.ELU.param_symbols() == {"alpha": "α"} and C.LEAKY_RELU.param_symbols() == {"negative_slope": "α"}
    assert C.HARDTANH.param_symbols() == {"min_val": "lo", "max_val": "hi"} and C.STEP.param_symbols() == {
        "threshold": "θ"}
    assert C.HARDTANH.param_values({"min_val": -0.5}) == {"lo": -0.5, "hi": 1.0}
    assert C.ELU.param_values({"alpha": 0.5}, by="row") == {"α": 0.5}
    assert isinstance(C.ELU.worked_tree(), tuple) and isinstance(C.HARDTANH.worked_tree(), tuple)


@pytest.mark.parametrize("name,params,expected", [
    ("elu", {"alpha": 0.5}, "1 if x > 0 else 0.5 × e^x"),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, "0 if x ≥ 2.0 else 1 if x > −0.5 else 0"),
    ("leaky_relu", {"negative_slope": 0.3}, "1 if x > 0 else 0.3"),
    ("leaky_relu", {}, "1 if x > 0 else 0.01"),
])
def test_the_graph_views_activation_rows_read_the_catalogs_parameters(name, params, expected):
    _, (local,) = _activation(name)(OpArgs(ins=[Sym("x")], params=params, out=Sym("v")))
    assert one_line(local, 4) == expected


# ------------------------------------------------------------------ 4. two kinks
def _at(act, z):
    """A network whose first pre-activation is exactly z."""
    model = gl.nn.Sequential(gl.nn.Linear(1, 1, init="zeros"), act, gl.nn.Linear(1, 1, rng=1))
    model[0].bias.data[...] = z
    return gl.explain(model, [0.5], [0.2], "mse")


@pytest.mark.parametrize("act,z", [(gl.nn.ReLU6(), 6.0), (gl.nn.ReLU6(), 0.0), (gl.nn.Hardsigmoid(), 3.0),
                                   (gl.nn.Hardsigmoid(), -3.0), (gl.nn.Hardtanh(-0.5, 2.0), 2.0),
                                   (gl.nn.Hardtanh(-0.5, 2.0), -0.5), (gl.nn.Hardtanh(), 1.0)], ids=repr)
def test_a_pre_activation_at_either_kink_is_flagged_in_every_view(act, z):
    exp = _at(act, z)
    assert exp.check_ok
    assert [(k.layer, k.sample, k.neuron, k.z, k.at) for k in exp.trace.kinks if not k.new] == [(1, 0, 0, z, z)]
    sentence = f"lies exactly at the kink of {act.kind.title} at {z:g}"
    for view in ("scalar", "matrix", "graph"):
        assert sentence in exp.render("text", view=view, color=False), view
    assert json.loads(exp.render("json"))["kinks"][0]["kink"] == z


def test_away_from_the_kinks_nothing_is_flagged():
    assert _at(gl.nn.ReLU6(), 5.5).trace.kinks == [] and _at(gl.nn.Hardtanh(-0.5, 2.0), 1.0).trace.kinks == []


def test_the_catalog_lists_both_kinks():
    assert C.RELU6.kinks_at() == (0.0, 6.0) and C.HARDSIGMOID.kinks_at() == (-3.0, 3.0)
    assert C.HARDTANH.kinks_at(min_val=-0.5, max_val=2.0) == (-0.5, 2.0) and C.HARDTANH.kinks_at() == (-1.0, 1.0)
    assert C.RELU.kinks_at() == (0.0,) and C.STEP.kinks_at(threshold=0.4) == (0.4,) and C.GELU.kinks_at() == ()
    assert C.RELU6.kink_near(6.0 + 1e-12) == 6.0 and C.RELU6.kink_near(3.0) is None
    assert C.RELU6.kink_at() == 0.0 and C.SIGMOID.kink_at() is None


# ------------------------------------------------------------------ 5. a derivative that is a sum, after ×
def test_a_sum_derivative_is_bracketed_after_times():
    exp = _explain(gl.nn.GELU())
    (line,) = _lines(exp, "∂L/∂z₁⁽¹⁾ =")
    assert line.startswith("∂L/∂z₁⁽¹⁾ = ∂L/∂a₁⁽¹⁾ × (Φ(z₁⁽¹⁾) + z₁⁽¹⁾ φ(z₁⁽¹⁾)) = ")
    latex = exp.render("latex")
    assert (r"\frac{\partial L}{\partial a_1^{(1)}} \times \left(\Phi\left(z_1^{(1)}\right) + z_1^{(1)} "
            r"\varphi\left(z_1^{(1)}\right)\right) = ") in latex


@pytest.mark.parametrize("act,factor", [(gl.nn.Tanh(), "(1 − a₁⁽¹⁾²)"), (gl.nn.LeakyReLU(0.2), "(1 if z₁⁽¹⁾ > 0 else α)"),
                                        (gl.nn.Sigmoid(), "a₁⁽¹⁾(1 − a₁⁽¹⁾)"), (gl.nn.ReLU(), "𝓗(z₁⁽¹⁾)")], ids=repr)
def test_brackets_only_where_the_derivative_binds_looser_than_times(act, factor):
    (line,) = _lines(_explain(act), "∂L/∂z₁⁽¹⁾ =")
    assert line.startswith(f"∂L/∂z₁⁽¹⁾ = ∂L/∂a₁⁽¹⁾ × {factor} = ")
    assert C.binds_looser_than_times(act.kind.derivative) == factor.startswith("(")
