"""Values and gradients against PyTorch (CPU, float64), on fixed and random compositions.

Hypothesis builds random expression graphs (programs over a small op table);
each is compared with PyTorch and with finite differences.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradlab as gl

torch = pytest.importorskip("torch")

# name: (gradlab, torch, arity, smooth)
OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, 2, True),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, 2, True),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, 2, True),
    "div": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b), 2, True),
    "tanh": (gl.tanh, torch.tanh, 1, True),
    "sin": (gl.sin, torch.sin, 1, True),
    "cos": (gl.cos, torch.cos, 1, True),
    "sigmoid": (gl.sigmoid, torch.sigmoid, 1, True),
    "softplus": (gl.softplus, torch.nn.functional.softplus, 1, True),
    "log_sigmoid": (gl.log_sigmoid, torch.nn.functional.logsigmoid, 1, True),
    "exp_tanh": (lambda a: gl.exp(gl.tanh(a)), lambda a: torch.exp(torch.tanh(a)), 1, True),
    "log1p_sq": (lambda a: gl.log(1 + a * a), lambda a: torch.log(1 + a * a), 1, True),
    "sqrt_1p": (lambda a: gl.sqrt(1 + a * a), lambda a: torch.sqrt(1 + a * a), 1, True),
    "softmax": (lambda a: gl.softmax(a, axis=-1), lambda a: torch.softmax(a, dim=-1), 1, True),
    "log_softmax": (lambda a: gl.log_softmax(a, axis=-1), lambda a: torch.log_softmax(a, dim=-1), 1, True),
    "relu": (gl.relu, torch.relu, 1, False),
    "abs": (gl.abs, torch.abs, 1, False),
    "leaky": (lambda a: gl.leaky_relu(a, 0.1), lambda a: torch.nn.functional.leaky_relu(a, 0.1), 1, False),
    "maximum": (gl.maximum, torch.maximum, 2, False),
    "minimum": (gl.minimum, torch.minimum, 2, False),
    "cube": (lambda a: a**3, lambda a: a**3, 1, True),
    "lse_bcast": (lambda a: a - gl.logsumexp(a, axis=-1, keepdims=True),
                  lambda a: a - torch.logsumexp(a, dim=-1, keepdim=True), 1, True),
}
SMOOTH = sorted(k for k, v in OPS.items() if v[3])
ALL = sorted(OPS)


def run_program(program, inputs, lib, squash=False):
    """Evaluate a program; ``squash`` passes every intermediate through tanh to keep values O(1)."""
    pool = list(inputs)
    for name, i, j in program:
        fn = OPS[name][0 if lib == "gl" else 1]
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        r = fn(a, b) if OPS[name][2] == 2 else fn(a)
        pool.append(gl.tanh(r) if squash else r)
    out = pool[-1]
    return (gl.sum(out * out) if lib == "gl" else (out * out).sum())


def programs(names):
    step = st.tuples(st.sampled_from(names), st.integers(0, 20), st.integers(0, 20))
    return st.lists(step, min_size=1, max_size=8)


def compare_with_torch(program, xs):
    gx = [gl.tensor(x, requires_grad=True) for x in xs]
    tx = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out_g = run_program(program, gx, "gl")
    out_t = run_program(program, tx, "torch")
    out_g.backward()
    out_t.backward()
    np.testing.assert_allclose(out_g.item(), out_t.item(), rtol=1e-10, atol=1e-12)
    for a, b in zip(gx, tx):
        expected = np.zeros_like(a.data) if b.grad is None else b.grad.numpy()
        got = np.zeros_like(a.data) if a.grad is None else a.grad
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(ALL), shape=st.sampled_from([(3,), (2, 3)]), seed=st.integers(0, 2**16))
def test_random_graphs_match_torch(program, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(program, [rng.standard_normal(shape) for _ in range(2)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(SMOOTH), seed=st.integers(0, 2**16))
def test_random_graphs_match_finite_differences(program, seed):
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((2, 3)) * 0.8 for _ in range(2)]
    report = gl.check_grad(lambda a, b: run_program(program, [a, b], "gl", squash=True), *xs, rtol=1e-5, atol=1e-6)
    assert report.passed, f"{program}\n{report}"


def test_linear_algebra_against_torch(rng):
    A = np.eye(3) * 2 + rng.standard_normal((3, 3)) * 0.3
    B = rng.standard_normal((3, 4))
    v = rng.standard_normal(3)

    def build(lib, A, B, v):
        m = gl if lib == "gl" else torch
        inv = gl.inv if lib == "gl" else torch.linalg.inv
        det = gl.det if lib == "gl" else torch.linalg.det
        logdet = gl.logdet if lib == "gl" else (lambda X: torch.linalg.slogdet(X)[1])
        trace = gl.trace if lib == "gl" else torch.trace
        outer = gl.outer if lib == "gl" else torch.outer
        C = inv(A) @ B
        return (m.sum(m.tanh(C)) + det(A) * logdet(A) + trace(A @ A.T)
                + m.sum(outer(v, v) @ C) + (v @ A @ v) + m.sum(C[1:, ::2] ** 2))

    ga = [gl.tensor(x, requires_grad=True) for x in (A, B, v)]
    ta = [torch.tensor(x, requires_grad=True) for x in (A, B, v)]
    og, ot = build("gl", *ga), build("torch", *ta)
    og.backward()
    ot.backward()
    np.testing.assert_allclose(og.item(), ot.item(), rtol=1e-12)
    for a, b in zip(ga, ta):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_reductions_and_indexing_against_torch(rng):
    X = rng.standard_normal((4, 5))
    idx = np.array([0, 2, 2, 3])
    g = gl.tensor(X, requires_grad=True)
    t = torch.tensor(X, requires_grad=True)
    og = gl.sum(gl.max(g, axis=1) * 2) + gl.sum(gl.mean(g, axis=0) ** 2) + gl.sum(g[idx, 1:3] * 3) \
        + gl.sum(gl.logsumexp(g, axis=(0, 1)))
    ot = (t.amax(dim=1) * 2).sum() + (t.mean(dim=0) ** 2).sum() + (t[torch.tensor(idx), 1:3] * 3).sum() \
        + torch.logsumexp(t.reshape(-1), dim=0)
    og.backward()
    ot.backward()
    np.testing.assert_allclose(og.item(), ot.item(), rtol=1e-12)
    np.testing.assert_allclose(g.grad, t.grad.numpy(), rtol=1e-12)


def test_batched_matmul_and_linear_against_torch(rng):
    x, W, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    M = rng.standard_normal((2, 4, 6))
    gs = [gl.tensor(a, requires_grad=True) for a in (x, W, b, M)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, W, b, M)]
    og = gl.sum(gl.sigmoid(gl.linear(gs[0], gs[1], gs[2]) @ gs[3]))
    ot = torch.sigmoid(torch.nn.functional.linear(ts[0], ts[1], ts[2]) @ ts[3]).sum()
    og.backward()
    ot.backward()
    for a, c in zip(gs, ts):
        np.testing.assert_allclose(a.grad, c.grad.numpy(), rtol=1e-10, atol=1e-12)
