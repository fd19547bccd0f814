"""``gradlab grade``: grade a hand-worked answer sheet, or a whole class's sheets."""

from __future__ import annotations

from . import _types as T

HELP = "grade a hand-worked answer sheet (which numbers are wrong, and why) or a folder of sheets"

DESCRIPTION = """\
Grade a student's numbers for one training step: each entry is correct (at the
precision written), carried (follows from the student's own earlier wrong
numbers; earns credit unless --no-ecf), wrong (with the mistake named: a missing
activation derivative, transposed indices, a flipped sign, ...) or missing.
Exit status: 0 every entry correct, 1 something wrong, missing or carried,
2 a usage error or a sheet that cannot be read.

A sheet is a CSV (name,value), JSON or Markdown table; names as in the template
that `gradlab exercise` writes (z[2][1], delta[2][1], dW[2][1,2], ...) or the
scalar view's notation (∂L/∂w₁₂⁽²⁾, dL/dw12^(2), z_1^{(2)}).

examples:
  gradlab exercise --layers 1-2-3-1 --seed 3 --nice --out ex3
  gradlab grade my-sheet.csv --exercise ex3/key.json
  gradlab grade sheet.csv --example course --format markdown
  gradlab grade sheet.csv --model net.safetensors --input 1,2 --target 0.5 --lr 0.1
  gradlab grade --batch submissions/ --exercise ex3/key.json --out graded/
  gradlab grade sheet.csv --exercise key.json --format gradescope > /autograder/results/results.json
"""


def add_arguments(p):
    p.add_argument("sheet", nargs="?", help="the answer sheet (.csv, .json or .md)")
    p.add_argument("--batch", metavar="FOLDER", help="grade every sheet in FOLDER (class summary, Gradescope results)")
    p.add_argument("--out", metavar="FOLDER", help="--batch: where the reports go (default: graded)")
    r = p.add_argument_group("what the sheet is graded against (one of)")
    r.add_argument("--exercise", metavar="KEY.json", help="the answer key written by gradlab exercise")
    r.add_argument("--example", choices=("course", "relu-mse", "two-layer", "perceptron"), help="a built-in example")
    r.add_argument("--variant", help="two-layer: mse | sigmoid-mse | sigmoid-bce; perceptron: or | xor")
    r.add_argument("--model", metavar="FILE", help="a model saved with gl.save, with --input and --target")
    r.add_argument("--input", help="input values: '2.0', '1,2' or a batch '1,2;3,4'")
    r.add_argument("--target", help="target values, same syntax as --input")
    r.add_argument("--loss", help="mse, bce, bce_with_logits or cross_entropy")
    r.add_argument("--lr", type=T.POSITIVE_FLOAT, help="learning rate of the update on the sheet")
    r.add_argument("--reduction", choices=("mean", "sum"))
    r.add_argument("--half", action="store_true", help="½ in front of the squared error")
    p.add_argument("--format", choices=("text", "markdown", "html", "json", "gradescope"), default="text")
    p.add_argument("--no-ecf", action="store_true", help="no credit for errors carried forward")
    p.add_argument("--output", "-o", help="write the report to this file instead of standard output")


def run(args) -> int:
    import dataclasses

    from gradlab.app.explain import write_output  # lazy: only the command that runs loads its job
    from gradlab.app.grade import GradeJob, run_grade  # lazy: only the command that runs loads its job

    job = GradeJob(**{f.name: getattr(args, f.name) for f in dataclasses.fields(GradeJob)})
    text, status = run_grade(job)
    write_output(text, job.output)
    return status
