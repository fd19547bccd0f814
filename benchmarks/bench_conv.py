"""conv2d forward + backward in float32: gradlab against PyTorch eager on the CPU.

Three sizes (LeNet's two convolutions and a 3×3 layer of a small ResNet). Each library runs in its own
subprocess (so their thread pools do not meet), with the same thread count; each cell is the median of
``--repeats`` timed steps after warm-up. A step is y = conv2d(x, W, b), L = Σ y ⊙ c, and the gradients of
x, W and b. The target (issue 19) is a training step within 1.5× of PyTorch's.

    python benchmarks/bench_conv.py            # print the table
    python benchmarks/bench_conv.py --write    # and replace '## Convolutions' in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "RESULTS.md")
HEADING = "Convolutions"
TARGET = 1.5
SIZES = [((64, 1, 28, 28), (6, 1, 5, 5)), ((64, 6, 12, 12), (16, 6, 5, 5)), ((32, 64, 16, 16), (64, 64, 3, 3))]


def _inputs(xs, ws):
    import numpy as np

    r = np.random.default_rng(0)
    f = np.float32
    return (r.standard_normal(xs).astype(f), r.standard_normal(ws).astype(f), r.standard_normal(ws[0]).astype(f))


def _step_gradlab(x, w, b, c):
    import gradlab as gl

    tx, tw, tb = (gl.tensor(a, requires_grad=True) for a in (x, w, b))

    def step():
        tx.grad = tw.grad = tb.grad = None
        gl.sum(gl.conv2d(tx, tw, tb) * c).backward()
        return tw.grad

    return step


def _step_torch(x, w, b, c):
    import torch

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tc = torch.tensor(c)

    def step():
        tx.grad = tw.grad = tb.grad = None
        (torch.nn.functional.conv2d(tx, tw, tb) * tc).sum().backward()
        return tw.grad

    return step


def worker(lib, repeats):
    import numpy as np

    out = []
    for xs, ws in SIZES:
        x, w, b = _inputs(xs, ws)
        c = np.random.default_rng(1).standard_normal((xs[0], ws[0], xs[2] - ws[2] + 1, xs[3] - ws[3] + 1)).astype(
            np.float32)
        step = (_step_gradlab if lib == "gradlab" else _step_torch)(x, w, b, c)
        for _ in range(3):
            step()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1e3)
        out.append(statistics.median(times))
    if lib == "torch":
        import torch

        version = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    else:
        import gradlab

        version = f"gradlab {getattr(gradlab, '__version__', '?')}, numpy {np.__version__}"
    print(json.dumps({"ms": out, "version": version}))


def run(lib, repeats):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", lib, "--repeats", str(repeats)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{lib} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=30, help="timed steps per size after warm-up (default 30)")
    p.add_argument("--write", nargs="?", const=RESULTS, metavar="FILE",
                   help="replace the section '## Convolutions' of this Markdown file (default benchmarks/RESULTS.md)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.repeats)
    ours, theirs = run("gradlab", args.repeats), run("torch", args.repeats)
    rows = []
    for (xs, ws), a, b in zip(SIZES, ours["ms"], theirs["ms"]):
        ratio = a / b
        rows.append((f"x {xs} ⋆ W {ws}: gradlab {a:.2f} ms, PyTorch {b:.2f} ms", f"{ratio:.2f}× PyTorch",
                     f"≤ {TARGET}×", "met" if ratio <= TARGET else "missed"))
        print(f"{str(xs):18s} {str(ws):16s} gradlab {a:8.2f} ms   torch {b:8.2f} ms   ratio {ratio:5.2f}")
    if args.write:
        sys.path.insert(0, HERE)
        from results_file import replace_section, section

        cpu = platform.processor() or platform.machine()
        text = section(HEADING, [
            "conv2d forward + backward (gradients of x, W and b) in float32, median of "
            f"{args.repeats} steps after warm-up, each library in its own process "
            f"({ours['version']}; {theirs['version']}; {cpu}, {os.cpu_count()} cores). "
            "`python benchmarks/bench_conv.py --write`."], rows, value_column="gradlab / PyTorch")
        replace_section(args.write, HEADING, text)
        print(f"wrote the section '## {HEADING}' of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
