"""``gradlab demo``: the README's main-job command, as a list of small steps easy to extend.

Each step is a function ``step(out_dir) -> str`` that prints its part and
returns one line saying what it did; later issues append training and
derivation steps to :data:`STEPS`.
"""

from __future__ import annotations

import os


def explain_course(out_dir=None):
    """Explain the slides' course example in the terminal (scalar view); optionally save HTML and JSON."""
    from .examples import example

    exp = example("course")
    print(exp.render("text"))
    saved = ""
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        for fmt, ext in (("html", "html"), ("json", "json")):
            with open(os.path.join(out_dir, f"course.{ext}"), "w", encoding="utf-8") as fh:
                fh.write(exp.render(fmt))
        saved = f" and saved course.html, course.json in {out_dir}"
    return (f"explained the course example (1–2–3–1 sigmoid network, BCE): loss {float(exp['loss']):.4f} → "
            f"{float(exp['loss_new']):.4f} after one step with η = 0.1 ({float(exp['loss_reduction_pct']):.2f}% "
            f"reduction), every gradient checked against autodiff{saved}")


STEPS = [explain_course]


def run_demo(out_dir=None):
    """Run every demo step and end with a summary of what was done; returns the summary lines."""
    done = [step(out_dir) for step in STEPS]
    print("\nWhat this demo did:")
    for line in done:
        print(f"  • {line}")
    return done
