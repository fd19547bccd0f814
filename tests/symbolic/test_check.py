"""symbolic.check: grading a student's gradient formula against the derivation.

A table of (loss, variable, student formula, verdict, facts) drawn from the seed question (ReLU neuron, MSE on
a batch), the homework's two-layer network in matrix form and classic identities; every verdict occurs
several times, and each row also checks the key facts of the message (the named factor, the layout, the
shapes, the witness).
"""

import ast
import builtins
import json
import pathlib

import numpy as np
import pytest

import gradlab as gl
from gradlab import DerivationError, ParameterError, ParseError
from gradlab.core.errors import InputTypeError, ShapeError
from gradlab.symbolic import Matrix, Vector, derive, parse, to_numpy
from gradlab.symbolic.check import VERDICTS, FormulaCheck, check

SEED = "norm2(relu(X @ w + ones(m)*b) - y)**2/m"
SEED_SH = {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"}
NET = "norm2(W2 @ relu(W1 @ x + b1) + b2 - y)**2"
BCE = ("-(y.T @ log(sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)) + (1 - y).T @ log(1 - sigmoid(W2 @ sigmoid(W1 @ x + b1)"
       " + b2))) / k")
NET_SH = {"x": "d,1", "W1": "h,d", "b1": "h,1", "W2": "k,h", "b2": "k,1", "y": "k,1"}
LSQ_SH = {"A": "m,n", "x": "n,1", "b": "m,1"}
LOGREG = "-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))/m"
ROWBIAS = "norm2(X @ W.T + b.T - Y)**2/N"
ROWBIAS_SH = {"X": "N,d", "W": "k,d", "b": "k,1", "Y": "N,k"}

# (id, loss, shapes, wrt, student formula, verdict, facts: {field: value}, words the message must contain)
CASES = [
    # ---- the seed question: L = ‖relu(Xw + 𝟏b) − y‖²/m
    ("seed-w", SEED, SEED_SH, "w", "2/m * X.T @ H @ (yhat - y)", "equivalent", {"identical": True}, ["Correct"]),
    ("seed-w-unicode", SEED, SEED_SH, "w", "(2/m) * X.T @ H @ (ŷ - y)", "equivalent", {}, []),
    ("seed-w-y_hat", SEED, SEED_SH, "w", "X.T @ H @ (y_hat - y) * 2 / m", "equivalent", {}, []),
    ("seed-w-hadamard", SEED, SEED_SH, "w", "2/m * X.T @ (heaviside(z) * (relu(z) - y))", "equivalent",
     {"identical": False}, ["agrees on 4 random draws"]),
    ("seed-w-expanded", SEED, SEED_SH, "w", "2/m * X.T @ Diag(heaviside(X @ w + b)) @ (relu(X @ w + b) - y)",
     "equivalent", {}, []),
    ("seed-w-no-2/m", SEED, SEED_SH, "w", "X.T @ H @ (yhat - y)", "scaled",
     {"factor": "m/2", "factor_value": None, "factor_note": "is missing the factor 2/m"}, ["missing the factor 2/m"]),
    ("seed-w-no-1/m", SEED, SEED_SH, "w", "2 * X.T @ H @ (yhat - y)", "scaled",
     {"factor": "m", "factor_note": "is missing the factor 1/m"}, ["1/m"]),
    ("seed-w-no-2", SEED, SEED_SH, "w", "1/m * X.T @ H @ (yhat - y)", "scaled",
     {"factor": "1/2", "factor_value": 0.5, "factor_note": "is missing the factor 2"}, ["(1/2) × ∂L/∂w"]),
    ("seed-w-4/m", SEED, SEED_SH, "w", "4/m * X.T @ H @ (yhat - y)", "scaled",
     {"factor": "2", "factor_note": "has an extra factor 2"}, ["extra factor 2"]),
    ("seed-w-m^2", SEED, SEED_SH, "w", "2/m**3 * X.T @ H @ (yhat - y)", "scaled",
     {"factor": "1/m²", "factor_note": "has an extra factor 1/m²"}, []),
    ("seed-w-transposed", SEED, SEED_SH, "w", "2/m * (yhat - y).T @ H @ X", "transposed",
     {"layout": "numerator", "answer_shape": "1×n", "expected_shape": "n×1"}, ["numerator layout", "1×n", "n×1"]),
    ("seed-w-sign", SEED, SEED_SH, "w", "2/m * X.T @ H @ (y - yhat)", "sign", {"factor": "-1"}, ["wrong sign"]),
    ("seed-w-sign-2", SEED, SEED_SH, "w", "-(2/m) * X.T @ H @ (yhat - y)", "sign", {"factor_value": -1.0}, []),
    ("seed-w-no-H", SEED, SEED_SH, "w", "2/m * X.T @ (yhat - y)", "different", {},
     ["(2/m)XᵀH(ŷ − y)", "H = Diag(𝓗(z))", "should be"]),
    ("seed-w-z-for-yhat", SEED, SEED_SH, "w", "2/m * X.T @ H @ (z - y)", "equivalent", {}, []),  # H masks z < 0
    ("seed-w-no-y", SEED, SEED_SH, "w", "2/m * X.T @ H @ yhat", "different", {}, ["should be"]),
    ("seed-w-shape-nm", SEED, SEED_SH, "w", "2/m * X.T @ H", "shape",
     {"answer_shape": "n×m", "expected_shape": "n×1"}, ["Your answer is n×m but ∂L/∂w is n×1"]),
    ("seed-w-shape-m", SEED, SEED_SH, "w", "2/m * H @ (yhat - y)", "shape", {"answer_shape": "m×1"},
     ["m×1", "n×1"]),
    ("seed-w-typecheck", SEED, SEED_SH, "w", "2/m * X @ H @ (yhat - y)", "shape", {"answer_shape": None},
     ["does not type-check", "inner dimensions"]),
    ("seed-b", SEED, SEED_SH, "b", "2/m * ones(m).T @ H @ (yhat - y)", "equivalent", {}, []),
    ("seed-b-sum", SEED, SEED_SH, "b", "2/m * sum(H @ (yhat - y))", "equivalent", {}, []),
    ("seed-b-no-1/m", SEED, SEED_SH, "b", "2 * sum(H @ (yhat - y))", "scaled", {"factor": "m"}, ["1/m"]),
    ("seed-b-sign", SEED, SEED_SH, "b", "2/m * sum(H @ (y - yhat))", "sign", {}, []),
    ("seed-b-shape", SEED, SEED_SH, "b", "2/m * H @ (yhat - y)", "shape", {"answer_shape": "m×1"},
     ["m×1 but ∂L/∂b is 1×1"]),
    ("seed-b-different", SEED, SEED_SH, "b", "2/m * sum(yhat - y)", "different", {}, []),
    ("seed-X", SEED, SEED_SH, "X", "2/m * H @ (yhat - y) @ w.T", "equivalent", {}, []),
    ("seed-X-transposed", SEED, SEED_SH, "X", "2/m * w @ (yhat - y).T @ H", "transposed",
     {"layout": "numerator", "answer_shape": "n×m"}, []),
    ("seed-X-scaled-transposed", SEED, SEED_SH, "X", "w @ (yhat - y).T @ H", "scaled",
     {"factor": "m/2", "transposed": True, "layout": "numerator"}, ["missing the factor 2/m", "also transposed"]),
    ("seed-X-different", SEED, SEED_SH, "X", "2/m * (yhat - y) @ w.T", "different", {}, []),
    # ---- the homework network: ‖W2 relu(W1x + b1) + b2 − y‖²
    ("net-W2", NET, NET_SH, "W2", "2 * (yhat - y) @ a1.T", "equivalent", {}, []),
    ("net-W2-subscript", NET, NET_SH, "W2", "2 * (ŷ - y) @ a₁.T", "equivalent", {}, []),
    ("net-W2-no-2", NET, NET_SH, "W2", "(yhat - y) @ a1.T", "scaled", {"factor": "1/2"}, ["missing the factor 2"]),
    ("net-W2-transposed", NET, NET_SH, "W2", "2 * a1 @ (yhat - y).T", "transposed", {"layout": "numerator"},
     ["h×k", "k×h"]),
    ("net-W2-shape", NET, NET_SH, "W2", "2 * (yhat - y) @ x.T", "shape", {"answer_shape": "k×d"}, ["k×d", "k×h"]),
    ("net-b2", NET, NET_SH, "b2", "2 * (yhat - y)", "equivalent", {}, []),
    ("net-b2-sign", NET, NET_SH, "b2", "2 * (y - yhat)", "sign", {}, []),
    ("net-b2-transposed", NET, NET_SH, "b2", "2 * (yhat - y).T", "transposed", {}, []),
    ("net-W1", NET, NET_SH, "W1", "2 * H1 @ W2.T @ (yhat - y) @ x.T", "equivalent", {}, []),
    ("net-W1-hadamard", NET, NET_SH, "W1", "2 * (heaviside(z1) * (W2.T @ (yhat - y))) @ x.T", "equivalent", {}, []),
    ("net-W1-no-H", NET, NET_SH, "W1", "2 * W2.T @ (yhat - y) @ x.T", "different", {}, ["H₁ = Diag(𝓗(z₁))"]),
    ("net-W1-scaled-transposed", NET, NET_SH, "W1", "4 * x @ (yhat - y).T @ W2 @ H1", "scaled",
     {"factor": "2", "transposed": True, "layout": "numerator"}, ["extra factor 2", "transposed"]),
    ("net-b1", NET, NET_SH, "b1", "2 * H_1 @ W2.T @ (yhat - y)", "equivalent", {}, []),
    ("net-b1-sign-transposed", NET, NET_SH, "b1", "-2 * (yhat - y).T @ W2 @ H1", "sign",
     {"transposed": True, "layout": "numerator"}, ["wrong sign", "numerator layout"]),
    ("net-x", NET, NET_SH, "x", "2 * W1.T @ H1 @ W2.T @ (yhat - y)", "equivalent", {}, []),
    ("net-x-no-W1", NET, NET_SH, "x", "2 * H1 @ W2.T @ (yhat - y)", "shape", {"answer_shape": "h×1"}, ["d×1"]),
    ("net-x-different", NET, NET_SH, "x", "2 * W1.T @ W2.T @ (yhat - y)", "different", {}, []),
    ("bce-W2-no-1/k", BCE, NET_SH, "W2", "(yhat - y) @ a1.T", "scaled", {"factor": "k"}, ["missing the factor 1/k"]),
    ("bce-W1", BCE, NET_SH, "W1", "1/k * D1 @ W2.T @ (yhat - y) @ x.T", "equivalent", {}, []),
    ("bce-b1-no-D", BCE, NET_SH, "b1", "1/k * W2.T @ (yhat - y)", "different", {}, []),
    # ---- classic identities
    ("a'x", "a.T @ x", {"a": "n,1", "x": "n,1"}, "x", "a", "equivalent", {}, []),
    ("a'x-transposed", "a.T @ x", {"a": "n,1", "x": "n,1"}, "x", "a.T", "transposed", {"layout": "numerator"}, []),
    ("a'x-2a", "a.T @ x", {"a": "n,1", "x": "n,1"}, "x", "2*a", "scaled", {"factor": "2"}, []),
    ("a'x-x", "a.T @ x", {"a": "n,1", "x": "n,1"}, "x", "x", "different", {}, []),
    ("x'Ax", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "(A + A.T) @ x", "equivalent", {}, []),
    ("x'Ax-sum", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "A @ x + A.T @ x", "equivalent", {}, []),
    ("x'Ax-2Ax", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "2 * A @ x", "different", {}, []),
    ("x'Ax-transposed", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "x.T @ (A + A.T)", "transposed", {}, []),
    ("tr(AX)", "tr(A @ X)", {"A": "n,m", "X": "m,n"}, "X", "A.T", "equivalent", {}, []),
    ("tr(AX)-A", "tr(A @ X)", {"A": "n,m", "X": "m,n"}, "X", "A", "transposed",
     {"layout": "numerator", "answer_shape": "n×m", "expected_shape": "m×n"}, []),
    ("tr(AX)-sign", "tr(A @ X)", {"A": "n,m", "X": "m,n"}, "X", "-A.T", "sign", {}, []),
    ("tr(X'AX)", "tr(X.T @ A @ X)", {"X": "m,n", "A": "m,m"}, "X", "(A + A.T) @ X", "equivalent", {}, []),
    ("tr(X'AX)-2AX", "tr(X.T @ A @ X)", {"X": "m,n", "A": "m,m"}, "X", "2 * A @ X", "different", {}, []),
    ("tr(X'AX)-shape", "tr(X.T @ A @ X)", {"X": "m,n", "A": "m,m"}, "X", "A + A.T", "shape",
     {"answer_shape": "m×m", "expected_shape": "m×n"}, []),
    ("lsq", "norm2(A @ x - b)**2", LSQ_SH, "x", "2 * A.T @ (A @ x - b)", "equivalent", {}, []),
    ("lsq-expanded", "norm2(A @ x - b)**2", LSQ_SH, "x", "2*A.T @ A @ x - 2*A.T @ b", "equivalent", {}, []),
    ("lsq-no-2", "norm2(A @ x - b)**2", LSQ_SH, "x", "A.T @ (A @ x - b)", "scaled", {"factor": "1/2"}, []),
    ("lsq-transposed", "norm2(A @ x - b)**2", LSQ_SH, "x", "2 * (A @ x - b).T @ A", "transposed", {}, []),
    ("lsq-typecheck", "norm2(A @ x - b)**2", LSQ_SH, "x", "2 * A @ (A @ x - b)", "shape", {}, ["type-check"]),
    ("logdet", "logdet(X)", {"X": "n,n"}, "X", "inv(X).T", "equivalent", {}, []),
    ("logdet-square-transposed", "logdet(X)", {"X": "n,n"}, "X", "inv(X)", "transposed",
     {"layout": "numerator", "answer_shape": "n×n"}, ["entries", "numerator layout"]),
    ("logdet-2inv", "logdet(X)", {"X": "n,n"}, "X", "2 * inv(X)", "scaled", {"factor": "2", "transposed": True}, []),
    ("det", "det(X)", {"X": "n,n"}, "X", "det(X) * inv(X).T", "equivalent", {}, []),
    ("det-no-det", "det(X)", {"X": "n,n"}, "X", "inv(X).T", "different", {}, []),
    ("mean-sq", "mean(X**2)", {"X": "m,n"}, "X", "2 * X / (m*n)", "equivalent", {}, []),
    ("mean-sq-no-mn", "mean(X**2)", {"X": "m,n"}, "X", "2 * X", "scaled",
     {"factor": "mn", "factor_note": "is missing the factor 1/(mn)"}, []),
    ("mean-sq-no-n", "mean(X**2)", {"X": "m,n"}, "X", "2 * X / m", "scaled", {"factor": "n"}, ["1/n"]),
    ("sigmoid-sum", "sum(sigmoid(X @ w))", {"X": "m,n", "w": "n,1"}, "w",
     "X.T @ (sigmoid(X @ w) * (1 - sigmoid(X @ w)))", "equivalent", {}, []),
    ("sigmoid-sum-no-prime", "sum(sigmoid(X @ w))", {"X": "m,n", "w": "n,1"}, "w", "X.T @ sigmoid(X @ w)",
     "different", {}, []),
    ("logreg", LOGREG, {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", "X.T @ (yhat - y) / m", "equivalent", {}, []),
    ("logreg-no-1/m", LOGREG, {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", "X.T @ (sigmoid(X @ w) - y)", "scaled",
     {"factor": "m"}, ["missing the factor 1/m"]),
    ("softmax-ce", "-y.T @ log_softmax(z)", {"y": "k,1", "z": "k,1"}, "z", "softmax(z) * sum(y) - y", "equivalent",
     {}, []),
    ("softmax-ce-sign", "-y.T @ log_softmax(z)", {"y": "k,1", "z": "k,1"}, "z", "y - sum(y) * softmax(z)", "sign",
     {}, []),
    ("softmax-ce-one-hot-missing", "-y.T @ log_softmax(z)", {"y": "k,1", "z": "k,1"}, "z", "softmax(z) - y",
     "different", {}, []),
    ("softmax-J", "softmax(x)", {"x": "n,1"}, "x", "Diag(softmax(x)) - softmax(x) @ softmax(x).T", "equivalent", {},
     []),
    ("rowbias-b", ROWBIAS, ROWBIAS_SH, "b", "2/N * (X @ W.T + b.T - Y).T @ ones(N)", "equivalent", {}, []),
    ("rowbias-W-odd-factor", ROWBIAS, ROWBIAS_SH, "W", "-3 * d / N**2 * (X @ W.T + b.T - Y).T @ X", "scaled",
     {"factor": "-3d/(2N)", "factor_value": None}, ["opposite sign", "3d/(2N)"]),
    ("rowbias-W-not-constant", ROWBIAS, ROWBIAS_SH, "W", "(X @ W.T + b.T - Y).T @ X / (N + 1)", "different", {}, []),
]


def _run(case):
    _, loss, shapes, wrt, answer, *_ = case
    return check(loss, wrt, answer, shapes=shapes)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_verdict(case):
    name, loss, shapes, wrt, answer, verdict, facts, words = case
    r = _run(case)
    assert isinstance(r, FormulaCheck)
    assert r.verdict == verdict, r.message
    for key, value in facts.items():
        assert getattr(r, key) == value, (key, getattr(r, key), r.message)
    for word in words:
        assert word in r.message, (word, r.message)
    assert str(r) == r.message and "\n" not in r.message and len(r.message) > 20
    assert r.answer == answer and r.wrt == wrt and r.symbol.endswith(wrt)
    assert r.expected == derive(parse(loss, shapes), wrt).result_text()
    assert r.correct is (verdict == "equivalent")
    json.dumps(r.to_dict(), ensure_ascii=False)
    if verdict == "shape":
        assert r.expected_shape in r.message and (r.answer_shape is None or r.answer_shape in r.message)
        assert (r.answer_shape is None) is (r.error is not None)
    elif verdict == "different":
        assert r.witness is not None and r.expected in r.message
    elif verdict == "scaled":
        assert r.factor and r.factor_note in r.message and r.factor not in ("1", "-1")
    if r.transposed:
        assert r.layout in r.message and r.layout != r.expected_layout
    if verdict != "shape":
        assert len(r.trials) >= 3


def test_every_verdict_is_covered_several_times():
    counts = {v: sum(1 for c in CASES if c[5] == v) for v in VERDICTS}
    assert all(n >= 4 for n in counts.values()), counts
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", [c for c in CASES if c[5] == "different"][:6], ids=lambda c: c[0])
def test_the_witness_is_a_real_counterexample(case):
    _, loss, shapes, wrt, answer, *_ = case
    r = _run(case)
    w = r.witness
    d = derive(parse(loss, shapes), wrt)
    f = to_numpy(d.result)
    want = f(dims=w["sizes"], **{k: w["values"][k] for k in f.symbols})
    np.testing.assert_allclose(w["expected"], want, rtol=1e-12)
    assert not np.allclose(w["answer"], w["expected"], rtol=1e-6)
    assert all(np.array_equal(np.round(v, 1), v) for v in w["values"].values())  # one decimal: readable
    assert sorted(set(w["sizes"].values())) == sorted(w["sizes"].values())  # distinct sizes
    i, j = w["entry"]
    assert f"{float(w['answer'][i, j]):.4g}" in r.message


def test_draws_use_distinct_non_square_sizes_that_change_every_draw():
    r = check(NET, "W1", "2 * H1 @ W2.T @ (yhat - y) @ x.T", shapes=NET_SH, trials=5)
    assert len(r.trials) == 5
    for sizes in r.trials:
        assert len(set(sizes.values())) == len(sizes) and min(sizes.values()) >= 2
    for dim in ("d", "h", "k"):
        assert len({t[dim] for t in r.trials}) == 5


def test_numerator_layout_is_the_reference_when_asked():
    r = check(SEED, "w", "2/m * (yhat - y).T @ H @ X", shapes=SEED_SH, layout="numerator")
    assert r.verdict == "equivalent" and r.expected_layout == "numerator" and r.expected_shape == "1×n"
    r = check(SEED, "w", "2/m * X.T @ H @ (yhat - y)", shapes=SEED_SH, layout="numerator")
    assert r.verdict == "transposed" and r.layout == "denominator" and "denominator layout" in r.message


def test_jacobians_are_numerator_layout_by_default():
    r = check("A @ x", "x", "A", shapes={"A": "m,n", "x": "n,1"})
    assert r.verdict == "equivalent" and r.expected_layout == "numerator"
    r = check("A @ x", "x", "A.T", shapes={"A": "m,n", "x": "n,1"})
    assert r.verdict == "transposed" and r.layout == "denominator"


def test_labels_that_sum_to_one():
    r = check("-y.T @ log_softmax(z)", "z", "softmax(z) - y", shapes={"y": "k,1", "z": "k,1"}, sums_to_one="y")
    assert r.verdict == "equivalent" and r.expected == "softmax(z) − y"


def test_answer_as_an_expression_and_loss_as_an_expression():
    L = parse(SEED, SEED_SH)
    X, yhat, y = Matrix("X", "m", "n"), Vector("yhat", "m"), Vector("y", "m")
    r = check(L, "w", X.T @ (yhat - y))
    assert r.verdict == "different"
    H = Matrix("H", "m", "m")
    r = check(L, Vector("w", "n"), 2 * X.T @ H @ (yhat - y))
    assert r.verdict == "scaled" and r.factor == "m"
    with pytest.raises(ParameterError, match="your answer uses G"):
        check(L, "w", X.T @ Matrix("G", "m", "m") @ y)
    with pytest.raises(ParameterError, match="H is m×1, not m×m as the derivation defines it"):
        check(L, "w", X.T @ Vector("H", "m"))


def test_the_result_records_the_names_it_used():
    r = check(SEED, "w", "X.T @ (yhat - y)", shapes=SEED_SH)
    assert r.definitions == {"z": "Xw + b𝟏", "ŷ": "relu(z)", "H": "Diag(𝓗(z))"}
    d = r.to_dict()
    assert d["witness"]["sizes"] == {"m": 2, "n": 3} and d["verdict"] == "different" and d["correct"] is False


def test_unknown_names_are_named_with_what_may_be_used():
    with pytest.raises(ParameterError) as exc:
        check(SEED, "w", "2/m * X.T @ G @ (yhat - y)", shapes=SEED_SH)
    msg = str(exc.value)
    assert msg.startswith("symbolic.check: unknown name 'G'")
    assert "the symbols X, b, w, y" in msg and "ŷ/yhat/y_hat = relu(z)" in msg and "H = Diag(𝓗(z))" in msg
    assert "\n  2/m * X.T @ G @ (yhat - y)\n              ^" in msg
    with pytest.raises(ParameterError) as exc:  # the caret counts characters, not UTF-8 bytes
        check(SEED, "w", "X.T @ (ŷ - G)", shapes=SEED_SH)
    assert str(exc.value).endswith("\n  X.T @ (ŷ - G)\n             ^")
    with pytest.raises(ParameterError, match="unknown name 'H'.*no named quantities"):
        check("a.T @ x", "x", "H @ a", shapes={"a": "n,1", "x": "n,1"})


def test_bad_syntax_and_forbidden_constructs_are_the_parsers_errors():
    with pytest.raises(ParseError) as exc:
        check(SEED, "w", "2/m * X.T @@ H", shapes=SEED_SH)
    assert str(exc.value).startswith("symbolic.check: your answer: parse: invalid syntax") and "^" in str(exc.value)
    for bad in ("__import__('os')", "X.__class__", "[x for x in X]", "lambda: 1", "X[0]"):
        with pytest.raises(ParseError):
            check(SEED, "w", bad, shapes=SEED_SH)
    with pytest.raises(ParseError, match="relu is a function"):
        check(SEED, "w", "X.T @ relu", shapes=SEED_SH)


def test_a_shape_error_inside_the_answer_is_the_verdict_shape_with_the_parsers_message():
    r = check(SEED, "w", "2/m * X @ H @ (yhat - y)", shapes=SEED_SH)
    assert r.verdict == "shape" and r.answer_shape is None
    assert "inner dimensions n and m differ" in r.message and "^" in r.error


def test_argument_errors_name_the_function():
    cases = [
        (dict(expr=SEED, wrt="w", answer=3, shapes=SEED_SH), InputTypeError, "the answer must be a formula"),
        (dict(expr=42, wrt="w", answer="w", shapes=SEED_SH), InputTypeError, "expr must be"),
        (dict(expr=SEED, wrt="q", answer="w", shapes=SEED_SH), DerivationError, "does not contain the symbol 'q'"),
        (dict(expr=SEED, wrt=["w", "b"], answer="w", shapes=SEED_SH), ParameterError, "one symbol"),
        (dict(expr=SEED, wrt="w", answer="w"), ParameterError, "shapes must give the shape"),
        (dict(expr=SEED, wrt="w", answer="w", shapes=SEED_SH, layout="sideways"), ParameterError, "layout"),
        (dict(expr=SEED, wrt="w", answer="w", shapes=SEED_SH, trials=2), ParameterError, "trials must be an int >= 3"),
        (dict(expr=SEED, wrt="w", answer="w", shapes=SEED_SH, seed=-1), ParameterError, "seed"),
        (dict(expr="X @ W", wrt="W", answer="X", shapes={"X": "m,n", "W": "n,k"}), DerivationError, "tensor"),
        (dict(expr="norm2(X @ w", wrt="w", answer="w", shapes=SEED_SH), ParseError, "the expression"),
        (dict(expr=parse(SEED, SEED_SH), wrt="w", answer="w", shapes={"w": "m,1"}), ParameterError, "shapes says w"),
        (dict(expr=SEED, wrt="w", answer="w", shapes={"X": "m,n,k"}), ShapeError, "symbolic.check"),
    ]
    for kwargs, error, words in cases:
        with pytest.raises(error) as exc:
            check(**kwargs)
        assert str(exc.value).startswith("symbolic.check: ") and words in str(exc.value), str(exc.value)


def test_deterministic():
    for case in (CASES[1], CASES[5], CASES[13], CASES[26]):
        a, b = _run(case), _run(case)
        assert a == b and a.to_dict() == b.to_dict() and a.message == b.message
    r0 = check(SEED, "w", "X.T @ H @ (yhat - y)", shapes=SEED_SH, seed=0)
    r7 = check(SEED, "w", "X.T @ H @ (yhat - y)", shapes=SEED_SH, seed=7)
    assert r0.trials != r7.trials and (r0.verdict, r0.factor) == (r7.verdict, r7.factor) == ("scaled", "m/2")


def test_no_eval_or_exec(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("eval / exec called")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert check(SEED, "w", "2/m * X.T @ H @ (yhat - y)", shapes=SEED_SH).verdict == "equivalent"
    assert check(SEED, "w", "X.T @ (yhat - y)", shapes=SEED_SH).verdict == "different"
    src = pathlib.Path(gl.__file__).parent / "symbolic"
    for name in ("check.py", "compare.py"):
        tree = ast.parse((src / name).read_text(encoding="utf-8"))
        called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not called & {"eval", "exec", "compile", "__import__"}, name


def test_exported_from_the_symbolic_package():
    assert gl.symbolic.check is check and "check" in gl.symbolic.__all__ and "FormulaCheck" in gl.symbolic.__all__
    assert gl.symbolic.FormulaCheck is FormulaCheck
