"""Row-wise functions of matrices (softmax, log_softmax, logsumexp along an axis), max/min, leaky_relu, and the
mini-batch losses they make possible — derived in matrix form and verified."""

import numpy as np
import pytest

from gradlab.core.errors import ParseError, ShapeError
from gradlab.symbolic import derive, parse, to_numpy, verify

BATCH = {"X": "N,n", "W": "n,k", "Y": "N,k"}
NET = {"X": "N,n", "W1": "n,h", "b1": "1,h", "W2": "h,k", "b2": "1,k", "Y": "N,k"}


def test_minibatch_softmax_cross_entropy_derives_in_matrix_form_and_verifies():
    e = parse("-sum(Y * log_softmax(X @ W))/N", BATCH)
    assert e.to_text() == "−(1/N) sum(Y ⊙ log_softmax(XW, axis=1))"
    d = derive(e, "W", sums_to_one="Y")
    assert str(d) == "∂L/∂W = (1/N)Xᵀ(softmax(XW, axis=1) − Y)"
    assert "assuming each row of Y sums to one: Y𝟏 = 𝟏" in d.to_text()
    assert "the rows of Y sum to one: Y𝟏 = 𝟏" in d.to_text()
    assert verify(e, "W", d, steps=True).passed
    plain = derive(e, "W")  # without the assumption the row sums stay
    assert str(plain) == "∂L/∂W = (1/N)Xᵀ(Y𝟏𝟏ᵀ ⊙ softmax(XW, axis=1) − Y)"
    assert verify(e, "W", plain).passed


@pytest.mark.parametrize("act", ["relu", "sigmoid"])
@pytest.mark.parametrize("loss,unit", [
    ("sum(({a}(X @ W1 + b1) @ W2 + b2 - Y)**2)/N", ()),
    ("-sum(Y * log_softmax({a}(X @ W1 + b1) @ W2 + b2))/N", ("Y",)),
])
@pytest.mark.parametrize("wrt", ["W1", "b1", "W2", "b2"])
def test_two_layer_network_on_a_batch_derives_and_verifies(act, loss, unit, wrt):
    e = parse(loss.format(a=act), NET)
    d = derive(e, wrt, sums_to_one=unit)
    assert d.kind == "gradient" and d.result.shape == \
        {"W1": ("n", "h"), "b1": (1, "h"), "W2": ("h", "k"), "b2": (1, "k")}[wrt]
    report = verify(e, wrt, d, steps=True)
    assert report.passed, report
    if "log_softmax" in loss and wrt == "W2":
        assert str(d) == "∂L/∂W2 = (1/N)a₁ᵀ(softmax(a₁W2 + 𝟏b2, axis=1) − Y)"


def test_softmax_axis_is_in_the_syntax_and_the_output():
    z = parse("softmax(Z, axis=0)", {"Z": "N,k"})
    assert z.to_text() == "softmax(Z, axis=0)" and z.to_latex() == r"\operatorname{softmax}\left(Z, \text{axis}=0\right)"
    assert parse("softmax(Z)", {"Z": "N,k"}).to_text() == "softmax(Z, axis=1)"
    assert parse("softmax(z)", {"z": "k,1"}).to_text() == "softmax(z)"
    Z = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(to_numpy(z)(Z=Z).sum(axis=0), np.ones(3))
    rows = to_numpy(parse("log_softmax(Z, axis=1)", {"Z": "N,k"}))(Z=Z)
    np.testing.assert_allclose(np.exp(rows).sum(axis=1), np.ones(4))


@pytest.mark.parametrize("text,shapes,wrt,expected", [
    ("sum(logsumexp(Z, axis=1))", {"Z": "N,k"}, "Z", "∂L/∂Z = softmax(Z, axis=1)"),
    ("sum(logsumexp(Z, axis=0))", {"Z": "N,k"}, "Z", "∂L/∂Z = softmax(Z, axis=0)"),
    ("logsumexp(z)", {"z": "k,1"}, "z", "∂L/∂z = softmax(z)"),
    ("logsumexp(Z)", {"Z": "N,k"}, "Z", None),
    ("sum(softmax(Z, axis=0) * Y)", {"Z": "N,k", "Y": "N,k"}, "Z", None),
    ("max(X @ w)", {"X": "m,n", "w": "n,1"}, "w", "∂L/∂w = Xᵀ𝟙ₘₐₓ(Xw)"),
    ("sum(min(X, axis=0))", {"X": "m,n"}, "X", "∂L/∂X = 𝟙ₘᵢₙ(X, axis=0)"),
    ("sum(max(X, axis=1) ** 2)", {"X": "m,n"}, "X", None),
    ("sum(max(X @ w, y) ** 2)", {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", None),
    ("sum(min(A, B) * C)", {"A": "m,n", "B": "m,n", "C": "m,n"}, "B", None),
    ("sum(leaky_relu(X @ w, 0.2))", {"X": "m,n", "w": "n,1"}, "w", None),
    ("norm2(leaky_relu(X @ w) - y)**2", {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", None),
    ("sum(softplus(X @ W))", {"X": "m,n", "W": "n,k"}, "W", "∂L/∂W = Xᵀσ(z)"),
])
def test_new_functions_derive_and_verify_with_every_step(text, shapes, wrt, expected):
    e = parse(text, shapes)
    d = derive(e, wrt)
    if expected:
        assert str(d) == expected
    report = verify(e, wrt, d, steps=True)
    assert report.passed, report


def test_leaky_relu_slope_is_kept_printed_and_compiled():
    e = parse("leaky_relu(z, 0.2)", {"z": "n,1"})
    assert e.to_text() == "leaky_relu(z, 0.2)"
    assert parse("leaky_relu(z)", {"z": "n,1"}).to_text() == "leaky_relu(z, 0.01)"
    assert parse("leaky_relu(z, slope=0.5)", {"z": "n,1"}).to_text() == "leaky_relu(z, 0.5)"
    z = np.array([[-2.0], [3.0]])
    np.testing.assert_allclose(to_numpy(e)(z=z), [[-0.4], [3.0]])
    d = derive(parse("sum(leaky_relu(z, 0.2))", {"z": "n,1"}), "z")
    np.testing.assert_allclose(to_numpy(d.result)(z=z), [[0.2], [1.0]])


def test_max_and_min_of_a_matrix_compile_as_numpy():
    X = np.array([[1.0, 5.0], [7.0, -2.0]])
    assert to_numpy(parse("max(X)", {"X": "m,n"}))(X=X)[0, 0] == 7.0
    np.testing.assert_array_equal(to_numpy(parse("min(X, axis=0)", {"X": "m,n"}))(X=X), [[1.0, -2.0]])
    np.testing.assert_array_equal(to_numpy(parse("max(X, 3)", {"X": "m,n"}))(X=X), [[3.0, 5.0], [7.0, 3.0]])


@pytest.mark.parametrize("text,error,words", [
    ("softmax(Z, axis=2)", ShapeError, "axis must be 0"),
    ("softmax(z, axis=1)", ShapeError, "use axis=0"),
    ("max(Z, Z, axis=1)", ParseError, "element-wise and takes no axis"),
    ("softmax(Z, dim=1)", ParseError, "takes the keyword axis, not dim="),
    ("leaky_relu(z, 2)", ShapeError, "slope must be a number in [0, 1]"),
    ("relu(z, 0.1)", ParseError, "takes exactly one argument"),
])
def test_bad_axes_and_arguments_are_refused_with_the_reason(text, error, words):
    with pytest.raises(error) as exc:
        parse(text, {"Z": "N,k", "z": "n,1"})
    assert words in str(exc.value)
