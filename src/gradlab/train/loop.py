"""``fit`` and ``evaluate``: the mini-batch training loop.

One batch is: fancy-index the rows, ``optimizer.zero_grad()``, forward,
loss, check the loss is finite, keep a copy of the weights, ``backward``,
``optimizer.step()``, accumulate the loss and metrics. Nothing else runs
per batch unless asked for (batch callbacks, a progress bar update every
few batches).

Randomness: one ``numpy.random.Generator`` draws the validation split, then
one permutation per epoch (``rng.permutation(N)``): ``seed`` as gradlab's
``rng`` arguments take it (an int: a new Generator; a Generator: continued;
None: gradlab's default generator, reset by ``gl.manual_seed``). With a
``gl.data.DataLoader`` in place of X, y, it is the loader's generator, drawn
exactly as the loader draws when iterated. The same seed, data and initial
weights therefore give bit-identical histories and weights.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time

import numpy as np

from ..core.constraints import BOOL, FRACTION, POSITIVE_INT, SEED, AnyOf, Bool, Options, check, declare, refusal

VERBOSITY = AnyOf(Options(0, 1, 2), Bool(), text="0, 1 or 2")  # fit's progress: silent, bar, one line per epoch
from ..core.errors import DivergenceError, InputTypeError, NonFiniteError, ParameterError, ShapeError
from ..core.graph import no_grad
from ..core.native import KERNELS
from ..core.seed import as_generator
from ..data.loader import DataLoader, fit_arguments
from ..core.tensor import Tensor
from .callbacks import Callback
from .compiled import compiled_loop
from .fused import PREPARED_BYTES, fused_step, prepared_targets
from .history import History
from .metrics import resolve_metrics
from .progress import make_reporter

HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


# ------------------------------------------------------------------ inputs
def _as_generator(seed):
    return as_generator(seed, "fit")


def _first_bad(arr):
    """(row, column) of the first NaN or inf of a 1-D or 2-D+ array."""
    pos = np.argwhere(~np.isfinite(arr))[0]
    return int(pos[0]), (int(pos[1]) if len(pos) > 1 else 0)


def _numeric(values, owner, name, expected):
    """``values`` (array-like or Tensor) as a NumPy array of numbers, or an InputTypeError naming ``name``."""
    data = values.data if isinstance(values, Tensor) else values
    try:
        arr = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"{owner}: {name} must be {expected}: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise InputTypeError(f"{owner}: {name} must be numeric, got dtype {arr.dtype}")
    return arr


def _as_inputs(X, dtype, owner, name="X"):
    arr = _numeric(X, owner, name, "a numeric array (N, features)")
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ShapeError(f"{owner}: {name} must have shape (N, features) with N >= 1, got {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(arr).all():
        row, col = _first_bad(arr)
        raise NonFiniteError(f"{owner}: {name} holds NaN or inf (first at row {row}, column {col})")
    return arr


def _as_targets(y, dtype, out_shape, owner, name="y"):
    """Targets as an array; float of the model's dtype unless they are class indices for C >= 2 outputs."""
    arr = _numeric(y, owner, name, "a numeric array")
    outputs = out_shape[1:]
    if arr.ndim == 1 and outputs == (1,):
        arr = arr[:, None]  # one output: (N,) labels become a column, as the output is
    elif arr.ndim == 2 and arr.shape[1] == 1 and outputs == ():
        arr = arr[:, 0]
    if not (arr.ndim == 1 and len(outputs) == 1 and outputs[0] >= 2 and arr.dtype.kind in "biu"):
        arr = arr.astype(dtype)  # class indices stay integers, everything else is float
    arr = np.ascontiguousarray(arr)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        row, col = _first_bad(arr)
        raise NonFiniteError(f"{owner}: {name} holds NaN or inf (first at row {row}, column {col})")
    return arr


def _model_dtype(params):
    for p in params:
        if p.data.dtype.kind == "f":
            return p.data.dtype
    return np.dtype(np.float64)


