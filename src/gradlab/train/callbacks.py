"""The callback protocol of ``fit`` and the two built-in callbacks.

A callback is any object with some of these methods (subclass
:class:`Callback` to get empty defaults)::

    on_train_begin(logs)          before the first epoch
    on_epoch_begin(epoch, logs)   epoch counts from 0
    on_batch_end(batch, logs)     logs = {'batch', 'size', 'loss'} of that batch
    on_epoch_end(epoch, logs)     logs = {'loss', metrics..., 'val_loss', ...}
    on_train_end(logs)            after the last epoch, also after Ctrl-C

Before training, ``fit`` sets ``callback.model``, ``callback.history`` and
``callback.params``. To stop training, a hook returns True, or sets
``self.model.stop_training = True`` (Keras' flag): training stops after the
current batch (on_batch_end) or epoch (the other hooks), and
``history.stopped_early`` is set. Raising KeyboardInterrupt from a hook
stops training as Ctrl-C does (``history.interrupted``).
"""

from __future__ import annotations

import math
import os

from ..core.constraints import (
    CALLABLE, MONITOR_MODES, NON_NEGATIVE_FLOAT, NON_NEGATIVE_INT, STRING, InstanceOf, check,
)
from ..core.errors import ParameterError
from ..io import save


class Callback:
    """Base class with do-nothing hooks; override the ones you need."""

    model = None
    history = None
    params = None

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``."""

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_batch_end=None, on_epoch_end=None,
                 on_train_end=None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_batch_end", on_batch_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                check("LambdaCallback", name, fn, CALLABLE)
                setattr(self, name, fn)


def _resolve_mode(owner, mode, monitor):
    check(owner, "mode", mode, MONITOR_MODES)
    if mode != "auto":
        return mode
    return "max" if ("acc" in monitor) else "min"


def _monitored(owner, monitor, logs):
    if monitor not in logs:
        hint = " (pass validation_data or validation_split to fit, or monitor 'loss')" if monitor.startswith(
            "val_") else ""
        raise ParameterError(f"{owner} monitors {monitor!r} but the epoch logs hold only {sorted(logs)}{hint}")
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: a key of the epoch logs ('val_loss', 'loss', 'val_accuracy'...).
        patience: epochs without improvement tolerated before stopping.
        min_delta: an improvement must beat the best value by more than this.
        mode: 'min', 'max', or 'auto' ('max' for accuracies, else 'min').
        restore_best_weights: at the end of training (stopped by this
            callback, by running out of epochs, or by Ctrl-C) load the
            weights of the best epoch back into the model.

    Attributes:
        best: the best monitored value; best_epoch: its epoch (from 0);
        stopped_epoch: the epoch it stopped at, or None; restored: whether
        the best weights were loaded back.
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best_weights=True):
        check("EarlyStopping", "monitor", monitor, STRING)
        check("EarlyStopping", "patience", patience, NON_NEGATIVE_INT)
        check("EarlyStopping", "min_delta", min_delta, NON_NEGATIVE_FLOAT)
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = _resolve_mode("EarlyStopping", mode, monitor)
        self.restore_best_weights = bool(restore_best_weights)
        self._reset()

    def _reset(self):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0
        self.stopped_epoch = None
        self.restored = False
        self.last_epoch = None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        value = _monitored("EarlyStopping", self.monitor, logs or {})
        self.last_epoch = epoch
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None and self.best_epoch != self.last_epoch:
            self.model.load_state_dict(self.best_weights)
            self.restored = True

    def __repr__(self):
        return f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, min_delta={self.min_delta})"


class ModelCheckpoint(Callback):
    """Save the model with ``gl.save`` (atomic: a crash never leaves a half-written file).

    Args:
        path: the file; may hold format fields filled from the epoch (from 1)
            and the logs, e.g. ``'ckpt-{epoch:03d}-{val_loss:.3f}.safetensors'``.
        monitor: the logs key deciding the best epoch (save_best_only).
        save_best_only: save only when ``monitor`` improves; otherwise save
            after every epoch.
        mode: 'min', 'max' or 'auto' as in :class:`EarlyStopping`.

    Attributes:
        best: best monitored value so far; saved: the paths written, in order.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        check("ModelCheckpoint", "path", path, InstanceOf(str, os.PathLike, text="a file path"))
        check("ModelCheckpoint", "monitor", monitor, STRING)
        self.path = os.fspath(path)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = _resolve_mode("ModelCheckpoint", mode, monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved = []

    def _filename(self, epoch, logs):
        try:
            return self.path.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise ParameterError(f"ModelCheckpoint: cannot fill the path {self.path!r} from epoch and logs "
                                 f"{sorted(logs)}: {exc}") from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = _monitored("ModelCheckpoint", self.monitor, logs)
            better = value < self.best if self.mode == "min" else value > self.best
            if not better:
                return False
            self.best = value
        target = self._filename(epoch, logs)
        save(self.model, target)
        self.saved.append(target)
        return False

    def __repr__(self):
        return f"ModelCheckpoint({self.path!r}, monitor={self.monitor!r}, save_best_only={self.save_best_only})"
