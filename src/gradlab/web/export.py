"""Exporting the explorer's current step: the one-file HTML report, the JSON of every number, a Python script."""

from __future__ import annotations

import json
import os
import tempfile

from ..core.errors import ParameterError
from ..viz.report import explanation_report

FORMATS = ("html", "json", "py")


def script(state):
    """A short Python script using gradlab that reproduces the step of ``state`` and prints it."""
    lines = ["# The step shown in gradlab explore, reproduced with gradlab.", "import numpy as np",
             "import gradlab as gl", "", "layers = ["]
    for L in state["layers"]:
        act = repr(L["activation"]) if "slope" not in L else f"gl.nn.LeakyReLU({L['slope']!r})"
        b = "None" if L["b"] is None else f"np.array({L['b']!r})"
        lines.append(f"    (np.array({L['W']!r}), {b}, {act}),")
    lines.append("]")
    conv = {k: v for k, v in state["conventions"].items()
            if v != {"reduction": "mean", "half": False, "shared_bias": False, "frozen_bias": False,
                     "update_order": "simultaneous"}[k]}
    extra = "".join(f", {k}={v!r}" for k, v in conv.items())
    lines += [f"x = {state['x']!r}", f"y = {state['y']!r}",
              f"exp = gl.explain(layers, x, y, {state['loss']!r}, lr={state['lr']!r}, layout={state['layout']!r}, "
              f"precision={state['precision']!r}{extra})",
              "print(exp)"]
    return "\n".join(lines) + "\n"


def export(exp, state, fmt):
    """(file name, content) of the step as 'html' (the one-file report), 'json' or 'py'."""
    if fmt == "json":
        return "gradlab-step.json", exp.render("json")
    if fmt == "py":
        return "gradlab_step.py", script(state)
    if fmt != "html":
        raise ParameterError(f"format: one of {', '.join(FORMATS)}; got {fmt!r}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "step.html")
        explanation_report(exp, path)
        with open(path, encoding="utf-8") as f:
            return "gradlab-step.html", f.read()


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False)
