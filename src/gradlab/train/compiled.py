"""``fit``'s compiled loop: whole epochs of a small dense network in one call (``gradlab._trainloop``).

At the sizes of teaching (1–2–3–1 on XOR, 2–16–16–1 on moons, the digits MLP) a training step is a few
thousand multiply-adds, and every step written in NumPy (gradlab's, or by hand) spends most of its time
on the cost of each call, not on arithmetic. Where the C extension is built, ``fit`` hands such a
network's epochs to one compiled loop (``src/gradlab/_trainloop.c``): forward pass, loss, δ recursion
and the optimizer's update, batch after batch, without returning to Python. Everything around the
epoch stays here in Python: shuffling (the same ``rng.permutation`` per epoch), the History, metrics,
validation, epoch callbacks, divergence detection and Ctrl-C.

**When.** :func:`compiled_loop` decides once per ``fit`` call, and every epoch re-checks what may have
changed (the loss's reduction, the slopes, the learning rate is read each epoch). All of these must hold:

* the model is a ``gl.nn.Sequential`` (or ``MLP``) of exact ``Linear`` layers, with or without bias,
  each followed by at most one of Identity, ReLU, LeakyReLU (slope ≥ 0), Sigmoid, Tanh;
* every parameter is a float64 or float32 leaf that requires a gradient, all of one dtype, and the
  optimizer's one parameter group holds exactly the model's parameters;
* the loss is exactly ``MSELoss``, ``BCEWithLogitsLoss`` or ``CrossEntropyLoss`` without options, with
  reduction 'mean' or 'sum', and the targets pass its checks once for the whole set;
* the optimizer is exactly ``SGD`` (any momentum, dampening, Nesterov, weight decay), ``Adam`` or
  ``AdamW`` (amsgrad off);
* no callback has ``on_batch_end`` (it must run between batches: such a fit takes the general path);
* a step is small: batch size × Σ in·out over the layers (its forward pass's multiply-adds) is at most
  :data:`SMALL_WORK` for the dtype, the size below which the compiled loop was measured faster than the
  BLAS-backed general path (benchmarks/RESULTS.md, "Compiled small-network training").

Anything else, or a build without a C compiler (``gradlab.core.native.TRAINLOOP`` is None), or
``GRADLAB_NUMPY_ONLY=1``, takes the general path, unchanged.

**Results.** The same formulas in the same order as the rows, with the products summed in the loop's
own order (exp, log, log1p and tanh are NumPy's own loops), so the weights after a whole run agree with the general
path's to about 1e-13 relative in float64 and 1e-6 in float32 (tests/train/test_compiled_fit.py trains
every supported combination both ways). After an epoch, every parameter's ``.grad`` holds the last
batch's gradient and the optimizer's state (momentum buffers, Adam's moments and step count) is where
the general path would leave it, so training can continue either way.
"""

from __future__ import annotations

import numpy as np

from ..core.native import TRAINLOOP
from ..core.tensor import MODE
from ..nn.activations import FUSABLE
from ..nn.containers import Sequential
from ..nn.layers import Linear
from ..nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from ..nn.module import Module
from ..optim.adam import Adam, AdamW
from ..optim.sgd import SGD
from .metrics import batch_accuracies

# The most multiply-adds in a step's forward pass (batch × Σ in·out) the compiled loop takes, by dtype: its
# products run on one core, and BLAS (on every core) overtakes them as a step grows. Measured with `fit`, general
# path time / compiled time (benchmarks/bench_compiled.py --crossover, RESULTS.md), on 2-w-w-1 networks: float64
# 1.34× at w = 96, batch 128 (1.2M), 1.87× at w = 192, batch 32 (1.2M), 0.99–1.04× at 2.1M, 0.93× at 4.8M;
# float32 1.43× at 2.1M, 1.60× at 4.8M, 0.85× at 8.5M; and on 784-128-10 with Adam: float64 1.16× at batch 16
# (1.6M), 1.09× at batch 24 (2.4M); float32 1.32× at batch 32 (3.3M), 1.12× at batch 48 (4.9M).
# MNIST-sized steps at batch 64 (6.5M) stay with BLAS.
SMALL_WORK = {np.dtype(np.float64): 2_000_000, np.dtype(np.float32): 4_000_000}

