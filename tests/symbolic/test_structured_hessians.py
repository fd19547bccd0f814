"""Hessians compiled in the form the derivation gives them: Diag(d) + U Vᵀ, the same matrix entry for entry."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.symbolic import codegen, hessian, to_numpy
from gradlab.symbolic.structured import DiagPlusLowRank

N = 7
RNG = np.random.default_rng(3)


def _softmax_ce():
    d = hessian("-y.T @ log_softmax(z)", "z", shapes={"y": "n,1", "z": "n,1"}, sums_to_one=["y"])
    return d, RNG.standard_normal((N, 1))


def test_softmax_cross_entropy_hessian_is_diag_minus_an_outer_product_exactly():
    d, z = _softmax_ce()
    f, dense = to_numpy(d.result, structured=True), to_numpy(d.result)
    assert f.structured and not dense.structured
    H = f(z=z)
    assert isinstance(H, DiagPlusLowRank) and H.shape == (N, N) and H.rank_of_update == 1
    p = np.exp(z[:, 0] - z.max())
    p /= p.sum()
    np.testing.assert_array_equal(np.asarray(H), dense(z=z))
    np.testing.assert_allclose(np.asarray(H), np.diag(p) - np.outer(p, p), rtol=1e-15, atol=1e-17)
    # against autodiff: the Hessian of −yᵀ log softmax(z) for a y summing to one
    y = RNG.random(N)
    y /= y.sum()
    want = gl.hessian(lambda t: -gl.sum(gl.tensor(y) * gl.log_softmax(t)))(z[:, 0])
    np.testing.assert_allclose(np.asarray(H), want, rtol=1e-12, atol=1e-15)


def test_a_structured_matrix_multiplies_and_reads_like_the_dense_one():
    d, z = _softmax_ce()
    H, D = to_numpy(d.result, structured=True)(z=z), to_numpy(d.result)(z=z)
    v, M = RNG.standard_normal(N), RNG.standard_normal((N, 3))
    np.testing.assert_allclose(H @ v, D @ v, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(H @ M, D @ M, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(v @ H, v @ D, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(M.T @ H, M.T @ D, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(H.diagonal(), np.diag(D), rtol=1e-15)
    assert H.trace() == pytest.approx(np.trace(D), rel=1e-14)
    np.testing.assert_array_equal(np.asarray(H.T), D.T)
    with pytest.raises(gl.ShapeError, match=r"cannot multiply a \(7, 7\) matrix by shape \(3,\)"):
        H @ np.ones(3)


@pytest.mark.parametrize("expr,shapes,want", [
    ("sum(exp(x)) + 3 * x.T @ x", {"x": "n,1"}, lambda x, a: np.diag(np.exp(x[:, 0])) + 6 * np.eye(N)),
    ("(a.T @ x) ** 2", {"x": "n,1", "a": "n,1"}, lambda x, a: 2 * a @ a.T),
])
def test_other_diagonal_and_outer_product_hessians_are_structured(expr, shapes, want):
    d = hessian(expr, "x", shapes=shapes)
    f = to_numpy(d.result, structured=True)
    x, a = RNG.standard_normal((N, 1)), RNG.standard_normal((N, 1))
    args = {"x": x, "a": a}
    H = f(**{k: args[k] for k in f.symbols}, dims={"n": N})
    assert f.structured
    np.testing.assert_allclose(np.asarray(H), want(x, a), rtol=1e-13, atol=1e-15)


def test_a_hessian_without_that_form_stays_dense():
    d = hessian("x.T @ A @ x", "x", shapes={"x": "n,1", "A": "n,n"})
    f = to_numpy(d.result, structured=True)
    A, x = RNG.standard_normal((N, N)), RNG.standard_normal((N, 1))
    H = f(x=x, A=A) if "x" in f.symbols else f(A=A)
    assert not f.structured and isinstance(H, np.ndarray)
    np.testing.assert_allclose(H, A + A.T, rtol=1e-15)


def test_a_shared_sub_expression_is_computed_once_per_call(monkeypatch):
    d, z = _softmax_ce()
    calls = []
    real = codegen._softmax
    monkeypatch.setattr(codegen, "_softmax", lambda v, axis=0: calls.append(1) or real(v, axis))
    for structured in (False, True):
        f = to_numpy(d.result, structured=structured)  # Diag(s) − s sᵀ names softmax(z) three times
        calls.clear()
        f(z=z)
        assert len(calls) == 1