def _probe(model, X, owner):
    """Output shape for the first row, checking the model accepts X's shape: in evaluation mode, so the look
    draws no dropout mask, updates no running statistics and needs no batch of several rows (BatchNorm1d)."""
    look = model.evaluating() if hasattr(model, "evaluating") else contextlib.nullcontext()
    with no_grad(), look:
        out = model(Tensor.wrap(X[:1]))
    data = out.data if isinstance(out, Tensor) else np.asarray(out)
    if data.ndim == 0 or data.shape[0] != 1:
        raise ShapeError(f"{owner}: the model maps 1 input row of shape {X.shape[1:]} to an output of shape "
                         f"{data.shape}; expected (1, outputs) (batch first)")
    return data.shape


def _check_params(epochs, batch_size, validation_split, validation_data, verbose):
    """What fit's declared constraints cannot say alone: the two ways of giving validation data."""
    if validation_split and validation_data is not None:
        raise ParameterError("fit: give validation_data or validation_split, not both")
    if validation_data is not None and not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
        raise ParameterError("fit: validation_data must be a pair (X_val, y_val)")


def _check_objects(loss_fn, optimizer, shuffle, params):
    """Refuse, before any work, a loss that cannot be called, an object that is not an optimizer, a shuffle
    that is not a bool, and an optimizer that updates none of the model's parameters."""
    if not callable(loss_fn) or isinstance(loss_fn, type):
        what = ("the class itself; pass an instance" if isinstance(loss_fn, type)
                else f"{type(loss_fn).__name__} {loss_fn!r}")
        raise InputTypeError(f"fit: loss_fn must be a loss object called as loss_fn(output, target) -> scalar Tensor, "
                             f"such as gl.nn.MSELoss() or gl.nn.CrossEntropyLoss(), got {what}")
    if isinstance(optimizer, type) or not all(callable(getattr(optimizer, m, None)) for m in ("step", "zero_grad")):
        what = ("the class itself; pass an instance" if isinstance(optimizer, type)
                else f"{type(optimizer).__name__} {optimizer!r}")
        raise InputTypeError(f"fit: optimizer must be an optimizer over the model's parameters (with step() and "
                             f"zero_grad()), such as gl.optim.SGD(model.parameters(), lr=0.1), got {what}")
    held = getattr(optimizer, "params", None)
    if isinstance(held, (list, tuple)) and held:
        ids = {id(p) for p in held}
        if not any(id(p) in ids for p in params):
            raise ParameterError(f"fit: the optimizer ({type(optimizer).__name__}) updates none of the model's "
                                 f"{len(params)} parameters (its {len(held)} belong to something else, such as another "
                                 f"model), so training would change nothing; make it from this model's parameters: "
                                 f"{type(optimizer).__name__}(model.parameters(), ...)")


def _parameters(model):
    if not callable(getattr(model, "parameters", None)):
        raise InputTypeError(f"fit: model must be a gl.nn.Module (with parameters()), got {type(model).__name__}")
    params = list(model.parameters())
    if not params:
        raise ParameterError("fit: the model has no parameters to train")
    return params


def _split(X, y, fraction, rng):
    n = len(X)
    n_val = int(round(n * fraction))
    if n_val < 1 or n_val >= n:
        raise ParameterError(f"fit: validation_split={fraction} of {n} samples leaves {n_val} validation and "
                             f"{n - n_val} training samples; both must be >= 1")
    order = rng.permutation(n)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    return X[train], y[train], X[val], y[val]


# --------------------------------------------------------------- callbacks
def _hooks(callbacks, model, history, params):
    """{hook name: [bound methods]}, skipping Callback's empty defaults."""
    if isinstance(callbacks, Callback):
        callbacks = [callbacks]
    table = {name: [] for name in HOOKS}
    for cb in callbacks:
        if not any(callable(getattr(cb, name, None)) for name in HOOKS):
            raise InputTypeError(f"fit: callback {cb!r} has none of the methods {', '.join(HOOKS)}")
        for attr, value in (("model", model), ("history", history), ("params", params)):
            try:
                setattr(cb, attr, value)
            except AttributeError:
                pass
        for name in HOOKS:
            method = getattr(cb, name, None)
            if method is None or getattr(method, "__func__", None) is getattr(Callback, name):
                continue
            table[name].append(method)
    return table


