"""fit's compiled whole-epoch loop (gradlab/train/compiled.py, src/gradlab/_trainloop.c) against its general path.

Every supported combination (activation × bias × loss × optimizer × dtype, batch sizes that do and do not
divide the data) is trained both ways from the same weights and seed; the weights, the History and the
optimizer's state must agree to 1e-12 relative in float64 and 1e-5 in float32, and where every product is a
single multiplication (a 1-1-1 network, batch 1) bit for bit. The general path is chosen by turning the loop
off (``compiled.TRAINLOOP = None``), as GRADLAB_NUMPY_ONLY=1 does at import.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

import gradlab as gl
import gradlab.train.compiled as compiled
from gradlab.core import native
from gradlab.core.errors import DivergenceError
from gradlab.train.callbacks import Callback

pytestmark = pytest.mark.skipif(native.TRAINLOOP is None,
                                reason="compiled training loop not built (gradlab._trainloop)")

ACTIVATIONS = {"identity": gl.nn.Identity, "relu": gl.nn.ReLU, "leaky_relu": lambda: gl.nn.LeakyReLU(0.1),
               "sigmoid": gl.nn.Sigmoid, "tanh": gl.nn.Tanh}
OPTIMIZERS = {
    "sgd": lambda p: gl.optim.SGD(p, lr=0.1),
    "sgd_decay": lambda p: gl.optim.SGD(p, lr=0.1, weight_decay=1e-3),
    "momentum": lambda p: gl.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1),
    "nesterov": lambda p: gl.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: gl.optim.Adam(p, lr=0.01, weight_decay=1e-4),
    "adamw": lambda p: gl.optim.AdamW(p, lr=0.01, weight_decay=1e-2),
}
LOSSES = {"mse": gl.nn.MSELoss, "bce": gl.nn.BCEWithLogitsLoss, "ce": gl.nn.CrossEntropyLoss,
          "mse_sum": lambda: gl.nn.MSELoss(reduction="sum"), "ce_sum": lambda: gl.nn.CrossEntropyLoss(reduction="sum")}


@contextlib.contextmanager
def loop_on(loop):
    """The compiled loop on (loop=True) or off (the general path) inside the block."""
    saved = compiled.TRAINLOOP
    compiled.TRAINLOOP = saved if loop else None
    try:
        yield
    finally:
        compiled.TRAINLOOP = saved


def _data(loss, dtype, n=60):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 3)).astype(dtype)
    labels = ((X[:, 0] * X[:, 1] > 0) + (X[:, 2] > 0.5)).astype(int)
    if loss.startswith("ce"):
        return X, labels, 3
    if loss == "bce":
        return X, (labels > 0).astype(dtype).reshape(-1, 1), 1
    return X, np.stack([X[:, 0] * X[:, 1], np.sin(X[:, 2])], axis=1).astype(dtype), 2


def _model(act, bias, outputs, dtype, hidden=(8, 5)):
    gl.manual_seed(11)
    sizes = (3, *hidden, outputs)
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(gl.nn.Linear(a, b, bias=bias, dtype=dtype))
        if k < len(sizes) - 2:
            layers.append(ACTIVATIONS[act]())
    return gl.nn.Sequential(*layers)


def train(loop, act="tanh", bias=True, loss="mse", opt="sgd", dtype="float64", batch=8, epochs=6, metrics=("accuracy",),
          callbacks=(), **kwargs):
    """(model, History, optimizer) of a fit with the compiled loop on (loop=True) or off."""
    with loop_on(loop):
        X, y, outputs = _data(loss, dtype)
        model = _model(act, bias, outputs, dtype)
        optimizer = OPTIMIZERS[opt](model.parameters())
        metrics = metrics if not loss.startswith("mse") else ("mse",)
        h = gl.fit(model, LOSSES[loss](), optimizer, X, y, epochs=epochs, batch_size=batch, seed=5, verbose=0,
                   metrics=metrics, callbacks=callbacks, **kwargs)
        return model, h, optimizer


def assert_close(a, b, dtype, what):
    tol = 1e-12 if dtype == "float64" else 1e-5
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b))), 1e-30) if b.size else 1.0
    assert np.max(np.abs(a - b), initial=0.0) <= tol * scale, f"{what}: {np.max(np.abs(a - b))} vs scale {scale}"


def assert_same_training(fast, slow, dtype):
    (m1, h1, o1), (m2, h2, o2) = fast, slow
    assert h1.params["compiled_epochs"] == len(h1.history["loss"]) > 0
    assert h2.params["compiled_epochs"] == 0
    assert list(h1.history) == list(h2.history)
    for key in h1.history:
        assert_close(h1.history[key], h2.history[key], dtype, key)
    for (name, p), q in zip(m1.named_parameters(), m2.parameters()):
        assert p.data.dtype == np.dtype(dtype)
        assert_close(p.data, q.data, dtype, name)
        assert_close(p.grad, q.grad, dtype, name + ".grad")  # the last batch's gradient, as on the general path
    if isinstance(o1, gl.optim.Adam):
        assert o1.t == o2.t and o1._steps == o2._steps
        for a, b in zip(o1._m + o1._v, o2._m + o2._v):
            assert_close(a, b, dtype, "moments")
    elif o1.momentum:
        for a, b in zip(o1._buffers, o2._buffers):
            assert_close(a, b, dtype, "momentum buffer")


COMBINATIONS = [(act, bias, loss, opt, dtype) for act in ACTIVATIONS for bias in (True, False)
                for loss in ("mse", "bce", "ce") for opt in OPTIMIZERS for dtype in ("float64", "float32")]


@pytest.mark.parametrize("act,bias,loss,opt,dtype", COMBINATIONS)
def test_every_supported_combination_trains_as_the_general_path(act, bias, loss, opt, dtype):
    kw = dict(act=act, bias=bias, loss=loss, opt=opt, dtype=dtype)
    assert_same_training(train(True, **kw), train(False, **kw), dtype)


@pytest.mark.parametrize("loss", ["mse_sum", "ce_sum"])
@pytest.mark.parametrize("batch", [1, 7, 60, 100])
def test_sum_reduction_and_every_batch_size(loss, batch):
    kw = dict(loss=loss, batch=batch, opt="momentum", act="relu")
    assert_same_training(train(True, **kw), train(False, **kw), "float64")


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_a_network_of_single_products_is_bit_for_bit(loss, opt):
    """1 → 1 → 1 with batch 1: every product is one multiplication and every sum one term, so nothing can be
    ordered differently and the two paths give the same bits (NumPy's own exp, log1p and tanh loops)."""
    results = []
    for loop in (True, False):
        with loop_on(loop):
            gl.manual_seed(2)
            model = gl.nn.Sequential(gl.nn.Linear(1, 1), gl.nn.Tanh(), gl.nn.Linear(1, 1))
            X = np.linspace(-1, 1, 9).reshape(-1, 1)
            y = (X > 0).astype(float) if loss == "bce" else np.sin(3 * X)
            h = gl.fit(model, LOSSES[loss](), OPTIMIZERS[opt](model.parameters()), X, y, epochs=10, batch_size=1,
                       seed=1, verbose=0, metrics=())
            results.append(([p.data.tobytes() for p in model.parameters()], h.history["loss"],
                            h.params["compiled_epochs"]))
    (w1, l1, c1), (w2, l2, c2) = results
    assert c1 == 10 and c2 == 0
    assert w1 == w2 and l1 == l2


WIDE_SHAPES = [(70, 37, 21, 3), (13, 40, 19, 2), (33, 64, 10), (5, 16, 1)]


@pytest.mark.parametrize("sizes", WIDE_SHAPES, ids=["-".join(map(str, s)) for s in WIDE_SHAPES])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", [1, 7, 33])
def test_wider_layers_take_every_path_of_the_products(sizes, dtype, batch):
    """Widths around the loop's vector widths (8 float64, 16 float32 numbers): outputs in strips of two
    vectors, one vector and a part of one (read from the padded transposed weights), inputs and batches
    that leave rows and columns over; every product trained both ways from the same weights."""
    def run(loop):
        with loop_on(loop):
            rng = np.random.default_rng(3)
            X = rng.normal(size=(75, sizes[0])).astype(dtype)
            labels = np.argmax(X[:, :sizes[-1]] + 0.3 * rng.normal(size=(75, sizes[-1])), axis=1) \
                if sizes[-1] > 1 else None
            y = labels if labels is not None else np.tanh(X[:, :1] - X[:, 1:2]).astype(dtype)
            loss = gl.nn.CrossEntropyLoss() if labels is not None else gl.nn.MSELoss()
            gl.manual_seed(5)
            layers = []
            for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
                layers.append(gl.nn.Linear(a, b, dtype=dtype))
                if k < len(sizes) - 2:
                    layers.append(gl.nn.Tanh() if k % 2 else gl.nn.ReLU())
            model = gl.nn.Sequential(*layers)
            opt = gl.optim.Adam(model.parameters(), lr=0.01)
            h = gl.fit(model, loss, opt, X, y, epochs=3, batch_size=batch, seed=2, verbose=0, metrics=())
            return model, h, opt

    assert_same_training(run(True), run(False), dtype)


def test_validation_custom_metrics_and_epoch_callbacks_keep_working():
    seen = []

    class Record(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    def max_error(output, target):
        return float(np.max(np.abs(output - target)))

    runs = []
    for loop in (True, False):
        seen.clear()
        model, h, _ = train(loop, loss="mse", metrics=None, callbacks=[Record()], validation_split=0.25, epochs=4)
        runs.append((h, list(seen)))
    (h1, s1), (h2, s2) = runs
    assert h1.params["compiled_epochs"] == 4
    assert list(h1.history) == ["loss", "mse", "val_loss", "val_mse"]
    for key in h1.history:
        assert_close(h1.history[key], h2.history[key], "float64", key)
    assert [sorted(d) for d in s1] == [sorted(d) for d in s2]

    fast = train(True, loss="bce", metrics=("accuracy", max_error))
    slow = train(False, loss="bce", metrics=("accuracy", max_error))
    assert_same_training(fast, slow, "float64")
    assert "max_error" in fast[1].history


def test_continuing_on_the_general_path_after_compiled_epochs_gives_the_same_weights():
    X, y, _ = _data("ce", "float64")
    finals = []
    for first_loop in (True, False):
        model = _model("relu", True, 3, "float64")
        opt = gl.optim.Adam(model.parameters(), lr=0.01)
        with loop_on(first_loop):
            gl.fit(model, gl.nn.CrossEntropyLoss(), opt, X, y, epochs=3, batch_size=8, seed=1, verbose=0)
        with loop_on(False):
            gl.fit(model, gl.nn.CrossEntropyLoss(), opt, X, y, epochs=2, batch_size=8, seed=2, verbose=0)
        finals.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*finals):
        assert_close(a, b, "float64", "weights")


def test_divergence_is_reported_at_the_same_batch_with_the_same_weights_restored():
    outcomes = []
    for loop in (True, False):
        with loop_on(loop):
            X, y, _ = _data("mse", "float64")
            model = _model("identity", True, 2, "float64")
            with pytest.raises(DivergenceError) as err:
                gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=5.0), X, y * 1e3, epochs=50,
                       batch_size=4, seed=0, verbose=0)
        outcomes.append((str(err.value), err.value.epoch, err.value.batch, [p.data.copy() for p in model.parameters()],
                         [p.grad for p in model.parameters()]))
    (m1, e1, b1, w1, g1), (m2, e2, b2, w2, g2) = outcomes
    assert (e1, b1) == (e2, b2)
    assert m1.split(";")[0] == m2.split(";")[0] and "the weights were restored" in m1
    for a, b in zip(w1, w2):
        assert np.all(np.isfinite(a))
        assert_close(a, b, "float64", "restored weights")
    assert all(g is None for g in g1 + g2)


