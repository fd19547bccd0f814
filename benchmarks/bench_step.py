"""Benchmark: one training step of a ReLU MLP with MSE, gradlab vs hand-written NumPy vs PyTorch.

A step is forward pass, backward pass computing every parameter gradient,
and an SGD update. gradlab runs through its public API exactly as a user
writes it (``nn.Sequential``, ``loss.backward()``, ``optim.SGD.step()``);
the NumPy step is the lean lower bound (explicit δ recursion, in-place
updates); PyTorch runs eagerly on the CPU with the same thread count.

Before timing, the three implementations must compute the same gradients
from the same weights (float64: 1e-9 relative). Each cell warms up, then
repeats until it has at least ``--min-time`` seconds of samples; the table
reports the median and the spread (interquartile range) in ms per step,
ratios, GFLOP/s (6 × batch × Σ in·out per step) and the peak memory of one
step (tracemalloc).

Usage:
    python benchmarks/bench_step.py            # every size, float64 and float32
    python benchmarks/bench_step.py --quick    # tiny and small only (a smoke test)
    python benchmarks/bench_step.py --write benchmarks/RESULTS.md
    python benchmarks/bench_step.py --peers    # also the step compiled by jax.jit and by torch.compile,
                                               # each in a process of its own (--worker)
    python benchmarks/bench_step.py --configs mnist-like medium   # only these sizes (printed, not written)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

# PyTorch's OpenMP threads otherwise busy-wait between calls, stealing the cores from NumPy's BLAS
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

import gradlab as gl  # noqa: E402

CONFIGS = [
    ("tiny", 1, (1, 2, 3, 1)),
    ("small", 32, (2, 16, 16, 1)),
    ("mnist-like", 64, (784, 128, 10)),
    ("medium", 256, (784, 256, 256, 10)),
    ("large", 1024, (1024, 1024, 1024, 10)),
    ("wide-batch", 4096, (512, 512, 512)),
]
LR = 1e-3


def make_problem(batch, sizes, dtype, seed=0):
    """Weights (out, in), biases (out,), inputs (batch, in) and targets (batch, out)."""
    rng = np.random.default_rng(seed)
    Ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(dtype) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [(rng.standard_normal(o) * 0.1).astype(dtype) for o in sizes[1:]]
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    Y = rng.standard_normal((batch, sizes[-1])).astype(dtype)
    return Ws, bs, X, Y


# ------------------------------------------------------------------ NumPy
class NumpyStep:
    """The hand-written lower bound: explicit δ recursion, in-place SGD."""

    def __init__(self, Ws, bs, X, Y):
        self.Ws = [W.copy() for W in Ws]
        self.bs = [b.copy() for b in bs]
        self.X, self.Y = X, Y
        self.grads = None

    def __call__(self):
        Ws, bs = self.Ws, self.bs
        acts = [self.X]
        h = self.X
        last = len(Ws) - 1
        for k in range(len(Ws)):
            z = h @ Ws[k].T
            z += bs[k]
            if k < last:
                np.maximum(z, 0, out=z)
            acts.append(z)
            h = z
        g = (h - self.Y) * (2.0 / h.size)
        grads = [None] * len(Ws)
        for k in range(last, -1, -1):
            dW = g.T @ acts[k]
            db = g.sum(axis=0)
            if k > 0:
                g = g @ Ws[k]
                g *= acts[k] > 0
            grads[k] = (dW, db)
            Ws[k] -= LR * dW
            bs[k] -= LR * db
        self.grads = grads


# ---------------------------------------------------------------- gradlab
class GradlabStep:
    """The public API as users write it."""

    def __init__(self, Ws, bs, X, Y):
        layers = []
        for k, (W, b) in enumerate(zip(Ws, bs)):
            lin = gl.nn.Linear(W.shape[1], W.shape[0], dtype=W.dtype) if _linear_takes_dtype() else \
                gl.nn.Linear(W.shape[1], W.shape[0])
            lin.weight.data = W.copy()
            lin.bias.data = b.copy()
            layers.append(lin)
            if k < len(Ws) - 1:
                layers.append(gl.nn.ReLU())
        self.model = gl.nn.Sequential(*layers)
        self.loss_fn = gl.nn.MSELoss()
        self.opt = gl.optim.SGD(self.model.parameters(), lr=LR)
        self.X, self.Y = gl.tensor(X), gl.tensor(Y)

    def __call__(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.X), self.Y)
        loss.backward()
        self.opt.step()

    def gradients(self):
        ps = self.model.parameters()
        return [(ps[2 * k].grad, ps[2 * k + 1].grad) for k in range(len(ps) // 2)]


def _linear_takes_dtype():
    import inspect

    return "dtype" in inspect.signature(gl.nn.Linear).parameters


# ---------------------------------------------------------------- PyTorch
class TorchStep:
    def __init__(self, Ws, bs, X, Y):
        import torch

        self.torch = torch
        layers = []
        dt = torch.float64 if Ws[0].dtype == np.float64 else torch.float32
        for k, (W, b) in enumerate(zip(Ws, bs)):
            lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dt)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(W))
                lin.bias.copy_(torch.from_numpy(b))
            layers.append(lin)
            if k < len(Ws) - 1:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.loss_fn = torch.nn.MSELoss()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.X, self.Y = torch.from_numpy(X), torch.from_numpy(Y)

    def __call__(self):
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(self.X), self.Y)
        loss.backward()
        self.opt.step()

    def gradients(self):
        ps = list(self.model.parameters())
        return [(ps[2 * k].grad.numpy(), ps[2 * k + 1].grad.numpy()) for k in range(len(ps) // 2)]


# ------------------------------------------------------- JAX and torch.compile, each in a process of its own
def jax_worker(batch, sizes, dtype, min_time):
    import jax

    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    Ws, bs, X, Y = make_problem(batch, sizes, np.dtype(dtype))
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(Ws, bs)]
    X, Y = jnp.asarray(X), jnp.asarray(Y)

    def loss(ps, x, y):
        h = x
        for k, (W, b) in enumerate(ps):
            h = h @ W.T + b
            if k < len(ps) - 1:
                h = jnp.maximum(h, 0)
        return jnp.mean((h - y) ** 2)

    @jax.jit
    def step(ps, x, y):
        grads = jax.grad(loss)(ps, x, y)
        return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(ps, grads)]

    state = {"p": params}

    def run():
        state["p"] = step(state["p"], X, Y)
        jax.block_until_ready(state["p"])

    return time_steps({"jax": run}, min_time)["jax"][0]


def torch_worker(batch, sizes, dtype, min_time):
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    Ws, bs, X, Y = make_problem(batch, sizes, np.dtype(dtype))
    dt = torch.float64 if dtype == "float64" else torch.float32
    layers = []
    for k, (W, b) in enumerate(zip(Ws, bs)):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=dt)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin] + ([torch.nn.ReLU()] if k < len(Ws) - 1 else [])
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    loss_fn = torch.compile(lambda x, y: torch.nn.functional.mse_loss(model(x), y))

    def run():
        opt.zero_grad()
        loss_fn(x, y).backward()
        opt.step()

    t0 = time.perf_counter()
    run()  # compiles
    compile_s = time.perf_counter() - t0
    return time_steps({"torch": run}, min_time)["torch"][0], compile_s


def in_process(kind, batch, sizes, dtype, min_time, timeout=600):
    """Run a peer's step (``kind``: 'jax' or 'torch') in a fresh interpreter, so that its thread pool does not
    disturb the NumPy and gradlab measurements; (seconds per step, note) or (None, why it did not run)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--batch", str(batch), "--sizes",
           "-".join(map(str, sizes)), "--dtype", np.dtype(dtype).name, "--min-time", str(min_time)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"did not finish in {timeout} s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"did not run: {last[:160]}"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["step"], out.get("note", "")