def _call(methods, *args):
    """Call each hook; True when one asked to stop."""
    stop = False
    for method in methods:
        if method(*args) is True:
            stop = True
    return stop


class _Interrupt:
    """Ctrl-C during fit: the first press asks to stop after the current batch, a second one raises."""

    def __init__(self):
        self.requested = False
        self.previous = None

    def _handler(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self.previous)  # a second Ctrl-C interrupts at once

    def install(self):
        if threading.current_thread() is threading.main_thread():
            try:
                self.previous = signal.signal(signal.SIGINT, self._handler)
            except ValueError:  # pragma: no cover - e.g. embedded interpreters
                self.previous = None

    def uninstall(self):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


# ---------------------------------------------------------------- evaluate
def _evaluate_arrays(model, loss_fn, X, y, metric_fns, batch_size):
    """{'loss': ..., metric: ...} as means over rows (batch-size weighted), no graph."""
    was_training = getattr(model, "training", True)
    if callable(getattr(model, "eval", None)):
        model.eval()
    n = len(X)
    loss_sum = 0.0
    sums = [0.0] * len(metric_fns)
    try:
        with no_grad():
            for start in range(0, n, batch_size):
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
                out = model(Tensor.wrap(xb))
                k = len(xb)
                loss_sum += float(loss_fn(out, yb).data) * k
                for i, (_, fn) in enumerate(metric_fns):
                    sums[i] += fn(out.data, yb) * k
    finally:
        if was_training and callable(getattr(model, "train", None)):
            model.train()
    logs = {"loss": loss_sum / n}
    for (name, _), s in zip(metric_fns, sums):
        logs[name] = s / n
    return logs


def evaluate(model, loss_fn, X, y, metrics=("accuracy",), batch_size=1024) -> dict:
    """Loss and metrics of ``model`` on (X, y), without building a graph.

    Args:
        model: a gl.nn.Module.
        loss_fn: a loss, ``loss_fn(output, target) -> scalar Tensor``.
        X: (N, features) inputs. y: (N,) or (N, outputs) targets.
        metrics: names ('accuracy', 'mse', 'mae') or functions(output, target) -> float.
        batch_size: rows per forward pass.
    Returns:
        {'loss': float, <metric>: float}: means over the N rows (for a
        'mean'-reduced loss, the loss of the whole set).
    """
    params = _parameters(model)
    check("evaluate", "batch_size", batch_size, POSITIVE_INT)
    X = _as_inputs(X, _model_dtype(params), "evaluate")
    y = _as_targets(y, _model_dtype(params), _probe(model, X, "evaluate"), "evaluate")
    if len(X) != len(y):
        raise ShapeError(f"evaluate: X has {len(X)} rows but y has {len(y)}")
    return _evaluate_arrays(model, loss_fn, X, y, resolve_metrics(metrics, loss_fn), batch_size)


# --------------------------------------------------------------------- fit
def _divergence(event, last):
    if last is None:
        before = ("no loss before it was finite, so the weights are the initial ones; check the inputs, "
                  "the targets and the initial weights")
    else:
        before = (f"the last finite loss was {last[2]:.6g} (epoch {last[0] + 1}, batch {last[1] + 1}); the "
                  f"weights were restored to those that gave it, from before the step that made the loss "
                  f"non-finite. Try a smaller learning rate or standardized inputs")
    err = DivergenceError(f"fit: {event}; {before}.")
    err.last_finite_loss = None if last is None else last[2]
    return err


def _not_scalar(loss):
    shape = getattr(getattr(loss, "data", None), "shape", None)
    return ParameterError(f"fit: the loss must be a scalar Tensor (reduction 'mean' or 'sum'), got "
                          f"{type(loss).__name__} of shape {shape}")


def _restore(params, backup):
    for p, saved in zip(params, backup):
        p.data[...] = saved


# up to this size (inputs and targets together) an epoch shuffles a copy of the data at once;
# the same bound as for the loss's prepared targets
_SHUFFLE_COPY_BYTES = PREPARED_BYTES