def test_a_batch_callback_a_large_step_or_another_layer_takes_the_general_path():
    class EveryBatch(Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    _, h, _ = train(True, callbacks=[EveryBatch()])
    assert h.params["compiled_epochs"] == 0
    X = np.random.default_rng(0).normal(size=(40, 200))
    for width, expected in ((310, 1), (311, 0)):  # 32 rows × (200·w + w) multiply-adds: 1,993,920 and 2,000,352
        model = gl.nn.MLP([200, width, 1], rng=0)
        h = gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=0.01), X, X[:, :1], epochs=1,
                   verbose=0, metrics=())
        assert h.params["compiled_epochs"] == expected
    assert compiled.SMALL_WORK[np.dtype("float64")] == 2_000_000
    model = gl.nn.Sequential(gl.nn.Linear(2, 4), gl.nn.Softmax(), gl.nn.Linear(4, 1))  # not a supported layer
    h = gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=0.01), X[:, :2], X[:, :1], epochs=1,
               verbose=0, metrics=())
    assert h.params["compiled_epochs"] == 0


def test_a_data_loader_with_drop_last_trains_as_the_general_path():
    X, y, _ = _data("ce", "float64")
    runs = []
    for loop in (True, False):
        with loop_on(loop):
            model = _model("tanh", True, 3, "float64")
            loader = gl.data.DataLoader(gl.data.TensorDataset(X, y), batch_size=7, shuffle=True, drop_last=True,
                                        generator=np.random.default_rng(3))
            h = gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.SGD(model.parameters(), lr=0.1), loader, epochs=3,
                       verbose=0)
            runs.append((h, [p.data.copy() for p in model.parameters()]))
    (h1, w1), (h2, w2) = runs
    assert h1.params["compiled_epochs"] == 3 and h1.params["steps"] == 60 // 7
    for key in h1.history:
        assert_close(h1.history[key], h2.history[key], "float64", key)
    for a, b in zip(w1, w2):
        assert_close(a, b, "float64", "weights")


