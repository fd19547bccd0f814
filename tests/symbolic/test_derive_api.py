"""Derivation API: results, layouts, Jacobians, tensor-valued derivatives, renderings, codegen, CLI."""

import json

import numpy as np
import pytest

import gradlab as gl
from gradlab import DerivationError, ShapeError
from gradlab.cli import main
from gradlab.symbolic import Dim, Matrix, Scalar, Vector, derive, norm2, ones, parse, relu, to_numpy, verify

SEED = "norm2(relu(X @ w + ones(m)*b) - y)**2/m"
SH = {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"}


def test_python_api_builds_the_seed_question():
    X, w, b, y = Matrix("X", "m", "n"), Vector("w", "n"), Scalar("b"), Vector("y", "m")
    L = norm2(relu(X @ w + ones("m") * b) - y) ** 2 / Dim("m")
    assert L == parse(SEED, SH)
    assert str(gl.derive(L, "X")) == "∂L/∂X = (2/m)H(ŷ − y)wᵀ"
    assert str(gl.symbolic.derive(L, X)) == "∂L/∂X = (2/m)H(ŷ − y)wᵀ"


def test_several_wrt_give_several_derivations():
    ds = derive(parse(SEED, SH), ["w", "b"])
    assert [d.wrt.attrs[0] for d in ds] == ["w", "b"]


def test_unknown_wrt_and_bad_layout():
    with pytest.raises(DerivationError, match="does not contain the symbol 'q'"):
        derive(parse(SEED, SH), "q")
    with pytest.raises(DerivationError, match="layout"):
        derive(parse(SEED, SH), "w", layout="sideways")


def test_matrix_by_matrix_is_a_jacobian_in_vec_form_with_the_differential():
    d = derive(parse("X @ W", {"X": "m,n", "W": "n,k"}), "W")
    assert d.kind == "vec_jacobian" and d.result.to_text() == "I ⊗ X"
    assert d.differential.to_text() == "X dW"
    assert "dF = X dW" in d.to_text() and "column stacking" in d.to_text()
    assert verify(parse("X @ W", {"X": "m,n", "W": "n,k"}), "W", d).passed


def test_vector_by_matrix_is_shown_in_vec_and_index_form():
    d = derive(parse("relu(X @ w)", {"X": "m,n", "w": "n,1"}), "X")
    assert d.kind == "vec_jacobian" and "dX w" in d.differential.to_text()
    assert verify(parse("relu(X @ w)", {"X": "m,n", "w": "n,1"}), "X", d).passed


def test_jacobian_numerator_and_denominator_layout():
    e = parse("A @ x", {"A": "m,n", "x": "n,1"})
    num = derive(e, "x")
    den = derive(e, "x", layout="denominator")
    assert num.kind == "jacobian" and num.result.shape == ("m", "n") and num.result.to_text() == "A"
    assert den.result.shape == ("n", "m") and den.result.to_text() == "Aᵀ"
    assert "numerator layout" in num.to_text()
    assert verify(e, "x", den).passed


def test_several_occurrences_and_nested_elementwise():
    e = parse("sum(exp(X @ w) * (X @ w))", {"X": "m,n", "w": "n,1"})
    d = derive(e, "w")
    assert verify(e, "w", d).passed


def test_renderings():
    d = derive(parse(SEED, SH), "X")
    md = d.to_markdown()
    assert md.startswith("### gradient of L") and "| step | rule |" in md and r"\frac{2}{m}" in md
    tex = d.to_latex()
    assert tex.startswith(r"\begin{align*}") and r"\end{align*}" in tex and r"w^{\top}" in tex
    data = json.loads(json.dumps(d.to_json(), ensure_ascii=False))
    assert data["result"] == "(2/m)H(ŷ − y)wᵀ" and data["layout"] == "denominator"
    assert data["where"][0] == {"name": "z", "latex_name": "z", "definition": "Xw + b𝟏"}
    assert all(set(s) == {"lhs", "rule", "text", "latex"} for s in data["steps"])
    assert [tuple(s) for s in d.steps][0][0] == "the differential of L"


def test_to_numpy_checks_shapes_and_computes():
    f = to_numpy(parse("X @ w + b", SH))
    X, w = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0])
    np.testing.assert_allclose(f(X=X, w=w, b=0.5), X @ w[:, None] + 0.5)
    with pytest.raises(ShapeError, match="w is n×1 so n = 3, but n = 2 from X"):
        f(X=X, w=np.ones(3), b=0.5)
    with pytest.raises(ShapeError, match="no value for b"):
        f(X=X, w=w)


def test_verify_catches_a_wrong_gradient():
    e = parse(SEED, SH)
    wrong = parse("2 * X.T @ (relu(X @ w + ones(m)*b) - y) / m", SH)  # forgot H
    report = verify(e, "w", wrong)
    assert not report.passed and report.max_rel_error_fd > 1e-3


def cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


SHAPE_ARGS = ["--shape", "X=m,n", "--shape", "w=n,1", "--shape", "b=1", "--shape", "y=m,1"]


def test_cli_text_steps_verify(capsys):
    code, out, _ = cli(["derive", SEED, *SHAPE_ARGS, "--wrt", "X", "--wrt", "w", "--steps", "--verify"], capsys)
    assert code == 0
    assert "∂L/∂X = (2/m)H(ŷ − y)wᵀ" in out and "∂L/∂w = (2/m)XᵀH(ŷ − y)" in out
    assert "dL = (2/m)H(ŷ − y) : dX w" in out and out.count("PASSED") == 2


@pytest.mark.parametrize("fmt", ["markdown", "latex", "json"])
def test_cli_formats(fmt, capsys):
    code, out, _ = cli(["derive", SEED, *SHAPE_ARGS, "--wrt", "b", "--format", fmt, "--layout", "numerator"], capsys)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["layout"] == "numerator"
    else:
        assert "numerator layout" in out


@pytest.mark.parametrize("argv,fragment", [
    (["derive", "X @ w", "--shape", "X=m,n", "--wrt", "w"], "unknown name 'w'"),
    (["derive", "X @ w", "--shape", "X=m,n", "--shape", "w=m,1", "--wrt", "w"], "inner dimensions n and m differ"),
    (["derive", "X @ W", "--shape", "X=m,n", "--shape", "W=n,k", "--wrt", "W", "--order", "2"], "a Hessian is of a scalar"),
    (["derive", "__import__('os')", "--wrt", "w"], "unknown function '__import__'"),
    (["derive", "sum(X)", "--shape", "X", "--wrt", "X"], "expected NAME=DIMS"),
    (["derive", "sum(X)", "--shape", "X=m,n"], "--wrt"),
])
def test_cli_errors_exit_nonzero_with_message(argv, fragment, capsys):
    code, out, err = cli(argv, capsys)
    assert code == 2 and fragment in err and "Traceback" not in err
