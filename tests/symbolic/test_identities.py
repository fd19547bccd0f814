"""A table of standard matrix-derivative identities (Matrix Cookbook, Minka's and Magnus–Neudecker's tables).

Each row is derived in matrix form, compared with the known closed form on random data of non-square sizes,
and verified against gradlab's automatic differentiation and finite differences.
"""

import time

import numpy as np
import pytest

from gradlab.symbolic import derive, parse, to_numpy, verify
from gradlab.symbolic.verify import draw_data, draw_sizes

V = {"a": "m,1", "b": "n,1", "x": "n,1", "y": "n,1", "c": "n,1"}
# (name, expression, shapes, wrt, closed form (gradient, denominator layout; Jacobians numerator layout))
IDENTITIES = [
    ("a'x", "a.T @ x", {"a": "n,1", "x": "n,1"}, "x", "a"),
    ("x'a", "x.T @ a", {"a": "n,1", "x": "n,1"}, "x", "a"),
    ("a'Xb", "a.T @ X @ b", {"a": "m,1", "X": "m,n", "b": "n,1"}, "X", "a @ b.T"),
    ("a'X'b", "a.T @ X.T @ b", {"a": "n,1", "X": "m,n", "b": "m,1"}, "X", "b @ a.T"),
    ("x'Ax", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x", "(A + A.T) @ x"),
    ("x'x", "x.T @ x", {"x": "n,1"}, "x", "2*x"),
    ("b'X'Xc", "b.T @ X.T @ X @ c", {"b": "n,1", "c": "n,1", "X": "m,n"}, "X", "X @ (b @ c.T + c @ b.T)"),
    ("(Ax+b)'C(Dx+e)", "(A @ x + b).T @ C @ (D @ x + e)",
     {"A": "m,n", "x": "n,1", "b": "m,1", "C": "m,k", "D": "k,n", "e": "k,1"}, "x",
     "A.T @ C @ (D @ x + e) + D.T @ C.T @ (A @ x + b)"),
    ("||Ax-b||^2", "norm2(A @ x - b)**2", {"A": "m,n", "x": "n,1", "b": "m,1"}, "x", "2 * A.T @ (A @ x - b)"),
    ("||x||", "norm2(x)", {"x": "n,1"}, "x", "x / norm2(x)"),
    ("||X||_F^2", "norm2(X)**2", {"X": "m,n"}, "X", "2*X"),
    ("||X-A||_F", "norm2(X - A)", {"X": "m,n", "A": "m,n"}, "X", "(X - A) / norm2(X - A)"),
    ("tr(AX)", "tr(A @ X)", {"A": "n,m", "X": "m,n"}, "X", "A.T"),
    ("tr(XA)", "tr(X @ A)", {"A": "n,m", "X": "m,n"}, "X", "A.T"),
    ("tr(AXB)", "tr(A @ X @ B)", {"A": "p,m", "X": "m,n", "B": "n,p"}, "X", "A.T @ B.T"),
    ("tr(X'AX)", "tr(X.T @ A @ X)", {"X": "m,n", "A": "m,m"}, "X", "(A + A.T) @ X"),
    ("tr(XX')", "tr(X @ X.T)", {"X": "m,n"}, "X", "2*X"),
    ("tr(AX')", "tr(A @ X.T)", {"A": "m,n", "X": "m,n"}, "X", "A"),
    ("tr(XAX')", "tr(X @ A @ X.T)", {"X": "m,n", "A": "n,n"}, "X", "X @ (A + A.T)"),
    ("det X", "det(X)", {"X": "n,n"}, "X", "det(X) * inv(X).T"),
    ("log det X", "logdet(X)", {"X": "n,n"}, "X", "inv(X).T"),
    ("tr(X^-1 A)", "tr(inv(X) @ A)", {"X": "n,n", "A": "n,n"}, "X", "-inv(X).T @ A.T @ inv(X).T"),
    ("a'X^-1 b", "a.T @ inv(X) @ b", {"X": "n,n", "a": "n,1", "b": "n,1"}, "X", "-inv(X).T @ a @ b.T @ inv(X).T"),
    ("tr(A X^-1 B)", "tr(A @ inv(X) @ B)", {"A": "m,n", "X": "n,n", "B": "n,m"}, "X",
     "-inv(X).T @ A.T @ B.T @ inv(X).T"),
    ("det(AXB)", "det(A @ X @ B)", {"A": "2,m", "X": "m,n", "B": "n,2"}, "X",
     "det(A @ X @ B) * A.T @ inv(A @ X @ B).T @ B.T"),
    ("log det(X'X)", "logdet(X.T @ X)", {"X": "m,2"}, "X", "2 * X @ inv(X.T @ X)"),
    ("sum(X*A)", "sum(X * A)", {"X": "m,n", "A": "m,n"}, "X", "A"),
    ("a'(x*y)", "a.T @ (x * y)", {"a": "n,1", "x": "n,1", "y": "n,1"}, "x", "a * y"),
    ("sum(exp x)", "sum(exp(x))", {"x": "n,1"}, "x", "exp(x)"),
    ("sum(log x)", "sum(log(x))", {"x": "n,1"}, "x", "1 / x"),
    ("sum(sin X)", "sum(sin(X))", {"X": "m,n"}, "X", "cos(X)"),
    ("sum(tanh X)", "sum(tanh(X))", {"X": "m,n"}, "X", "1 - tanh(X)**2"),
    ("sum(X^3)", "sum(X**3)", {"X": "m,n"}, "X", "3 * X**2"),
    ("mean(X^2)", "mean(X**2)", {"X": "m,n"}, "X", "2 * X / (m*n)"),
    ("sum(sqrt x)", "sum(sqrt(x))", {"x": "n,1"}, "x", "0.5 / sqrt(x)"),
    ("sum(relu(Xw))", "sum(relu(X @ w))", {"X": "m,n", "w": "n,1"}, "w", "X.T @ heaviside(X @ w)"),
    ("logsumexp", "log(sum(exp(x)))", {"x": "n,1"}, "x", "exp(x) / sum(exp(x))"),
    ("softmax CE", "-y.T @ log_softmax(z)", {"y": "k,1", "z": "k,1"}, "z", "softmax(z) * sum(y) - y"),
    ("softmax CE via log", "-y.T @ log(softmax(z))", {"y": "k,1", "z": "k,1"}, "z", "softmax(z) * sum(y) - y"),
    ("logistic loss", "sum(log(1 + exp(-y * (X @ w))))", {"X": "m,n", "w": "n,1", "y": "m,1"}, "w",
     "-X.T @ (y * sigmoid(-y * (X @ w)))"),
    ("BCE of sigmoid", "-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))",
     {"X": "m,n", "w": "n,1", "y": "m,1"}, "w", "X.T @ (sigmoid(X @ w) - y)"),
    ("softplus", "sum(softplus(X @ w))", {"X": "m,n", "w": "n,1"}, "w", "X.T @ sigmoid(X @ w)"),
    ("sum(A*X*X)", "sum(A * X * X)", {"A": "m,n", "X": "m,n"}, "X", "2 * A * X"),
    ("x'Diag(a)x", "x.T @ Diag(a) @ x", {"x": "n,1", "a": "n,1"}, "x", "2 * a * x"),
    ("J: Ax", "A @ x", {"A": "m,n", "x": "n,1"}, "x", "A"),
    ("J: sigmoid(x)", "sigmoid(x)", {"x": "n,1"}, "x", "Diag(sigmoid(x) * (1 - sigmoid(x)))"),
    ("J: softmax(x)", "softmax(x)", {"x": "n,1"}, "x", "Diag(softmax(x)) - softmax(x) @ softmax(x).T"),
    ("J: relu(Wx+b)", "relu(W @ x + b)", {"W": "m,n", "x": "n,1", "b": "m,1"}, "x",
     "Diag(heaviside(W @ x + b)) @ W"),
    ("J: x*(a'x)", "x * (a.T @ x)", {"x": "n,1", "a": "n,1"}, "x", "(a.T @ x) * eye(n) + x @ a.T"),
    ("J: scalar t", "exp(t) * a", {"t": 1, "a": "m,1"}, "t", "exp(t) * a"),
]

TIMINGS = {}


@pytest.mark.parametrize("name,text,shapes,wrt,closed", IDENTITIES, ids=[r[0] for r in IDENTITIES])
def test_identity(name, text, shapes, wrt, closed):
    expr = parse(text, shapes)
    t0 = time.perf_counter()
    d = derive(expr, wrt)
    TIMINGS[name] = time.perf_counter() - t0
    assert TIMINGS[name] < 1.0
    wshape = expr_shape = None
    wshape = [n.shape for n in expr.walk() if n.op == "sym" and n.attrs[0] == wrt][0]
    if d.kind == "gradient":
        assert d.result.shape == wshape
    else:
        assert d.result.shape[0] == expr.shape[0]
    # the closed form agrees on random data of non-square sizes
    want = parse(closed, shapes)
    rng = np.random.default_rng(11)
    for _ in range(2):
        sizes = draw_sizes(expr, rng)
        data = draw_data(expr, sizes, rng)
        got = to_numpy(d.result)(dims=sizes, **{k: data[k] for k in to_numpy(d.result).symbols})
        ref = to_numpy(want)(dims=sizes, **{k: data[k] for k in to_numpy(want).symbols})
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-11, err_msg=f"{name}: {d}")
    report = verify(expr, wrt, d, trials=2, seed=5)
    assert report.passed, f"{name}: {d}\n{report}"


def test_table_is_large_enough():
    assert len(IDENTITIES) >= 30


def test_slowest_derivation_is_well_under_a_second():
    slowest = 0.0
    for name, text, shapes, wrt, _ in IDENTITIES:
        expr = parse(text, shapes)
        t0 = time.perf_counter()
        derive(expr, wrt)
        slowest = max(slowest, time.perf_counter() - t0)
    print(f"slowest identity derivation: {slowest * 1000:.1f} ms")
    assert slowest < 0.5
