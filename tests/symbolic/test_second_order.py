"""Second derivatives and matrix-valued results: the named Hessians, vec/Kronecker and index forms, a matrix's
derivative with respect to a scalar, zero derivatives, and `gradlab derive --order 2`."""

import json

import numpy as np
import pytest

from gradlab.cli import main
from gradlab.core.errors import DerivationError
from gradlab.symbolic import Matrix, Scalar, derive, hessian, parse, to_numpy, verify
from gradlab.symbolic.shapes import mul_dims


@pytest.mark.parametrize("text,shapes,wrt,unit,expected", [
    ("x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", (), "∂²L/∂x² = A + Aᵀ"),
    ("norm2(A @ x - b)**2", {"x": "n,1", "A": "m,n", "b": "m,1"}, "x", (), "∂²L/∂x² = 2AᵀA"),
    ("-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))", {"X": "m,n", "w": "n,1", "y": "m,1"},
     "w", (), "∂²L/∂w² = XᵀDX"),
    ("sum(softplus(X @ w)) - y.T @ X @ w", {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", (),
     "∂²L/∂w² = Xᵀ Diag(σ(z) ⊙ (𝟏 − σ(z)))X"),
    ("-y.T @ log_softmax(z)", {"y": "n,1", "z": "n,1"}, "z", ("y",),
     "∂²L/∂z² = Diag(softmax(z)) − softmax(z) softmax(z)ᵀ"),
    ("norm2(X @ W - Y)**2", {"X": "m,n", "W": "n,k", "Y": "m,k"}, "W", (), "∂²L/∂W² = 2(I ⊗ XᵀX)"),
    ("tr(X.T @ A @ X)", {"X": "n,k", "A": "n,n"}, "X", (), "∂²L/∂X² = I ⊗ (A + Aᵀ)"),
    ("logdet(X)", {"X": "n,n"}, "X", (), "∂²L/∂X² = −(X⁻¹ ⊗ X⁻ᵀ)K(n,n)"),
    ("exp(a*b)", {"a": 1, "b": 1}, "a", (), "∂²L/∂a² = b² exp(ab)"),
])
def test_named_hessians_have_their_textbook_form_and_verify(text, shapes, wrt, unit, expected):
    e = parse(text, shapes)
    d = hessian(e, wrt, sums_to_one=unit)
    assert str(d) == expected
    report = verify(e, wrt, d, steps=True)
    assert report.passed, report


def test_logistic_hessian_names_its_diagonal():
    d = hessian("-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))", "w",
                shapes={"X": "m,n", "w": "n,1", "y": "m,1"})
    assert "D = Diag(ŷ ⊙ (𝟏 − ŷ))" in d.to_text(), d.to_text()


def test_matrix_hessian_shows_the_second_differential_and_index_form():
    d = hessian("norm2(X @ W - Y)**2", "W", shapes={"X": "m,n", "W": "n,k", "Y": "m,k"})
    text = d.to_text()
    assert "d²L = dW : 𝓗[dW], 𝓗[dW] = d(∂L/∂W) = 2XᵀX dW" in text
    assert "index form: ∂²L/∂Wᵢⱼ∂Wₖₗ = 2 (XᵀX)ᵢₖ δₗⱼ" in text
    assert "column stacking" in text and d.result.shape[0] == d.result.shape[1]
    X, W, Y = (np.random.default_rng(1).normal(size=s) for s in ((4, 3), (3, 2), (4, 2)))
    H = to_numpy(d.result)(X=X, dims={"k": 2, "n": 3})
    np.testing.assert_allclose(H, 2 * np.kron(np.eye(2), X.T @ X))


def test_mixed_second_derivative():
    e = parse("x.T @ A @ y", {"x": "n,1", "A": "n,m", "y": "m,1"})
    d = hessian(e, ("x", "y"))
    assert str(d) == "∂²L/∂x∂y = A" and d.result.shape == ("n", "m")
    assert verify(e, "x", d).passed
    e2 = parse("norm2(X @ W - Y)**2", {"X": "m,n", "W": "n,k", "Y": "m,k"})
    d2 = hessian(e2, ("W", "X"))
    assert d2.result.shape == (mul_dims("n", "k"), mul_dims("m", "n")) and verify(e2, "W", d2).passed


def test_seed_question_jacobian_is_shown_in_vec_and_index_form():
    d = derive("X @ w", "X", shapes={"X": "m,n", "w": "n,1"})
    assert str(d) == "∂vec(f)/∂vec(X) = wᵀ ⊗ I"
    assert d.index[0] == "∂fᵢ/∂Xⱼₖ = δᵢⱼ wₖ"
    assert d.index[1] == r"\frac{\partial f_{i}}{\partial X_{jk}} = \delta_{ij} w_{k}"
    assert verify(parse("X @ w", {"X": "m,n", "w": "n,1"}), "X", d, steps=True).passed


def test_transpose_uses_the_commutation_matrix():
    e = parse("X.T @ A", {"X": "m,n", "A": "m,k"})
    d = derive(e, "X")
    assert str(d) == "∂vec(F)/∂vec(X) = (Aᵀ ⊗ I)K(m,n)"
    assert verify(e, "X", d).passed
    assert verify(e, "X", derive(e, "X", layout="denominator")).passed


def test_matrix_by_scalar_is_a_matrix():
    e = parse("t * A + t**2 * B @ B", {"t": 1, "A": "m,m", "B": "m,m"})
    d = derive(e, "t")
    assert d.kind == "derivative" and str(d) == "∂F/∂t = A + 2tBB" and d.result.shape == ("m", "m")
    assert "dF = dt A + 2t dt BB" in d.to_text()
    assert verify(e, "t", d, steps=True).passed


def test_absent_variable_derives_to_zero_with_a_note():
    d = derive("sum(X)", "q", shapes={"X": "m,n", "q": "n,1"})
    assert str(d) == "∂L/∂q = 0" and d.result.shape == ("n", 1)
    assert "does not contain q, so the derivative is zero" in d.to_text()
    d2 = derive(parse("sum(X)", {"X": "m,n"}), Matrix("Q", "n", "k"))
    assert d2.result.shape == ("n", "k")
    with pytest.raises(DerivationError, match="shape is not known"):
        derive(parse("sum(X)", {"X": "m,n"}), "q")
    h = hessian("x.T @ A", ("x", "y"), shapes={"x": "n,1", "A": "n,1", "y": "n,1"})
    assert str(h) == "∂²L/∂x∂y = 0" and "does not depend on y" in h.to_text()


@pytest.mark.parametrize("text,shapes,wrt", [
    ("sum(X - X)", {"X": "m,n"}, "X"),
    ("sum(X) * 0", {"X": "m,n"}, "X"),
    ("b / b", {"b": 1}, "b"),
    ("x.T @ x - x.T @ x", {"x": "n,1"}, "x"),
])
def test_expressions_that_simplify_to_constants_derive_to_zero(text, shapes, wrt):
    d = derive(text, wrt, shapes=shapes)
    assert d.result.op in ("zero", "num") and "so the derivative is zero" in d.to_text()
    assert verify(parse(text, shapes), wrt, d).passed
    assert hessian(text, wrt, shapes=shapes).result.op in ("zero", "num")


def test_hessian_of_a_matrix_is_refused_with_the_reason():
    with pytest.raises(DerivationError, match="a Hessian is of a scalar function"):
        hessian("X @ W", "W", shapes={"X": "m,n", "W": "n,k"})


def test_hessian_renders_in_every_format():
    d = hessian("x.T @ A @ x", "x", shapes={"x": "n,1", "A": "n,n"})
    md = d.to_markdown()
    assert md.startswith("### second derivative of L") and "| step | rule |" in md
    tex = d.to_latex()
    assert r"\frac{\partial^{2} L}{\partial x^{2}} &= A + A^{\top}" in tex
    data = d.to_json()
    assert data["kind"] == "hessian" and data["result"] == "A + Aᵀ" and data["wrt2"] == "x"
    assert len(data["steps"]) == len(d.steps) > 5


def cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_order_two(capsys):
    code, out, _ = cli(["derive", "x.T @ A @ x", "--shape", "x=n,1", "--shape", "A=n,n", "--wrt", "x",
                        "--order", "2", "--verify", "--steps"], capsys)
    assert code == 0 and "∂²L/∂x² = A + Aᵀ" in out and "PASSED" in out and "second derivative" in out
    code, out, _ = cli(["derive", "norm2(X @ W - Y)**2", "--shape", "X=m,n", "--shape", "W=n,k", "--shape", "Y=m,k",
                        "--wrt", "W,X", "--order", "2", "--format", "json", "--verify"], capsys)
    data = json.loads(out)
    assert code == 0 and data["kind"] == "hessian" and data["wrt2"] == "X" and data["verify"]["passed"]


def test_cli_pair_needs_order_two(capsys):
    code, _, err = cli(["derive", "x.T @ y", "--shape", "x=n,1", "--shape", "y=n,1", "--wrt", "x,y"], capsys)
    assert code == 2 and "a pair x,y is for --order 2" in err and "Traceback" not in err


def test_python_objects_work_as_well_as_strings():
    a, b = Scalar("a"), Scalar("b")
    from gradlab.symbolic import exp
    d = hessian(exp(a * b), (a, b))
    assert str(d) == "∂²L/∂a∂b = exp(ab) + ab exp(ab)" and verify(exp(a * b), "a", d).passed
