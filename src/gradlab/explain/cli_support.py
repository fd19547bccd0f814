"""What ``gradlab explain`` does, as plain functions over the Python API (the command stays thin)."""

from __future__ import annotations

import os
import sys

import numpy as np

from ..core.errors import ParameterError, ParseError


def parse_numbers(text, what):
    """'2.0' -> [2.0]; '1,2' -> [1, 2]; '1,2;3,4' -> [[1, 2], [3, 4]] (no eval)."""
    if text is None:
        raise ParameterError(f"gradlab explain --model needs --{what}")
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


def _build(args):
    from .api import explain
    from .examples import example, spec

    if args.precision < 0 or args.precision > 15:
        raise ParameterError(f"The 'precision' parameter of explain must be an int in [0, 15]. Got {args.precision}.")
    if args.model:
        if args.example:
            raise ParameterError("gradlab explain: give either an EXAMPLE or --model FILE, not both")
        import gradlab as gl

        model = gl.load(args.model)
        x = parse_numbers(args.input, "input")
        y = parse_numbers(args.target, "target")
        if not args.loss:
            raise ParameterError("gradlab explain --model needs --loss (mse or bce)")
        return explain(model, x, y, args.loss, lr=args.lr, layout=args.layout, precision=args.precision,
                       title=f"Model {os.path.basename(args.model)}", **_conventions(args)), None
    name = args.example or "course"
    if name == "perceptron":
        if args.view not in ("scalar",):
            raise ParameterError("gradlab explain perceptron: only the scalar view exists for the perceptron rule")
        return example("perceptron", args.variant, precision=args.precision), None
    s = spec(name, args.variant)
    if args.variant and name not in ("two-layer",):
        raise ParameterError(f"gradlab explain {name}: --variant applies to two-layer and perceptron only")
    conv = dict(s["conventions"])
    conv.update(_conventions(args))
    lr = args.lr if args.lr is not None else s["lr"]
    exp = explain(s["model"], s["x"], s["y"], s["loss_fn"], lr=lr, layout=args.layout, precision=args.precision,
                  title=s["title"], **conv)
    return exp, s


def explain_from_args(args):
    """The rendered explanation the command prints (a string)."""
    if getattr(args, "report", None) and not str(args.report).lower().endswith((".html", ".htm")):
        raise ParameterError(f"gradlab explain: --report must name an .html file, got {args.report!r}")
    if getattr(args, "diagram", None) and not str(args.diagram).lower().endswith((".png", ".svg", ".pdf")):
        raise ParameterError(f"gradlab explain: --diagram must name a .png, .svg or .pdf file, got {args.diagram!r}")
    if (getattr(args, "report", None) or getattr(args, "diagram", None)) and (
            (args.example or "course") == "perceptron" and not args.model):
        raise ParameterError("gradlab explain perceptron: --diagram and --report draw layered networks; "
                             "use `gradlab plot perceptron` for the perceptron's lines")
    exp, _ = _build(args)
    args._explanation = exp
    fmt = args.format
    options = {}
    if fmt == "text":
        to_terminal = args.output is None and not args.no_color
        options["color"] = None if to_terminal else False
    if fmt == "latex":
        options["standalone"] = args.standalone
    elif args.standalone:
        raise ParameterError("gradlab explain: --standalone applies to --format latex only")
    if args.view == "graph":
        from .graph import graph_of_explanation

        g = graph_of_explanation(exp)
        return g.render(fmt, **options)
    if fmt == "json":
        return exp.render("json")
    return exp.render(fmt, view=args.view, **options)


def write_extras(args):
    """The network diagram (``--diagram``) and the HTML report (``--report``) of the explanation just built."""
    exp = getattr(args, "_explanation", None)
    if exp is None:
        return
    if getattr(args, "diagram", None):
        from ..viz.network import network_diagram, network_update_diagram

        trace = getattr(exp, "trace", None)
        if trace is not None and getattr(trace, "lr", None) is not None:
            network_update_diagram(exp, args.diagram)
        else:
            network_diagram(exp, args.diagram)
        print(f"wrote {args.diagram}", file=sys.stderr)
    if getattr(args, "report", None):
        from ..viz.report import explanation_report

        view = args.view if args.view in ("scalar", "matrix") else "scalar"
        explanation_report(exp, args.report, view=view)
        print(f"wrote {args.report}", file=sys.stderr)


def write_output(text, path):
    """Print ``text`` or write it atomically to ``path``."""
    if path is None:
        sys.stdout.write(text)
        return
    from ..core.files import write_atomic

    write_atomic(path, text)
    print(f"wrote {path}", file=sys.stderr)
