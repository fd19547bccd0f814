"""The callback protocol, EarlyStopping and ModelCheckpoint."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.train import Callback, EarlyStopping, ModelCheckpoint

from support.training import make_binary, same_weights, weights


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))


def test_hooks_run_in_order_with_context(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    rec = Recorder()
    h = gl.fit(model, loss_fn, opt, X[:40], y[:40], epochs=2, batch_size=20, callbacks=[rec], verbose=0)
    batch_keys = ["batch", "loss", "size"]
    epoch_keys = ["accuracy", "loss"]
    assert rec.calls == [
        ("train_begin",),
        ("epoch_begin", 0), ("batch_end", 0, batch_keys), ("batch_end", 1, batch_keys), ("epoch_end", 0, epoch_keys),
        ("epoch_begin", 1), ("batch_end", 0, batch_keys), ("batch_end", 1, batch_keys), ("epoch_end", 1, epoch_keys),
        ("train_end",),
    ]
    assert rec.model is model and rec.history is h and rec.params["steps"] == 2


def test_duck_typed_callback_and_lambda_callback(moons):
    X, y = moons
    epochs = []

    class Plain:  # no base class: the protocol is just the method names
        def on_epoch_end(self, epoch, logs):
            epochs.append(epoch)

    lam = gl.train.LambdaCallback(on_epoch_end=lambda epoch, logs: epochs.append(-epoch))
    model, loss_fn, opt = make_binary()
    gl.fit(model, loss_fn, opt, X, y, epochs=2, callbacks=[Plain(), lam], verbose=0)
    assert epochs == [0, 0, 1, -1]


def test_object_without_hooks_is_rejected(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    with pytest.raises(gl.InputTypeError, match="on_epoch_end"):
        gl.fit(model, loss_fn, opt, X, y, epochs=1, callbacks=[object()], verbose=0)


def test_returning_true_or_setting_stop_training_stops(moons):
    X, y = moons

    class ReturnTrue(Callback):
        def on_epoch_end(self, epoch, logs=None):
            return epoch == 1

    class SetFlag(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    for cb, n in ((ReturnTrue(), 2), (SetFlag(), 3)):
        model, loss_fn, opt = make_binary()
        h = gl.fit(model, loss_fn, opt, X, y, epochs=10, callbacks=[cb], verbose=0)
        assert len(h.epoch) == n and h.stopped_early and not h.interrupted


def test_early_stopping_counts_patience_and_restores_best():
    model = gl.nn.MLP([2, 3, 1], rng=0)
    es = EarlyStopping(monitor="val_loss", patience=2)
    es.model = model
    es.on_train_begin()
    values = [3.0, 2.0, 2.5, 2.6]
    snapshots = []
    stops = []
    for epoch, v in enumerate(values):
        for p in model.parameters():
            p.data += 1.0  # every epoch changes the weights
        snapshots.append(weights(model))
        stops.append(es.on_epoch_end(epoch, {"val_loss": v}))
    assert stops == [False, False, False, True]
    assert es.best == 2.0 and es.best_epoch == 1 and es.stopped_epoch == 3
    es.on_train_end()
    assert es.restored and same_weights(weights(model), snapshots[1])


def test_early_stopping_min_delta_and_max_mode():
    es = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.05, restore_best_weights=False)
    assert es.mode == "max"
    es.on_train_begin()
    assert es.on_epoch_end(0, {"val_accuracy": 0.80}) is False
    assert es.on_epoch_end(1, {"val_accuracy": 0.84}) is True  # +0.04 is not an improvement


def test_early_stopping_in_fit_restores_best_epoch(moons):
    X, y = moons
    # validation labels are the flipped training labels: the better the fit, the worse val_loss
    model, loss_fn, opt = make_binary()
    best = {}

    class Keep(Callback):
        def on_epoch_end(self, epoch, logs=None):
            best[epoch] = self.model.state_dict()

    es = EarlyStopping(patience=3)
    h = gl.fit(model, loss_fn, opt, X, y, epochs=50, validation_data=(X, 1 - y), callbacks=[Keep(), es],
               verbose=0)
    assert h.stopped_early and len(h.epoch) == es.best_epoch + 4
    assert same_weights(weights(model), best[es.best_epoch])
    assert h.history["val_loss"][es.best_epoch] == min(h.history["val_loss"])


def test_early_stopping_without_validation_says_what_to_do(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    with pytest.raises(gl.ParameterError, match="monitors 'val_loss'.*validation_split"):
        gl.fit(model, loss_fn, opt, X, y, epochs=2, callbacks=[EarlyStopping()], verbose=0)


def test_bad_early_stopping_parameters():
    with pytest.raises(gl.ParameterError, match="'patience' parameter of EarlyStopping"):
        EarlyStopping(patience=-1)
    with pytest.raises(gl.ParameterError, match="'mode' parameter"):
        EarlyStopping(mode="best")


def test_model_checkpoint_saves_best_and_reloads(moons, tmp_path):
    X, y = moons
    model, loss_fn, opt = make_binary()
    path = tmp_path / "best.safetensors"
    saved_weights = {}

    class Track(Callback):
        def on_epoch_end(self, epoch, logs=None):
            saved_weights[epoch] = self.model.state_dict()

    ckpt = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    h = gl.fit(model, loss_fn, opt, X[:150], y[:150], epochs=5, validation_data=(X[150:], y[150:]),
               callbacks=[Track(), ckpt], verbose=0)
    best_epoch = int(np.argmin(h.history["val_loss"]))
    assert ckpt.best == min(h.history["val_loss"])
    loaded = gl.load(path)
    assert same_weights(weights(loaded), saved_weights[best_epoch])


def test_model_checkpoint_every_epoch_with_formatted_names(moons, tmp_path):
    X, y = moons
    model, loss_fn, opt = make_binary()
    ckpt = ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{loss:.3f}.safetensors"), monitor="loss")
    gl.fit(model, loss_fn, opt, X, y, epochs=3, callbacks=[ckpt], verbose=0)
    assert len(ckpt.saved) == 3 and "m-03-" in ckpt.saved[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.split("/")[-1] for p in ckpt.saved)
    assert np.allclose(gl.load(ckpt.saved[-1]).predict(X), model.predict(X))
