"""A new element-wise function is one row of symbolic/functions.py: registered here, softsign(z) = z/(1 + |z|)
parses, derives (chain rule, naming), prints as text and LaTeX, compiles and verifies — and is gone again after."""

import numpy as np
import pytest

from gradlab.core.errors import ParseError, ShapeError
from gradlab.ops import api as gl
from gradlab.symbolic import derive, expr, functions, parse, to_numpy, verify
from gradlab.symbolic.functions import FUNCTIONS, Function, register, unregister

SOFTSIGN = Function(
    "softsign",
    derivative=lambda a: expr.power(expr.add(1, functions.abs_(a)), -2),
    rule="softsign′(z) = 1/(1 + |z|)²",
    numpy=lambda x: x / (1 + np.abs(x)),
    gradlab=lambda t: t / (1 + gl.abs(t)),
    activation=True,
)
SHAPES = {"X": "m,n", "w": "n,1", "y": "m,1"}
LOSS = "norm2(softsign(X @ w) - y)**2"


@pytest.fixture
def softsign():
    build = register(SOFTSIGN)
    try:
        yield build
    finally:
        unregister("softsign")


def test_a_registered_function_parses_and_prints(softsign):
    e = parse(LOSS, SHAPES)
    X, w, y = (expr.sym(n, s) for n, s in (("X", ("m", "n")), ("w", ("n", 1)), ("y", ("m", 1))))
    assert e == expr.norm2(softsign(X @ w) - y) ** 2
    assert e.to_text() == "‖softsign(Xw) − y‖²"
    assert e.to_latex() == r"\left\| \operatorname{softsign}\left(X w\right) - y \right\|^{2}"


def test_a_registered_function_derives_with_its_rule_and_names(softsign):
    d = derive(parse(LOSS, SHAPES), "w")
    assert str(d) == "∂L/∂w = 2XᵀD(ŷ − y)"
    text = d.to_text()
    assert "where z = Xw, ŷ = softsign(z), D = Diag((𝟏 + abs(z))^(−2))" in text
    assert "chain rule for an element-wise function d f(Z) = f′(Z) ⊙ dZ, softsign′(z) = 1/(1 + |z|)²" in text
    latex = d.to_latex()
    assert r"\hat{y} = \operatorname{softsign}\left(z\right)" in latex
    assert r"\operatorname{softsign}'(z) = 1/(1 + |z|)^{2}" in latex
    scalar = derive(parse("sum(softsign(a))", {"a": 1}), "a")
    assert str(scalar) == "∂L/∂a = 1/(1 + abs(a))²"


def test_a_registered_function_compiles_and_verifies(softsign):
    e = parse(LOSS, SHAPES)
    rng = np.random.default_rng(0)
    X, w, y = rng.normal(size=(4, 3)), rng.normal(size=(3, 1)), rng.normal(size=(4, 1))
    z = X @ w
    assert np.allclose(to_numpy(e)(X=X, w=w, y=y), np.sum((z / (1 + np.abs(z)) - y) ** 2))
    for wrt in ("w", "X"):
        report = verify(e, wrt)
        assert report, report


def test_unregistered_it_is_unknown_again(softsign):
    unregister("softsign")
    try:
        assert "softsign" not in FUNCTIONS
        with pytest.raises(ParseError, match="unknown function 'softsign'"):
            parse(LOSS, SHAPES)
        with pytest.raises(ShapeError, match="unknown element-wise function 'softsign'"):
            expr.fn("softsign", expr.Scalar("a"))
    finally:
        register(SOFTSIGN)  # the fixture removes it again


def test_a_name_in_use_is_refused():
    for name in ("exp", "step"):
        with pytest.raises(ValueError, match="not a free identifier"):
            register(Function(name, None, None, np.sign, gl.abs))
    assert FUNCTIONS["exp"].rule == "exp′ = exp"
