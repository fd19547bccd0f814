"""The seed question: L = ‖relu(Xw + 𝟏b) − y‖²/m, its three gradients derived with steps and verified."""

import time

import numpy as np
import pytest

import gradlab as gl
from gradlab.symbolic import derive, parse, to_numpy, verify

SHAPES = {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"}
SEED_FORMS = ["norm2(relu(X @ w + ones(m)*b) - y)**2/m", "sum((relu(X @ w + ones(m)*b) - y)**2)/m",
              "(relu(X @ w + ones(m)*b) - y).T @ (relu(X @ w + ones(m)*b) - y) / m"]
EXPECTED = {"w": "(2/m)XᵀH(ŷ − y)", "b": "(2/m)𝟏ᵀH(ŷ − y)", "X": "(2/m)H(ŷ − y)wᵀ"}


@pytest.mark.parametrize("text", SEED_FORMS)
@pytest.mark.parametrize("wrt", ["w", "b", "X"])
def test_seed_gradients_in_matrix_form(text, wrt):
    d = derive(parse(text, SHAPES), wrt)
    assert str(d) == f"∂L/∂{wrt} = {EXPECTED[wrt]}"
    defs = {name: node.to_text({k: v for k, v in d.names.items() if k != node}) for name, _, node in d.definitions()}
    assert defs == {"z": "Xw + b𝟏", "ŷ": "relu(z)", "H": "Diag(𝓗(z))"}
    report = verify(parse(text, SHAPES), wrt, d, trials=3)
    assert report.passed, str(report)
    assert report.max_rel_error_autodiff < 1e-12
    assert report.max_rel_error_fd < 1e-6


def test_seed_steps_read_like_the_answer():
    d = derive(parse(SEED_FORMS[0], SHAPES), "X")
    lines = [f"{s.lhs} = {s.expr.to_text(d.names)}" for s in d.steps]
    # the seed answer's chain: (ŷ − y) : dŷ → H(ŷ − y) : dz → … : dX w → H(ŷ − y)wᵀ : dX
    for want in ["dL = (2/m)(ŷ − y) : dŷ", "dL = (2/m)(ŷ − y) : H dz", "dL = (2/m)H(ŷ − y) : dz",
                 "dL = (2/m)H(ŷ − y) : dX w", "dL = (2/m)H(ŷ − y)wᵀ : dX", "∂L/∂X = (2/m)H(ŷ − y)wᵀ"]:
        assert want in lines, (want, lines)
    rules = " | ".join(s.rule for s in d.steps)
    for name in ["chain rule for an element-wise function", "Hadamard to Diag", "Frobenius rearrangement A : BC = ACᵀ : B",
                 "product rule d(AB) = dA B + A dB"]:
        assert name in rules
    assert lines.index("dL = (2/m)H(ŷ − y) : dX w") < lines.index("dL = (2/m)H(ŷ − y)wᵀ : dX")


def test_seed_gradient_matches_hand_formula_numerically():
    rng = np.random.default_rng(3)
    X, w, b, y = rng.normal(size=(7, 4)), rng.normal(size=(4, 1)), rng.normal(size=(1, 1)), rng.normal(size=(7, 1))
    z = X @ w + b
    H = np.diag((z[:, 0] > 0).astype(float))
    yhat = np.maximum(z, 0)
    hand = {"w": 2 / 7 * X.T @ H @ (yhat - y), "b": 2 / 7 * np.ones((1, 7)) @ H @ (yhat - y),
            "X": 2 / 7 * H @ (yhat - y) @ w.T}
    e = parse(SEED_FORMS[0], SHAPES)
    for wrt, want in hand.items():
        got = to_numpy(derive(e, wrt).result)(X=X, w=w, b=b, y=y)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_numerator_layout_is_the_transpose_and_says_so():
    d = derive(parse(SEED_FORMS[0], SHAPES), "w", layout="numerator")
    assert d.result.shape == (1, "n")
    assert "numerator layout" in d.to_text()
    assert verify(parse(SEED_FORMS[0], SHAPES), "w", d).passed


def test_gl_derive_resolves_and_is_fast():
    t0 = time.perf_counter()
    d = gl.derive(SEED_FORMS[0], "w", shapes=SHAPES)
    assert time.perf_counter() - t0 < 1.0
    assert d.result_text() == EXPECTED["w"]