def _gathered(X, y, rows, order):
    """``(X, y, rows, order)`` for an epoch: the rows gathered in their shuffled order at once (order None,
    the batches are then slices) when the data is small enough, else as they were (each batch is indexed).

    Either way the batches hold the same rows in the same order; the gather makes one NumPy call instead of
    two a step.
    """
    if order is not None and X.nbytes + y.nbytes <= _SHUFFLE_COPY_BYTES:
        X, y = X[order], y[order]
        if rows is not None:
            rows = rows[order]
        order = None
    return X, y, rows, order


class _GraphStep:
    """The general step, as a user writes it: ``model(x)``, ``loss_fn(out, y)``, then ``loss.backward()``."""

    def __init__(self, model, loss_fn):
        self.model, self.loss_fn, self.loss = model, loss_fn, None

    def forward(self, xb, yb, tb):
        """(output array, loss value) of a batch; the loss's graph waits for :meth:`backward`."""
        out = self.model(Tensor.wrap(xb))
        loss = self.loss_fn(out, yb if tb is None else Tensor.wrap(tb))
        output = out.data
        try:
            value = float(loss.data)
        except (TypeError, AttributeError):
            raise _not_scalar(loss) from None
        self.loss = loss
        return output, value

    def backward(self):
        loss, self.loss = self.loss, None
        loss.backward()

    def discard(self, optimizer):
        """The batch's loss is not finite: no gradient was computed, nothing to undo."""
        self.loss = None


class _FastStep:
    """``fit``'s fast step (:mod:`.fused`) for every batch it takes, the general step for the others.

    The fast step computes the batch's gradients together with its loss, so :meth:`backward` has nothing
    left to do for those batches, and a loss that is not finite leaves gradients to clear.
    """

    def __init__(self, fused, graph):
        self.fused, self.graph, self.general = fused, graph, False

    def forward(self, xb, yb, tb):
        done = self.fused(xb, tb)  # forward and backward, or None: this batch takes the general step
        self.general = done is None
        if done is None:
            return self.graph.forward(xb, yb, tb)
        return done

    def backward(self):
        if self.general:
            self.graph.backward()

    def discard(self, optimizer):
        if self.general:
            self.graph.discard(optimizer)
        else:
            optimizer.zero_grad()  # as on the general path: no gradient of the batch that diverged


def _choose_step(model, loss_fn, rows):
    """fit's step for the whole run: the fast one where the model, the loss and prepared targets allow it."""
    graph = _GraphStep(model, loss_fn)
    fused = None if rows is None else fused_step(model, loss_fn)
    return graph if fused is None else _FastStep(fused, graph)


