"""The plot job: one of gradlab's pictures into a PNG, SVG or PDF file (``gradlab plot``).

Without ``--model`` the pictures are gradlab's built-in ones; with ``--model FILE`` (a file of ``gl.save`` or
``gradlab train --save``) ``network``, ``boundary`` and ``graph`` draw that model: its layers and weights, its
decision boundary over a dataset of 2 features, and the computation graph of one forward and backward pass of
its loss on the dataset's first sample. The data come from ``--data`` (a dataset name or a .csv file, as
``gradlab train`` reads them), else from the dataset the model file records it was trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn
from ..core.errors import ParameterError, ShapeError
from ..core.tensor import Tensor
from ..io import load
from ..viz import _mpl
from ..viz.activations import plot_activations
from ..viz.boundary import plot_decision_boundary
from ..viz.graph import computation_graph
from ..viz.network import network_diagram
from ..viz.perceptron import plot_perceptron
from .tour import course_update_diagram, seed_graph
from .train import TrainSpec, load_data

KINDS = ("activations", "perceptron", "network", "boundary", "graph")
MODEL_KINDS = ("network", "boundary", "graph")  # the kinds that draw a saved model (--model FILE)
# which options each kind takes; any other given option is an error, not ignored
APPLIES = {"activations": (), "perceptron": ("gate", "epochs", "lr"), "network": ("lr", "model"),
           "boundary": ("model", "data"), "graph": ("engine", "model", "data")}
# the loss a model file records (gradlab train's metadata 'loss') -> the module that computes it
LOSSES = {"bce_with_logits": nn.BCEWithLogitsLoss, "bce": nn.BCELoss, "cross_entropy": nn.CrossEntropyLoss,
          "mse": nn.MSELoss}
_DRAWN = (nn.Linear, nn.Activation, nn.Sequential, nn.Standardize)  # what the network diagram shows exactly


def plot(kind: str, output, gate=None, epochs=None, lr=None, engine=None, model=None, data=None):
    """Draw picture ``kind`` into ``output`` (.png, .svg or .pdf); options left None take their defaults.

    Args:
        kind: 'activations', 'perceptron' (gate: 'and', 'or', 'nand' or 'xor', default and/or/xor side by side;
            epochs default 10; lr default 1), 'network' (the course's 1-2-3-1 network before and after one step,
            lr default 0.1; or the saved ``model``), 'boundary' (a saved model's decision boundary) or 'graph'
            (the computation graph of a small ReLU regression loss, or of the saved model's loss; engine 'auto',
            'dot' or 'matplotlib').
        output: the picture file.
        model: a model file (network, boundary, graph).
        data: boundary and graph with ``model``: a dataset name or .csv file (default: the one the file records).
    Returns:
        ``output``.
    """
    if kind not in KINDS:
        raise ParameterError(f"plot: the kind must be one of {', '.join(KINDS)}; got {kind!r}")
    given = {"gate": gate, "epochs": epochs, "lr": lr, "engine": engine, "model": model, "data": data}
    for option, value in given.items():
        if value is not None and option not in APPLIES[kind]:
            takers = [k for k, opts in APPLIES.items() if option in opts]
            raise ParameterError(f"--{option} applies to `gradlab plot {' or '.join(takers)}`, not to {kind}")
    if model is None and (kind == "boundary" or data is not None):
        raise ParameterError(f"plot: `gradlab plot {kind}{' --data' if data is not None else ''}` draws a saved "
                             "model: give it with --model FILE (written by gl.save or gradlab train --save)")
    if model is not None and lr is not None:
        raise ParameterError("plot: --lr applies to the built-in network, not to a saved model (--model)")
    _mpl.check_path(output, "plot")
    if model is not None:
        return plot_model(kind, output, model, data=data, engine=engine)
    if kind == "activations":
        plot_activations(output)
    elif kind == "perceptron":
        plot_perceptron(gate if gate else ("and", "or", "xor"), output, max_epochs=10 if epochs is None else epochs,
                        lr=1.0 if lr is None else lr)
    elif kind == "network":
        course_update_diagram(output, lr=0.1 if lr is None else lr)
    else:
        seed_graph(output, engine=engine or "auto")
    return output


def _strip_scaling(model):
    """(the model without its leading Standardize, that layer or None)."""
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[0], nn.Standardize):
        rest = [model[i] for i in range(1, len(model))]
        return (rest[0] if len(rest) == 1 else nn.Sequential(*rest)), model[0]
    return model, None


def input_size(model):
    """The number of input features of a model of dense layers (None when its first layer is not one)."""
    first = model
    while isinstance(first, nn.Sequential) and len(first):
        if isinstance(first, nn.MLP):
            return first.sizes[0]
        first = first[0]
    if isinstance(first, nn.Standardize):
        return first.shape[0] if len(first.shape) == 1 else None
    if isinstance(first, nn.Linear):
        return first.in_features
    return None


def plot_model(kind: str, output, path, data=None, engine=None):
    """Draw the model saved at ``path`` into ``output``: kind 'network', 'boundary' or 'graph' (see :func:`plot`).

    Raises:
        ModelFileError: the file cannot be loaded. ParameterError / ShapeError: the model cannot be drawn as
        ``kind`` (a layer the diagram does not show, inputs that are not 2 features for a boundary, a dataset
        whose features do not fit the model, no dataset or loss to use), one sentence naming it.
    """
    if kind not in MODEL_KINDS:
        raise ParameterError(f"plot: --model applies to {', '.join(MODEL_KINDS)}, not to {kind}")
    model, meta = load(path, return_metadata=True)
    meta = meta if isinstance(meta, dict) else {}
    name = Path(str(path)).name
    if kind == "network":
        return _network(model, output, name)
    X, y, data_name = _data(data, meta, kind, name)
    n_in = input_size(model)
    if n_in is not None and X.shape[1] != n_in:
        raise ShapeError(f"plot: the model in {name} takes {n_in} input feature{'s' if n_in != 1 else ''} but "
                         f"{data_name} has {X.shape[1]}; give --data a dataset with {n_in} features")
    if kind == "boundary":
        if X.shape[1] != 2:
            raise ShapeError(f"plot: a decision boundary is drawn over 2 input features, but the model in {name} "
                             f"takes {X.shape[1]} ({data_name}); draw it with `gradlab plot network --model`")
        output_kind = "logit" if meta.get("loss") in ("bce_with_logits", "cross_entropy") else "auto"
        with model.evaluating():
            fig = plot_decision_boundary(model, X, y, output=output_kind,
                                         title=f"{name} on {data_name}")
        _mpl.save(fig, output, "plot")
        return output
    return _graph(model, meta, X, y, output, name, engine)


def _network(model, output, name):
    core, scaling = _strip_scaling(model)
    odd = sorted({type(m).__name__ for _, m in core.named_modules() if not isinstance(m, _DRAWN)})
    if odd:
        raise ParameterError(f"plot: the network diagram draws dense layers and activations, but the model in "
                             f"{name} also has {', '.join(odd)}; draw its computation graph with "
                             "`gradlab plot graph --model` instead")
    note = " (inputs standardized first, as stored)" if scaling is not None else ""
    fig = network_diagram(core, title=f"{name}: weights{note}")
    _mpl.save(fig, output, "plot")
    return output


def _data(data, meta, kind, name):
    source = data if data is not None else meta.get("data")
    if not isinstance(source, str) or not source:
        raise ParameterError(f"plot: `gradlab plot {kind} --model {name}` needs data and the file records none; "
                             "give --data NAME (a dataset name or a .csv file)")
    try:
        X, y, data_name = load_data(TrainSpec(data=source))
    except ParameterError as exc:
        raise ParameterError(str(exc).replace("train: ", "plot: --data: ", 1)) from None
    return X, y, data_name


def _graph(model, meta, X, y, output, name, engine):
    loss_name = meta.get("loss")
    if loss_name not in LOSSES:
        raise ParameterError(f"plot: the graph of one forward and backward pass needs the model's loss, but {name} "
                             f"records {'none' if loss_name is None else repr(loss_name)} (gradlab train records "
                             f"it); known: {', '.join(LOSSES)}")
    with model.evaluating():
        out = model(Tensor(X[:1]))
        target = y[:1].astype(np.int64) if loss_name == "cross_entropy" else \
            y[:1].astype(np.float64).reshape(out.shape)
        loss = LOSSES[loss_name]()(out, Tensor(target))
    computation_graph(loss, output, engine=engine or "auto")  # it runs the backward pass for the gradients
    return output