def have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------ checks
def check_same_gradients(batch, sizes):
    """One step from the same float64 weights: every gradient agrees to 1e-9 relative."""
    Ws, bs, X, Y = make_problem(batch, sizes, np.float64)
    ref = NumpyStep(Ws, bs, X, Y)
    ref()
    impls = {"gradlab": GradlabStep(Ws, bs, X, Y)}
    if have_torch():
        impls["torch"] = TorchStep(Ws, bs, X, Y)
    worst = 0.0
    for name, impl in impls.items():
        impl()
        for (dW, db), (eW, eb) in zip(impl.gradients(), ref.grads):
            for a, e in ((dW, eW), (db, eb)):
                err = float(np.max(np.abs(a - e)) / max(np.max(np.abs(e)), 1e-300))
                worst = max(worst, err)
                if err > 1e-9:
                    raise SystemExit(f"gradient mismatch: {name} on {sizes} batch {batch}: relative error {err:.2e}")
    return worst


# ------------------------------------------------------------------ timing
def time_steps(steps, min_time):
    """Median and IQR of seconds per step for each implementation, timed in alternation.

    The implementations take turns (a block of steps each, round after round)
    so that a noisy neighbour on the machine affects them alike. Fast steps
    are timed in blocks of at least 2 ms to be clear of the timer's resolution.
    """
    block = {}
    for name, step in steps.items():
        for _ in range(3):
            step()
        t0 = time.perf_counter()
        step()
        block[name] = max(1, int(2e-3 / max(time.perf_counter() - t0, 1e-7)))
    samples = {name: [] for name in steps}
    spent = {name: 0.0 for name in steps}
    while min(spent.values()) < min_time or min(len(v) for v in samples.values()) < 7:
        for name, step in steps.items():
            n = block[name]
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            dt = time.perf_counter() - t0
            spent[name] += dt
            samples[name].append(dt / n)
    out = {}
    for name, xs in samples.items():
        xs.sort()
        out[name] = (statistics.median(xs), xs[(3 * len(xs)) // 4] - xs[len(xs) // 4])
    return out


def peak_memory(step):
    step()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name')} {b.get('version')}"
    except Exception:  # noqa: BLE001 - informational only
        pass
    torch_v = "not installed"
    if have_torch():
        import torch

        torch_v = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": f"{np.__version__}, BLAS {blas}",
        "torch": torch_v,
        "gradlab": gl.__version__,
    }


def run(configs, min_time, dtypes, peers=False):
    rows = []
    if have_torch():
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
    for name, batch, sizes in configs:
        worst = check_same_gradients(batch, sizes)
        flops = 6 * batch * sum(i * o for i, o in zip(sizes[:-1], sizes[1:]))
        for dtype in dtypes:
            Ws, bs, X, Y = make_problem(batch, sizes, dtype)
            impls = {"numpy": NumpyStep(Ws, bs, X, Y), "gradlab": GradlabStep(Ws, bs, X, Y)}
            if have_torch():
                impls["torch"] = TorchStep(Ws, bs, X, Y)
            # gradlab and its NumPy bound take turns; PyTorch is timed on its own afterwards, because
            # its OpenMP threads keep spinning after each call and would slow whichever step came next
            timed = time_steps({k: impls[k] for k in ("numpy", "gradlab")}, min_time)
            if "torch" in impls:
                timed.update(time_steps({"torch": impls["torch"]}, min_time))
            res = {iname: timed[iname] + (peak_memory(step),) for iname, step in impls.items()}
            if peers:  # JAX's jit and torch.compile, each in a process of its own
                for kind, key in (("jax", "jax"), ("torch", "torch.compile")):
                    res[key] = in_process(kind, batch, sizes, dtype, min_time)
            rows.append((name, batch, sizes, np.dtype(dtype).name, res, flops, worst))
            g, n = res["gradlab"][0], res["numpy"][0]
            t = res.get("torch", (float("nan"),))[0]
            print(f"{name:11s} {np.dtype(dtype).name:7s} gradlab {g * 1e3:9.4f} ms  numpy {n * 1e3:9.4f} ms  "
                  f"torch {t * 1e3:9.4f} ms  gradlab/numpy {g / n:5.2f}  gradlab/torch {g / t:5.2f}  "
                  f"mem {res['gradlab'][2] / max(res['numpy'][2], 1):4.2f}x", flush=True)
    return rows


ANALYSIS_MARKER = "<!-- analysis: kept across runs -->"
TARGETS = {"tiny": 1.5, "small": 1.5, "mnist-like": 1.15, "medium": 1.15, "large": 1.05, "wide-batch": 1.05}


def table(rows):
    out = ["| size | batch | layers | dtype | gradlab ms (IQR) | NumPy ms (IQR) | PyTorch ms (IQR) | gradlab / NumPy "
           "| gradlab / PyTorch | gradlab GFLOP/s | peak mem gradlab / NumPy | target | JAX jit ms | torch.compile ms |",
           "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for name, batch, sizes, dt, res, flops, _ in rows:
        peers = " | ".join(f"{res[k][0] * 1e3:.4f}" if res.get(k) and res[k][0] else (res.get(k) or (None, "n/a"))[1]
                           for k in ("jax", "torch.compile"))
        g, n = res["gradlab"], res["numpy"]
        t = res.get("torch")
        ratio = g[0] / n[0]
        mem = g[2] / max(n[2], 1)
        ok = ratio <= TARGETS[name] and mem <= 1.3
        cell = lambda r: f"{r[0] * 1e3:.4f} ({r[1] * 1e3:.4f})"  # noqa: E731
        out.append(
            f"| {name} | {batch} | {'-'.join(map(str, sizes))} | {dt} | {cell(g)} | {cell(n)} | "
            f"{cell(t) if t else 'n/a'} | {ratio:.2f} | {g[0] / t[0]:.2f} | {flops / g[0] / 1e9:.2f} | "
            f"{_mem(g[2])} / {_mem(n[2])} = {mem:.2f} | "
            f"≤ {TARGETS[name]}× {'holds' if ok else 'MISSED'} | {peers} |"
        )
    return "\n".join(out)


def _mem(nbytes):
    return f"{nbytes / 1e6:.2f} MB" if nbytes >= 1e5 else f"{nbytes / 1e3:.1f} kB"


def startup_times():
    """Seconds to ``import gradlab`` (fresh interpreter, best of 5) and to explain the course example in-process."""
    import subprocess

    code = "import time; t = time.perf_counter(); import gradlab; print(time.perf_counter() - t)"
    imports = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
               for _ in range(5)]
    from gradlab.explainer import example

    t0 = time.perf_counter()
    example("course").render("text")
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    example("course").render("text")
    warm = time.perf_counter() - t0
    return min(imports), cold, warm


def numpy_digits_fit(Xtr, ytr, epochs, seed, dtype):
    """The lean bound of the end-to-end row: the same training written out in NumPy.

    64–128–10 ReLU, softmax cross-entropy, batch 32, Adam (lr 1e-3) over all
    parameters as one flat array, no checks, no metrics, no framework: what any
    library doing this arithmetic with NumPy cannot beat by much. Returns the weights.
    """
    rng = np.random.default_rng(seed)
    X = Xtr.astype(dtype)
    Y = np.eye(10, dtype=dtype)[ytr]
    sizes = [64, 128, 10]
    P = []
    for i, o in zip(sizes, sizes[1:]):
        bound = 1.0 / np.sqrt(i)
        P += [rng.uniform(-bound, bound, (o, i)).astype(dtype), rng.uniform(-bound, bound, o).astype(dtype)]
    total = sum(q.size for q in P)
    m, v, tmp, gflat = (np.zeros(total, dtype) for _ in range(4))
    b1, b2, lr, eps = 0.9, 0.999, 1e-3, 1e-8
    n, t = len(X), 0
    for _ in range(epochs):
        order = rng.permutation(n)
        Xs, Ys = X[order], Y[order]
        for s in range(0, n, 32):
            x, y = Xs[s:s + 32], Ys[s:s + 32]
            h = x @ P[0].T
            h += P[1]
            np.maximum(h, 0, out=h)
            z = h @ P[2].T
            z += P[3]
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            e /= e.sum(axis=1, keepdims=True)
            d2 = (e - y) / len(x)
            d1 = d2 @ P[2]
            d1 *= h > 0
            np.concatenate([(d1.T @ x).ravel(), d1.sum(0), (d2.T @ h).ravel(), d2.sum(0)], out=gflat)
            t += 1
            m *= b1
            np.multiply(gflat, 1 - b1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(gflat, gflat, out=tmp)
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps * np.sqrt(1 - b2**t)
            np.divide(m, tmp, out=tmp)
            tmp *= lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            k = 0
            for q in P:
                q -= tmp[k:k + q.size].reshape(q.shape)
                k += q.size
    return P


def end_to_end(epochs=20, seeds=10, dtypes=(np.float64, np.float32)):
    """gl.fit on digits (64–128–10 ReLU, Adam, batch 32) against scikit-learn's MLPClassifier.

    Both train on the same standardized split in the same precision (float64, then float32:
    MLPClassifier keeps float32 input in float32), once per seed 0..seeds-1, taking turns, from
    the same kind of initial weights: MLPClassifier draws Glorot-uniform weights, so the gradlab
    model uses ``init="xavier_uniform"`` (the same distribution). The hand-written NumPy loop
    (:func:`numpy_digits_fit`) takes its turn too, as the bound.
    Returns one dict per dtype: the median wall time, and the mean test accuracy over the seeds
    with its standard error (``*_acc_se``).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X, y = gl.data.digits()
    Xtr, Xte, ytr, yte = gl.data.train_test_split(X, y, test_size=0.25, seed=0)
    scaler = gl.data.Standardizer().fit(Xtr)
    Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
    rows = []
    for dtype in dtypes:
        name = np.dtype(dtype).name
        xtr, xte = Xtr.astype(dtype), Xte.astype(dtype)
        t_gl, a_gl, t_sk, a_sk, t_np, a_np = [], [], [], [], [], []
        for seed in range(seeds):
            model = gl.nn.MLP([64, 128, 10], activation="relu", rng=seed, dtype=name, init="xavier_uniform")
            opt = gl.optim.Adam(model.parameters(), lr=1e-3)
            t0 = time.perf_counter()
            gl.fit(model, gl.nn.CrossEntropyLoss(), opt, xtr, ytr, epochs=epochs, batch_size=32, seed=seed,
                   verbose=0)
            t_gl.append(time.perf_counter() - t0)
            a_gl.append(float(np.mean(np.argmax(model.predict(xte), axis=1) == yte)))
            clf = MLPClassifier(hidden_layer_sizes=(128,), solver="adam", batch_size=32, max_iter=epochs,
                                learning_rate_init=1e-3, alpha=0.0, random_state=seed, tol=0.0,
                                n_iter_no_change=epochs + 1)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(xtr, ytr)
            t_sk.append(time.perf_counter() - t0)
            a_sk.append(float(clf.score(xte, yte)))
            t0 = time.perf_counter()
            P = numpy_digits_fit(Xtr, ytr, epochs, seed, dtype)
            t_np.append(time.perf_counter() - t0)
            logits = np.maximum(xte @ P[0].T + P[1], 0) @ P[2].T + P[3]
            a_np.append(float(np.mean(np.argmax(logits, axis=1) == yte)))
        row = {"dtype": name, "seeds": seeds}
        for key, times, accs in (("gl", t_gl, a_gl), ("sk", t_sk, a_sk), ("np", t_np, a_np)):
            row[f"{key}_time"] = statistics.median(times)
            row[f"{key}_acc"] = statistics.mean(accs)
            row[f"{key}_acc_se"] = statistics.stdev(accs) / math.sqrt(seeds) if seeds > 1 else 0.0
        rows.append(row)
    return rows


def e2e_verdict(r):
    """The target's verdict on one end-to-end row: ≥ 3× faster at equal or better accuracy.

    Accuracy counts as equal when gradlab's mean is at most two standard errors of the
    difference below MLPClassifier's (the seeds' spread: one test image is 0.0022).
    """
    speed = r["sk_time"] / r["gl_time"]
    gap = r["sk_acc"] - r["gl_acc"]
    noise = 2 * math.hypot(r.get("gl_acc_se", 0.0), r.get("sk_acc_se", 0.0))
    accuracy = "better" if gap < 0 else "equal" if gap == 0 else "equal within noise" if gap <= noise else "worse"
    if speed < 3.0:
        return f"MISSED (speed; accuracy {accuracy})"
    if accuracy == "worse":
        return "MISSED (accuracy)"
    return f"holds (accuracy {accuracy})"


def e2e_lines(rows):
    """The end-to-end rows as a Markdown table, with the verdict on the target (≥ 3× at equal or better accuracy)."""
    out = ["| dtype | gradlab `fit` s | accuracy | MLPClassifier s | accuracy | hand-written NumPy s | accuracy "
           "| MLPClassifier / gradlab | MLPClassifier / NumPy | target |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]

    def acc(r, key):
        se = r.get(f"{key}_acc_se")
        return f"{r[key + '_acc']:.4f}" + (f" ± {se:.4f}" if se else "")

    for r in rows:
        speed = r["sk_time"] / r["gl_time"]
        out.append(f"| {r['dtype']} | {r['gl_time']:.3f} | {acc(r, 'gl')} | {r['sk_time']:.3f} | {acc(r, 'sk')} "
                   f"| {r['np_time']:.3f} | {acc(r, 'np')} | {speed:.2f}× | {r['sk_time'] / r['np_time']:.2f}× "
                   f"| ≥ 3× at equal or better accuracy: {e2e_verdict(r)} |")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="only tiny and small (a smoke test)")
    p.add_argument("--configs", nargs="+", choices=[c[0] for c in CONFIGS], help="only these sizes (not with --write)")
    p.add_argument("--min-time", type=float, default=1.0, help="seconds of samples per cell (default 1)")
    p.add_argument("--dtype", choices=["float64", "float32", "both"], default="both",
                   help="float64, float32 or both (a worker: the one it times)")
    p.add_argument("--no-e2e", action="store_true", help="skip the end-to-end digits row")
    p.add_argument("--write", metavar="FILE", help="write the Markdown results to FILE")
    p.add_argument("--peers", action="store_true",
                   help="also time the step compiled by jax.jit and by torch.compile (each in its own process)")
    p.add_argument("--worker", choices=["jax", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--sizes", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:  # one peer's step, in this fresh process (see in_process)
        sizes = tuple(int(v) for v in args.sizes.split("-"))
        if args.worker == "jax":
            print(json.dumps({"step": jax_worker(args.batch, sizes, args.dtype, args.min_time)}))
        else:
            step, compile_s = torch_worker(args.batch, sizes, args.dtype, args.min_time)
            print(json.dumps({"step": step, "note": f"compiled in {compile_s:.0f} s"}))
        return 0
    configs = CONFIGS[:2] if args.quick else CONFIGS
    if args.configs:
        if args.write:
            p.error("--configs times only some sizes; --write rewrites the whole table")
        configs = [c for c in CONFIGS if c[0] in args.configs]
    dtypes = [np.float64, np.float32] if args.dtype == "both" else [np.dtype(args.dtype).type]
    env = machine()
    for k, v in env.items():
        print(f"{k:8s} {v}")
    rows = run(configs, args.min_time, dtypes, peers=args.peers)
    md = table(rows)
    print()
    print(md)
    start = startup_times()
    print(f"\nimport gradlab {start[0] * 1e3:.0f} ms; explain course {start[1] * 1e3:.1f} ms (first), "
          f"{start[2] * 1e3:.1f} ms (again)")
    e2e = None
    if not args.quick and not args.no_e2e:
        e2e = e2e_lines(end_to_end())
        print("\ndigits end to end (64-128-10 ReLU, Glorot-uniform init, Adam lr 1e-3, batch 32, 20 epochs, "
              "seeds 0-9):")
        print(e2e)
    if args.write:
        analysis = ""  # a hand-written analysis after the marker survives a new run
        if os.path.exists(args.write):
            text = open(args.write).read()
            if ANALYSIS_MARKER in text:
                analysis = text[text.index(ANALYSIS_MARKER):]
        with open(args.write, "w") as f:
            f.write("# Benchmark results\n\n")
            f.write(f"Command: `python benchmarks/bench_step.py{' --quick' if args.quick else ''}`, "
                    f"{time.strftime('%Y-%m-%d')}.\n\n")
            for k, v in env.items():
                f.write(f"- {k}: {v}\n")
            f.write("\n" + md + "\n")
            if e2e:
                f.write("\nEnd to end, digits (64–128–10 ReLU, Glorot-uniform initial weights, Adam lr 1e-3, batch 32, "
                        "20 epochs; both libraries in the same precision, seeds 0–9 taking turns; times are medians, "
                        "accuracies means ± their standard error; accuracy counts as equal within two standard "
                        "errors of the difference):\n\n" + e2e + "\n")
            f.write(f"\nStart-up: `import gradlab` {start[0] * 1e3:.0f} ms (best of 5 fresh interpreters); "
                    f"`gradlab explain course` in-process {start[1] * 1e3:.1f} ms the first time, "
                    f"{start[2] * 1e3:.1f} ms again.\n")
            if analysis:
                f.write("\n" + analysis)
    return 0


if __name__ == "__main__":
    sys.exit(main())
