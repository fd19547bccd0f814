"""fit refuses bad objects before any work, keeps History's keys after an early interruption, and
trains to the same weights, bit for bit, with and without the compiled extension."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import native
from gradlab.train.callbacks import Callback

from support.training import make_binary, same_weights, weights


def _bad_X():
    return [["not", "numbers"]] * 4  # fit would refuse these too, but only after the objects


# ------------------------------------------------------- refused objects
@pytest.mark.parametrize("loss_fn, shown", [("mse", "str 'mse'"), (None, "NoneType None"),
                                            (gl.nn.MSELoss, "the class itself")])
def test_fit_refuses_a_loss_that_is_not_a_callable_loss_first(moons, loss_fn, shown):
    model, _, opt = make_binary()
    before = weights(model)
    with pytest.raises(gl.InputTypeError, match=rf"fit: loss_fn must be a loss object .*got {shown}"):
        gl.fit(model, loss_fn, opt, _bad_X(), np.zeros(4), epochs=1, verbose=0)
    assert same_weights(weights(model), before)


@pytest.mark.parametrize("optimizer, shown", [(None, "NoneType None"), ("adam", "str 'adam'"),
                                              (gl.optim.SGD, "the class itself")])
def test_fit_refuses_an_object_that_is_not_an_optimizer_first(optimizer, shown):
    model, loss_fn, _ = make_binary()
    with pytest.raises(gl.InputTypeError, match=rf"fit: optimizer must be an optimizer .*got {shown}"):
        gl.fit(model, loss_fn, optimizer, _bad_X(), np.zeros(4), epochs=1, verbose=0)


@pytest.mark.parametrize("shuffle", ["yes", 1, None])
def test_fit_refuses_a_shuffle_that_is_not_a_bool_first(shuffle):
    model, loss_fn, opt = make_binary()
    with pytest.raises(gl.ParameterError, match=rf"The 'shuffle' parameter of fit must be True or False\. "
                                                rf"Got {shuffle!r}\."):
        gl.fit(model, loss_fn, opt, _bad_X(), np.zeros(4), epochs=1, shuffle=shuffle, verbose=0)


def test_fit_refuses_an_optimizer_over_another_models_parameters(moons):
    X, y = moons
    model, loss_fn, _ = make_binary(seed=0)
    other, _, other_opt = make_binary(seed=1)
    before, before_other = weights(model), weights(other)
    with pytest.raises(gl.ParameterError, match=r"fit: the optimizer \(Adam\) updates none of the model's 4 "
                                                r"parameters .*Adam\(model\.parameters\(\), \.\.\.\)"):
        gl.fit(model, loss_fn, other_opt, X, y, epochs=1, verbose=0)
    assert same_weights(weights(model), before) and same_weights(weights(other), before_other)


def test_fit_trains_with_an_optimizer_over_part_of_the_model(moons):
    X, y = moons
    model, loss_fn, _ = make_binary()
    last = list(model.parameters())[-2:]
    first = [p.data.copy() for p in list(model.parameters())[:-2]]
    h = gl.fit(model, loss_fn, gl.optim.SGD(last, lr=0.1), X, y, epochs=2, verbose=0, shuffle=np.bool_(False))
    assert len(h.epoch) == 2
    assert all(np.array_equal(a, p.data) for a, p in zip(first, list(model.parameters())[:-2]))


# ----------------------------------------- History after an interruption
class _InterruptFirstBatch(Callback):
    def on_batch_end(self, batch, logs=None):
        raise KeyboardInterrupt


@pytest.mark.parametrize("validation", [False, True])
def test_history_keeps_its_keys_when_the_first_epoch_is_interrupted(moons, validation):
    X, y = moons
    model, loss_fn, opt = make_binary()
    extra = {"validation_split": 0.25} if validation else {}
    h = gl.fit(model, loss_fn, opt, X, y, epochs=3, metrics=("accuracy", "mse"), callbacks=[_InterruptFirstBatch()],
               verbose=0, **extra)
    assert h.interrupted and h.epoch == []
    want = ["loss", "accuracy", "mse"] + (["val_loss", "val_accuracy", "val_mse"] if validation else [])
    assert list(h.history) == want and all(v == [] for v in h.history.values())
    assert h["loss"] == [] and "loss" in h and h.last() == {}
    assert "no epoch completed" in repr(h)


def test_history_keeps_its_keys_after_ctrl_c_in_the_first_epoch(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()

    class PressCtrlC(Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)

    h = gl.fit(model, loss_fn, opt, X, y, epochs=3, batch_size=20, callbacks=[PressCtrlC()], verbose=0)
    assert h.interrupted and h.history == {"loss": [], "accuracy": []}


def test_history_keys_after_a_full_run_are_unchanged(moons):
    X, y = moons
    model, loss_fn, opt = make_binary()
    h = gl.fit(model, loss_fn, opt, X, y, epochs=2, validation_split=0.2, verbose=0)
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 2 for v in h.history.values())


# ------------------------------- compiled extension vs NumPy, bit for bit
_TRAIN = textwrap.dedent("""
    import json, sys
    import numpy as np
    import gradlab as gl
    import gradlab.train.compiled
    from gradlab.core import native
    dtype = sys.argv[1]
    if sys.argv[2] == "stepwise":  # the element-wise kernels alone (the whole-epoch loop is compared below)
        gradlab.train.compiled.TRAINLOOP = None
    X, y = gl.data.blobs(n_samples=300, centers=4, seed=0)
    model = gl.nn.MLP([2, 32, 32, 4], rng=0, dtype=dtype)
    h = gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.Adam(model.parameters(), lr=1e-2), X.astype(dtype), y,
               epochs=15, batch_size=16, seed=0, verbose=0)
    print(json.dumps({"compiled": native.KERNELS is not None, "loss": h.history["loss"],
                      "compiled_epochs": h.params["compiled_epochs"],
                      "weights": [p.data.tobytes().hex() for p in model.parameters()]}))