def test_ctrl_c_during_a_compiled_epoch_stops_after_a_complete_step():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1_000_000, 2))  # an epoch of about 3 s: the press comes inside the first one
    y = (X[:, 0] > 0).astype(float).reshape(-1, 1)
    model = gl.nn.MLP([2, 64, 64, 1], rng=0)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        h = gl.fit(model, gl.nn.BCEWithLogitsLoss(), gl.optim.SGD(model.parameters(), lr=0.01), X, y, epochs=200,
                   batch_size=1, verbose=0)
    finally:
        timer.cancel()
    assert h.interrupted and h.params["compiled_epochs"] >= 1
    epoch, batch = h.stopped_at
    assert epoch == 0 and 0 < batch < 1_000_000 - 1  # inside the first epoch, which was not completed
    assert h.history["loss"] == []
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_a_second_ctrl_c_stops_at_once_with_the_optimizer_state_of_the_steps_taken(monkeypatch):
    """A second Ctrl-C raises KeyboardInterrupt inside the loop (from Python's signal handler, which the loop
    runs every 32 steps). Two presses cannot be timed between two of those checks from a test, so the
    handler's exception is raised where the loop reads the request: the same way out of the loop."""
    from gradlab.train import loop

    class SecondPress(loop._Interrupt):
        reads = 0

        @property
        def requested(self):
            SecondPress.reads += 1
            if SecondPress.reads == 5:
                raise KeyboardInterrupt
            return False

        @requested.setter
        def requested(self, value):
            pass

    monkeypatch.setattr(loop, "_Interrupt", SecondPress)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10_000, 2))
    y = (X[:, 0] > 0).astype(float).reshape(-1, 1)
    model = gl.nn.MLP([2, 16, 16, 1], rng=0)
    opt = gl.optim.Adam(model.parameters(), lr=1e-3)
    h = gl.fit(model, gl.nn.BCEWithLogitsLoss(), opt, X, y, epochs=5, batch_size=1, verbose=0)
    assert h.interrupted and h.params["compiled_epochs"] == 1 and h.history["loss"] == []
    epoch, batch = h.stopped_at
    assert (epoch, batch) == (0, 5 * 32 - 1)  # stopped at the fifth check, after step 160
    assert opt.t == batch + 1 and opt._steps == [batch + 1] * 6  # every step taken, counted
    assert all(p.grad is not None for p in model.parameters())


