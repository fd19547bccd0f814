"""The explain job: what ``gradlab explain`` does, as typed functions over the library.

:class:`ExplainJob` holds every option of the command; :func:`run_explain`
builds the explanation (a built-in example or a saved model) and renders it;
:func:`write_extras` draws the diagram and writes the report;
:func:`write_output` prints or writes the text. The command only parses its
arguments into an ExplainJob.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import ParameterError, ParseError
from ..core.files import write_atomic
from ..explainer.api import explain
from ..explainer.examples import EXAMPLES, example, spec  # noqa: F401  (EXAMPLES: the command lists them)
from ..explainer.explanation import check_options
from ..explainer.graph import graph_of_explanation
from ..explainer.network import as_network, supported_losses
from ..explainer.trace import check_lr
from ..io import load
from ..ops import catalog
from ..viz.graph import explanation_graph_diagram
from ..viz.network import network_diagram, network_update_diagram
from ..viz.report import explanation_report


@dataclass
class ExplainJob:
    """Every option of ``gradlab explain`` (see ``gradlab explain --help``); defaults as the command's."""

    example: str | None = None
    variant: str | None = None
    view: str = "scalar"
    layout: str = "denominator"
    format: str = "text"
    precision: int = 4
    output: str | None = None
    standalone: bool = False
    no_color: bool = False
    diagram: str | None = None
    report: str | None = None
    model: str | None = None
    input: str | None = None
    target: str | None = None
    loss: str | None = None
    lr: float | None = None
    reduction: str | None = None
    half: bool = False
    shared_bias: bool = False
    frozen_bias: bool = False
    update_order: str = "simultaneous"


@dataclass
class ExplainResult:
    """What :func:`run_explain` made: the rendered ``text``, the ``explanation`` and, for the graph view, ``graph``."""

    text: str
    explanation: object
    graph: object = None
    written: list = field(default_factory=list)


def parse_numbers(text, what):
    """'2.0' -> [2.0]; '1,2' -> [1, 2]; '1,2;3,4' -> [[1, 2], [3, 4]] (no eval)."""
    if text is None:
        raise ParameterError(f"--model needs --{what}")
    rows = []
    for chunk in str(text).split(";"):
        items = [s for s in chunk.replace(",", " ").split() if s]
        try:
            rows.append([float(s) for s in items])
        except ValueError:
            raise ParseError(f"--{what}: could not read numbers from {text!r}; write e.g. '1,2' or '1,2;3,4'") from None
    if not rows or any(not r for r in rows):
        raise ParseError(f"--{what}: no numbers in {text!r}; write e.g. '1,2' or '1,2;3,4'")
    if len({len(r) for r in rows}) != 1:
        raise ParseError(f"--{what}: rows of different lengths in {text!r}")
    return np.array(rows[0] if len(rows) == 1 else rows, dtype=np.float64)


def _conventions(args):
    out = {}
    if args.reduction:
        out["reduction"] = args.reduction
    for key in ("half", "shared_bias", "frozen_bias"):
        if getattr(args, key, False):
            out[key] = True
    if args.update_order != "simultaneous":
        out["update_order"] = args.update_order
    return out


# what `gradlab train` wrote as "loss" in model files before it recorded the catalog's name: its
# networks output logits, so its 'bce' was BCE on logits
_LEGACY_TRAIN_LOSS = {"bce": "bce_with_logits", "ce": "cross_entropy"}


def model_loss(model, metadata, given):
    """(loss name, sentence saying where it came from) for a saved model: --loss, the file, or the output layer."""
    if given:
        return given, None
    stored = (metadata or {}).get("loss") if isinstance(metadata, dict) else None
    if isinstance(stored, str):
        name = _LEGACY_TRAIN_LOSS.get(stored, stored)
        try:
            kind = catalog.loss_kind(name)
        except KeyError:
            raise ParameterError(f"the model file names the loss {stored!r}, which the explainer does "
                                 f"not know; choose one with --loss ({', '.join(supported_losses())})") from None
        return kind.name, f"Loss: {kind.title} ({kind.name}), as recorded in the model file."
    last = as_network(model).layers[-1]
    if last.act.name == "sigmoid":
        return "bce", ("Loss: binary cross-entropy (bce), inferred from the sigmoid output layer (the model file "
                       "records no loss); choose another with --loss.")
    if last.act.name == "identity" and last.n_out == 1:
        return "mse", ("Loss: squared error (mse), inferred from the linear output with one unit (the model file "
                       "records no loss); if the output is a logit, pass --loss bce_with_logits.")
    raise ParameterError(f"the model file records no loss and its output layer ({last.act.name}, "
                         f"{last.n_out} output{'s' if last.n_out != 1 else ''}) does not say which one it was trained with; choose one with --loss "
                         f"({', '.join(supported_losses())})")


def _check_loss_fits(model, loss):
    kind = catalog.loss_kind(loss)
    last = as_network(model).layers[-1]
    if kind.on == "probabilities" and last.act.name not in ("sigmoid", "softmax"):
        if last.act.name == "identity":
            raise ParameterError(f"--loss {loss} takes probabilities, but the model's output layer is linear: it "
                                 "outputs logits. Use --loss bce_with_logits (what `gradlab train` trains binary "
                                 "classifiers with).")
        raise ParameterError(f"--loss {loss} takes probabilities strictly inside (0, 1), which the model's "
                             f"{last.act.name} output layer does not give; choose another --loss "
                             f"({', '.join(supported_losses())})")


