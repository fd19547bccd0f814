"""The grade and exercise jobs: ``gradlab grade`` and ``gradlab exercise`` as typed functions.

:func:`run_grade` grades one sheet (exit status 0 when every entry is right,
1 when something is wrong, missing or carried) or, with ``batch``, every
sheet in a folder (class summary, Gradescope results; status 1 when some
sheet could not be graded). :func:`run_exercise` writes an exercise's files.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from ..core.errors import ParameterError
from ..grading import SheetError, grade
from ..grading.batch import gradescope, grade_folder
from ..grading.exercise import exercise
from ..grading.keyfile import load_exercise
from .explain import ExplainJob, build_explanation

FORMATS = ("text", "markdown", "html", "json", "gradescope")


@dataclass
class GradeJob:
    """Every option of ``gradlab grade`` (see ``gradlab grade --help``)."""

    sheet: str | None = None
    batch: str | None = None
    out: str | None = None
    exercise: str | None = None
    example: str | None = None
    variant: str | None = None
    model: str | None = None
    input: str | None = None
    target: str | None = None
    loss: str | None = None
    lr: float | None = None
    reduction: str | None = None
    half: bool = False
    format: str = "text"
    no_ecf: bool = False
    output: str | None = None


def reference_of(job):
    """What the sheet is graded against: an exercise key, a built-in example, or a saved model with its data."""
    given = [flag for flag, v in (("--exercise", job.exercise), ("--example", job.example), ("--model", job.model))
             if v]
    if len(given) != 1:
        raise ParameterError("give exactly one of --exercise FILE, --example NAME or --model FILE (with --input and "
                             f"--target); got {', '.join(given) if given else 'none'}")
    if job.exercise:
        extra = [f for f, v in (("--input", job.input), ("--target", job.target), ("--loss", job.loss),
                                ("--lr", job.lr), ("--variant", job.variant), ("--reduction", job.reduction),
                                ("--half", job.half or None)) if v is not None]
        if extra:
            raise ParameterError(f"{', '.join(extra)}: an exercise file holds its own problem; drop "
                                 f"{'it' if len(extra) == 1 else 'them'}")
        return load_exercise(job.exercise)
    return build_explanation(ExplainJob(example=job.example, variant=job.variant, model=job.model, input=job.input,
                                        target=job.target, loss=job.loss, lr=job.lr, reduction=job.reduction,
                                        half=job.half))


def run_grade(job: GradeJob):
    """(text to print, exit status) of ``gradlab grade``."""
    if job.format not in FORMATS:
        raise ParameterError(f"--format must be one of {', '.join(FORMATS)}; got {job.format!r}")
    if (job.sheet is None) == (job.batch is None):
        raise ParameterError("give one SHEET to grade, or --batch FOLDER (not both)")
    reference = reference_of(job)
    if job.batch is not None:
        out = job.out or "graded"
        if os.path.realpath(out) == os.path.realpath(job.batch):
            raise ParameterError(f"--out {out!r} is the folder of the sheets; write the reports elsewhere, or the "
                                 "next batch would grade them as sheets")

        def progress(done, total, name):
            if sys.stderr.isatty():
                print(f"\rgraded {done}/{total} sheets", end="" if done < total else "\n", file=sys.stderr)

        report = grade_folder(job.batch, reference, ecf=not job.no_ecf, progress=progress)
        paths = report.write(out)
        text = "\n".join(report.summary_lines()) + "\n"
        text += "".join(f"could not grade {s.file}: {s.error}\n" for s in report.bad)
        shown = out.rstrip("/" + os.sep) or out
        text += f"wrote {len(paths)} files to {shown}/ (summary.md, summary.html, grades.csv, one folder per sheet)\n"
        return text, (1 if report.bad else 0)
    if job.out is not None:
        raise ParameterError("--out applies to --batch only; use --output for one sheet's report")
    try:
        report = grade(reference, job.sheet, ecf=not job.no_ecf)
    except SheetError as exc:
        if job.format != "gradescope":
            raise
        # inside a Gradescope autograder the student sees results.json, not stderr: say why there
        return json.dumps({"score": 0.0, "output": f"Your sheet could not be graded: {exc}", "tests": []},
                          indent=1, ensure_ascii=False) + "\n", 2
    if job.format == "gradescope":
        text = json.dumps(gradescope(report), indent=1, ensure_ascii=False) + "\n"
    else:
        text = report.render(job.format)
    return text, (0 if report.all_correct else 1)


@dataclass
class ExerciseJob:
    """Every option of ``gradlab exercise``."""

    layers: str = "1-2-3-1"
    activation: str = "sigmoid"
    loss: str = "bce"
    seed: int = 0
    batch: int | None = None
    nice: bool = False
    lr: float | None = 0.1
    no_update: bool = False
    kind: str = "network"
    gate: str = "and"
    problem: str | None = None
    no_bias: bool = False
    reduction: str = "mean"
    half: bool = False
    shared_bias: bool = False
    frozen_bias: bool = False
    update_order: str = "simultaneous"
    out: str = "exercise"


def run_exercise(job: ExerciseJob):
    """Write the exercise's five files into ``job.out``; returns the paths."""
    ex = exercise(job.layers, job.activation, job.loss, seed=job.seed, batch=job.batch, nice=job.nice,
                  lr=None if job.no_update else job.lr, kind=job.kind, gate=job.gate, problem=job.problem,
                  bias=not job.no_bias, reduction=job.reduction, half=job.half, shared_bias=job.shared_bias,
                  frozen_bias=job.frozen_bias, update_order=job.update_order)
    return ex, ex.write(job.out)