def test_a_layer_replaced_by_a_callback_is_trained_as_it_now_is():
    class SwapActivation(Callback):
        def __init__(self, model):
            self.model = model

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                setattr(self.model, "1", gl.nn.ReLU())  # was Tanh: the compiled plan no longer fits

    runs = []
    for loop in (True, False):
        with loop_on(loop):
            X, y, _ = _data("mse", "float64")
            model = _model("tanh", True, 2, "float64")
            h = gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=0.05), X, y, epochs=4,
                       batch_size=8, seed=0, verbose=0, metrics=(), callbacks=[SwapActivation(model)])
            runs.append((h, [p.data.copy() for p in model.parameters()]))
    (h1, w1), (h2, w2) = runs
    assert h1.params["compiled_epochs"] == 2 and h2.params["compiled_epochs"] == 0
    assert_close(h1.history["loss"], h2.history["loss"], "float64", "loss")
    for a, b in zip(w1, w2):
        assert_close(a, b, "float64", "weights")


def test_a_parameter_frozen_by_a_callback_stays_as_it_was():
    class Freeze(Callback):
        def __init__(self, model):
            self.model = model

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                getattr(self.model, "0").weight.requires_grad = False

    runs = []
    for loop in (True, False):
        with loop_on(loop):
            X, y, _ = _data("mse", "float64")
            model = _model("tanh", True, 2, "float64")
            frozen = getattr(model, "0").weight
            h = gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=0.1), X, y, epochs=3,
                       batch_size=8, seed=0, verbose=0, metrics=(), callbacks=[Freeze(model)])
            runs.append((h, [p.data.copy() for p in model.parameters()], frozen.grad))
    (h1, w1, g1), (h2, w2, g2) = runs
    assert h1.params["compiled_epochs"] == 1
    assert_close(h1.history["loss"], h2.history["loss"], "float64", "loss")
    for a, b in zip(w1, w2):
        assert_close(a, b, "float64", "weights")


