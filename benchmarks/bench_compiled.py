"""Benchmark: fit's compiled loop for small networks against hand-written NumPy, JAX and PyTorch.

Per step of a ReLU MLP trained with MSE and SGD (lr 1e-3), the networks of bench_step.py:

* **NumPy**: the lean hand-written step (bench_step.NumpyStep: explicit δ recursion, in-place updates);
* **gradlab fit**: a ``gl.fit`` call of 10 epochs of 64 batches (no metrics, shuffling on), its time
  divided by its 640 steps, with the compiled loop (the default where it applies) and with it turned off
  (the general path);
* **JAX jit**: the whole step (forward, loss, ``jax.grad``, update) as one ``jax.jit`` function, called
  step after step with ``block_until_ready``;
* **torch.compile**: the model and loss compiled by ``torch.compile`` (inductor), backward and the SGD
  update as usual, where it runs on this machine.

JAX and PyTorch each run in a process of their own (bench_step.py's ``--worker``), so their thread pools do not disturb
the NumPy and gradlab measurements. Every timing is the median over rounds of at least 2 ms, timed in
alternation (bench_step.time_steps). Then the end-to-end digits row (``gl.fit`` against scikit-learn's
MLPClassifier), the explorer's live training (steps per second), with ``--crossover`` the sizes at
which BLAS overtakes the compiled loop, and with ``--floor`` what bounds the float64 digits row (the
divider's time for Adam's square roots and divisions, against the 8× budget).

Usage:
    python benchmarks/bench_compiled.py                     # everything
    python benchmarks/bench_compiled.py --quick             # tiny and small only
    python benchmarks/bench_compiled.py --write benchmarks/RESULTS.md
    python benchmarks/bench_compiled.py --floor --write benchmarks/RESULTS.md   # that section only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradlab as gl  # noqa: E402
import gradlab.train.compiled as compiled  # noqa: E402
from bench_step import LR, NumpyStep, end_to_end, in_process, machine, make_problem, time_steps  # noqa: E402
from results_file import replace_section  # noqa: E402

CONFIGS = {"tiny": (1, (1, 2, 3, 1)), "small": (32, (2, 16, 16, 1)), "mnist-like": (64, (784, 128, 10)),
           "medium": (256, (784, 256, 256, 10))}
STEPS_PER_EPOCH = 64
EPOCHS = 10  # one timed call of `fit`: its fixed cost (checks, the first forward pass) spread over 640 steps
HEADING = "Compiled small-network training"
FLOOR_HEADING = "The compiled loop's float64 floor"


# ------------------------------------------------------------------------------------------------ gradlab fit
class FitSteps:
    """``gl.fit`` of the problem's network on STEPS_PER_EPOCH batches an epoch; one call of this object is one
    ``fit`` of EPOCHS epochs. ``loop``: the compiled loop on (True) or off (the general path)."""

    def __init__(self, Ws, bs, X, Y, loop):
        batch = len(X)
        rng = np.random.default_rng(1)
        idx = rng.integers(0, batch, STEPS_PER_EPOCH * batch)
        self.X = np.ascontiguousarray(np.concatenate([X] * STEPS_PER_EPOCH)[np.argsort(idx, kind="stable")])
        self.Y = np.ascontiguousarray(np.concatenate([Y] * STEPS_PER_EPOCH)[np.argsort(idx, kind="stable")])
        sizes = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
        self.model = gl.nn.MLP(sizes, dtype=Ws[0].dtype.name)
        params = self.model.parameters()
        for weight, bias, W, b in zip(params[::2], params[1::2], Ws, bs):
            weight.data[...] = W
            bias.data[...] = b
        self.opt = gl.optim.SGD(self.model.parameters(), lr=LR)
        self.batch, self.loop, self.calls = batch, loop, 0

    def __call__(self):
        saved = compiled.TRAINLOOP
        compiled.TRAINLOOP = saved if self.loop else None
        try:
            h = gl.fit(self.model, gl.nn.MSELoss(), self.opt, self.X, self.Y, epochs=EPOCHS, batch_size=self.batch,
                       seed=self.calls, verbose=0, metrics=())
        finally:
            compiled.TRAINLOOP = saved
        self.calls += 1
        self.compiled = h.params["compiled_epochs"] == EPOCHS


def per_step(timed, name, steps=STEPS_PER_EPOCH * EPOCHS):
    """Seconds per step of an entry timed per ``fit`` call."""
    return timed[name][0] / steps


# -------------------------------------------------------------------------------------------------- sections
def step_rows(names, dtypes, min_time, peers=True):
    rows = []
    for name in names:
        batch, sizes = CONFIGS[name]
        for dtype in dtypes:
            Ws, bs, X, Y = make_problem(batch, sizes, np.dtype(dtype))
            fast, slow = FitSteps(Ws, bs, X, Y, True), FitSteps(Ws, bs, X, Y, False)
            numpy_step = NumpyStep(Ws, bs, X, Y)

            def numpy_run():  # as many steps as a fit call, so that the rounds of the three take alike
                for _ in range(STEPS_PER_EPOCH * EPOCHS):
                    numpy_step()

            timed = time_steps({"numpy": numpy_run, "fit": fast, "general": slow}, min_time)
            row = {"name": name, "batch": batch, "sizes": sizes, "dtype": dtype, "compiled": fast.compiled,
                   "numpy": per_step(timed, "numpy"), "fit": per_step(timed, "fit"),
                   "general": per_step(timed, "general")}
            if peers:
                row["jax"], row["jax_note"] = in_process("jax", batch, sizes, dtype, min_time)
                row["torch"], row["torch_note"] = in_process("torch", batch, sizes, dtype, min_time)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def live_rate(seconds=2.0):
    """The explorer's live training, 2-16-16-1 on 200 moons points (batch 8, tanh): steps per second through
    the compiled loop and step by step, in calls of 200 steps (the most the page asks for at once)."""
    from gradlab.web.training import Session, dataset

    X, y = dataset("moons", 0)
    rates = {}
    for loop in (True, False):
        saved = compiled.TRAINLOOP
        compiled.TRAINLOOP = saved if loop else None
        try:
            s = Session(X, y, [2, 16, 16, 1], "tanh", 0.1, 8, 0)
            s.steps(200)
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                s.steps(200)
                n += 200
            rates["compiled" if loop else "stepwise"] = n / (time.perf_counter() - t0)
        finally:
            compiled.TRAINLOOP = saved
    return rates


def crossover(min_time):
    """General path time / compiled time of fit on 2-w-w-1 (ReLU, MSE, SGD) by width, batch and dtype."""
    saved_work = dict(compiled.SMALL_WORK)
    compiled.SMALL_WORK.update({k: 10**12 for k in compiled.SMALL_WORK})
    rows = []
    try:
        for dtype in ("float64", "float32"):
            for batch in (32, 128):
                for w in (16, 64, 96, 128, 192, 256):
                    Ws, bs, X, Y = make_problem(batch, (2, w, w, 1), np.dtype(dtype))
                    timed = time_steps({"fit": FitSteps(Ws, bs, X, Y, True), "general": FitSteps(Ws, bs, X, Y, False)},
                                       min_time)
                    work = batch * (2 * w + w * w + w)
                    rows.append((dtype, batch, w, work, per_step(timed, "fit"), per_step(timed, "general")))
                    print(rows[-1], flush=True)
    finally:
        compiled.SMALL_WORK.clear()
        compiled.SMALL_WORK.update(saved_work)
    return rows


def floor(seeds=5):
    """What bounds float64 digits (64-128-10 ReLU, batch 32, 20 epochs): ``fit`` with Adam and with plain SGD
    (the same loop; the difference is Adam's update), scikit-learn's MLPClassifier (the 8× budget), and the
    divider: NumPy's sqrt and divide over float64 arrays (the same square-root and division instructions the
    loop's update uses, which round exactly), per weight, times the network's 9,610 weights."""
    import statistics
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = gl.data.digits()
    Xtr, _, ytr, _ = gl.data.train_test_split(X, y, test_size=0.25, seed=0)
    Xtr = gl.data.Standardizer().fit(Xtr).transform(Xtr)
    steps = 20 * -(-len(Xtr) // 32)
    weights = 64 * 128 + 128 + 128 * 10 + 10

    def fit_seconds(make_opt, seed):
        model = gl.nn.MLP([64, 128, 10], activation="relu", rng=seed, init="xavier_uniform")
        opt = make_opt(model.parameters())
        t0 = time.perf_counter()
        h = gl.fit(model, gl.nn.CrossEntropyLoss(), opt, Xtr, ytr, epochs=20, batch_size=32, seed=seed, verbose=0)
        assert h.params["compiled_epochs"] == 20
        return time.perf_counter() - t0

    adam, sgd, sk = [], [], []
    for seed in range(seeds):
        adam.append(fit_seconds(lambda p: gl.optim.Adam(p, lr=1e-3), seed))
        sgd.append(fit_seconds(lambda p: gl.optim.SGD(p, lr=1e-2), seed))
        clf = MLPClassifier(hidden_layer_sizes=(128,), solver="adam", batch_size=32, max_iter=20,
                            learning_rate_init=1e-3, alpha=0.0, random_state=seed, tol=0.0, n_iter_no_change=21)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xtr, ytr)
        sk.append(time.perf_counter() - t0)
    rng = np.random.default_rng(0)
    n = 4 * weights  # long enough that the calls' own cost is small, short enough to stay in cache
    v, m = rng.random(n) + 1e-3, rng.standard_normal(n)
    d, q = np.empty(n), np.empty(n)
    best = float("inf")
    for _ in range(2000):
        t0 = time.perf_counter()
        np.sqrt(v, out=d)
        np.divide(m, d, out=q)
        best = min(best, time.perf_counter() - t0)
    return {"seeds": seeds, "steps": steps, "weights": weights, "adam": statistics.median(adam), "sgd": statistics.median(sgd),
            "sk": statistics.median(sk), "divider_per_weight": best / n}


def floor_report(f):
    per = lambda s: s / f["steps"] * 1e6  # noqa: E731  (seconds of a fit → µs per step)
    budget = f["sk"] / 8
    divider = f["divider_per_weight"] * f["weights"]
    return "\n".join([
        f"## {FLOOR_HEADING}", "",
        "What bounds the float64 digits row (64–128–10 ReLU, batch 32, 20 epochs, "
        f"{f['steps']} steps; `python benchmarks/bench_compiled.py --floor`, medians of {f['seeds']} seeds, "
        f"{machine()['cpu']}, {machine()['cores']} cores):", "",
        "| what | per fit | per step |", "| --- | ---: | ---: |",
        f"| MLPClassifier (Adam) | {f['sk']:.3f} s | {per(f['sk']):.0f} µs |",
        f"| the 8× target's budget: MLPClassifier / 8 | {budget * 1e3:.1f} ms | {per(budget):.1f} µs |",
        f"| gradlab `fit`, Adam (the compiled loop) | {f['adam'] * 1e3:.1f} ms | {per(f['adam']):.1f} µs |",
        f"| gradlab `fit`, plain SGD (the same loop and products) | {f['sgd'] * 1e3:.1f} ms | "
        f"{per(f['sgd']):.1f} µs |",
        f"| the square roots and divisions of Adam's update alone: {f['weights']:,} weights × "
        f"{f['divider_per_weight'] * 1e9:.2f} ns (NumPy's sqrt and divide, the same instructions) | "
        f"{divider * f['steps'] * 1e3:.1f} ms | {divider * 1e6:.1f} µs |", "",
        "Adam's update must round as NumPy's does (a correctly rounded square root and division per weight), so "
        "the divider's share is fixed: "
        f"{divider / (budget / f['steps']):.0%} of the budget per step. `fit` with plain SGD does the same "
        "products, loss, shuffling and bookkeeping with an update that has no square root or division, and takes "
        f"{f['sgd'] / budget:.0%} of the budget; with the divider's time added, "
        f"{(f['sgd'] + divider * f['steps']) * 1e3:.1f} ms against {budget * 1e3:.1f} ms. Measured while "
        "building the loop (2026-11-30), and not kept because none was faster:", "",
        "* square root and division built from fused multiply-adds (an approximate reciprocal refined by "
        "Newton's method, the result certified exact lane by lane, else the divider): 25.7 µs for Adam on "
        "the 9,610 weights against 18.6 µs with the divider;",
        "* a second thread, two ways. Splitting each product and the update into chunks that either thread "
        "takes: no faster, because chunks change threads and their data moves between cores (64 KB written "
        "by one core and read by the other takes about 11 µs here). Each thread owning half of the hidden "
        "units with all their data, passing only a 32 × 10 share of the output layer's product and δ each "
        "way per step (bit for bit the numbers of one thread): 52.0 ms on two threads against 48.2 ms on one "
        "(best of 15 fits each, BLAS's own threads off; float32 28.4 against 23.1 ms), and 3.4× slower on two "
        "when scikit-learn had just run in the same process (BLAS's threads still spinning on the other "
        "core). This machine's two CPUs share their multiply-add units: a loop of multiply-adds alone runs "
        "1.3–1.4× faster on two than on one, the divider-bound update 1.9×.", ""])


# --------------------------------------------------------------------------------------------------- report
def _us(s):
    return "–" if s is None else f"{s * 1e6:,.1f}"


def verdict(ok):
    return "holds" if ok else "MISSED"


def report(rows, e2e, live, cross):
    out = [f"## {HEADING}", "",
           "`fit` on a dense Sequential whose step is small runs whole epochs in one compiled call "
           "(`src/gradlab/_trainloop.c`, driven by `gradlab/train/compiled.py`). Measured by "
           "`benchmarks/bench_compiled.py` on " + f"{machine()['cpu']}, {machine()['cores']} cores; "
           "per step of a ReLU MLP with MSE and SGD, medians over alternating rounds. `fit` columns: time per "
           "step of a `gl.fit` call of 10 epochs of 64 batches (shuffling on, no metrics; the call's fixed cost "
           "included). JAX: the whole step as one "
           "`jax.jit` function, `block_until_ready` after each; torch.compile: model and loss compiled by "
           "inductor, backward and SGD as usual. JAX and PyTorch each ran in a process of their own.", "",
           "| network | dtype | hand NumPy step µs | gradlab `fit` µs (compiled) | `fit`, general path µs "
           "| JAX jit µs | torch.compile µs | NumPy / `fit` | JAX / `fit` | target |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        speed_np = r["numpy"] / r["fit"]
        speed_jax = (r["jax"] / r["fit"]) if r.get("jax") else None
        if r["name"] in ("tiny", "small"):
            target = (f"≥ 5× NumPy: {verdict(speed_np >= 5)}; ≥ 3× JAX: "
                      f"{verdict(speed_jax is not None and speed_jax >= 3) if speed_jax else 'JAX did not run'}")
        else:  # the general path, unchanged: its step is held to the NumPy bound by bench_step.py's table
            target = ("general path (a step this size is past `SMALL_WORK`); `fit` here includes each epoch's "
                      "shuffled copy of the data, which the NumPy step does not make")
        torch_cell = _us(r.get("torch")) if r.get("torch") else (r.get("torch_note") or "–")
        out.append(f"| {r['name']} {'-'.join(map(str, r['sizes']))}, batch {r['batch']} | {r['dtype']} "
                   f"| {_us(r['numpy'])} | {_us(r['fit'])}{'' if r['compiled'] else ' (general path)'} "
                   f"| {_us(r['general'])} | {_us(r.get('jax'))} | {torch_cell} | {speed_np:.1f}× "
                   f"| {'–' if speed_jax is None else f'{speed_jax:.1f}×'} | {target} |")
    if e2e:
        out += ["", "End to end, digits (64–128–10 ReLU, Adam lr 1e-3, batch 32, 20 epochs, Glorot-uniform initial "
                "weights, seeds taking turns; medians of the times, means ± standard errors of the accuracies):", "",
                "| dtype | gradlab `fit` s | accuracy | MLPClassifier s | accuracy | MLPClassifier / gradlab | target |",
                "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
        for r in e2e:
            speed = r["sk_time"] / r["gl_time"]
            gap = r["sk_acc"] - r["gl_acc"]
            noise = 2 * float(np.hypot(r["gl_acc_se"], r["sk_acc_se"]))
            same = gap <= noise
            out.append(f"| {r['dtype']} | {r['gl_time']:.4f} | {r['gl_acc']:.4f} ± {r['gl_acc_se']:.4f} "
                       f"| {r['sk_time']:.4f} | {r['sk_acc']:.4f} ± {r['sk_acc_se']:.4f} | {speed:.2f}× "
                       f"| ≥ 8× at equal accuracy within noise: {verdict(speed >= 8 and same)} |")
    if live:
        out += ["", f"The explorer's live training (2–16–16–1, tanh, on 200 moons points, batch 8, 200 steps a "
                f"call): **{live['compiled']:,.0f} steps per second** through the compiled loop, "
                f"{live['stepwise']:,.0f} step by step ({live['compiled'] / live['stepwise']:.1f}×)."]
    if cross:
        out += ["", "Where BLAS overtakes the compiled loop (`--crossover`: `fit` on 2-w-w-1, general path time / "
                "compiled time; the loop runs on one core, BLAS on all). `gradlab.train.compiled.SMALL_WORK` takes "
                "the compiled loop up to 2M multiply-adds per step (batch × Σ in·out) in float64 and 4M in float32:",
                "", "| dtype | batch | w | multiply-adds | compiled µs | general µs | general / compiled |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for dtype, batch, w, work, a, b in cross:
            out.append(f"| {dtype} | {batch} | {w} | {work:,} | {_us(a)} | {_us(b)} | {b / a:.2f}× |")
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny and small only, no end-to-end row")
    p.add_argument("--configs", nargs="+", choices=list(CONFIGS), help="the networks to time (default: all)")
    p.add_argument("--min-time", type=float, default=1.0, help="seconds of samples per cell (default 1)")
    p.add_argument("--no-peers", action="store_true", help="skip JAX and torch.compile")
    p.add_argument("--crossover", action="store_true", help="also measure where BLAS overtakes the loop")
    p.add_argument("--floor", action="store_true",
                   help="only measure what bounds float64 digits (its own section of RESULTS.md)")
    p.add_argument("--write", metavar="FILE", help="write the section to FILE (benchmarks/RESULTS.md)")
    args = p.parse_args(argv)
    if compiled.TRAINLOOP is None:
        print("gradlab._trainloop is not built (no C compiler at install?): nothing to compare", file=sys.stderr)
        return 1
    if args.floor:
        text = floor_report(floor())
        print(text)
        if args.write:
            replace_section(args.write, FLOOR_HEADING, text)
        return 0
    names = args.configs or (["tiny", "small"] if args.quick else list(CONFIGS))
    rows = step_rows(names, ["float64", "float32"], args.min_time, peers=not args.no_peers)
    e2e = None if args.quick else end_to_end(epochs=20, seeds=10)
    live = live_rate()
    cross = crossover(args.min_time / 2) if args.crossover else None
    text = report(rows, e2e, live, cross)
    print(text)
    if args.write:
        replace_section(args.write, HEADING, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
