"""Live training for the explorer: a session trains a small network step by step and keeps every step's state.

A session holds a dataset (a bundled generator or the rows of an uploaded
CSV), a ``gl.nn.MLP`` with a logit output, ``BCEWithLogitsLoss`` and SGD. Each
:meth:`Session.step` trains on one seeded mini-batch with the library's own
forward, backward and update, and records the weights *before* the step and
the batch, so :meth:`Session.state_at` gives the state whose explanation is
exactly that step (the explanation's numbers are the ones training used).
"""

from __future__ import annotations

import csv
import io
import secrets
import threading

import numpy as np

from ..core.errors import ParameterError
from ..data import load
from ..explainer.network import as_network
from ..nn import BCEWithLogitsLoss, MLP
from ..optim import SGD
from ..train import compiled
from .state import MAX_BATCH, MAX_LAYERS, MAX_WIDTH, MAX_WORK, FieldError

DATASETS = ("moons", "circles", "xor", "spirals", "blobs", "csv")
MAX_SESSIONS, MAX_HISTORY, MAX_CSV_ROWS, GRID = 8, 2000, 10_000, 40  # 2000 steps of ≤ 1.4k weights: ≤ 23 MB


def dataset(name, seed=0, csv_text=None):
    """(X (N, 2), y (N,) of 0/1) of a bundled dataset or of an uploaded CSV (two feature columns, then the class)."""
    if name == "csv":
        return read_csv(csv_text)
    if name not in DATASETS:
        raise ParameterError(f"data: one of {', '.join(DATASETS)}; got {name!r}")
    kwargs = {"xor": dict(n_samples=200, noise=0.2), "blobs": dict(n_samples=200, centers=2, cluster_std=1.5)}
    X, y = load(name, seed=seed, **kwargs.get(name, dict(n_samples=200, noise=0.15)))
    return np.asarray(X, dtype=np.float64), (np.asarray(y) != 0).astype(np.float64)


