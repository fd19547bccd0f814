"""``gradlab exercise``: a problem to work by hand, its blank answer sheet and its answer key."""

from __future__ import annotations

from . import _types as T

HELP = "write an exercise: the problem (Markdown, LaTeX, HTML), a blank answer sheet and the answer key"

DESCRIPTION = """\
Write an exercise to work by hand into --out: problem.md, problem.tex (compiles
with pdflatex), problem.html, template.csv (every entry name, values blank) and
key.json (the answer key, read by gradlab grade --exercise). The same seed gives
byte-identical files.

examples:
  gradlab exercise --layers 1-2-3-1 --activation sigmoid --loss bce --seed 3 --nice
  gradlab exercise --layers 2-3-1 --activation relu --loss mse --batch 4 --seed 1
  gradlab exercise --layers 2-3-3 --activation tanh --loss cross_entropy --seed 2
  gradlab exercise --kind perceptron --gate and --seed 5
  gradlab exercise --kind symbolic --problem two-layer-W1
"""


def add_arguments(p):
    p.add_argument("--kind", choices=("network", "perceptron", "symbolic"), default="network")
    p.add_argument("--layers", default="1-2-3-1", help="widths, input first (default 1-2-3-1)")
    p.add_argument("--activation", default="sigmoid",
                   help="hidden activation (the output is sigmoid for bce, identity otherwise), or one per layer "
                   "comma-separated (default sigmoid)")
    p.add_argument("--loss", default="bce", help="mse, bce, bce_with_logits or cross_entropy (default bce)")
    p.add_argument("--seed", type=T.SEED, default=0, help="the draw (an int ≥ 0; default 0)")
    p.add_argument("--batch", type=T.int_in(1, 32), help="a batch of M samples (default: one sample)")
    p.add_argument("--nice", action="store_true", help="weights with one decimal, inputs on a 0.5 grid")
    p.add_argument("--lr", type=T.POSITIVE_FLOAT, default=0.1, help="learning rate of the update (default 0.1)")
    p.add_argument("--no-update", action="store_true", help="no update step on the sheet")
    p.add_argument("--no-bias", action="store_true", help="layers without biases")
    p.add_argument("--reduction", choices=("mean", "sum"), default="mean")
    p.add_argument("--half", action="store_true", help="½ in front of the squared error")
    p.add_argument("--shared-bias", action="store_true", help="one bias per layer, shared by its neurons")
    p.add_argument("--frozen-bias", action="store_true", help="biases are not updated")
    p.add_argument("--update-order", choices=("simultaneous", "sequential"), default="simultaneous",
                   help="sequential: each layer is updated before the deltas below it are computed")
    p.add_argument("--gate", choices=("and", "or", "nand"), default="and", help="perceptron: the gate")
    p.add_argument("--problem", help="symbolic: the problem (default: drawn by --seed)")
    p.add_argument("--out", default="exercise", help="folder to write into (default: exercise)")


def run(args) -> int:
    import dataclasses
    import sys

    from gradlab.app.grade import ExerciseJob, run_exercise  # lazy: only the command that runs loads its job

    job = ExerciseJob(**{f.name: getattr(args, f.name) for f in dataclasses.fields(ExerciseJob)})
    ex, paths = run_exercise(job)
    print(ex.title)
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    return 0
