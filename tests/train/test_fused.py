"""fit's fast path (train/fused.py) against the general one: the same gradients, weights and history bit for bit."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.tensor import Tensor
from gradlab.train import compiled
from gradlab.train import fused as fused_module
from gradlab.train import loop


@pytest.fixture(autouse=True)
def _per_step_paths(monkeypatch):
    """The subject here is the per-step fast path: the whole-epoch compiled loop (test_compiled_fit.py), which
    would take these small networks, is turned off."""
    monkeypatch.setattr(compiled, "TRAINLOOP", None)


def _fit(monkeypatch, fast, make_model, loss_fn, opt, X, y, **kw):
    """Train a fresh model on the fast path (fast=True) or with the fast path switched off; (model, history, steps)."""
    taken = []
    with monkeypatch.context() as m:
        if fast:
            real = loop.fused_step

            def counting(model, loss):
                step = real(model, loss)
                if step is None:
                    return None
                return lambda x, t: taken.append(step(x, t)) or taken[-1]

            m.setattr(loop, "fused_step", counting)
        else:
            m.setattr(loop, "fused_step", lambda model, loss: None)
        model = make_model()
        history = gl.fit(model, loss_fn, opt(model), X, y, verbose=0, **kw)
    return model, history, taken


def _same(monkeypatch, make_model, loss_fn, opt, X, y, **kw):
    (a, ha, taken), (b, hb, none) = (_fit(monkeypatch, fast, make_model, loss_fn, opt, X, y, **kw)
                                     for fast in (True, False))
    assert taken and all(t is not None for t in taken) and not none  # the fast path ran, and only there
    for p, q in zip(a.parameters(), b.parameters()):
        assert p.data.dtype == q.data.dtype
        np.testing.assert_array_equal(p.data, q.data)
    assert ha.history == hb.history
    return a, ha


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cross_entropy_mlp_trains_bit_for_bit_as_the_general_path(dtype, monkeypatch):
    X, y = gl.data.blobs(n_samples=150, centers=3, seed=1)
    _, history = _same(monkeypatch, lambda: gl.nn.MLP([2, 16, 16, 3], rng=0, dtype=dtype),
                           gl.nn.CrossEntropyLoss(), lambda m: gl.optim.Adam(m.parameters(), lr=0.01), X, y,
                           epochs=4, batch_size=16, seed=0, validation_split=0.2)
    assert history.history["accuracy"][-1] > 0.9


def test_mse_regression_with_momentum_and_a_sum_reduction_trains_bit_for_bit(monkeypatch):
    X, y = gl.data.linear_regression(n_samples=90, n_features=3, noise=0.1, seed=2)
    for reduction in ("mean", "sum"):
        _same(monkeypatch, lambda: gl.nn.MLP([3, 8, 1], activation="tanh", rng=0),
              gl.nn.MSELoss(reduction=reduction),
              lambda m: gl.optim.SGD(m.parameters(), lr=0.001, momentum=0.9, weight_decay=1e-3), X, y, epochs=3,
              batch_size=8, seed=1, metrics=("mse", "mae"))


@pytest.mark.parametrize("make", [
    lambda: gl.nn.Sequential(gl.nn.Linear(2, 6, rng=0), gl.nn.Sigmoid(), gl.nn.Linear(6, 3, rng=1)),
    lambda: gl.nn.Sequential(gl.nn.Linear(2, 6, rng=0), gl.nn.LeakyReLU(0.2), gl.nn.Linear(6, 5, rng=1),
                             gl.nn.LeakyReLU(0.2), gl.nn.Linear(5, 3, rng=2)),
])
def test_other_activations_train_bit_for_bit(make, monkeypatch):
    X, y = gl.data.blobs(n_samples=60, centers=3, seed=3)
    _same(monkeypatch, make, gl.nn.CrossEntropyLoss(reduction="sum"),
          lambda m: gl.optim.SGD(m.parameters(), lr=0.01), X, y, epochs=2, batch_size=10, seed=0)


def test_frozen_and_tied_parameters_train_bit_for_bit(monkeypatch):
    X, y = gl.data.blobs(n_samples=60, centers=4, n_features=4, seed=4)

    def make():
        first, shared = gl.nn.Linear(4, 4, rng=0), gl.nn.Linear(4, 4, rng=1)
        first.weight.requires_grad = False  # frozen: no gradient, no step
        return gl.nn.Sequential(first, gl.nn.ReLU(), shared, gl.nn.ReLU(), shared)  # one layer used twice

    model, _ = _same(monkeypatch, make, gl.nn.CrossEntropyLoss(),
                     lambda m: gl.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=0.01), X, y, epochs=2,
                     batch_size=12, seed=0)
    np.testing.assert_array_equal(model[0].weight.data, gl.nn.Linear(4, 4, rng=0).weight.data)


def test_the_step_sets_the_gradients_loss_backward_gives(rng):
    model = gl.nn.MLP([5, 7, 4], rng=0)
    x = rng.standard_normal((6, 5))
    rows = gl.nn.CrossEntropyLoss().prepare_targets(rng.integers(0, 4, 6), (6, 4), np.float64)
    step = fused_module.fused_step(model, gl.nn.CrossEntropyLoss())
    out, value = step(x, rows)
    fast = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = None
    loss = gl.nn.CrossEntropyLoss()(model(Tensor.wrap(x)), Tensor.wrap(rows))
    loss.backward()
    assert value == loss.item()
    np.testing.assert_array_equal(out, model(Tensor.wrap(x)).data)
    for g, p in zip(fast, model.parameters()):
        np.testing.assert_array_equal(g, p.grad)
    step(x, rows)  # gradients already there are added to, as backward() does
    for g, p in zip(fast, model.parameters()):
        np.testing.assert_array_equal(p.grad, g + g)


def test_what_the_fast_path_leaves_to_the_general_one(rng):
    mlp = gl.nn.MLP([2, 3, 2], rng=0)
    assert fused_module.fused_step(mlp, gl.nn.CrossEntropyLoss()) is not None
    assert fused_module.fused_step(mlp, gl.nn.BCEWithLogitsLoss()) is None
    unreduced = gl.nn.CrossEntropyLoss(reduction="none")  # the reduction is read at every step
    rows = unreduced.prepare_targets(np.array([0, 1, 1, 0]), (4, 2), np.float64)
    assert fused_module.fused_step(mlp, unreduced)(rng.standard_normal((4, 2)), rows) is None
    unreduced.reduction = "sum"
    assert fused_module.fused_step(mlp, unreduced)(rng.standard_normal((4, 2)), rows) is not None
    for p in mlp.parameters():
        p.grad = None

    class Halved(gl.nn.Sequential):  # its own forward: not the dense row alone
        def forward(self, x):
            return super().forward(x) * 0.5

    assert fused_module.fused_step(Halved(gl.nn.Linear(2, 2, rng=0)), gl.nn.MSELoss()) is None

    class MyLoss(gl.nn.CrossEntropyLoss):  # a subclass may change forward: not fused
        pass

    assert fused_module.fused_step(mlp, MyLoss()) is None
    assert fused_module.fused_step(gl.nn.Linear(2, 2, rng=0), gl.nn.MSELoss()) is None  # not a Sequential
    step = fused_module.fused_step(mlp, gl.nn.MSELoss())
    x, t = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    mlp.fuse = False  # no dense row: this batch goes the general way, nothing changed
    assert step(x, t) is None and all(p.grad is None for p in mlp.parameters())
    mlp.fuse = True
    with gl.detect_anomaly():
        assert step(x, t) is None
    with gl.no_grad():
        assert step(x, t) is None
    assert step(x, rng.standard_normal((4, 3))) is None  # a target the loss row refuses: the general path reports
    assert all(p.grad is None for p in mlp.parameters())
    assert step(x, t) is not None


def test_divergence_on_the_fast_path_restores_the_weights_and_leaves_no_gradient(monkeypatch):
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([2.0, 4.0, 6.0, 8.0])
    model = gl.nn.Sequential(gl.nn.Linear(1, 1, rng=0))
    assert fused_module.fused_step(model, gl.nn.MSELoss()) is not None
    with pytest.raises(gl.DivergenceError):
        gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=1e3), X, y, epochs=60, batch_size=4,
               verbose=0)
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    assert all(p.grad is None for p in model.parameters())
