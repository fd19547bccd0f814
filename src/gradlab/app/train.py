"""Train a network from a plain description and show what happened: the engine of ``gradlab train``.

:func:`prepare` checks everything before any training starts (the dataset
exists, the layer sizes fit the data, the loss fits the targets, the
hyper-parameters are in range) and says what is wrong in one sentence;
:func:`run` trains with ``gl.fit``; :func:`write_outputs` writes the learning
curve, the decision boundary (2-D data) or fitted curve (1 feature), the
network diagram, the model file and an HTML report. ``model='cnn'`` trains the
LeNet-style network of :mod:`gradlab.app.train_cnn` on square grey images.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import data as gldata
from .. import nn, optim
from ..core.constraints import FRACTION, POSITIVE_FLOAT, POSITIVE_INT, Options, check, refusal
from ..core.errors import ParameterError, ShapeError
from ..data import Standardizer
from ..io import save as save_model
from ..nn.activations import ACTIVATIONS  # noqa: F401  (the command's --activation choices)
from ..ops import catalog
from ..train import fit
from ..viz import _mpl
from ..viz.boundary import plot_decision_boundary, plot_regression
from ..viz.history import plot_history
from ..viz.network import MAX_DRAWN_NEURONS, network_diagram
from ..viz.report import Report
from . import train_cnn as CNN
from .train_size import MAX_WORK, MEMORY_FRACTION, check_training_size, memory_bytes  # noqa: F401  (the command's)

LOSSES = {"bce": "binary cross-entropy (sigmoid + BCE on logits)", "mse": "mean squared error",
          "ce": "cross-entropy (softmax over the outputs)"}
# The training command's short names for the catalog's losses. Its networks output logits, so binary
# cross-entropy, by any of its names, is trained as BCE on logits (gl.nn.BCEWithLogitsLoss); the model
# file records the loss actually used ('bce_with_logits'), which `gradlab explain --model` reads.
TRAIN_LOSS = {"bce": "bce", "bce_with_logits": "bce", "cross_entropy": "ce", "mse": "mse"}
OPTIMIZERS = ("sgd", "adam")
# the numbers and names of a TrainSpec, checked by prepare before anything is loaded or built
SPEC = {"epochs": POSITIVE_INT, "batch_size": POSITIVE_INT, "samples": POSITIVE_INT, "lr": POSITIVE_FLOAT,
        "validation_split": FRACTION, "optimizer": Options(*OPTIMIZERS), "model": Options(*CNN.MODELS)}
LOSS_NAMES = Options(*LOSSES)  # catalog names and aliases are accepted too
LAYERS = "at least two comma-separated ints ≥ 1, such as 2,16,16,1"


@dataclass
class TrainSpec:
    """What to train. Every field has the default of ``gradlab train`` with no arguments.

    ``layers`` None means [features, 16, 16, outputs] from the data;
    ``data`` is a dataset name (``gl.data.load``) or a .csv file;
    ``model`` 'mlp' (the layers) or 'cnn' (square images, ``train_cnn``; the
    command then defaults to ``train_cnn.CNN_DEFAULTS``' epochs and lr).
    """

    data: str = "moons"
    target: str | None = None
    samples: int = 400
    noise: float = 0.2
    layers: list | None = None
    activation: str = "relu"
    loss: str | None = None
    optimizer: str = "adam"
    lr: float = 0.01
    epochs: int = 200
    batch_size: int = 32
    seed: int = 0
    validation_split: float = 0.2
    standardize: bool = False
    model: str = "mlp"


@dataclass
class Prepared:
    """A checked spec with its data, model, loss and optimizer, ready to train."""

    spec: TrainSpec
    X: np.ndarray
    y: np.ndarray
    task: str  # 'binary', 'multiclass' or 'regression'
    classes: int
    layers: list
    model: object
    loss_fn: object
    optimizer: object
    loss: str
    data_name: str
    side: int = 0  # cnn: the images' side (X is (N, 1, side, side))
    pixels: str = ""  # cnn: how the pixels were scaled
    scaling: object = None  # --standardize: the gl.nn.Standardize layer the model file starts with


@dataclass
class Result:
    """A finished training run: the prepared pieces, the History, seconds taken and the summary rows."""

    prepared: Prepared
    history: object
    seconds: float
    summary: list = field(default_factory=list)


def parse_layers(text) -> list:
    """'2,16,16,1' -> [2, 16, 16, 1]; raises ParameterError for anything else."""
    if text is None or isinstance(text, list):
        return text
    try:
        sizes = [int(s) for s in str(text).replace(" ", "").split(",") if s != ""]
    except ValueError:
        raise refusal("train", "layers", text, LAYERS) from None
    if len(sizes) < 2 or any(s <= 0 for s in sizes):
        raise refusal("train", "layers", text, LAYERS)
    return sizes


def load_data(spec: TrainSpec):
    """(X, y, name) from a dataset name or a CSV file; ``samples``/``noise``/``seed`` go to generators that take them."""

    if str(spec.data).lower().endswith(".csv"):
        path = Path(spec.data)
        if not path.is_file():
            raise ParameterError(f"train: the data file {str(path)!r} does not exist")
        target = -1 if spec.target is None else (int(spec.target) if str(spec.target).lstrip("-").isdigit() else spec.target)
        X, y = gldata.load_csv(path, target=target)
        return np.asarray(X, dtype=np.float64), np.asarray(y), path.name
    if spec.target is not None:
        raise ParameterError("train: --target applies to CSV files only; a built-in dataset knows its target")
    key = str(spec.data).strip().lower().replace("-", "_")
    key = gldata.ALIASES.get(key, key)
    if key not in gldata.DATASETS:
        raise ParameterError(f"train: unknown dataset {spec.data!r}. Use a .csv file or one of: {', '.join(gldata.DATASETS)}")
    accepted = inspect.signature(gldata.DATASETS[key]).parameters
    wanted = {"n_samples": spec.samples, "noise": spec.noise, "seed": spec.seed}
    X, y = gldata.load(key, **{k: v for k, v in wanted.items() if k in accepted})
    return np.asarray(X, dtype=np.float64), np.asarray(y), key


def _task(y):
    if y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)) and len(np.unique(y)) <= 20):
        k = int(np.max(y)) + 1 if y.size else 0
        if np.min(y) >= 0:
            return ("binary" if k <= 2 else "multiclass"), max(k, 2)
    return "regression", 0


def _check_numbers(spec):
    for name, constraint in SPEC.items():
        check("train", name, getattr(spec, name), constraint)


def _loss_name(spec, task):
    if spec.loss is None:
        return {"binary": "bce", "multiclass": "ce", "regression": "mse"}[task]
    try:
        kind = catalog.loss_kind(spec.loss)
    except KeyError:
        kind = None
    if kind is None:
        raise refusal("train", "loss", spec.loss, LOSS_NAMES)
    return TRAIN_LOSS[kind.name]


def _check_fit(loss, task, classes, y, layers, n_features):
    if layers[0] != n_features:
        raise ShapeError(f"train: the first layer size is {layers[0]} but the data has {n_features} features; "
                         f"use --layers {n_features},{','.join(map(str, layers[1:]))}")
    out = layers[-1]
    if loss == "bce":
        if task == "regression" or set(np.unique(y).tolist()) - {0, 1}:
            raise ParameterError(f"train: loss 'bce' needs 0/1 targets, but the targets hold {_describe(y)}; use --loss mse "
                                 "for regression or --loss ce for several classes")
        if out != 1:
            raise ShapeError(f"train: loss 'bce' needs one output (the logit of class 1) but the last layer size is {out}")
    elif loss == "ce":
        if task == "regression":
            raise ParameterError(f"train: loss 'ce' needs class labels 0, 1, ..., but the targets hold {_describe(y)}; use --loss mse")
        if out != classes:
            raise ShapeError(f"train: loss 'ce' needs one output per class ({classes} classes) but the last layer size is {out}")
    elif out != 1:
        raise ShapeError(f"train: loss 'mse' fits one target per sample, so the last layer size must be 1, not {out}")


def _describe(y):
    values = np.unique(y)
    if values.size <= 6:
        return "the values " + ", ".join(f"{v:g}" for v in values.astype(float))
    return f"{values.size} different values from {values.min():g} to {values.max():g}"


def prepare(spec: TrainSpec) -> Prepared:
    """Check ``spec`` against the data and build model, loss and optimizer. Nothing is trained yet.

    Raises:
        ParameterError / ShapeError with one clear sentence for an unknown
        dataset, layer sizes that do not fit the data, a loss that does not
        fit the targets, or out-of-range hyper-parameters.
    """

    _check_numbers(spec)
    layers = parse_layers(spec.layers)
    if spec.model == "cnn" and (layers is not None or str(spec.activation).lower() != "relu"):
        raise ParameterError("train: --layers and --activation apply to --model mlp; the cnn is a fixed LeNet-style "
                             "network with ReLU (gl.nn.models.lenet)")
    if spec.activation:
        nn.get_activation(spec.activation)  # refuses an unknown name before the data are loaded
    X, y, name = load_data(spec)
    if X.ndim != 2 or len(X) != len(y) or len(X) < 2:
        raise ShapeError(f"train: the data must be a table (N, features) with one target per row; got X {X.shape}, y {np.shape(y)}")
    task, classes = _task(y)
    loss = _loss_name(spec, task)
    out = 1 if loss in ("bce", "mse") else classes
    side = CNN.image_side(X, name) if spec.model == "cnn" else 0
    if layers is None:
        layers = [X.shape[1], 16, 16, out]
    _check_fit(loss, task, classes, y, layers, X.shape[1])
    scaling = None
    if spec.standardize:
        scaler = Standardizer().fit(X)
        X = scaler.transform(X)
        shape = (1, side, side) if side else (X.shape[1],)
        scaling = nn.Standardize(scaler.mean_.reshape(shape), scaler.scale_.reshape(shape))
    pixels = ""
    if side:
        if scaling is None:  # pixels divided by max |x| (as_images): the file keeps that too, for raw pixels
            top = float(np.max(np.abs(X))) if X.size else 0.0
            scaling = nn.Standardize(np.zeros((1, side, side)), np.full((1, side, side), top if top > 0 else 1.0))
        X, pixels = CNN.as_images(X, side, spec.standardize)
        model = CNN.build(side, out, spec.seed)
        layers = [X.shape[1] * side * side, out]
    else:
        model = nn.MLP(layers, activation=spec.activation, rng=spec.seed)
    loss_fn = {"bce": nn.BCEWithLogitsLoss, "mse": nn.MSELoss, "ce": nn.CrossEntropyLoss}[loss]()
    opt = (optim.Adam if spec.optimizer == "adam" else optim.SGD)(model.parameters(), lr=float(spec.lr))
    y = y.astype(np.int64) if loss in ("bce", "ce") else y.astype(np.float64)
    return Prepared(spec, X, y, task if loss != "mse" else "regression", classes, layers, model, loss_fn, opt, loss, name,
                    side, pixels, scaling)


def describe(p: Prepared) -> str:
    """One paragraph saying what will be trained, on what, how."""
    s = p.spec
    kind = {"binary": "2 classes", "multiclass": f"{p.classes} classes", "regression": "regression targets"}[p.task]
    val = f", {s.validation_split:.0%} held out for validation" if s.validation_split else ""
    if p.side:
        return (f"Training a CNN, LeNet-style ({CNN.architecture(p.model)}; ReLU after each convolution and hidden "
                f"dense layer; {p.model.num_parameters()} parameters) on {p.data_name}: {len(p.X)} grey images "
                f"{p.side}×{p.side}, {p.pixels}, {kind}{val}. Loss: {LOSSES[p.loss]}. Optimizer: {s.optimizer} with "
                f"lr {s.lr:g}, batch size {s.batch_size}, {s.epochs} epochs, seed {s.seed}.")
    return (f"Training an MLP {'-'.join(map(str, p.layers))} ({s.activation} between layers, "
            f"{p.model.num_parameters()} parameters) on {p.data_name}: {len(p.X)} samples, {p.X.shape[1]} features, "
            f"{kind}{val}. Loss: {LOSSES[p.loss]}. Optimizer: {s.optimizer} with lr {s.lr:g}, batch size {s.batch_size}, "
            f"{s.epochs} epochs, seed {s.seed}.")


def run(p: Prepared, verbose: int = 1) -> Result:
    """Train the prepared model with ``gl.fit``; returns a :class:`Result` with the summary rows."""

    metrics = ("accuracy",) if p.task != "regression" else ("mae",)
    start = time.perf_counter()
    history = fit(p.model, p.loss_fn, p.optimizer, p.X, p.y, epochs=p.spec.epochs, batch_size=p.spec.batch_size,
                  seed=p.spec.seed, validation_split=p.spec.validation_split, metrics=metrics, verbose=verbose)
    seconds = time.perf_counter() - start
    return Result(p, history, seconds, summary_rows(history, seconds))


def summary_rows(history, seconds) -> list:
    """[(what, value text)] for the summary table: last losses and metrics, epochs, time."""
    rows = []
    for key, values in history.history.items():
        if values:
            label = key.replace("val_", "validation ") if key.startswith("val_") else f"training {key}"
            rows.append((label, f"{values[-1]:.4f}"))
    rows.append(("epochs", str(len(history.epoch))))
    rows.append(("time", f"{seconds:.2f} s"))
    return rows


def _figures(result: Result) -> dict:
    """name -> Figure of every picture that fits this run."""

    p = result.prepared
    figs = {"learning_curve": plot_history(result.history, title=f"Learning curves: {p.data_name}")}
    if p.side:
        return {**figs, **CNN.figures(p.model, p.X)}
    if p.X.shape[1] == 2 and p.task != "regression":
        figs["decision_boundary"] = plot_decision_boundary(p.model, p.X, p.y, output="logit",
                                                           title=f"Decision boundary on {p.data_name}")
    elif p.X.shape[1] == 1 and p.task == "regression":
        figs["fitted_curve"] = plot_regression(p.model, p.X, p.y, title=f"Fitted curve on {p.data_name}")
    if max(p.layers) <= MAX_DRAWN_NEURONS:
        figs["network"] = network_diagram(p.model, labels=None, title="Trained network (edges: weights)")
    return figs


def write_outputs(result: Result, plot_dir=None, report=None, save=None) -> dict:
    """Write the pictures to ``plot_dir`` (PNG), the HTML ``report`` and the model file ``save``.

    Returns:
        {what: Path} of everything written.
    """

    written = {}
    figs = _figures(result) if (plot_dir or report) else {}
    if plot_dir:
        for name, fig in figs.items():
            written[name] = _mpl.save(fig, Path(plot_dir) / f"{name}.png", "train")
    if save:

        p = result.prepared
        # --standardize (or a CNN's pixel scaling): the file starts with it (gl.nn.Standardize), so
        # load(...).predict takes raw X
        save_model(p.model, save, metadata={"data": p.data_name, "loss": p.loss_fn.kind.name,
                                            "epochs": len(result.history.epoch),
                                            "final": dict(result.summary),
                                            "standardized": bool(p.spec.standardize),
                                            "scaled_inputs": p.scaling is not None},
                   standardizer=p.scaling)
        written["model"] = Path(save)
    if report:
        written["report"] = training_report(result, figs, report)
    return written


def training_report(result: Result, figs: dict, path) -> Path:
    """A self-contained HTML report of the run (setup, summary table, loss formula, pictures)."""

    p = result.prepared
    r = Report(f"gradlab train: {p.data_name}")
    r.text(describe(p))
    r.heading("Summary")
    r.table(["quantity", "value"], [list(row) for row in result.summary])
    r.heading("Loss")
    formulas = {"bce": r"L = -\frac{1}{N}\sum_{i=1}^{N} [y_i \log \sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))]",
                "mse": r"L = \frac{1}{N}\sum_{i=1}^{N} (\hat{y}_i - y_i)^2",
                "ce": r"L = -\frac{1}{N}\sum_{i=1}^{N} \log \mathrm{softmax}(z_i)_{y_i}"}
    r.math(formulas[p.loss])
    captions = {"learning_curve": "Loss and metric per epoch (training solid, validation dashed).",
                "decision_boundary": "Predicted probability of class 1 over the plane, with the 0.5 contour and the data.",
                "fitted_curve": "The network's prediction over the feature's range, with the data.",
                "network": "The trained network: blue edges positive weights, orange negative, width ∝ |w|."}
    r.heading("Pictures")
    for name, fig in figs.items():
        r.figure(fig, captions.get(name, CNN.CAPTIONS.get(name)))
    for line in skipped_pictures(result):
        r.text(f"Not drawn: {line}.")
    r.heading("Model")
    r.code(repr(p.model))
    return r.write(path)


def command_line(spec: TrainSpec) -> str:
    """The full ``gradlab train`` command that reproduces ``spec``."""
    sizes = parse_layers(spec.layers)
    layers = ",".join(map(str, sizes)) if sizes else None
    parts = ["gradlab train", f"--data {spec.data}"] + (["--model cnn"] if spec.model == "cnn" else [])
    if spec.target is not None:
        parts.append(f"--target {spec.target}")
    if layers and spec.model != "cnn":
        parts.append(f"--layers {layers}")
    parts += [f"--activation {spec.activation}"] if spec.model != "cnn" else []
    if spec.loss:
        parts.append(f"--loss {spec.loss}")
    parts += [f"--optimizer {spec.optimizer}", f"--lr {spec.lr:g}", f"--epochs {spec.epochs}",
              f"--batch-size {spec.batch_size}", f"--seed {spec.seed}", f"--validation-split {spec.validation_split:g}"]
    if spec.standardize:
        parts.append("--standardize")
    return " ".join(parts)


def skipped_pictures(result) -> list:
    """['picture: why it is not drawn'] for this run (a CNN has no decision boundary or network diagram)."""
    return list(CNN.SKIPPED) if result.prepared.side else []


def check_prepared_size(p: Prepared, epochs, batch_size):
    """:func:`check_training_size` for a prepared MLP; the cnn's own estimate for a CNN."""
    if not p.side:
        return check_training_size("train", p.layers, len(p.X), epochs, batch_size)
    return CNN.check_size(p.model, p.side, len(p.X), epochs, batch_size, memory_bytes(), MAX_WORK, MEMORY_FRACTION)