class _Run:
    """The state of one ``fit`` call (kept in one object so the loop reads flat)."""

    def __init__(self, model, loss_fn, optimizer, params, metric_fns, hooks, reporter, history, interrupt, step):
        self.model, self.loss_fn, self.optimizer, self.params = model, loss_fn, optimizer, params
        self.metric_fns, self.hooks, self.reporter, self.history = metric_fns, hooks, reporter, history
        self.interrupt = interrupt
        self.step = step  # _GraphStep or _FastStep, chosen once (_choose_step)
        self.backup = [np.empty_like(p.data) for p in params]
        self.copy_into = None if KERNELS is None else KERNELS.copy_into  # the weights' copy in one call
        self.last = None  # (epoch, batch, loss) of the last finite training loss
        self.stepped = False  # a step happened, so `backup` holds weights to go back to
        self.in_step = False  # between backward() and the end of optimizer.step()
        self.steps = 0
        self.compiled = None  # fit's compiled epoch loop (.compiled.FitLoop) where it runs
        self.compiled_epochs = 0
        self.weights_finite = False  # set by a compiled epoch that found every weight finite

    def diverged(self, event, epoch, batch):
        """Restore the weights that gave the last finite loss; the DivergenceError to raise."""
        if self.stepped:
            _restore(self.params, self.backup)
        err = _divergence(event, self.last)
        err.epoch, err.batch = epoch + 1, batch + 1
        return err

    def epoch(self, epoch, X, y, batch_size, order, steps, rows=None):
        """Train one epoch; returns (logs, stop): logs None when training stopped before its last batch.

        ``rows``: the loss's prepared targets (:func:`.fused.prepared_targets`), or None to give it ``y``.
        """
        if self.compiled is not None:  # a small dense network: the whole epoch in one compiled call
            self.steps = steps
            done = self.compiled.epoch(self, epoch, X, y, batch_size, order, steps)
            if done is not None:
                return done
        model, optimizer, params, backup, copy_into = self.model, self.optimizer, self.params, self.backup, self.copy_into
        forward, backward, discard = self.step.forward, self.step.backward, self.step.discard
        metric_fns, batch_hooks, reporter, every = self.metric_fns, self.hooks["on_batch_end"], self.reporter, \
            self.reporter.batch_every
        self.steps = steps
        loss_sum, seen, sums = 0.0, 0, [0.0] * len(metric_fns)
        X, y, rows, order = _gathered(X, y, rows, order)
        for b in range(steps):
            start = b * batch_size
            if order is None:
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
                tb = None if rows is None else rows[start:start + batch_size]
            else:
                idx = order[start:start + batch_size]
                xb, yb = X[idx], y[idx]
                tb = None if rows is None else rows[idx]
            optimizer.zero_grad()
            output, value = forward(xb, yb, tb)
            if not math.isfinite(value):
                discard(optimizer)
                raise self.diverged(f"the loss became {value} at epoch {epoch + 1}, batch {b + 1} of {steps} "
                                    f"(counting from 1)", epoch, b)
            if copy_into is None or not copy_into(backup, params):
                for saved, p in zip(backup, params):
                    np.copyto(saved, p.data)
            self.in_step = True
            backward()
            optimizer.step()
            self.in_step = False
            self.stepped = True
            k = len(xb)
            loss_sum += value * k
            seen += k
            for i, (_, fn) in enumerate(metric_fns):
                sums[i] += fn(output, yb) * k
            self.last = (epoch, b, value)
            stop = bool(batch_hooks) and _call(batch_hooks, b, {"batch": b, "size": k, "loss": value})
            if every and (b + 1) % every == 0:
                reporter.batch(epoch, b + 1, loss_sum / seen)
            if stop or self.interrupt.requested or getattr(model, "stop_training", False):
                if b + 1 < steps:
                    return None, True
                break
        logs = {"loss": loss_sum / seen}
        logs.update((name, total / seen) for (name, _), total in zip(metric_fns, sums))
        return logs, stop or self.interrupt.requested or getattr(model, "stop_training", False)

    def check_weights(self, epoch):
        if self.weights_finite:  # the compiled epoch checked them
            self.weights_finite = False
            return
        for name, p in self.model.named_parameters() if hasattr(self.model, "named_parameters") else []:
            if not np.isfinite(p.data).all():
                raise self.diverged(f"parameter {name!r} holds NaN or inf after the last step of epoch {epoch + 1} "
                                    f"(batch {self.steps})", epoch, self.steps - 1)


def _mark_stop(history, interrupt):
    if interrupt.requested:
        history.interrupted = True
    else:
        history.stopped_early = True


@declare("fit", epochs=POSITIVE_INT, batch_size=POSITIVE_INT, shuffle=BOOL, seed=SEED, validation_split=FRACTION,
         verbose=VERBOSITY)
