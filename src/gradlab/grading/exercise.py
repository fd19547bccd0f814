"""Exercises: a problem to work by hand, a blank answer sheet, and the answer key — the same every time per seed.

``gl.exercise(layers='1-2-3-1', activation='sigmoid', loss='bce', seed=3)``
draws the weights, inputs and targets from ``seed`` (``nice=True``: one
decimal, so hand arithmetic stays feasible) and returns an :class:`Exercise`:

* ``problem(fmt)``: the problem in Markdown, LaTeX (a document that compiles)
  or HTML;
* ``template()``: a CSV answer sheet listing every entry name, values blank;
* ``key()``: the answer key as JSON — the problem's full specification and
  every right value — which ``load_exercise`` reads back to grade sheets.

``kind='perceptron'`` makes a perceptron hand trace on a logic gate
(``gate='and'``); ``kind='symbolic'`` a derivation ("derive ∂L/∂W for …")
answered with a formula and graded by :func:`gradlab.symbolic.check`.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from ..core import constraints as C
from ..core.errors import ParameterError
from ..core.files import write_atomic
from ..data.synthetic import GATES, gate_table
from ..explainer import explain
from ..explainer.network import supported_losses
from ..explainer.perceptron import PerceptronExplanation
from ..explainer.render import render_document
from ..ops import catalog
from ..train import Perceptron
from .api import sheet_names, sheet_of
from .problem import problem_document
from .perceptron import perceptron_sheet
from .symbolic_problems import PROBLEMS, symbolic_problem

FORMAT = "gradlab-exercise"
VERSION = 1
KINDS = C.Options("network", "perceptron", "symbolic")
MAX_LAYERS, MAX_WIDTH, MAX_BATCH = 6, 12, 32
CONVENTION_DEFAULTS = {"reduction": "mean", "half": False, "shared_bias": False, "frozen_bias": False,
                       "update_order": "simultaneous"}
PERCEPTRON_EPOCHS = 4  # a perceptron hand trace ends with its first error-free epoch, at most this many
FILES = {"problem.md": "markdown", "problem.tex": "latex", "problem.html": "html"}


def parse_layers(text, where="exercise"):
    """Layer widths from '1-2-3-1' (or a sequence of ints): at least two, each 1..MAX_WIDTH."""
    if isinstance(text, str):
        parts = text.replace("–", "-").replace(",", "-").split("-")
        try:
            widths = [int(p) for p in parts]
        except ValueError:
            raise ParameterError(f"{where}: layers must look like 1-2-3-1 (widths joined by '-'); got {text!r}") from None
    else:
        widths = [int(w) for w in text]
    if len(widths) < 2 or len(widths) > MAX_LAYERS + 1 or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise ParameterError(f"{where}: layers must be 2 to {MAX_LAYERS + 1} widths from 1 to {MAX_WIDTH} "
                             f"(input first, output last); got {text!r}")
    return widths


def _activations(activation, loss, n_layers, where):
    names = [a.strip() for a in str(activation).split(",")] if isinstance(activation, str) else list(activation)
    for a in names:
        try:
            catalog.activation_kind(a)
        except KeyError:
            raise ParameterError(f"{where}: unknown activation {a!r}; known: "
                                 f"{', '.join(sorted({k.name for k in catalog.ACTIVATION_KINDS.values()}))}") from None
    if len(names) == n_layers:
        return names
    if len(names) != 1:
        raise ParameterError(f"{where}: give one activation, or one per layer ({n_layers}); got {len(names)}")
    out = "sigmoid" if loss == "bce" else "identity"
    return [names[0]] * (n_layers - 1) + [out]


def _draw(rng, shape, nice, low=-0.9, high=0.9):
    if nice:
        grid = [v for v in np.round(np.arange(low, high + 1e-9, 0.1), 1) if v != 0]
        return np.array(rng.choice(grid, size=shape), dtype=np.float64)
    v = np.round(rng.uniform(low, high, size=shape), 2)
    v[v == 0] = 0.01
    return v


def _targets(rng, loss, m, k, nice):
    if loss == "cross_entropy":
        return [int(c) for c in rng.integers(0, k, size=m)]
    if loss in ("bce", "bce_with_logits"):
        return np.asarray(rng.integers(0, 2, size=(m, k)), dtype=np.float64).tolist()
    return _draw(rng, (m, k), nice, -1.0, 1.0).tolist()


@C.declare("exercise", kind=KINDS, seed=C.NON_NEGATIVE_INT, nice=C.BOOL, batch=C.Optional(C.POSITIVE_INT),
           lr=C.Optional(C.POSITIVE_FLOAT), bias=C.BOOL, reduction=C.SCALAR_REDUCTIONS, half=C.BOOL,
           shared_bias=C.BOOL, frozen_bias=C.BOOL, update_order=C.UPDATE_ORDERS)
def exercise(layers="1-2-3-1", activation="sigmoid", loss="bce", *, seed=0, batch=None, nice=False, lr=0.1,
             kind="network", gate="and", bias=True, reduction="mean", half=False, shared_bias=False,
             frozen_bias=False, update_order="simultaneous", problem=None):
    """Make an exercise (see the module docstring).

    Args:
        layers: widths, input first: '1-2-3-1' or a sequence of ints (2..7 widths, each 1..12).
        activation: one name for the hidden layers (the output is sigmoid for
            'bce', identity otherwise) or one name per layer, comma-separated.
        loss: 'mse', 'bce', 'bce_with_logits' or 'cross_entropy' (class-index targets).
        seed: the draw; the same seed gives the same exercise, byte for byte.
        batch: m samples (None: one sample x of shape (n₀,)).
        nice: weights with one decimal and inputs on a 0.5 grid.
        lr: learning rate of the update step (None: no update on the sheet).
        kind: 'network', 'perceptron' (a hand trace of the perceptron rule on
            ``gate`` 'and', 'or' or 'nand') or 'symbolic' (``problem`` one of
            :data:`gradlab.grading.symbolic_problems.PROBLEMS`, or drawn from the seed).
        bias, reduction, half, shared_bias, frozen_bias, update_order: the
            network's conventions (biases or none; the loss's reduction 'mean'
            or 'sum'; ½ in front of the squared error; one bias per layer;
            biases not updated; 'sequential' updates, each layer before the
            deltas below it) — see gradlab.explainer.trace.Conventions.

    Returns:
        An :class:`Exercise`.
    """
    if kind == "perceptron":
        return _perceptron_exercise(gate, seed, nice, lr if lr is not None else 0.1)
    if kind == "symbolic":
        return Exercise(symbolic_problem(problem, seed))
    widths = parse_layers(layers)
    loss_name = catalog.loss_kind(loss).name if str(loss).lower().replace("-", "_") in catalog.LOSS_KINDS else None
    if loss_name is None:
        raise ParameterError(f"exercise: unknown loss {loss!r}; known: {', '.join(supported_losses())}")
    acts = _activations(activation, loss_name, len(widths) - 1, "exercise")
    m = batch or 1
    if m > MAX_BATCH:
        raise ParameterError(f"exercise: batch must be at most {MAX_BATCH} for a hand-worked sheet; got {batch}")
    rng = np.random.default_rng(seed)
    for _ in range(100):  # redraw until no layer's gradient is all zero (dead ReLUs make a dull exercise)
        net = [{"W": _draw(rng, (widths[l + 1], widths[l]), nice).tolist(),
                "b": (None if not bias else float(_draw(rng, (1,), nice)[0]) if shared_bias
                      else _draw(rng, (widths[l + 1],), nice).tolist()), "activation": acts[l]}
               for l in range(len(widths) - 1)]
        X = (np.round(rng.choice(np.arange(-2.0, 2.01, 0.5), size=(m, widths[0])), 1) if nice
             else _draw(rng, (m, widths[0]), False, -2.0, 2.0))
        spec = {"format": FORMAT, "version": VERSION, "kind": "network", "seed": int(seed), "nice": bool(nice),
                "layers": net, "loss": loss_name, "x": (X[0] if batch is None else X).tolist(),
                "y": _targets(rng, loss_name, m, widths[-1], nice), "lr": lr,
                "conventions": {"reduction": reduction, "half": bool(half), "shared_bias": bool(shared_bias),
                                "frozen_bias": bool(frozen_bias), "update_order": update_order}}
        if batch is None:
            spec["y"] = spec["y"][0]
        ex = Exercise(spec)
        if all(np.any(ex.reference.trace.dW[l] != 0) for l in range(1, len(widths))):
            return ex
    raise ParameterError(f"exercise: seed {seed} gives no network whose gradients are not all zero; try another")


def _perceptron_exercise(gate, seed, nice, lr):
    key = str(gate).lower()
    if key not in GATES or key == "xor":
        raise ParameterError(f"exercise: a perceptron exercise needs a gate a line separates: 'and', 'or' or "
                             f"'nand'; got {gate!r}")
    rng = np.random.default_rng(seed)
    for _ in range(200):  # one-decimal starting weights whose trace converges within MAX_EPOCHS (a hand-sized trace)
        w0 = _draw(rng, (3,), True, -0.5, 0.5)
        spec = {"format": FORMAT, "version": VERSION, "kind": "perceptron", "seed": int(seed), "nice": bool(nice),
                "gate": key, "lr": float(lr), "threshold": 0.0, "initial_weights": w0.tolist(),
                "max_epochs": PERCEPTRON_EPOCHS}
        ex = Exercise(spec)
        sheet = perceptron_sheet(ex.reference)
        floats = ex.reference.steps  # the float trace gl.Perceptron computed must be the hand (exact) one
        agree = len(floats) == len(sheet.steps) and all(
            a.output == b.output and abs(a.z - float(b.z)) < 1e-9 for a, b in zip(floats, sheet.steps))
        if sheet.converged and agree and any(s.error for s in sheet.steps):
            return ex
    raise ParameterError(f"exercise: with η = {lr:g} no starting weights of seed {seed} converge on "
                         f"{key.upper()} within {PERCEPTRON_EPOCHS} epochs; try a larger learning rate")


class Exercise:
    """A problem with its reference (``reference``: an Explanation, a perceptron trace, or a symbolic problem).

    ``spec`` is the JSON-ready description the key stores; ``kind`` is
    'network', 'perceptron' or 'symbolic'.
    """

    def __init__(self, spec):
        self.spec = spec
        self.kind = spec["kind"]
        if self.kind == "network":
            self.reference = self._explain(spec)
        elif self.kind == "perceptron":
            self.reference = self._trace(spec)
        else:
            self.reference = spec
        self.title = self._title()

    @staticmethod
    def _explain(spec):
        layers = [(np.array(L["W"], dtype=np.float64), None if L["b"] is None else np.array(L["b"], dtype=np.float64),
                   L["activation"]) for L in spec["layers"]]
        conv = {**CONVENTION_DEFAULTS, **spec.get("conventions", {})}
        return explain(layers, spec["x"], spec["y"], spec["loss"], lr=spec["lr"], title="Answer key", **conv)

    @staticmethod
    def _trace(spec):
        X, y = gate_table(spec["gate"], "exercise")
        model = Perceptron(2, threshold=spec["threshold"], lr=spec["lr"],
                           weights=np.array(spec["initial_weights"], dtype=np.float64))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y, max_epochs=spec["max_epochs"])
        return PerceptronExplanation(model, X, y, spec["gate"])

    def _title(self):
        s = self.spec
        if self.kind == "network":
            widths = [len(s["layers"][0]["W"][0])] + [len(L["W"]) for L in s["layers"]]
            return (f"Exercise {s['seed']}: one training step of a {'–'.join(map(str, widths))} network "
                    f"({catalog.loss_kind(s['loss']).title})")
        if self.kind == "perceptron":
            return f"Exercise {s['seed']}: the perceptron rule on {s['gate'].upper()}"
        return f"Exercise {s['seed']}: {s['title']}"

    # ------------------------------------------------------------ the three files

    def entry_names(self):
        """The names on the answer sheet, in order."""
        if self.kind == "symbolic":
            return ["answer"]
        return sheet_names(self.reference)

    def answers(self):
        """{entry name: right value} (full precision); for a symbolic exercise {'answer': derived formula}."""
        if self.kind == "symbolic":
            return {"answer": self.spec["answer"]}
        sheet, _ = sheet_of(self.reference)
        return {e.name: e.expected for e in sheet.entries}

    def key(self):
        """The answer key as JSON text (the spec and every right value)."""
        return json.dumps({**self.spec, "title": self.title, "answers": self.answers()}, indent=1,
                          ensure_ascii=False) + "\n"

    def template(self):
        """A blank CSV answer sheet: name, value (blank), notation."""
        lines = [f"# gradlab answer sheet — {self.title}",
                 "# Fill in the value column (at least 4 significant figures or 4 decimals);",
                 "# leave a value blank if you did not compute it. Grade with: gradlab grade SHEET --exercise key.json",
                 "name,value,notation"]
        labels = self._labels()
        for name in self.entry_names():
            lines.append(f"{_csv(name)},,{_csv(labels.get(name, ''))}")
        return "\n".join(lines) + "\n"

    def _labels(self):
        if self.kind == "symbolic":
            return {"answer": f"∂L/∂{self.spec['wrt']} as a formula"}
        sheet, _ = sheet_of(self.reference)
        return {e.name: e.label for e in sheet.entries}

    def problem(self, fmt="markdown"):
        """The problem as 'markdown', 'latex' (a complete document) or 'html' (a complete page)."""
        if fmt not in ("markdown", "latex", "html", "text"):
            raise ParameterError(f"The 'fmt' parameter of Exercise.problem must be one of markdown, latex, html, "
                                 f"text. Got {fmt!r}.")
        doc = problem_document(self)
        options = {"standalone": True} if fmt == "latex" else ({"color": False} if fmt == "text" else {})
        return render_document(doc, fmt, 4, **options)

    def write(self, folder, stem=""):
        """Write problem.md, problem.tex, problem.html, template.csv and key.json into ``folder``; returns the paths."""
        os.makedirs(folder, exist_ok=True)
        prefix = f"{stem}-" if stem else ""
        paths = []
        for name, fmt in FILES.items():
            paths.append(os.path.join(folder, prefix + name))
            write_atomic(paths[-1], self.problem(fmt), owner="exercise")
        for name, text in (("template.csv", self.template()), ("key.json", self.key())):
            paths.append(os.path.join(folder, prefix + name))
            write_atomic(paths[-1], text, owner="exercise")
        return paths

    def __repr__(self):
        return f"<Exercise {self.kind}: {self.title}; {len(self.entry_names())} entries>"


def _csv(text):
    text = str(text)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


__all__ = ["exercise", "Exercise", "parse_layers", "PROBLEMS"]
