"""Parsing: the whitelist, caret messages, shape errors, malicious input, and a hypothesis fuzz."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradlab import GradlabError, ParseError, ShapeError
from gradlab.symbolic import Matrix, Scalar, Vector, parse, relu

SH = {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"}


def test_parse_equals_operator_building():
    X, w, b, y = Matrix("X", "m", "n"), Vector("w", "n"), Scalar("b"), Vector("y", "m")
    assert parse("relu(X @ w + b) - y", SH) == relu(X @ w + b) - y
    assert parse("X.T", SH).shape == ("n", "m")


def test_shape_error_names_the_operands():
    with pytest.raises(ShapeError) as exc:
        parse("X @ y", SH)
    msg = str(exc.value)
    assert "X @ y: X is m×n, y is m×1 — inner dimensions n and m differ" in msg
    assert msg.splitlines()[-1] == "    ^"  # caret under the @


def test_shape_error_from_python_api():
    with pytest.raises(ShapeError, match="inner dimensions n and m differ"):
        Matrix("X", "m", "n") @ Vector("w", "m")
    with pytest.raises(ShapeError, match="shapes differ"):
        Matrix("X", "m", "n") + Matrix("Y", "n", "m")


@pytest.mark.parametrize("text,fragment,col", [
    ("X @ w +", "invalid syntax", None),
    ("relu(z)", "unknown name 'z'", 5),
    ("foo(X)", "unknown function 'foo'", 0),
    ("X.shape", "attribute access .shape is not allowed", None),
    ("__import__('os')", "unknown function '__import__'", 0),
    ("(lambda: 1)()", "only calls of the whitelisted functions", None),
    ("X[0]", "indexing is not allowed", 0),
    ("X ** 1000", "exponent 1000 is too large", None),
    ("X ** w", "the exponent must be a constant number", None),
    ("2 ** 10 ** 10", "exponent", None),
    ("'abc'", "only numbers are constants", 0),
    ("X < w", "a comparison is not allowed", 0),
    ("relu(X, w)", "takes exactly one argument", 0),
    ("relu(x=X)", "keyword", 0),
    ("relu", "is a function", 0),
    ("1e400 * X", "out of range", 0),
    ("ones(q)", "must be a dimension name", 5),
    ("X.T.__class__", "attribute access .__class__", None),
    ("", "empty", None),
])
def test_rejected_with_clear_error(text, fragment, col):
    with pytest.raises(ParseError) as exc:
        parse(text, SH)
    msg = str(exc.value)
    assert fragment in msg
    if col is not None:
        lines = msg.splitlines()
        assert lines[-2] == "  " + text
        assert lines[-1].index("^") - 2 == col


def test_deep_nesting_rejected():
    with pytest.raises(ParseError, match="nested more than"):
        parse("(" * 200 + "X" + ")" * 200, SH)
    with pytest.raises(ParseError, match="nested"):
        parse("relu(" * 60 + "X" + ")" * 60, SH)
    with pytest.raises(ParseError):
        parse("-" * 5000 + "X", SH)
    with pytest.raises(ParseError, match="characters long"):
        parse("X + " * 1000 + "X", SH)


def test_bad_shapes_rejected():
    with pytest.raises(ShapeError):
        parse("X", {"X": "m,n,k"})
    with pytest.raises(ShapeError):
        parse("X", {"X": "0,1"})
    with pytest.raises(ShapeError):
        parse("relu", {"relu": "1"})


def test_dimension_names_are_sizes():
    e = parse("sum(X) / (m*n)", SH)
    assert e.is_scalar and e.to_text() == "(1/(mn)) sum(X)"


ALPHABET = "Xwby mn()+-*/@.T*0123456789,_ relu sum norm2 exp log eye ones'\"[]:lambda<>=!"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_parser_only_results_or_gradlab_errors(text):
    try:
        e = parse(text, SH)
    except GradlabError:
        return
    assert e.shape[0] in ("m", "n", 1) and e.shape[1] in ("m", "n", 1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_parser_any_unicode(text):
    try:
        parse(text, SH)
    except GradlabError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.sampled_from(["X", "w", "b", "y", "2", "m"]),
                    lambda s: st.one_of(
                        st.tuples(s, st.sampled_from(["+", "-", "*", "/", "@"]), s).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
                        st.tuples(st.sampled_from(["relu", "exp", "sum", "sigmoid", "norm2"]), s).map(lambda t: f"{t[0]}({t[1]})"),
                        s.map(lambda a: f"({a}).T"), s.map(lambda a: f"({a})**2")), max_leaves=8))
def test_fuzz_well_formed_expressions_derive_or_fail_cleanly(text):
    from gradlab.symbolic import derive

    try:
        e = parse(text, SH)
        for v in e.symbols():
            derive(e, v)
    except GradlabError:
        pass
