"""Progress reports of ``fit``: a rich bar on a terminal, a bar updated in place in a notebook, one line per
epoch otherwise.

``verbose=0`` is silent; ``verbose=1`` shows a rich progress bar when
stdout is a terminal (and rich is installed), an HTML bar that updates in
place when running in a Jupyter kernel, else one line per epoch;
``verbose=2`` always prints one line per epoch. rich is imported here, only
when a bar is shown, never when gradlab is imported.
"""

from __future__ import annotations

import sys
import time

from ..core.notebook import esc


def format_value(value) -> str:
    """4 decimals, or scientific notation for very large or very small magnitudes."""
    if value != 0 and not 1e-4 <= abs(value) < 1e5:
        return f"{value:.4e}"
    return f"{value:.4f}"


def format_logs(logs) -> str:
    """'loss: 0.1234 - accuracy: 0.9500 - val_loss: ...' from an epoch's logs."""
    return " - ".join(f"{k}: {format_value(v)}" for k, v in logs.items())


class Silent:
    """verbose=0: reports nothing."""

    batch_every = 0

    def start(self):
        pass

    def batch(self, epoch, done, loss):
        pass

    def epoch_end(self, epoch, logs, seconds):
        pass

    def close(self, history):
        pass


class Lines(Silent):
    """One line per epoch: ``Epoch 3/50 - 0.02s - loss: 0.3412 - accuracy: 0.9100``."""

    def __init__(self, epochs, stream=None):
        self.epochs = epochs
        self.stream = stream if stream is not None else sys.stdout
        self.width = len(str(epochs))

    def epoch_end(self, epoch, logs, seconds):
        line = f"Epoch {epoch + 1:>{self.width}}/{self.epochs} - {seconds:.3f}s - {format_logs(logs)}"
        print(line, file=self.stream, flush=True)

    def close(self, history):
        if history.interrupted:
            print(f"Training interrupted after {len(history.epoch)} complete epochs.", file=self.stream, flush=True)
        elif history.stopped_early:
            print(f"Training stopped early after epoch {history.epoch[-1] + 1 if history.epoch else 0}.",
                  file=self.stream, flush=True)


class Bar(Lines):
    """A rich progress bar over the epochs, with the running loss and the last epoch's logs.

    Batches update the bar every ``batch_every`` batches (about 20 times per
    epoch), so the per-batch cost stays a counter test.
    """

    def __init__(self, epochs, steps, stream=None):
        super().__init__(epochs, stream)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.steps = steps
        self.batch_every = max(1, steps // 20)
        self.progress = Progress(
            TextColumn("[bold]Epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("batches"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[logs]}"),
            console=Console(file=self.stream),
            transient=False,
        )
        self.task = None

    def start(self):
        self.progress.start()
        self.task = self.progress.add_task("fit", total=self.epochs * self.steps, epoch=1, epochs=self.epochs,
                                           logs="")

    def batch(self, epoch, done, loss):
        self.progress.update(self.task, completed=epoch * self.steps + done, epoch=epoch + 1,
                             logs=f"loss: {format_value(loss)}")

    def epoch_end(self, epoch, logs, seconds):
        self.progress.update(self.task, completed=(epoch + 1) * self.steps, epoch=epoch + 1,
                             logs=format_logs(logs))

    def close(self, history):
        self.progress.stop()
        super().close(history)


class NotebookBar(Lines):
    """A progress bar in a Jupyter notebook: one HTML output updated in place (IPython's display handles), at
    most every ``every`` seconds, with the epoch, the batches done, the time and the last logs."""

    def __init__(self, epochs, steps, every=0.2):
        super().__init__(epochs)
        from IPython.display import HTML, display

        self.HTML, self.display = HTML, display
        self.steps, self.every = steps, every
        self.batch_every = max(1, steps // 20)
        self.handle, self.t0, self.shown = None, 0.0, 0.0
        self.state = (0, 0, "")

    def _html(self):
        epoch, done, logs = self.state
        total = self.epochs * self.steps
        seconds = time.perf_counter() - self.t0
        return (f'<div class="gradlab-progress"><progress value="{done}" max="{total}" style="width:22em"></progress>'
                f" <b>Epoch {epoch}/{self.epochs}</b> · {done}/{total} batches · {seconds:.1f}s"
                f"{' · ' + esc(logs) if logs else ''}</div>")

    def _show(self, force=False):
        now = time.perf_counter()
        if force or now - self.shown >= self.every:
            self.shown = now
            self.handle.update(self.HTML(self._html()))

    def start(self):
        self.t0 = time.perf_counter()
        self.handle = self.display(self.HTML(self._html()), display_id=True)
        self.state = (1, 0, "")

    def batch(self, epoch, done, loss):
        self.state = (epoch + 1, epoch * self.steps + done, f"loss: {format_value(loss)}")
        self._show()

    def epoch_end(self, epoch, logs, seconds):
        self.state = (epoch + 1, (epoch + 1) * self.steps, format_logs(logs))
        self._show()

    def close(self, history):
        self._show(force=True)
        super().close(history)


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (IPython's ZMQ shell), without importing IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def make_reporter(verbose, epochs, steps, stream=None):
    """The reporter for ``verbose`` (0, 1 or 2) and the kind of stdout."""
    if not verbose:
        return Silent()
    if verbose == 1 and stream is None and in_notebook():
        return NotebookBar(epochs, steps)
    stream = stream if stream is not None else sys.stdout
    if verbose == 1 and getattr(stream, "isatty", lambda: False)():
        try:
            return Bar(epochs, steps, stream)
        except ImportError:  # rich is an optional extra: fall back to lines
            pass
    return Lines(epochs, stream)