def _build(args):
    check_options(args.layout, args.precision, "raise")
    check_lr(args.lr)
    if args.loss:
        try:
            catalog.loss_kind(args.loss)
        except KeyError:
            raise ParameterError(f"--loss must be one of {', '.join(supported_losses())}; got "
                                 f"{args.loss!r}") from None
    if args.model:
        if args.example:
            raise ParameterError("give either an EXAMPLE or --model FILE, not both")
        model, metadata = load(args.model, return_metadata=True)
        x = parse_numbers(args.input, "input")
        y = parse_numbers(args.target, "target")
        loss, said = model_loss(model, metadata, args.loss)
        _check_loss_fits(model, loss)
        exp = explain(model, x, y, loss, lr=args.lr, layout=args.layout, precision=args.precision,
                      title=f"Model {os.path.basename(args.model)}", **_conventions(args))
        if said:
            exp.notes.append(said)
        return exp, None
    given = [flag for flag, value in (("--input", args.input), ("--target", args.target), ("--loss", args.loss))
             if value is not None]
    if given:
        raise ParameterError(f"{' and '.join(given)} appl{'ies' if len(given) == 1 else 'y'} to "
                             "--model FILE only; a built-in example has its own input, target and loss")
    name = args.example or "course"
    if name == "perceptron":
        if args.view not in ("scalar",):
            raise ParameterError("the perceptron example: only the scalar view exists for the perceptron rule")
        network_only = [flag for flag, given in (("--layout", args.layout not in (None, "denominator")),
                                                 ("--reduction", args.reduction is not None), ("--half", args.half),
                                                 ("--shared-bias", args.shared_bias),
                                                 ("--frozen-bias", args.frozen_bias),
                                                 ("--update-order", args.update_order != "simultaneous")) if given]
        if network_only:
            raise ParameterError(f"the perceptron example: {', '.join(network_only)} appl"
                                 f"{'ies' if len(network_only) == 1 else 'y'} to layered networks, not to the "
                                 "perceptron rule")
        lr = {} if args.lr is None else {"lr": args.lr}
        return example("perceptron", args.variant, precision=args.precision, **lr), None
    s = spec(name, args.variant)
    if args.variant and name not in ("two-layer",):
        raise ParameterError(f"the {name} example: --variant applies to two-layer and perceptron only")
    conv = dict(s["conventions"])
    conv.update(_conventions(args))
    lr = args.lr if args.lr is not None else s["lr"]
    exp = explain(s["model"], s["x"], s["y"], s["loss_fn"], lr=lr, layout=args.layout, precision=args.precision,
                  title=s["title"], **conv)
    return exp, s


def build_explanation(args: ExplainJob):
    """The Explanation (or perceptron trace) ``args`` describes, without rendering it (``gradlab grade`` grades
    against it)."""
    return _build(args)[0]


def run_explain(args: ExplainJob) -> ExplainResult:
    """Build and render the explanation ``args`` asks for; every option is checked before any work."""
    if args.report and not str(args.report).lower().endswith((".html", ".htm")):
        raise ParameterError(f"--report must name an .html file, got {args.report!r}")
    if args.diagram and not str(args.diagram).lower().endswith((".png", ".svg", ".pdf")):
        raise ParameterError(f"--diagram must name a .png, .svg or .pdf file, got {args.diagram!r}")
    if (args.report or args.diagram) and (
            (args.example or "course") == "perceptron" and not args.model):
        raise ParameterError("the perceptron example: --diagram and --report draw layered networks; "
                             "use `gradlab plot perceptron` for the perceptron's lines")
    exp, _ = _build(args)
    fmt = args.format
    options = {}
    if fmt == "text":
        to_terminal = args.output is None and not args.no_color
        options["color"] = None if to_terminal else False
    if fmt == "latex":
        options["standalone"] = args.standalone
    elif args.standalone:
        raise ParameterError("--standalone applies to --format latex only")
    if args.view == "graph":
        g = graph_of_explanation(exp)
        return ExplainResult(g.render(fmt, **options), exp, g)
    if fmt == "json":
        return ExplainResult(exp.render("json"), exp)
    return ExplainResult(exp.render(fmt, view=args.view, **options), exp)


def write_extras(result: ExplainResult, args: ExplainJob) -> list:
    """The diagram (``--diagram``: the computation graph for the graph view, else the network) and the HTML
    report (``--report``) of the explanation just built; returns the paths written."""
    exp = result.explanation
    written = []
    if args.diagram:
        trace = getattr(exp, "trace", None)
        if result.graph is not None:
            explanation_graph_diagram(result.graph, args.diagram)
        elif trace is not None and getattr(trace, "lr", None) is not None:
            network_update_diagram(exp, args.diagram)
        else:
            network_diagram(exp, args.diagram)
        written.append(args.diagram)
    if args.report:
        view = args.view if args.view in ("scalar", "matrix") else "scalar"
        explanation_report(exp, args.report, view=view)
        written.append(args.report)
    return written


def write_output(text, path):
    """Print ``text`` or write it atomically to ``path``."""
    if path is None:
        sys.stdout.write(text)
        return
    write_atomic(path, text)
    print(f"wrote {path}", file=sys.stderr)