ACTIVATION_CODES = {"identity": 0, "relu": 1, "leaky_relu": 2, "sigmoid": 3, "tanh": 4}
LOSS_CODES = {MSELoss: 0, BCEWithLogitsLoss: 1, CrossEntropyLoss: 2}
OPT_SGD_PLAIN, OPT_SGD, OPT_ADAM, OPT_ADAMW = range(4)
FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _layers(model):
    """[(Linear, activation module or None)] of a chain the compiled loop runs, else None."""
    if not isinstance(model, Sequential) or type(model).forward is not Sequential.forward or \
            type(model).__call__ is not Module.__call__:
        return None
    layers = []
    for m in (model.__dict__[name] for name in model._module_names):
        if type(m) is Linear:
            layers.append([m, None])
        elif type(m) in FUSABLE and layers and layers[-1][1] is None:
            layers[-1][1] = m
        else:
            return None  # anything else, two activations in a row, or an activation first
    return layers or None


def _targets(loss_fn, y, n, c, dtype):
    """(N, C) targets the loop reads for every row, checked once; None where the loss would refuse some
    batch (the general path then reports it at that batch, as before)."""
    try:
        if type(loss_fn) is CrossEntropyLoss:
            return loss_fn.prepare_targets(y, (n, c), dtype)
        t = np.array(getattr(y, "data", y), dtype=dtype)
        if t.size != n * c:
            return None
        t = np.ascontiguousarray(t.reshape(n, c))
        if type(loss_fn) is BCEWithLogitsLoss and not (np.all(t >= 0) and np.all(t <= 1)):
            return None
        return t if np.isfinite(t).all() or type(loss_fn) is MSELoss else None
    except Exception:  # noqa: BLE001 - any refusal: the general path raises it with its message
        return None


def plan(model, loss_fn, optimizer, batch_size, params=None):
    """A :class:`Plan` of the compiled loop for this model, loss and optimizer, or None (the general path).

    Args:
        model: a gl.nn.Module. loss_fn: the loss module. optimizer: a gl.optim optimizer.
        batch_size: the rows per step (with the layers' sizes, it decides whether a step is small).
        params: the parameters in the order of the caller's backups (default ``model.parameters()``).
    """
    if TRAINLOOP is None or not getattr(model, "fuse", True):
        return None
    layers = _layers(model)
    if layers is None or type(loss_fn) not in LOSS_CODES or getattr(loss_fn, "has_options", False):
        return None
    if type(optimizer) not in (SGD, Adam, AdamW) or len(optimizer.param_groups) != 1:
        return None
    params = list(model.parameters()) if params is None else params
    flat, specs = [], []
    for lin, act in layers:
        name = "identity" if act is None else FUSABLE[type(act)]
        w = len(flat)
        flat.append(lin.weight)
        b = -1
        if lin.bias is not None:
            b = len(flat)
            flat.append(lin.bias)
        specs.append((w, b, ACTIVATION_CODES[name], act))
    if len(flat) != len(params) or {id(p) for p in flat} != {id(p) for p in params} or \
            [id(p) for p in optimizer.params] != [id(p) for p in params]:
        return None
    dtype = flat[0].data.dtype
    if dtype not in SMALL_WORK or batch_size * sum(p.data.size for p in flat if p.data.ndim == 2) > SMALL_WORK[dtype]:
        return None
    for p in flat:
        if p._op is not None or not p.requires_grad or type(p.data) is not np.ndarray or p.data.dtype != dtype or \
                dtype not in FLOATS:
            return None
    if type(optimizer) is not SGD and (optimizer.amsgrad or len(set(optimizer._steps)) != 1):
        return None
    return Plan(flat, specs, params, loss_fn, optimizer, model, layers)


def compiled_loop(model, loss_fn, optimizer, params, hooks, X, y, batch_size, rows=None):
    """The compiled epoch loop for this ``fit`` call (a :class:`FitLoop`), or None for the general path.

    Args:
        model, loss_fn, optimizer: fit's. params: fit's parameter list (model.parameters()).
        hooks: fit's callback hooks by event. X (N, in), y: fit's checked training arrays.
        batch_size: fit's rows per step.
        rows: the loss's targets as fit already prepared them (``fused.prepared_targets``), or None.
    """
    if hooks.get("on_batch_end"):
        return None
    planned = plan(model, loss_fn, optimizer, min(batch_size, len(X)), params)
    if planned is None or X.dtype != planned.dtype:
        return None
    targets = rows if rows is not None else _targets(loss_fn, y, len(X), planned.outputs, planned.dtype)
    return None if targets is None else FitLoop(planned, targets)