""")


def _train_in_subprocess(dtype, numpy_only, loop="stepwise"):
    env = dict(os.environ)
    env.pop("GRADLAB_NUMPY_ONLY", None)
    if numpy_only:
        env["GRADLAB_NUMPY_ONLY"] = "1"  # read when gradlab is imported: hence a fresh interpreter
    out = subprocess.run([sys.executable, "-c", _TRAIN, dtype, loop], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cross_entropy_training_ends_at_the_same_weights_with_and_without_the_extension(dtype):
    numpy_run = _train_in_subprocess(dtype, numpy_only=True)
    default_run = _train_in_subprocess(dtype, numpy_only=False)
    assert not numpy_run["compiled"] and numpy_run["compiled_epochs"] == 0
    assert default_run["compiled"] == (native.KERNELS is not None)
    assert default_run["weights"] == numpy_run["weights"]
    assert default_run["loss"] == numpy_run["loss"]


@pytest.mark.skipif(native.TRAINLOOP is None, reason="compiled training loop not built (gradlab._trainloop)")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_whole_epoch_loop_ends_near_the_numpy_weights(dtype):
    numpy_run = _train_in_subprocess(dtype, numpy_only=True)
    loop_run = _train_in_subprocess(dtype, numpy_only=False, loop="whole-epoch")
    assert loop_run["compiled_epochs"] == 15
    tol = 1e-12 if dtype == "float64" else 1e-5
    for a, b in zip(loop_run["weights"], numpy_run["weights"]):
        x, y = (np.frombuffer(bytes.fromhex(h), dtype=dtype) for h in (a, b))
        assert np.max(np.abs(x - y)) <= tol * np.max(np.abs(y))
    np.testing.assert_allclose(loop_run["loss"], numpy_run["loss"], rtol=tol)
