"""History: what ``fit`` records, one entry per completed epoch."""

from __future__ import annotations

import math

from ..core.notebook import esc, html_table, png_img


class History:
    """Per-epoch losses and metrics of one ``fit`` call, as Keras' History.

    Attributes:
        history: {name: [value per epoch]} — 'loss' and each metric on the
            training data (means over the epoch's batches, weighted by batch
            size, computed as the batches go), and 'val_loss', 'val_<metric>'
            on the validation data after the epoch when there is validation data.
        epoch: the indices (from 0) of the recorded epochs.
        epoch_times: seconds each recorded epoch took (validation included).
        params: {'epochs', 'batch_size', 'samples', 'steps', 'seed'} of the call.
        stopped_early: a callback (e.g. EarlyStopping) ended training.
        interrupted: Ctrl-C (KeyboardInterrupt) ended training; an epoch cut
            short is not recorded.
        stopped_at: (epoch, batch), both counted from 0, of the last batch
            trained when training was stopped or interrupted, else None.

    Only whole epochs are recorded, so every list in ``history`` has
    ``len(epoch)`` values. ``fit`` names every key before the first epoch,
    so a run stopped or interrupted before any epoch completed still has
    ``history['loss'] == []``. Two runs with the same seed, data and
    initial weights give equal ``history`` dicts (timings differ).
    """

    def __init__(self, params=None, keys=()):
        self.history = {str(name): [] for name in keys}
        self.epoch = []
        self.epoch_times = []
        self.params = dict(params or {})
        self.stopped_early = False
        self.interrupted = False
        self.stopped_at = None

    def record(self, epoch: int, logs: dict, seconds: float) -> None:
        """Append one epoch's logs ({name: float})."""
        self.epoch.append(int(epoch))
        self.epoch_times.append(float(seconds))
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))

    def __getitem__(self, name):
        """``history['loss']`` is ``history.history['loss']``."""
        return self.history[name]

    def __contains__(self, name):
        return name in self.history

    def __len__(self):
        return len(self.epoch)

    def last(self, name=None):
        """The last epoch's value of ``name``, or a dict of every last value."""
        if name is not None:
            return self.history[name][-1]
        return {k: v[-1] for k, v in self.history.items() if v}

    def best(self, monitor="val_loss", mode="min"):
        """(epoch index, value) of the best epoch for ``monitor`` ('min' or 'max')."""
        values = self.history[monitor]
        pick = min if mode == "min" else max
        finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
        value, i = pick(finite)
        return self.epoch[i], value

    def to_dict(self) -> dict:
        """A JSON-able dict of everything recorded."""
        return {
            "history": {k: list(v) for k, v in self.history.items()},
            "epoch": list(self.epoch),
            "epoch_times": list(self.epoch_times),
            "params": dict(self.params),
            "stopped_early": self.stopped_early,
            "interrupted": self.interrupted,
            "stopped_at": list(self.stopped_at) if self.stopped_at is not None else None,
        }

    def plot(self, path=None, **kwargs):
        """Learning curves: training (solid) and validation (dashed) loss and metrics per epoch.

        Args:
            path: where to save (.png, .svg or .pdf); None to only return the figure.
            **kwargs: passed to :func:`gradlab.viz.plot_history` (``metrics``, ``title``, ``log_loss``).

        Returns:
            The matplotlib figure. Needs the ``gradlab[plot]`` extra.
        """
        from ..viz.history import plot_history  # layering: viz draws train's History; train never needs viz

        return plot_history(self, path, **kwargs)

    def _repr_html_(self):
        """A notebook's view: a table of the epochs (the first 5 and last 10 of a long run) and the learning curves
        (when matplotlib is installed)."""
        names = list(self.history)
        keep = range(len(self.epoch)) if len(self.epoch) <= 20 else [*range(5), *range(len(self.epoch) - 10,
                                                                                       len(self.epoch))]
        rows, last = [], -1
        for i in keep:
            if i != last + 1:
                rows.append(["…"] * (len(names) + 1))
            rows.append([self.epoch[i] + 1, *(f"{self.history[k][i]:.4g}" for k in names)])
            last = i
        out = f"<p><b>{esc(repr(self))}</b></p>" + html_table(["epoch", *names], rows)
        if self.epoch:
            try:
                from ..viz._mpl import to_png_bytes  # layering: train's notebook view shows viz's curves
                out += png_img(to_png_bytes(self.plot()), "learning curves")
            except ImportError:  # matplotlib is an optional extra: the table alone
                pass
        return out

    def __repr__(self):
        if not self.epoch:
            state = "no epoch completed"
        else:
            last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
            state = f"{len(self.epoch)} epochs, last: {last}"
        flags = [f for f, on in (("stopped early", self.stopped_early), ("interrupted", self.interrupted)) if on]
        return f"History({state}{'; ' + ', '.join(flags) if flags else ''})"
