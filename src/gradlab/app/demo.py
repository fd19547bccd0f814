"""The tour behind ``gradlab demo``: every capability once, on the seeds' own examples.

1. explains the course example (1–2–3–1 sigmoid network, BCE) step by step;
2. derives the relu-mse example's ∂L/∂X (and ∂L/∂w, ∂L/∂b) with the steps, and verifies it;
3. trains a 2–16–16–1 MLP on moons with a progress bar;
4. draws the pictures (activations, perceptron, the course network's update, a computation graph,
   learning curve, decision boundary) and writes one HTML report holding them all.

Every file goes into one folder, named at the end.
"""

from __future__ import annotations

import os

from ..core.errors import MissingExtraError
from ..explainer.examples import example
from ..symbolic import derive, parse, verify
from .tour import demo_tour

SEED_QUESTION = "norm2(relu(X @ w + ones(m)*b) - y)**2/m"
SEED_SHAPES = {"X": "m,n", "w": "n,1", "b": 1, "y": "m,1"}


def derive_seed_question(out_dir=None):
    """Derive and verify the three gradients of the ReLU regression example (∂L/∂w, ∂L/∂β, ∂L/∂X); print the ∂L/∂X derivation with its steps.

    Returns the derivations {'X': ..., 'w': ..., 'b': ...} and one summary line.
    """

    loss = parse(SEED_QUESTION, SEED_SHAPES)
    found = {name: derive(loss, name) for name in ("X", "w", "b")}
    print(found["X"].to_text())
    for name, d in found.items():
        report = verify(loss, name, d)
        print(report)
        if not report.passed:
            raise AssertionError(f"demo: the derived ∂L/∂{name} failed verification:\n{report}")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "seed_question.md"), "w", encoding="utf-8") as fh:
            for d in found.values():
                fh.write(d.to_markdown() + "\n\n")
    results = "; ".join(str(d) for d in found.values())
    return found, f"derived the relu-mse example's gradients (∂L/∂X, ∂L/∂w, ∂L/∂b) with their steps and verified them: {results}"


def explain_course(out_dir=None):
    """Explain the course example (1–2–3–1 sigmoid network) in the terminal (scalar view); optionally save HTML and JSON."""
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


def run_demo(out_dir="gradlab-demo", epochs: int = 150, verbose: int = 1) -> list:
    """Run the tour; returns the summary lines (also printed at the end)."""

    done = []
    print("━━ 1. The course example (1–2–3–1 sigmoid network, BCE), explained ━━\n")
    done.append(explain_course(out_dir))
    print("\n━━ 2. The relu-mse loss ‖relu(Xw + b𝟏) − y‖²/m, derived in matrix form ━━\n")
    derivations, line = derive_seed_question(out_dir)
    done.append(line)
    print("\n━━ 3. Training on moons, and the pictures ━━\n")
    try:

        def add_derivation(report):
            report.heading("The relu-mse loss ‖relu(Xw + b𝟏) − y‖²/m, derived")
            report.text("L = ‖relu(Xw + b𝟏) − y‖² / m, derived by differentials and the Frobenius product "
                        "(dL = G : dX ⟹ ∂L/∂X = G), then verified against automatic differentiation and "
                        "finite differences.")
            for d in derivations.values():
                report.derivation(d)  # typeset (MathML), each step with its rule

        files = demo_tour(out_dir, epochs=epochs, verbose=verbose, extend=add_derivation)
        done.append(f"trained a 2–16–16–1 MLP on moons ({epochs} epochs) and drew {len(files) - 1} pictures")
        done.append(f"wrote the HTML report {files['report']}")
    except MissingExtraError as exc:
        done.append(f"skipped training pictures: {exc}")
    print("\nWhat this demo did:")
    for item in done:
        print(f"  • {item}")
    print(f"\nEverything is in the folder {os.path.abspath(out_dir)}")
    print("Next: `gradlab explore` opens the same network in your browser — edit any number and watch every value,\n"
          "δ and gradient recompute, step through the pass, check your own numbers as you type, and train live.\n"
          "`gradlab exercise` and `gradlab grade` make an exercise and grade a hand-worked sheet.")
    return done
