"""The homework (seed 002): Linear–ReLU–Linear–MSE and the sigmoid / BCE variant, four gradients each."""

import numpy as np
import pytest

from gradlab.symbolic import derive, parse, to_numpy, verify

SHAPES = {"x": "d,1", "W1": "h,d", "b1": "h,1", "W2": "k,h", "b2": "k,1", "y": "k,1"}
MSE = "norm2(W2 @ relu(W1 @ x + b1) + b2 - y)**2"
BCE = "-(y.T @ log(sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)) + (1 - y).T @ log(1 - sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2))) / k"
MSE_SIGMOID = "norm2(sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2) - y)**2"


def _data(seed=0):
    rng = np.random.default_rng(seed)
    sizes = {"d": 5, "h": 4, "k": 3}
    data = {n: rng.normal(size=tuple(sizes[s] if s in sizes else int(s) for s in shp.split(",")))
            for n, shp in SHAPES.items()}
    data["y"] = rng.uniform(0.1, 0.9, size=(3, 1))
    return sizes, data


def _hand(kind, data):
    """The homework's matrix-form answers: δ recursion, ∂ℓ/∂W = δ aᵀ (denominator layout), ∂ℓ/∂b = δ."""
    x, W1, b1, W2, b2, y = (data[n] for n in ("x", "W1", "b1", "W2", "b2", "y"))
    s1 = W1 @ x + b1
    if kind == "mse":
        z1 = np.maximum(s1, 0)
        yhat = W2 @ z1 + b2
        delta2 = 2 * (yhat - y)
        delta1 = (s1 > 0) * (W2.T @ delta2)
    else:
        sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
        z1 = sig(s1)
        yhat = sig(W2 @ z1 + b2)
        if kind == "bce":
            delta2 = (yhat - y) / y.shape[0]
        else:
            delta2 = 2 * (yhat - y) * yhat * (1 - yhat)
        delta1 = z1 * (1 - z1) * (W2.T @ delta2)
    return {"W2": delta2 @ z1.T, "b2": delta2, "W1": delta1 @ x.T, "b1": delta1}


@pytest.mark.parametrize("kind,text", [("mse", MSE), ("bce", BCE), ("mse_sigmoid", MSE_SIGMOID)])
@pytest.mark.parametrize("wrt", ["W1", "b1", "W2", "b2"])
def test_homework_gradients(kind, text, wrt):
    expr = parse(text, SHAPES)
    d = derive(expr, wrt)
    assert d.result.shape == dict(W1=("h", "d"), b1=("h", 1), W2=("k", "h"), b2=("k", 1))[wrt]
    assert len(d.steps) > 3
    sizes, data = _data(1)
    got = to_numpy(d.result)(dims=sizes, **{k: data[k] for k in to_numpy(d.result).symbols})
    np.testing.assert_allclose(got, _hand(kind, data)[wrt], rtol=1e-9, atol=1e-12)
    report = verify(expr, wrt, d, trials=2)
    assert report.passed, str(report)


def test_homework_mse_reads_in_matrix_form():
    expr = parse(MSE, SHAPES)
    texts = {w: derive(expr, w).result_text() for w in ("W1", "b1", "W2", "b2")}
    assert texts["W2"] == "2(ŷ − y)a₁ᵀ" or texts["W2"].endswith("a₁ᵀ")
    assert texts["b2"].startswith("2(")
    assert "H" in texts["W1"] and texts["W1"].endswith("xᵀ") and "W2ᵀ" in texts["W1"]
    assert texts["b1"].startswith("2H") and "W2ᵀ" in texts["b1"]


def test_homework_numerator_layout_matches_the_homework_shapes():
    # the homework states ∂ℓ/∂W⁽²⁾ as d_z × d_s (numerator layout): the transpose of W2's shape
    d = derive(parse(MSE, SHAPES), "W2", layout="numerator")
    assert d.result.shape == ("h", "k")
    assert verify(parse(MSE, SHAPES), "W2", d, trials=1).passed
