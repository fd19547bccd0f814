"""Convolutional networks: a LeNet-5 training step in gradlab and in PyTorch (eager, CPU), and the digits CNN.

The step: batch 64 of 1×28×28 float32 images, conv(1→6, 5) + ReLU + max-pool 2, conv(6→16, 5) + ReLU +
max-pool 2, flatten, Linear(256→120) + ReLU, Linear(120→84) + ReLU, Linear(84→10), cross-entropy, an SGD step
(lr 0.01): zero_grad, forward, loss, backward, step. Each library runs in its own process (``--worker``) from
the same seeded data and weights (written once to a temporary .npz); the first step's loss is compared.

Time: the median of ``--steps`` (≥ 30) steps after 5 warm-up steps. Memory, the same method for both: the
resident memory just before the first step (the model and data built, nothing run) (VmRSS of /proc/self/status) is subtracted from the peak
resident memory during the steps, read two ways: the kernel's peak VmHWM after resetting it
(``/proc/self/clear_refs``) before the steps, and ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` after them
(the process's lifetime peak, so it only counts what the steps add past the peak before them).

The digits CNN is ``gradlab train --data digits --model cnn``'s job with its defaults (seed 0): its held-out
accuracy (20 % of the 1797 images) and training time.

    python benchmarks/bench_cnn.py                 # prints the table
    python benchmarks/bench_cnn.py --write         # and replaces "## Convolutional networks" in RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
HEADING = "Convolutional networks"
BATCH, SIDE, CLASSES, LR, WARMUP = 64, 28, 10, 0.01, 5
TIME_TARGET = MEMORY_TARGET = 1.5
ACCURACY_TARGET = 0.98


# ----------------------------------------------------------------------------------------------- problem
def make_problem(path, seed=0):
    """Write the seeded images (64, 1, 28, 28), labels (64,) and LeNet weights (gradlab's initialisation)."""
    from gradlab.nn.models import lenet

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((BATCH, 1, SIDE, SIDE)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH).astype(np.int64)
    model = lenet(1, SIDE, CLASSES, rng=seed, dtype="float32")
    weights = {k: np.asarray(v.data) for k, v in model.state_dict().items()}
    np.savez(path, X=X, y=y, **{f"w:{k}": v for k, v in weights.items()})


def _load(path):
    z = np.load(path)
    return z["X"], z["y"], {k[2:]: z[k] for k in z.files if k.startswith("w:")}


# ----------------------------------------------------------------------------------------------- steps
def gradlab_step(path):
    """(step function, first-step loss function) of gradlab on the problem in ``path``."""
    import gradlab as gl
    from gradlab.nn.models import lenet

    X, y, weights = _load(path)
    model = lenet(1, SIDE, CLASSES, rng=0, dtype="float32")
    model.load_state_dict(weights)
    loss_fn, opt = gl.nn.CrossEntropyLoss(), gl.optim.SGD(model.parameters(), lr=LR)
    x, t = gl.tensor(X), gl.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def torch_step(path):
    """The same step in PyTorch eager mode (torch.nn layers, the same weights)."""
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", torch.get_num_threads())))
    X, y, weights = _load(path)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, CLASSES))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    loss_fn, opt = nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=LR)
    x, t = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def _status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # KiB
    return -1


def worker(library, path, steps):
    """Run in a fresh process: time ``steps`` steps after the warm-up and measure their memory; print JSON."""
    step = (gradlab_step if library == "gradlab" else torch_step)(path)
    rss_before = _status("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak resident size VmHWM to the current one
        hwm_reset = True
    except OSError:
        hwm_reset = False
    first = step()
    for _ in range(WARMUP - 1):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    out = {"library": library, "first_loss": first, "median_ms": 1e3 * float(np.median(times)),
           "min_ms": 1e3 * min(times), "steps": steps, "rss_before_kib": rss_before,
           "peak_hwm_kib": (_status("VmHWM") - rss_before) if hwm_reset else None,
           "peak_maxrss_kib": maxrss - rss_before}
    print(json.dumps(out))


def run_worker(library, path, steps):
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, __file__, "--worker", library, "--problem", str(path), "--steps", str(steps)],
                          capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"the {library} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------------------------- digits
def digits_cnn():
    """(held-out accuracy, seconds) of ``gradlab train --data digits --model cnn`` with its defaults."""
    from gradlab.app import train as TR

    spec = TR.TrainSpec(data="digits", model="cnn", **TR.CNN.CNN_DEFAULTS)
    result = TR.run(TR.prepare(spec), verbose=0)
    return result.history.history["val_accuracy"][-1], result.seconds