def read_csv(text):
    """Rows of numbers: two features and a class (0/1 or two distinct values); a header row is allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ParameterError("csv: the file is empty")
    if len(text) > 2 * 1024 * 1024:
        raise ParameterError("csv: larger than 2 MiB")
    rows, header = [], 0
    for n, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows and not header:
                header = n
                continue
            raise ParameterError(f"csv: line {n}: {','.join(cells)[:40]!r} is not all numbers") from None
        if len(values) != 3:
            raise ParameterError(f"csv: line {n} has {len(values)} columns; expected 3 (x1, x2, class)")
        rows.append(values)
        if len(rows) > MAX_CSV_ROWS:
            raise ParameterError(f"csv: more than {MAX_CSV_ROWS} rows")
    if len(rows) < 4:
        raise ParameterError("csv: at least 4 rows of numbers are needed")
    data = np.array(rows)
    if not np.all(np.isfinite(data)):
        raise ParameterError("csv: holds NaN or inf")
    classes = np.unique(data[:, 2])
    if len(classes) != 2:
        raise ParameterError(f"csv: the last column must hold two classes; it holds {len(classes)}")
    return data[:, :2], (data[:, 2] == classes[1]).astype(np.float64)


class Session:
    """One live training run (see the module docstring)."""

    def __init__(self, X, y, layers, activation, lr, batch, seed):
        if layers[0] != 2 or layers[-1] != 1:
            raise ParameterError(f"layers: a live network takes 2 inputs and gives 1 output (the logit); got "
                                 f"{'-'.join(map(str, layers))}")
        self.X, self.y = X, y
        self.model = MLP(layers, activation=activation, rng=seed)
        self.loss_fn = BCEWithLogitsLoss()
        self.lr, self.batch = float(lr), int(min(batch, len(X)))
        self.opt = SGD(self.model.parameters(), lr=self.lr)
        self.plan = compiled.plan(self.model, self.loss_fn, self.opt, self.batch)  # None: step by step
        self.rng = np.random.default_rng(seed)
        self.step_no, self.history, self.lock, self.diverged = 0, {}, threading.Lock(), None
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * (hi - lo) + 1e-9
        self.extent = [float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])]
        gx = np.linspace(self.extent[0], self.extent[1], GRID)
        gy = np.linspace(self.extent[2], self.extent[3], GRID)
        self.grid = np.array([[a, b] for b in gy for a in gx])

    def steps(self, n):
        """Train ``n`` steps; returns [(step, mini-batch loss)]. A loss that becomes inf or NaN stops the session
        with a message (the classroom's "too large a learning rate").

        The ``n`` steps' mini-batches are drawn first (one draw per step, in order). Where the compiled loop
        runs (:mod:`gradlab.train.compiled`) they are trained in one call that also hands back every step's
        weights before it; otherwise step by step through the model, the loss and the optimizer.
        """
        with self.lock, np.errstate(all="ignore"):
            if self.diverged:
                raise ParameterError(self.diverged)
            idxs = [self.rng.choice(len(self.X), size=self.batch, replace=False) for _ in range(n)]
            out = self._compiled_steps(idxs) if self.plan is not None else None
            return out if out is not None else self._python_steps(idxs)

    def _python_steps(self, idxs):
        out = []
        for idx in idxs:
            weights = [(p.data.copy()) for p in self.model.parameters()]
            xb, yb = self.X[idx], self.y[idx].reshape(-1, 1)
            self.opt.zero_grad()
            loss = self.loss_fn(self.model(xb), yb)
            loss.backward()
            self.opt.step()
            value = float(loss.data)
            if not np.isfinite(value) or not all(np.all(np.isfinite(p.data)) for p in self.model.parameters()):
                self._diverge(self.step_no + 1, value)
            self._record(weights, idx, value, out)
        return out

    def _record(self, weights, idx, value, out):
        self.step_no += 1
        self.history[self.step_no] = (weights, idx)
        self.history.pop(self.step_no - MAX_HISTORY, None)
        out.append((self.step_no, value))

    def _diverge(self, step, value):
        self.diverged = (f"lr: training diverged at step {step} (the loss became {value}); with η = {self.lr:g} "
                         "the steps are too large — start again with a smaller learning rate")
        raise ParameterError(self.diverged)

    def _compiled_steps(self, idxs):
        """The steps of ``idxs`` through the compiled loop in one call; None (nothing trained) when it cannot
        run. The same outcome as step by step: a step whose loss is not finite, or that leaves a weight
        that is not, stops the session and is not recorded."""
        rows = np.concatenate(idxs)
        params = list(self.model.parameters())
        trajectory = np.empty((len(idxs), sum(p.data.size for p in params)))
        result = self.plan.run(self.X[rows], self.y[rows].reshape(-1, 1), self.batch,
                               [np.empty_like(p.data) for p in params], None, trajectory)
        if result is None:
            self.plan = None
            return None
        done, diverged, losses, _, finite = result  # (the server's thread has no signal handler to raise)
        bad = not finite  # made so by step done − 1
        out = []
        for s in range(done - 1 if bad else done):
            weights, k = [], 0
            for p in params:
                weights.append(trajectory[s, k:k + p.data.size].reshape(p.data.shape).copy())
                k += p.data.size
            self._record(weights, idxs[s], float(losses[s]), out)
        if bad or diverged:
            self._diverge(self.step_no + 1, float(losses[done - 1] if bad else losses[done]))
        return out

    def boundary(self):
        """P(class 1) on the GRID × GRID grid over the extent, rows from the bottom."""
        with self.lock, np.errstate(all="ignore"):
            logits = np.asarray(self.model(self.grid).data).reshape(GRID, GRID)
            p = 1.0 / (1.0 + np.exp(-np.clip(logits, -500, 500)))
        return np.nan_to_num(p, nan=0.5).round(4).tolist()

    def state_at(self, step):
        """The explorer state of training step ``step``: the weights before it, its mini-batch, its loss and η."""
        if step not in self.history:
            raise ParameterError(f"step: {step} is not recorded (the last {MAX_HISTORY} steps are, up to "
                                 f"{self.step_no})")
        weights, idx = self.history[step]
        layers, k = [], 0
        net = as_network(self.model)
        for layer in net.layers:
            W, b = weights[k], weights[k + 1]
            k += 2
            layers.append({"W": W.tolist(), "b": b.tolist(), "activation": layer.act.name})
        return {"layers": layers, "x": self.X[idx].tolist(), "y": self.y[idx].reshape(-1, 1).tolist(),
                "loss": "bce_with_logits", "lr": self.lr, "conventions": {"reduction": "mean"},
                "layout": "denominator", "precision": 4, "step": step}


class Sessions:
    """The live sessions of one explorer (at most MAX_SESSIONS; the oldest goes first)."""

    def __init__(self):
        self.items = {}

    def start(self, spec):
        data = spec.get("data", "moons")
        seed = spec.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 32:
            raise FieldError("seed", f"an integer from 0 to 2³² − 1; got {str(seed)[:20]!r}")
        X, y = dataset(data, seed, spec.get("csv"))
        try:
            layers = [int(s) for s in str(spec.get("layers", "2-16-16-1")).split("-")]
        except ValueError:
            raise ParameterError(f"layers: widths joined by '-', like 2-16-16-1; got {spec.get('layers')!r}") from None
        if len(layers) < 2 or len(layers) > MAX_LAYERS + 1 or not all(1 <= w <= MAX_WIDTH for w in layers):
            raise FieldError("layers", f"2 to {MAX_LAYERS + 1} widths from 1 to {MAX_WIDTH} (so that every step "
                                       f"can be explained); got {str(spec.get('layers'))[:40]!r}")
        lr = spec.get("lr", 0.1)
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr <= 10:
            raise ParameterError(f"lr: a number in (0, 10]; got {lr!r}")
        batch = spec.get("batch", 8)
        most = min(MAX_BATCH, MAX_WORK // sum(layers))  # a step of this batch can be explained on the page
        if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= most:
            raise FieldError("batch", f"an integer from 1 to {most} for a {'-'.join(map(str, layers))} network "
                                      f"(every step is explained with its batch); got {str(batch)[:20]!r}")
        activation = str(spec.get("activation", "tanh"))
        if activation not in ("tanh", "relu", "sigmoid", "leaky_relu", "identity"):
            raise ParameterError(f"activation: tanh, relu, sigmoid, leaky_relu or identity; got {activation!r}")
        session = Session(X, y, layers, activation, lr, batch, seed)
        if len(self.items) >= MAX_SESSIONS:
            self.items.pop(next(iter(self.items)))
        sid = secrets.token_hex(8)
        self.items[sid] = session
        return sid, session

    def get(self, sid):
        if not isinstance(sid, str) or sid not in self.items:
            raise FieldError("session", "no such training session (start one)")
        return self.items[sid]
