"""fit: determinism, validation, interruption, divergence, input checks; evaluate."""

import math
import os
import signal

import numpy as np
import pytest

import gradlab as gl
from gradlab.train import Callback

from support.training import make_binary, same_weights, weights


def run(seed, moons, **kw):
    X, y = moons
    model, loss_fn, opt = make_binary(seed=1)
    history = gl.fit(model, loss_fn, opt, X, y, epochs=4, batch_size=16, seed=seed, verbose=0, **kw)
    return model, history


def test_same_seed_gives_bit_identical_history_and_weights(moons):
    m1, h1 = run(7, moons, validation_split=0.2)
    m2, h2 = run(7, moons, validation_split=0.2)
    assert h1.history == h2.history and h1.epoch == h2.epoch == [0, 1, 2, 3]
    assert same_weights(weights(m1), weights(m2))
    m3, h3 = run(8, moons, validation_split=0.2)
    assert h3.history != h1.history
    assert not same_weights(weights(m1), weights(m3))


def test_history_holds_train_and_validation_logs(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    h = gl.fit(model, loss_fn, opt, X[:150], y[:150], epochs=3, validation_data=(X[150:], y[150:]),
               metrics=("accuracy", "mse"), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "mse", "val_loss", "val_accuracy", "val_mse"}
    assert all(len(v) == 3 for v in h.history.values())
    assert len(h.epoch_times) == 3 and all(t > 0 for t in h.epoch_times)
    assert h["val_loss"] == h.history["val_loss"]
    final = gl.evaluate(model, loss_fn, X[150:], y[150:], metrics=("accuracy", "mse"))
    assert final["loss"] == pytest.approx(h.history["val_loss"][-1], rel=1e-12)
    assert final["accuracy"] == h.history["val_accuracy"][-1]
    assert not h.stopped_early and not h.interrupted and h.stopped_at is None


def test_validation_split_holds_out_rows(moons):
    _, h = run(0, moons, validation_split=0.25)
    assert h.params["samples"] == 150 and h.params["steps"] == 10
    assert "val_loss" in h.history


def test_training_loss_is_the_weighted_mean_of_batch_losses(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    losses = []

    class Record(Callback):
        def on_batch_end(self, batch, logs):
            losses.append((logs["loss"], logs["size"]))

    h = gl.fit(model, loss_fn, opt, X[:50], y[:50], epochs=1, batch_size=16, shuffle=False,
               callbacks=[Record()], verbose=0)
    assert [s for _, s in losses] == [16, 16, 16, 2]
    assert h.history["loss"][0] == pytest.approx(sum(v * s for v, s in losses) / 50, rel=1e-12)


def test_shuffle_false_is_deterministic_without_seed(moons):
    X, y = moons
    results = []
    for _ in range(2):
        model, loss_fn, opt = make_binary()
        gl.fit(model, loss_fn, opt, X, y, epochs=2, shuffle=False, verbose=0)
        results.append(weights(model))
    assert same_weights(*results)


class InterruptAt(Callback):
    def __init__(self, epoch, batch):
        self.at = (epoch, batch)
        self.epoch = None
        self.snapshot = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            self.snapshot = self.model.state_dict()
            raise KeyboardInterrupt


def test_keyboard_interrupt_from_callback_returns_usable_model(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    cb = InterruptAt(2, 3)
    h = gl.fit(model, loss_fn, opt, X, y, epochs=10, batch_size=20, seed=0, callbacks=[cb], verbose=0)
    assert h.interrupted and not h.stopped_early
    assert h.epoch == [0, 1] and len(h.history["loss"]) == 2  # the cut epoch is not recorded
    assert h.stopped_at == (2, 3)
    assert same_weights(weights(model), cb.snapshot)  # the weights after the last complete step
    out = model.predict(X)
    assert out.shape == (200, 1) and np.all(np.isfinite(out))
    h2 = gl.fit(model, loss_fn, opt, X, y, epochs=1, seed=0, verbose=0)  # training can go on
    assert not h2.interrupted and len(h2.epoch) == 1


def test_ctrl_c_signal_stops_after_the_current_batch(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    seen = []

    class PressCtrlC(Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)
            if len(seen) == 5:
                os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)
    h = gl.fit(model, loss_fn, opt, X, y, epochs=10, batch_size=50, callbacks=[PressCtrlC()], verbose=0)
    assert h.interrupted
    assert len(seen) == 5  # no batch after the one during which Ctrl-C came
    assert h.epoch == [0]  # epoch 0 (4 batches) complete; epoch 1 cut after its first batch
    assert signal.getsignal(signal.SIGINT) is before
    assert np.all(np.isfinite(model.predict(X)))


def test_callback_stop_on_last_batch_keeps_that_epoch(moons):
    X, y = moons

    class StopAtEnd(Callback):
        def on_batch_end(self, batch, logs=None):
            return batch == 3

    model, loss_fn, opt = make_binary()
    h = gl.fit(model, loss_fn, opt, X, y, epochs=5, batch_size=50, callbacks=[StopAtEnd()], verbose=0)
    assert h.epoch == [0] and h.stopped_early and not h.interrupted


class NaNAfter:
    """A loss that turns NaN at the given global step (0-based)."""

    def __init__(self, bad_step):
        self.inner = gl.nn.BCEWithLogitsLoss()
        self.bad_step = bad_step
        self.calls = 0

    def __call__(self, out, target):
        loss = self.inner(out, target)
        if out.requires_grad:
            self.calls += 1
            if self.calls - 1 == self.bad_step:
                return loss * math.nan
        return loss


def snapshots_after_each_step():
    states = []

    class Snap(Callback):
        def on_train_begin(self, logs=None):
            states.append(self.model.state_dict())

        def on_batch_end(self, batch, logs=None):
            states.append(self.model.state_dict())

    return states, Snap()


def test_divergence_names_epoch_batch_and_last_loss_and_restores_weights(moons):
    X, y = moons
    model, _, opt = make_binary()
    states, snap = snapshots_after_each_step()
    losses = []
    record = gl.train.LambdaCallback(on_batch_end=lambda b, logs: losses.append(logs["loss"]))
    with pytest.raises(gl.DivergenceError) as info:
        gl.fit(model, NaNAfter(9), opt, X, y, epochs=5, batch_size=50, callbacks=[snap, record], verbose=0)
    err = info.value
    # steps 0..8 ran; step 9 is epoch 3, batch 2 (from 1) of 4
    assert err.epoch == 3 and err.batch == 2
    assert err.last_finite_loss == losses[-1]
    assert "epoch 3, batch 2 of 4" in str(err) and f"{losses[-1]:.6g}" in str(err)
    assert "nan" in str(err)
    assert isinstance(err, FloatingPointError)
    # the weights that gave the last finite loss: before step 8, i.e. after step 7
    assert same_weights(weights(model), states[8])


def test_divergence_on_first_step_keeps_initial_weights(moons):
    X, y = moons
    model, _, opt = make_binary()
    initial = weights(model)
    with pytest.raises(gl.DivergenceError, match="initial") as info:
        gl.fit(model, NaNAfter(0), opt, X, y, epochs=2, verbose=0)
    assert info.value.last_finite_loss is None and info.value.batch == 1
    assert same_weights(weights(model), initial)


def test_exploding_learning_rate_raises_divergence_with_finite_weights():
    X, y = gl.data.linear_regression(64, n_features=3, noise=0.1, seed=0)
    model = gl.nn.Linear(3, 1, rng=0)
    opt = gl.optim.SGD(model.parameters(), lr=5.0)
    with pytest.raises(gl.DivergenceError, match="last finite loss was") as info:
        gl.fit(model, gl.nn.MSELoss(), opt, X, y, epochs=200, batch_size=8, metrics=(), seed=0, verbose=0)
    assert info.value.last_finite_loss > 1e10
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_non_scalar_loss_is_a_clear_error(moons):
    X, y = moons
    model, _, opt = make_binary()
    with pytest.raises(gl.ParameterError, match="scalar"):
        gl.fit(model, gl.nn.BCEWithLogitsLoss(reduction="none"), opt, X, y, epochs=1, verbose=0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, gl.ParameterError, "'epochs' parameter of fit"),
    ({"batch_size": 0}, gl.ParameterError, "'batch_size' parameter of fit"),
    ({"validation_split": 1.5}, gl.ParameterError, "'validation_split'"),
    ({"validation_split": 0.2, "validation_data": ([[0, 0]], [0])}, gl.ParameterError, "not both"),
    ({"metrics": ("f1",)}, gl.ParameterError, "unknown metric 'f1'"),
])
def test_bad_arguments(moons, kwargs, error, message):
    X, y = moons
    model, loss_fn, opt = make_binary()
    args = {"epochs": 1, "verbose": 0}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        gl.fit(model, loss_fn, opt, X, y, **args)


def test_bad_data(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    with pytest.raises(gl.ShapeError, match="200 rows but y has 199"):
        gl.fit(model, loss_fn, opt, X, y[:-1], epochs=1, verbose=0)
    Xbad = X.copy()
    Xbad[7, 1] = np.nan
    with pytest.raises(gl.NonFiniteError, match="row 7, column 1"):
        gl.fit(model, loss_fn, opt, Xbad, y, epochs=1, verbose=0)
    with pytest.raises(gl.ShapeError):
        gl.fit(model, loss_fn, opt, X[:, :1], y, epochs=1, verbose=0)


def test_float32_model_trains_in_float32():
    X, y = gl.data.blobs(60, centers=3, seed=0)
    model = gl.nn.MLP([2, 8, 3], rng=0)
    for p in model.parameters():
        p.data = p.data.astype(np.float32)
    opt = gl.optim.SGD(model.parameters(), lr=0.1)
    h = gl.fit(model, gl.nn.CrossEntropyLoss(), opt, X, y, epochs=3, verbose=0)
    assert model.parameters()[0].data.dtype == np.float32
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_multiclass_one_hot_targets_match_index_targets():
    X, y = gl.data.blobs(90, centers=3, seed=2)
    results = []
    for target in (y, gl.data.one_hot(y)):
        model = gl.nn.MLP([2, 8, 3], rng=0)
        opt = gl.optim.SGD(model.parameters(), lr=0.1)
        results.append(gl.fit(model, gl.nn.CrossEntropyLoss(), opt, X, target, epochs=3, seed=0, verbose=0))
    assert results[0].history["accuracy"] == results[1].history["accuracy"]
    assert np.allclose(results[0].history["loss"], results[1].history["loss"], rtol=1e-12)


class InterruptMidStep:
    """An optimizer that updates the first parameter, then gets Ctrl-C before the others (at call k)."""

    def __init__(self, params, k):
        self.inner = gl.optim.SGD(params, lr=0.1)
        self.params = params
        self.k = k
        self.calls = 0

    def zero_grad(self):
        self.inner.zero_grad()

    def step(self):
        self.calls += 1
        if self.calls == self.k:
            self.params[0].data -= 1.0
            raise KeyboardInterrupt
        self.inner.step()


def test_interrupt_inside_a_step_rolls_that_step_back(moons):
    X, y = moons
    model = gl.nn.MLP([2, 4, 1], rng=0)
    states, snap = snapshots_after_each_step()
    opt = InterruptMidStep(model.parameters(), k=6)
    h = gl.fit(model, gl.nn.BCEWithLogitsLoss(), opt, X, y, epochs=3, batch_size=50, callbacks=[snap], verbose=0)
    assert h.interrupted
    assert same_weights(weights(model), states[5])  # after the 5 complete steps, the half step undone


def test_non_finite_validation_loss_is_divergence(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    with pytest.raises(gl.DivergenceError, match="validation loss became inf after epoch 1"):
        gl.fit(model, gl.nn.MSELoss(), opt, X, y, epochs=2, validation_data=(X * 1e200, y), verbose=0)
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_progress_bar_on_a_terminal(moons, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stdout", screen)
    X, y = moons
    model, loss_fn, opt = make_binary()
    gl.fit(model, loss_fn, opt, X, y, epochs=2, batch_size=10, verbose=1)
    assert "Epoch 2/2" in screen.getvalue() and "40/40" in screen.getvalue()


def test_non_finite_weights_after_the_last_step_are_caught(moons):
    X, y = moons
    model = gl.nn.MLP([2, 4, 1], rng=0)
    states, snap = snapshots_after_each_step()
    params = model.parameters()
    inner = gl.optim.SGD(params, lr=0.1)

    class PoisonFourthStep:
        calls = 0

        def zero_grad(self):
            inner.zero_grad()

        def step(self):
            inner.step()
            self.calls += 1
            if self.calls == 4:  # the last step of epoch 1 (4 batches of 50)
                params[0].data[0, 0] = np.inf

    with pytest.raises(gl.DivergenceError, match=r"parameter '0.weight' holds NaN or inf .* epoch 1 \(batch 4\)"):
        gl.fit(model, gl.nn.BCEWithLogitsLoss(), PoisonFourthStep(), X, y, epochs=3, batch_size=50,
               callbacks=[snap], verbose=0)
    assert same_weights(weights(model), states[3])