def fit(model, loss_fn, optimizer, X, y=None, epochs=1, batch_size=32, shuffle=True, seed=None, validation_data=None,
        validation_split=0.0, metrics=("accuracy",), callbacks=(), verbose=1) -> History:
    """Train ``model`` by mini-batch gradient descent; returns a :class:`History`.

    Args:
        model: a gl.nn.Module mapping X (B, features) to outputs (B, outputs).
        loss_fn: ``loss_fn(output, target) -> scalar Tensor`` (e.g. gl.nn.MSELoss()).
        optimizer: gl.optim.SGD/Adam over ``model.parameters()``.
        X: (N, features) inputs (converted to the model's float dtype), or a
            ``gl.data.DataLoader`` over ``gl.data.TensorDataset(X, y)``:
            then y, batch_size, shuffle and seed are left out and the
            loader's batch_size, shuffle, drop_last and generator are used
            (each epoch's order drawn as iterating the loader draws it).
        y: (N,) or (N, outputs) targets: for one output, (N,) labels are
            used as a column (N, 1); for C >= 2 outputs with
            CrossEntropyLoss, class indices (N,) or one-hot rows (N, C).
        epochs: passes over the training data (1 when left out, as Keras).
        batch_size: rows per step (the last batch of an epoch may be smaller).
        shuffle: draw a new order of the rows every epoch.
        seed: None (gradlab's default generator, see ``gl.manual_seed``),
            an int or a numpy Generator, for the order and the validation split.
        validation_data: (X_val, y_val) evaluated after every epoch.
        validation_split: fraction of (X, y) drawn at random (with ``seed``)
            and held out for validation instead.
        metrics: names ('accuracy', 'mse', 'mae') or functions(output,
            target) -> float; see :mod:`gradlab.train.metrics` for how
            accuracy decides binary vs multi-class.
        callbacks: objects following the protocol of :mod:`gradlab.train.callbacks`.
        verbose: 0 silent, 1 a progress bar on a terminal (one line per
            epoch otherwise), 2 one line per epoch.
    Returns:
        History with one entry per completed epoch.
    Raises:
        Before any work: InputTypeError for a ``loss_fn`` that cannot be
        called or an ``optimizer`` without step() and zero_grad();
        ParameterError for a bad argument value, a ``shuffle`` that is not
        True or False, or an optimizer that updates none of the model's
        parameters (made over another model's, say).
        DivergenceError when the loss becomes NaN or inf: the message names
        the epoch and batch and the last finite loss; the weights are put
        back to those that gave that loss (the optimizer's state, e.g.
        Adam's moments, is not rolled back). ``err.epoch``, ``err.batch``
        (from 1) and ``err.last_finite_loss`` hold the same facts.

    Ctrl-C stops after the current batch and returns the History
    (``history.interrupted``); the model keeps the weights of the last
    complete step. A KeyboardInterrupt raised by a callback does the same.
    The History names its keys ('loss', the metrics, their 'val_' forms)
    before the first epoch, so they are there, with empty lists, even when
    no epoch completed.
    """
    _check_params(epochs, batch_size, validation_split, validation_data, verbose)
    params = _parameters(model)
    _check_objects(loss_fn, optimizer, shuffle, params)
    drop_last = False
    if isinstance(X, DataLoader):  # the loader's batch size, shuffling, drop_last and generator stand for fit's
        X, y, batch_size, shuffle, rng, drop_last = fit_arguments(X, y, batch_size, shuffle, seed)
    else:
        rng = _as_generator(seed)
        if y is None:
            raise refusal("fit", "y", y, "the targets, an array (N,) or (N, outputs)")
    X, y, X_val, y_val, out_shape = _fit_data(model, params, X, y, validation_data, validation_split, rng)
    metric_fns = resolve_metrics(metrics, loss_fn)
    rows = prepared_targets(loss_fn, y, out_shape, params)
    steps = len(X) // batch_size if drop_last else -(-len(X) // batch_size)
    if steps == 0:
        raise ParameterError(f"fit: the DataLoader has drop_last=True and batch_size={batch_size} > the "
                             f"{len(X)} training rows, so an epoch has no batch")
    history = _new_history(epochs, batch_size, len(X), steps, seed, metric_fns, X_val is not None)
    run = _Run(model, loss_fn, optimizer, params, metric_fns, _hooks(callbacks, model, history, history.params),
               make_reporter(verbose, epochs, steps), history, _Interrupt(), _choose_step(model, loss_fn, rows))
    run.compiled = compiled_loop(model, loss_fn, optimizer, params, run.hooks, X, y, batch_size, rows)
    _train(run, epochs, X, y, X_val, y_val, batch_size, rng if shuffle else None, steps, rows)
    history.params["compiled_epochs"] = run.compiled_epochs
    return history