class Plan:
    """The compiled loop for one model, loss and optimizer: :meth:`run` trains a sequence of batches."""

    def __init__(self, flat, specs, params, loss_fn, optimizer, model, layers):
        self.flat, self.specs, self.loss_fn, self.optimizer = flat, specs, loss_fn, optimizer
        self.model, self.layers = model, layers
        index = {id(p): i for i, p in enumerate(params)}
        self.order = [index[id(p)] for p in flat]  # the caller's parameter order to the loop's (layer by layer)
        self.dtype = flat[0].data.dtype
        self.outputs = flat[specs[-1][0]].data.shape[0]
        self.sizes = [p.data.size for p in flat]
        self.raised = None  # the exception a signal handler raised during the last run (a second Ctrl-C)

    def _unchanged(self):
        """Whether the model still has the planned layers and parameters (a callback may replace either)."""
        model = self.model
        if not getattr(model, "fuse", True):
            return False
        now = _layers(model)
        if now is None or len(now) != len(self.layers):
            return False
        if any(lin is not lin0 or act is not act0 for (lin, act), (lin0, act0) in zip(now, self.layers)):
            return False
        flat = [t for lin, _ in now for t in (lin.weight, lin.bias) if t is not None]
        return len(flat) == len(self.flat) and all(a is b for a, b in zip(flat, self.flat)) and \
            all(p.requires_grad and p._op is None for p in flat)  # a callback may freeze one

    def _layer_tuple(self):
        out = []
        for w, b, code, act in self.specs:
            slope = float(getattr(act, "negative_slope", 0.0)) if code == ACTIVATION_CODES["leaky_relu"] else 0.0
            if code == ACTIVATION_CODES["leaky_relu"] and not slope >= 0:
                return None
            out.append((w, b, code, slope))
        return tuple(out)

    def _optimizer(self):
        """(the loop's optimizer tuple, state lists s1, s2, step count before, first step) or None."""
        opt = self.optimizer
        if len(opt.param_groups) != 1:
            return None
        order = self.order
        if type(opt) is SGD:
            mu, wd, damp, nest = opt.momentum, opt.weight_decay, opt.dampening, opt.nesterov
            if not mu and not wd:
                return (OPT_SGD_PLAIN, opt.lr, 0.0, 1.0, False, 0.0, 0.0, 0.0, 0.0), None, None, 0, False
            first = False
            s1 = None
            if mu:
                bufs = opt._buffers
                if any(bufs[i] is None for i in order):
                    if any(bufs[i] is not None for i in order):
                        return None
                    first = True
                    for i in order:
                        bufs[i] = np.empty_like(opt.params[i].data)
                s1 = [bufs[i] for i in order]
            return (OPT_SGD, opt.lr, mu, 1.0 - damp, bool(nest), wd, 0.0, 0.0, 0.0), s1, None, 0, first
        if opt.amsgrad or len(set(opt._steps)) != 1:
            return None
        b1, b2 = opt.betas
        kind = OPT_ADAMW if type(opt) is AdamW else OPT_ADAM
        return ((kind, opt.lr, 0.0, 1.0, False, opt.weight_decay, b1, b2, opt.eps),
                [opt._m[i] for i in order], [opt._v[i] for i in order], opt._steps[0], False)

    def run(self, X, targets, batch_size, backups, interrupt=None, trajectory=None, order=None):
        """Train on the rows of X (N, in) against ``targets`` (N, outputs) in order, ``batch_size`` rows a step.

        Args:
            order: None, or int64 row indices: train on X[order] against targets[order] (each batch's rows are
                gathered inside the loop; the outputs come in that order).
            backups: arrays in the caller's parameter order that receive the weights before each step.
            interrupt: None, or an object whose ``requested`` turns true to stop after the current step
                (checked every 32 steps, after running Python's signal handlers; the loop runs without the GIL in between).
            trajectory: None, or a (steps, Σ parameter sizes) array of the dtype that receives the weights
                (layer by layer, W then b) before each step.

        Returns:
            ``(steps done, diverged, losses (steps,), outputs (N, outputs), every weight finite after)``, or
            None when something
            changed so that the loop cannot run (nothing was trained). ``diverged``: the loss of step
            ``steps done`` (counting from 0) was not finite, and that step was not applied. After the
            steps, every parameter's ``.grad`` is the last step's gradient and the optimizer's state is
            where its ``step()`` would have left it.
        """
        reduction = self.loss_fn.reduction
        if MODE.anomaly or not MODE.grad_enabled or reduction not in ("mean", "sum") or \
                getattr(self.loss_fn, "has_options", False) or not self._unchanged():
            return None
        layers = self._layer_tuple()
        planned = self._optimizer() if layers is not None else None
        if planned is None:
            return None
        opt = self.optimizer
        opt_tuple, s1, s2, t0, first = planned
        n = len(X) if order is None else len(order)
        steps = -(-n // batch_size)
        data = [p.data for p in self.flat]
        grads = [np.empty_like(d) for d in data]
        losses = np.empty(steps)
        outputs = np.empty((n,) + targets.shape[1:], dtype=targets.dtype)
        done = TRAINLOOP.run_epoch(np.ascontiguousarray(X), targets, data, grads, [backups[i] for i in self.order],
                                   layers, LOSS_CODES[type(self.loss_fn)], reduction == "sum", batch_size, opt_tuple,
                                   s1, s2, t0, first, losses, outputs, interrupt, trajectory, order)
        if done is None or done[0] == 0:
            if first:  # SGD's momentum buffers start on the first step taken
                for i in self.order:
                    opt._buffers[i] = None
            if done is None:
                return None
        done, diverged, finite, raised = done
        self.raised = raised  # a second Ctrl-C during the loop: the caller raises it once the steps are counted
        if type(opt) is not SGD:
            opt.t += done
            opt._steps = [s + done for s in opt._steps]
        if done:
            for p, g in zip(self.flat, grads):
                p.grad = g
        return done, diverged, losses, outputs, finite


class FitLoop:
    """One ``fit`` call's compiled epochs; :meth:`epoch` runs one, or returns None for the general path."""

    def __init__(self, planned, targets):
        self.plan, self.targets = planned, targets

    def epoch(self, run, epoch, X, y, batch_size, order, steps):
        """Train one epoch as ``fit``'s general loop does (``_Run.epoch``); (logs, stop), or None when this
        epoch must take the general path (nothing was changed)."""
        n = min(len(X), steps * batch_size)  # fewer with a DataLoader's drop_last: the last, partial batch is left out
        if order is None and n < len(X):
            order = np.arange(n)
        if order is not None:  # the loop gathers each batch's rows itself (no copy of X per epoch)
            order = np.ascontiguousarray(order[:n], dtype=np.int64)
            y = y[order]
        result = self.plan.run(X, self.targets, batch_size, run.backup, run.interrupt, order=order)
        if result is None:
            return None
        done, diverged, losses, outputs, finite = result
        run.compiled_epochs += 1
        run.weights_finite = finite  # fit's check after the epoch, done in the loop
        if done:
            run.stepped = True
            run.last = (epoch, done - 1, float(losses[done - 1]))
        if self.plan.raised is not None:  # a second Ctrl-C: fit stops at once, after complete steps
            raise self.plan.raised
        if diverged:
            run.optimizer.zero_grad()  # as on the general path: no gradient of the batch that diverged
            raise run.diverged(f"the loss became {float(losses[done])} at epoch {epoch + 1}, batch {done + 1} of "
                               f"{steps} (counting from 1)", epoch, done)
        starts = np.arange(done) * batch_size
        sizes = np.minimum(batch_size, n - starts)
        seen = int(sizes.sum())
        logs = {"loss": float(np.cumsum(losses[:done] * sizes)[-1]) / seen}
        for name, fn in run.metric_fns:
            threshold = getattr(fn, "threshold", None)
            if threshold is not None:
                values = batch_accuracies(outputs[:seen], y[:seen], starts, threshold)
                logs[name] = float(np.cumsum(values * sizes)[-1]) / seen
            else:  # any function: called per batch and summed as the general loop does (its type kept)
                total = 0.0
                for s, k in zip(starts.tolist(), sizes.tolist()):
                    total += fn(outputs[s:s + k], y[s:s + k]) * k
                logs[name] = total / seen
        if run.reporter.batch_every:
            run.reporter.batch(epoch, done, logs["loss"])
        if done < steps:  # Ctrl-C during the epoch: stopped after a complete step, as the general loop does
            return None, True
        return logs, run.interrupt.requested or getattr(run.model, "stop_training", False)
