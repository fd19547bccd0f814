"""The slides' perceptron: bias trick, unit step z >= θ, Rosenblatt rule, convergence."""

import warnings

import numpy as np
import pytest

import gradlab as gl
from gradlab.train import ConvergenceWarning


@pytest.mark.parametrize("gate", ["and_gate", "or_gate"])
def test_linearly_separable_gates_converge(gate):
    X, y = getattr(gl.data, gate)()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = gl.Perceptron(2).fit(X, y)
    assert p.converged_
    assert p.errors_[-1] == 0 and all(e > 0 for e in p.errors_[:-1])
    assert p.epochs_ == len(p.errors_)
    assert np.array_equal(p.predict(X), y)


def test_xor_does_not_converge_and_warns():
    X, y = gl.data.xor()
    with pytest.warns(ConvergenceWarning, match="linearly separable"):
        p = gl.Perceptron(2).fit(X, y, max_epochs=50)
    assert not p.converged_ and p.epochs_ == 50
    assert min(p.errors_) > 0
    assert p.score(X, y) < 1.0


def test_first_epoch_of_and_by_hand():
    # w = [w0, w1, w2] = 0, θ = 0, η = 1, samples in truth-table order:
    # (0,0): z=0 >= 0 -> ŷ=1, e=-1, w=[-1,0,0]; (0,1): z=-1 -> 0, ok; (1,0): z=-1 -> 0, ok;
    # (1,1): z=-1 -> 0, y=1, e=+1, w=[0,1,1].
    X, y = gl.data.and_gate()
    p = gl.Perceptron(2).fit(X, y)
    first = p.history_[:4]
    assert [s.z for s in first] == [0.0, -1.0, -1.0, -1.0]
    assert [s.output for s in first] == [1, 0, 0, 0]
    assert [s.error for s in first] == [-1, 0, 0, 1]
    assert np.array_equal(first[0].x, [1.0, 0.0, 0.0])  # x0 = 1 prepended
    assert np.array_equal(first[0].weights, [-1.0, 0.0, 0.0])
    assert np.array_equal(first[3].weights, [0.0, 1.0, 1.0])
    assert p.errors_[0] == 2


def test_every_step_follows_the_rosenblatt_rule():
    X, y = gl.data.or_gate()
    p = gl.Perceptron(2, threshold=0.5, lr=0.25, weights=[0.1, -0.2, 0.3]).fit(X, y)
    w = np.array([0.1, -0.2, 0.3])
    for s in p.history_:
        assert s.z == pytest.approx(s.x @ w)
        assert s.output == (1 if s.z >= 0.5 else 0)
        assert s.error == s.target - s.output
        w = w + 0.25 * s.error * s.x
        assert np.allclose(s.weights, w)
    assert np.allclose(p.weights_, w)
    assert len(p.history_) == 4 * p.epochs_


def test_step_at_threshold_outputs_one():
    p = gl.Perceptron(1, threshold=2.0, weights=[0.0, 1.0])
    assert np.array_equal(p.predict(np.array([[1.999], [2.0], [3.0]])), [0, 1, 1])
    assert np.allclose(p.net_input(np.array([[2.0]])), [2.0])


def test_bad_inputs():
    p = gl.Perceptron(2)
    with pytest.raises(gl.ShapeError, match=r"\(N, 2\)"):
        p.fit(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(gl.ParameterError, match="0 or 1"):
        p.fit(np.zeros((2, 2)), np.array([0, 2]))
    with pytest.raises(gl.ParameterError, match="'lr' parameter of Perceptron"):
        gl.Perceptron(2, lr=0)
    with pytest.raises(gl.ShapeError, match=r"\(3,\)"):
        gl.Perceptron(2, weights=[1.0, 2.0])


def test_fit_starts_over_from_the_initial_weights():
    X, y = gl.data.or_gate()
    p = gl.Perceptron(2, weights=[0.5, 0.0, 0.0])
    first = p.fit(X, y).weights_.copy()
    steps = len(p.history_)
    second = p.fit(X, y).weights_
    assert np.array_equal(first, second) and len(p.history_) == steps
    assert np.array_equal(p.initial_weights, [0.5, 0.0, 0.0])
