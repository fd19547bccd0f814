"""The Rosenblatt perceptron rule step by step (built-in example ``perceptron``, OR and XOR).

Uses ``gl.Perceptron`` (bias trick x₀ = 1, unit step ŷ = 1 if z ≥ θ, rule
w ← w + η (y − ŷ) x) and shows every step of its ``history_``: the net input
with numbers, the output, the error and the new weights. On XOR no epoch is
error-free: the classic point that one perceptron separates only classes a
line can separate.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..core.errors import ParameterError
from ..data.synthetic import gate_table
from ..train import Perceptron
from .document import Displayable, Document
from .notation import Matrix, Num, Op, Paren, Row, Sym, Text, row_vector
from .render import render_document

EQ, PLUS, TIMES, LARROW = Op("="), Op("+"), Op("×"), Op("←")

DATA = {name: gate_table(name) for name in ("or", "xor")}  # the examples' gates, from gradlab.data


class PerceptronExplanation(Displayable):
    """The trace of ``gl.Perceptron.fit`` on a small data set, renderable like an Explanation."""

    def __init__(self, model, X, y, name, precision=4):
        self.model, self.X, self.y, self.name, self.precision = model, X, y, name, precision
        self.title = f"Perceptron rule on {name.upper()}"

    @property
    def steps(self):
        return self.model.history_

    def view(self, kind="scalar"):
        return build(self)

    def render(self, fmt="text", view="scalar", **options):

        if fmt == "json":
            import json

            return json.dumps(self.to_dict(), indent=2) + "\n"
        return render_document(self.view(), fmt, self.precision, **options)

    def to_dict(self):
        return {
            "title": self.title, "converged": bool(self.model.converged_), "epochs": int(self.model.epochs_),
            "errors_per_epoch": [int(e) for e in self.model.errors_],
            "values": {"weights": np.asarray(self.model.weights_).tolist()},
            "steps": [{"epoch": s.epoch, "sample": s.index + 1, "x": s.x.tolist(), "z": s.z, "output": s.output,
                       "target": s.target, "error": s.error, "weights": s.weights.tolist()} for s in self.steps],
        }


def explain_perceptron(data="or", lr=0.1, threshold=0.0, max_epochs=None, precision=4):
    """Train ``gl.Perceptron`` on 'or' or 'xor' from zero weights and explain every step."""
    key = str(data).lower()
    if key not in DATA:
        raise ParameterError(f"The 'variant' parameter of perceptron must be one of ['or', 'xor']. Got {data!r}.")
    X, y = DATA[key]
    max_epochs = max_epochs or (10 if key == "or" else 4)
    model = Perceptron(2, threshold=threshold, lr=lr, weights=np.zeros(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y, max_epochs=max_epochs)
    return PerceptronExplanation(model, X, y, key, precision)


def build(pe):
    m = pe.model
    doc = Document(pe.title + " — step by step")
    doc.para(f"Bias trick: x₀ = 1, so z = w·x = w₀ + w₁x₁ + w₂x₂; output ŷ = 1 if z ≥ θ = {m.threshold:g}, else 0; "
             f"rule w ← w + η (y − ŷ) x with η = {m.lr:g}, starting from w = 0, one sample at a time.")
    epoch = 0
    for s in pe.steps:
        if s.epoch != epoch:
            epoch = s.epoch
            doc.heading(f"Epoch {epoch}", 3)
        w_old = s.weights - m.lr * s.error * s.x
        terms = []
        for i in range(len(s.x)):
            if i:
                terms.append(PLUS)
            terms += [Num(w_old[i], paren=bool(i)), TIMES, Num(s.x[i])]
        doc.eq(Row(Text(f"sample {s.index + 1}:"), Sym("z"), EQ, *terms, EQ, Num(s.z), Text(";"), Sym("ŷ"), EQ,
                   Text(str(s.output)), Text(";"), Sym("y"), Op("−"), Sym("ŷ"), EQ, Text(str(s.error).replace("-", "−"))))
        if s.error:
            doc.eq(Row(Sym("w", "", "", bold=True), LARROW, row_vector(w_old), PLUS, Num(m.lr), TIMES,
                       Paren(Text(str(s.error).replace("-", "−"))), TIMES, row_vector(s.x), EQ, row_vector(s.weights)))
        else:
            doc.eq(Row(Text("no error: w unchanged")))
    doc.heading("Summary", 3)
    doc.table(["epoch", "errors"], [[str(k + 1), str(e)] for k, e in enumerate(m.errors_)])
    if m.converged_:
        doc.note(f"✓ Converged after {m.epochs_} epochs: w = [{', '.join(f'{v:g}' for v in m.weights_)}] "
                 f"separates the {pe.name.upper()} data.", kind="ok")
    else:
        doc.note(f"No error-free epoch in {m.epochs_} epochs: {pe.name.upper()} is not linearly separable, so the "
                 "rule never converges (the classic reason for multi-layer networks).", kind="warn")
    return doc


__all__ = ["explain_perceptron", "PerceptronExplanation", "Matrix"]
