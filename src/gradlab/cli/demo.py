"""``gradlab demo``: show what gradlab does, on the slides' worked example."""

from __future__ import annotations

HELP = "explain the slides' worked example step by step (the main job, in one command)"


def add_arguments(p):
    p.add_argument("--out-dir", help="also save the demo's files (HTML, JSON) in this folder")


def run(args) -> int:
    from gradlab.explain.demo import run_demo

    run_demo(args.out_dir)
    return 0
