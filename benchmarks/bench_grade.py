"""Benchmark: grading hand-worked sheets — one sheet, and a class of 200 in batch mode.

Sheets are the course example's answer sheet (60 entries: the 1–2–3–1 sigmoid
network with binary cross-entropy and an update), written at 4 decimals, each
with one slip (a random entry times a factor, its sign flipped, or the
activation derivative left out), so every sheet takes the diagnosis path.

* one sheet: ``gl.grade(explanation, sheet_dict)`` from a fresh reference
  (the sheet is rebuilt each time) and with the reference reused (as in a
  batch), median over repetitions;
* 200 sheets: ``gradlab grade --batch DIR --example course --out OUT`` as a
  subprocess, end to end (start-up, reading 200 CSV files, grading, writing
  600 report files and the class summary), median of 3 runs; and the same
  in-process (``grade_folder`` + ``write``).

No other tool grades hand-worked backprop sheets, so there is no peer column.

Usage:
    python benchmarks/bench_grade.py
    python benchmarks/bench_grade.py --write benchmarks/RESULTS.md   (replaces its "Grading" section)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from results_file import replace_section, section

import gradlab as gl
from gradlab.grading.batch import grade_folder
from gradlab.explainer.examples import example
from gradlab.grading.sheet import Sheet

TARGET_ONE_MS, TARGET_BATCH_S = 50.0, 10.0


def sheets(ref, n, seed=0):
    rng = np.random.default_rng(seed)
    right = {e.name: e.expected for e in Sheet(ref).entries}
    names = list(right)
    out = []
    for _ in range(n):
        sheet = {k: round(v, 4) for k, v in right.items()}
        k = names[rng.integers(len(names))]
        how = rng.integers(3)
        if how == 0:
            sheet[k] = round(sheet[k] * 1.37 + 0.011, 4)
        elif how == 1:
            sheet[k] = -sheet[k] if sheet[k] else 0.5
        else:
            sheet["delta[2][1]"] = sheet["da[2][1]"]
        out.append(sheet)
    return out


def median_ms(fn, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), np.percentile(times, 75) - np.percentile(times, 25)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", help="replace the Grading section of this Markdown file with the results")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ref = example("course")
        batch = sheets(ref, 200)
        gl.grade(ref, batch[0])  # warm up

        def fresh():
            ref.__dict__.pop("_grading_sheet", None)
            gl.grade(ref, batch[1])

        one_fresh = median_ms(fresh, 60)
        one_reused = median_ms(lambda: gl.grade(ref, batch[2]), 200)
        build = median_ms(lambda: Sheet(ref), 60)
        folder = os.path.join(tmp, "sheets")
        os.makedirs(folder)
        for k, s in enumerate(batch):
            with open(os.path.join(folder, f"student{k:03d}.csv"), "w", encoding="utf-8") as f:
                f.write("name,value\n" + "".join(f"{n},{v}\n" for n, v in s.items()))
        cli = []
        for r in range(3):
            out = os.path.join(tmp, f"out{r}")
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "gradlab", "grade", "--batch", folder, "--example", "course",
                                   "--out", out], capture_output=True, text=True)
            cli.append(time.perf_counter() - t)
            if proc.returncode != 0:
                raise SystemExit(f"gradlab grade --batch failed: {proc.stderr}")
        single = []
        for r in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "gradlab", "grade", os.path.join(folder, "student000.csv"),
                            "--example", "course"], capture_output=True, text=True)
            single.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = grade_folder(folder, example("course"))
        report.write(os.path.join(tmp, "outp"))
        inproc = time.perf_counter() - t
        wrong = sum(1 for s in report.graded for e in s.report.entries if e.status == "wrong")
    rows = [
        ("one sheet, reference built fresh", f"{one_fresh[0]:.2f} ms (IQR {one_fresh[1]:.2f})", f"≤ {TARGET_ONE_MS:g} ms",
         "holds" if one_fresh[0] <= TARGET_ONE_MS else "MISSED"),
        ("one sheet, reference reused", f"{one_reused[0]:.2f} ms (IQR {one_reused[1]:.2f})", f"≤ {TARGET_ONE_MS:g} ms",
         "holds" if one_reused[0] <= TARGET_ONE_MS else "MISSED"),
        ("building the sheet (60 entries)", f"{build[0]:.2f} ms", "", ""),
        ("one sheet, `gradlab grade SHEET --example course` (subprocess: start-up, import, explain, grade)",
         f"{statistics.median(single) * 1000:.0f} ms", "", ""),
        ("200 sheets, `gradlab grade --batch` (subprocess, end to end)",
         f"{statistics.median(cli):.2f} s (runs: {', '.join(f'{c:.2f}' for c in cli)})", f"≤ {TARGET_BATCH_S:g} s",
         "holds" if statistics.median(cli) <= TARGET_BATCH_S else "MISSED"),
        ("200 sheets, `grade_folder` + `write` in-process", f"{inproc:.2f} s", f"≤ {TARGET_BATCH_S:g} s",
         "holds" if inproc <= TARGET_BATCH_S else "MISSED"),
    ]
    text = section("Grading", [
        f"Command: `python benchmarks/bench_grade.py`, {time.strftime('%Y-%m-%d')}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}.",
        "The course example's sheet (60 entries) at 4 decimals with one slip per sheet "
        f"({wrong} wrong entries diagnosed over the 200 sheets). No other tool grades hand-worked backprop "
        "sheets, so there is no peer column."], rows, value_column="time")
    print(text)
    if args.write:
        replace_section(args.write, "Grading", text)


if __name__ == "__main__":
    main()