def test_a_metric_of_another_dtype_is_summed_as_the_general_path_sums_it():
    def mean_abs_f32(output, target):
        return np.float32(np.mean(np.abs(output - target)))

    fast = train(True, loss="bce", metrics=(mean_abs_f32,))
    slow = train(False, loss="bce", metrics=(mean_abs_f32,))
    assert fast[1].history["mean_abs_f32"] == slow[1].history["mean_abs_f32"]


def test_a_one_output_cross_entropy_stays_inside_the_loops_buffers():
    """One class and one output: the loss's two numbers a row once ran past the loop's buffer, which Python's
    debugging allocator reports when the buffer is freed (as a fatal error)."""
    code = (
        "import numpy as np, gradlab as gl\n"
        "gl.manual_seed(0)\n"
        "model = gl.nn.Sequential(gl.nn.Linear(1, 1))\n"
        "X = np.linspace(-1, 1, 200).reshape(-1, 1)\n"
        "h = gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.SGD(model.parameters(), lr=0.1), X,\n"
        "           np.zeros(200, dtype=int), epochs=3, batch_size=64, shuffle=False, verbose=0, metrics=())\n"
        "assert h.params['compiled_epochs'] == 3, h.params\n"
        "print('trained')\n")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONMALLOC="debug"),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "trained", out.stderr[-3000:]


def test_the_loop_refuses_layers_that_share_a_parameter():
    """run_epoch checks what compiled.plan guarantees: each parameter belongs to one place in one layer (else a
    weight would be stepped twice a step). It answers None and changes nothing."""
    W = np.array([[0.5, -0.25], [0.125, 1.0]])
    before = W.copy()
    X, Y = np.ones((4, 2)), np.zeros((4, 2))

    def run(layers):
        return native.TRAINLOOP.run_epoch(X, Y, [W], [np.empty_like(W)], [np.empty_like(W)], layers, 0, False, 2,
                                          (0, 0.1, 0.0, 1.0, False, 0.0, 0.9, 0.999, 1e-8), [None], [None], 0, True,
                                          np.empty(2), np.empty((4, 2)), None)

    assert run(((0, -1, 0, 0.0), (0, -1, 0, 0.0))) is None  # one weight in two layers
    assert run(((0, 0, 0, 0.0),)) is None  # the weight given as its own bias
    assert np.array_equal(W, before)
    assert run(((0, -1, 0, 0.0),)) is not None and not np.array_equal(W, before)  # alone, it trains