def _new_history(epochs, batch_size, n, steps, seed, metric_fns, validating):
    """The History of a fit, its keys named before the first epoch (an interrupted one leaves them [])."""
    keys = ["loss"] + [name for name, _ in metric_fns]
    keys += [f"val_{k}" for k in keys] if validating else []
    return History({"epochs": int(epochs), "batch_size": int(batch_size), "samples": n, "steps": steps,
                    "seed": seed if not isinstance(seed, np.random.Generator) else "Generator"}, keys)


def _train(run, epochs, X, y, X_val, y_val, batch_size, rng, steps, rows):
    """fit's training, from on_train_begin to on_train_end, with Ctrl-C caught and the History completed."""
    model, history, interrupt = run.model, run.history, run.interrupt
    try:
        model.stop_training = False
    except (AttributeError, TypeError):
        pass
    interrupt.install()
    run.reporter.start()
    try:
        _call(run.hooks["on_train_begin"], {})
        _epochs(run, epochs, X, y, X_val, y_val, batch_size, rng, steps, rows)
    except KeyboardInterrupt:
        if run.in_step:  # interrupted inside backward/step: go back to the weights before it
            _restore(run.params, run.backup)
            run.in_step = False
        history.interrupted = True
    finally:
        interrupt.uninstall()
        run.reporter.close(history)
    if (history.interrupted or history.stopped_early) and run.last is not None:
        history.stopped_at = run.last[:2]
    _call(run.hooks["on_train_end"], {})


def _fit_data(model, params, X, y, validation_data, validation_split, rng):
    """fit's arrays: (X, y, X_val, y_val, the model's output shape for one row); X_val, y_val None without
    validation data."""
    dtype = _model_dtype(params)
    X = _as_inputs(X, dtype, "fit")
    out_shape = _probe(model, X, "fit")
    y = _as_targets(y, dtype, out_shape, "fit")
    if len(X) != len(y):
        raise ShapeError(f"fit: X has {len(X)} rows but y has {len(y)}")
    if validation_split:
        X, y, X_val, y_val = _split(X, y, float(validation_split), rng)
    elif validation_data is not None:
        X_val = _as_inputs(validation_data[0], dtype, "fit", "validation X")
        y_val = _as_targets(validation_data[1], dtype, out_shape, "fit", "validation y")
        if len(X_val) != len(y_val):
            raise ShapeError(f"fit: validation X has {len(X_val)} rows but validation y has {len(y_val)}")
    else:
        X_val = y_val = None
    return X, y, X_val, y_val, out_shape


def _epochs(run, epochs, X, y, X_val, y_val, batch_size, rng, steps, rows):
    """fit's epochs, recorded in ``run.history``; ``rng`` draws each epoch's order (None: no shuffling)."""
    model, hooks, history, interrupt = run.model, run.hooks, run.history, run.interrupt
    n = len(X)
    for epoch in range(epochs):
        started = time.perf_counter()
        if callable(getattr(model, "train", None)):
            model.train()
        stop = _call(hooks["on_epoch_begin"], epoch, {})
        order = rng.permutation(n) if rng is not None else None
        logs, stop_now = run.epoch(epoch, X, y, batch_size, order, steps, rows)
        if logs is None:
            _mark_stop(history, interrupt)
            break
        run.check_weights(epoch)
        if X_val is not None:
            val = _evaluate_arrays(model, run.loss_fn, X_val, y_val, run.metric_fns, 1024)
            if not math.isfinite(val["loss"]):
                raise run.diverged(f"the validation loss became {val['loss']} after epoch {epoch + 1}", epoch,
                                   steps - 1)
            logs.update({f"val_{k}": v for k, v in val.items()})
        history.record(epoch, logs, time.perf_counter() - started)
        run.reporter.epoch_end(epoch, logs, history.epoch_times[-1])
        stop = _call(hooks["on_epoch_end"], epoch, dict(logs)) or stop or stop_now
        if interrupt.requested or stop or getattr(model, "stop_training", False):
            if epoch + 1 < epochs or interrupt.requested:
                _mark_stop(history, interrupt)
            break