# ----------------------------------------------------------------------------------------------- report
def _mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def rows(g, t, accuracy, seconds):
    ratio = g["median_ms"] / t["median_ms"]
    spread = g.get("ratios", [ratio])
    out = [("LeNet-5 step, batch 64, float32: gradlab (median of the steps, median round)", f"{g['median_ms']:.2f} ms",
            "", ""),
           ("the same step: PyTorch eager CPU (the same round)", f"{t['median_ms']:.2f} ms", "", ""),
           (f"time, gradlab / PyTorch (median of {len(spread)} rounds; all: "
            f"{', '.join(f'{r:.2f}' for r in spread)})", f"{ratio:.2f}×", f"≤ {TIME_TARGET}×",
            "met" if ratio <= TIME_TARGET else "**not met**")]
    for key, what in (("peak_hwm_kib", "VmHWM reset"), ("peak_maxrss_kib", "ru_maxrss")):
        a, b = g[key], t[key]
        if a is None or b is None:
            continue
        verdict = (a <= MEMORY_TARGET * max(b, 1)) and "met" or "**not met**"
        out.append((f"memory of the steps ({what}): gradlab / PyTorch", f"{_mib(a)} / {_mib(b)}",
                    f"≤ {MEMORY_TARGET}×", verdict))
    if accuracy is not None:
        out.append(("digits CNN (`gradlab train --data digits --model cnn`): held-out accuracy", f"{accuracy:.2%}",
                    f"≥ {ACCURACY_TARGET:.0%}", "met" if accuracy >= ACCURACY_TARGET else "**not met**"))
        out.append(("digits CNN: training time (10 epochs, 1438 images)", f"{seconds:.2f} s", "", ""))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=40, help="timed steps per library (at least 30; default 40)")
    p.add_argument("--rounds", type=int, default=5, help="rounds, each one gradlab process then one PyTorch process "
                   "(default 5; the machine's load changes between rounds, so each round's ratio is taken)")
    p.add_argument("--no-digits", action="store_true", help="skip the digits CNN")
    p.add_argument("--write", nargs="?", const=str(RESULTS), default=None, metavar="FILE",
                   help="replace the section '## Convolutional networks' of FILE (default benchmarks/RESULTS.md)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--problem", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.problem, args.steps)
        return 0
    if args.steps < 30:
        p.error("--steps must be at least 30")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "problem.npz"
        make_problem(path)
        runs = []
        for _ in range(max(1, args.rounds)):  # alternating, so a busy moment of the machine hits both
            runs.append((run_worker("gradlab", path, args.steps), run_worker("torch", path, args.steps)))
    ratios = sorted(a["median_ms"] / b["median_ms"] for a, b in runs)
    g, t = runs[[a["median_ms"] / b["median_ms"] for a, b in runs].index(ratios[len(ratios) // 2])]  # median round
    g = dict(g, ratios=ratios)
    if abs(g["first_loss"] - t["first_loss"]) > 1e-4 * max(1.0, abs(t["first_loss"])):
        raise SystemExit(f"the first losses differ: gradlab {g['first_loss']!r}, PyTorch {t['first_loss']!r}")
    accuracy, seconds = (None, None) if args.no_digits else digits_cnn()
    table = rows(g, t, accuracy, seconds)
    width = max(len(r[0]) for r in table)
    for a, b, c, d in table:
        print(f"{a:<{width}}  {b:>20}  {c:>8}  {d}")
    if args.write:
        sys.path.insert(0, str(HERE))
        from results_file import replace_section, section

        import platform

        intro = [f"`python benchmarks/bench_cnn.py --write` ({time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
                 f"{os.cpu_count()} CPUs, NumPy {np.__version__}): a LeNet-5 training step (batch 64, 1×28×28 float32, "
                 "two conv + ReLU + max-pool blocks, three dense layers, cross-entropy, SGD) in gradlab and in PyTorch "
                 f"eager CPU, each in its own process from the same data and weights; medians of {args.steps} steps "
                 f"after {WARMUP} warm-up steps, in {args.rounds} rounds that alternate the two (this machine's load "
                 "varies; the round with the median ratio is shown). First-step losses: gradlab {g['first_loss']:.6f}, PyTorch "
                 f"{t['first_loss']:.6f}. Memory: peak resident memory during the steps minus the resident memory "
                 "before them, for both."]
        replace_section(args.write, HEADING, section(HEADING, intro, table))
        print(f"wrote the section '## {HEADING}' of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
