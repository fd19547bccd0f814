"""``gradlab demo``: the whole tour in one command (the README's main job)."""

from __future__ import annotations

from . import _types as T

HELP = "the tour: explain the course example, derive the relu-mse gradients, train on moons, draw and report"
DESCRIPTION = """The tour, in one command:
  1. the course example (1–2–3–1 sigmoid network, cross-entropy), every number;
  2. the relu-mse example's gradients ∂L/∂X, ∂L/∂w, ∂L/∂b derived with the steps, and verified;
  3. a 2–16–16–1 MLP trained on moons, with a progress bar;
  4. the pictures and one HTML report, in the folder named at the end."""


def add_arguments(p):
    p.add_argument("--out-dir", default="gradlab-demo", help="folder for the pictures and the report "
                   "(default: ./gradlab-demo)")
    p.add_argument("--epochs", type=T.int_in(1, 10_000), default=150, help="training epochs on moons (default 150)")


def run(args) -> int:
    from gradlab.app.demo import run_demo  # lazy: only the command that runs loads its job

    run_demo(args.out_dir, epochs=args.epochs)
    return 0
