"""The compiled loops (gradlab._kernels) against the NumPy code they replace.

Adam's loop must equal the NumPy update bit for bit; the cross-entropy loops
must equal the NumPy row to a few units in the last place, including the
edge cases the NumPy row handles (large logits, masked −inf logits, NaN,
probability targets, empty batches).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import native
from gradlab.ops import _loops
from gradlab.ops import losses as L

needs_kernels = pytest.mark.skipif(native.KERNELS is None, reason="compiled kernels not built (gradlab._kernels)")

DTYPES = [np.float64, np.float32]


def numpy_only(monkeypatch):
    """Make the code below take the NumPy path even though the kernels are built."""
    monkeypatch.setattr(_loops, "KERNELS", None)


# ------------------------------------------------------------------ adam
def _adam_run(dtype, weight_decay, compiled, steps=40):
    rng = np.random.default_rng(1)
    params = [gl.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in [(7, 5), (5,), (3, 7)]]
    opt = gl.optim.Adam(params, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay)
    opt._flat.native = compiled
    taken = []
    if compiled:  # count the steps the compiled loop took
        real = opt._step_native
        opt._step_native = lambda t: taken.append(real(t)) or taken[-1]
    for _ in range(steps):
        for p in params:
            p.grad = (rng.standard_normal(p.data.shape) * 3).astype(dtype)
        opt.step()
    return [p.data for p in params] + [opt._flat.m, opt._flat.v], taken


@needs_kernels
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_adam_kernel_equals_the_numpy_update_bit_for_bit(dtype, weight_decay):
    compiled, taken = _adam_run(dtype, weight_decay, True)
    reference, _ = _adam_run(dtype, weight_decay, False)
    assert taken == [True] * 40
    for a, b in zip(compiled, reference):
        assert a.dtype == dtype
        np.testing.assert_array_equal(a, b)


@needs_kernels
def test_adam_kernel_refuses_arrays_it_does_not_take_and_changes_nothing():
    rng = np.random.default_rng(0)
    params = [gl.Tensor(rng.standard_normal((4, 3)), requires_grad=True), gl.Tensor(np.zeros(3), requires_grad=True)]
    opt = gl.optim.Adam(params)
    before = [p.data.copy() for p in params]
    good = rng.standard_normal((4, 3))
    for bad in (np.asfortranarray(good),           # not C-contiguous
                good.astype(np.float32),           # another dtype than the parameter's
                good.reshape(3, 4),                # another shape, the same size
                gl.Tensor(good),                   # a Tensor gradient (create_graph)
                None):                             # no gradient
        params[0].grad, params[1].grad = bad, np.ones(3)
        assert opt._step_native(1) is False
        for p, b in zip(params, before):
            np.testing.assert_array_equal(p.data, b)
        assert not opt._flat.m.any() and not opt._flat.v.any() and opt._steps == [0, 0]
    params[0].grad = good
    assert opt._step_native(1) is True and opt._steps == [1, 1]
    assert not np.array_equal(params[0].data, before[0])


@needs_kernels
def test_adam_with_a_parameter_left_out_takes_the_per_parameter_path_after_the_kernel_refuses():
    rng = np.random.default_rng(0)
    params = [gl.Tensor(rng.standard_normal((4, 3)), requires_grad=True), gl.Tensor(np.zeros(3), requires_grad=True)]
    opt = gl.optim.Adam(params)
    params[0].grad = rng.standard_normal((4, 3))
    opt.step()  # the bias has no gradient: the kernel refuses, the per-parameter path steps the weight only
    assert opt._steps == [1, 0]
    params[1].grad = np.ones(3)
    opt.step()  # unequal step counts: the per-parameter path again
    assert opt._steps == [2, 1]


def test_adam_kernel_argument_errors_name_the_function():
    if native.KERNELS is None:
        pytest.skip("compiled kernels not built (gradlab._kernels)")
    p = gl.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"adam: 1 parameters but 0 first and 1 second moments"):
        native.KERNELS.adam([p], [], [np.zeros(2)], 0.9, 0.999, 1e-3, 1e-8, 0.0)
    with pytest.raises(TypeError, match="must be list"):
        native.KERNELS.adam((p,), [np.zeros(2)], [np.zeros(2)], 0.9, 0.999, 1e-3, 1e-8, 0.0)


@needs_kernels
def test_training_with_and_without_kernels_gives_the_same_model(monkeypatch):
    X, y = gl.data.blobs(n_samples=120, centers=3, seed=0)

    def train():
        model = gl.nn.MLP([2, 16, 3], rng=0)
        gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.Adam(model.parameters(), lr=1e-2), X, y, epochs=5,
               batch_size=16, seed=0, verbose=0)
        return [p.data.copy() for p in model.parameters()]

    compiled = train()
    assert gl.optim.Adam(gl.nn.MLP([2, 3], rng=0).parameters())._flat.native
    monkeypatch.setattr(_loops, "KERNELS", None)
    monkeypatch.setattr(native, "KERNELS", None)
    assert not gl.optim.Adam(gl.nn.MLP([2, 3], rng=0).parameters())._flat.native
    reference = train()
    for a, b in zip(compiled, reference):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------- cross-entropy
def _ce_both(z, p, monkeypatch, g=1.0, reduction="mean"):
    """(loss, softmax, ∂L/∂z) by the compiled loops, then by the NumPy row."""
    out = []
    for compiled in (True, False):
        with monkeypatch.context() as m:
            if not compiled:
                numpy_only(m)
            loss, s = L.cross_entropy_loss_forward_saving(z, p, reduction)
            gz = np.asarray(g, dtype=z.dtype)
            dz = L.cross_entropy_loss_vjp_all(gz, loss, z, p, saved=s, needs=[True, False], reduction=reduction)[0]
            out.append((loss, s, dz))
    return out


def _onehot(rng, n, c, dtype):
    return np.eye(c, dtype=dtype)[rng.integers(0, c, n)]


@needs_kernels
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_kernels_match_the_numpy_row(dtype, reduction, monkeypatch):
    rng = np.random.default_rng(2)
    tol = 1e-14 if dtype is np.float64 else 2e-6
    for shape in [(32, 10), (1, 2), (5, 1), (3, 257), (7,)]:
        z = (rng.standard_normal(shape) * 4).astype(dtype)
        p = _onehot(rng, int(np.prod(shape[:-1])), shape[-1], dtype).reshape(shape)
        (lc, sc, dc), (ln, sn, dn) = _ce_both(z, p, monkeypatch, g=0.7, reduction=reduction)
        assert type(lc) is type(ln) and np.dtype(type(lc)) == dtype
        assert lc == pytest.approx(ln, rel=tol, abs=tol)
        np.testing.assert_allclose(sc, sn, rtol=tol * 10, atol=tol)
        np.testing.assert_allclose(dc, dn, rtol=tol * 10, atol=tol)
        assert dc.dtype == dtype and sc.dtype == dtype


@needs_kernels
def test_cross_entropy_kernels_on_probability_targets_and_extreme_logits(monkeypatch):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 4)) * 1e4  # far past exp's range: the shift by the row's max keeps it finite
    p = rng.dirichlet(np.ones(4), size=6) * 0.5  # rows summing to 0.5: the gradient is softmax·Σp − p
    (lc, sc, dc), (ln, sn, dn) = _ce_both(z, p, monkeypatch)
    assert np.isfinite(lc) and lc == pytest.approx(ln, rel=1e-13)
    np.testing.assert_allclose(sc, sn, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(dc, dn, rtol=1e-13, atol=1e-17)


@needs_kernels
def test_cross_entropy_kernels_on_masked_and_nan_logits(monkeypatch):
    z = np.array([[0.5, -np.inf, 2.0], [1.0, 1.0, -np.inf]])
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # the masked classes have target 0
    (lc, sc, dc), (ln, sn, dn) = _ce_both(z, p, monkeypatch)
    assert np.isfinite(lc) and lc == pytest.approx(ln, rel=1e-15)
    np.testing.assert_array_equal(sc[:, 1][0], 0.0)
    np.testing.assert_allclose(dc, dn, rtol=1e-15)
    znan = np.array([[0.5, np.nan, 2.0], [1.0, 1.0, 0.0]])
    with np.errstate(invalid="ignore"):  # the NumPy row warns on NaN − NaN; the result is what is compared
        (lc, sc, _), (ln, sn, _) = _ce_both(znan, p, monkeypatch)
    assert np.isnan(lc) and np.isnan(ln)
    np.testing.assert_array_equal(np.isnan(sc), np.isnan(sn))
    pinf = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with np.errstate(invalid="ignore"):
        (lc, _, _), (ln, _, _) = _ce_both(np.array([[np.inf, 0.0, 0.0], [0.0, 0.0, 0.0]]), pinf, monkeypatch)
    assert np.isnan(lc) and np.isnan(ln)  # +inf − max = inf − inf


def test_cross_entropy_row_on_an_empty_batch_is_nan_on_both_paths(monkeypatch):
    z, p = np.zeros((0, 3)), np.zeros((0, 3))
    loss, s = L.cross_entropy_loss_forward_saving(z, p)
    assert np.isnan(loss) and s.shape == (0, 3)
    numpy_only(monkeypatch)
    assert np.isnan(L.cross_entropy_loss_forward_saving(z, p)[0])


# ------------------------------------------------------------- refusals
@needs_kernels
def test_kernels_refuse_arrays_they_do_not_take_and_change_nothing():
    k = native.KERNELS
    z, p = np.arange(12.0).reshape(4, 3), np.eye(3)[[0, 1, 2, 0]]

    def untouched(fn, *arrays):
        before = [np.array(a, copy=True) for a in arrays]
        result = fn(*arrays)
        for a, b in zip(arrays, before):
            np.testing.assert_array_equal(a, b)
        return result

    out = np.full((4, 3), 7.0)
    assert untouched(lambda *a: k.softmax_xent(*a), z.astype(np.int64), p, out) is None  # not float
    assert untouched(lambda *a: k.softmax_xent(*a), z, p.astype(np.float32), out) is None  # dtypes differ
    assert untouched(lambda *a: k.softmax_xent(*a), z, p[:3], out) is None  # shapes differ (a broadcast target)
    assert untouched(lambda *a: k.softmax_xent(*a), np.asfortranarray(z), p, out) is None  # not C-contiguous
    assert untouched(lambda *a: k.softmax_xent(*a), np.zeros((4, 0)), np.zeros((4, 0)), np.zeros((4, 0))) is None
    ro = out.copy()
    ro.flags.writeable = False
    assert untouched(lambda *a: k.xent_grad(*a, 1.0), z, p, ro) is False  # read-only out
    assert untouched(lambda *a: k.bias_act(*a, True), out, np.zeros(4)) is False  # b does not match z's columns
    assert untouched(lambda *a: k.bias_act(*a, True), out.ravel(), np.zeros(12)) is False  # z not 2-D
    assert untouched(lambda *a: k.relu_grad(*a), z, p, [[0.0] * 3] * 4) is False  # out not an array
    assert k.softmax_xent(np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3))) == 0.0  # no rows: an empty sum


def test_numpy_only_environment_variable_turns_the_kernels_off():
    code = ("import gradlab.core.native as n, gradlab.ops._loops as L, gradlab as gl, numpy as np; "
            "print(n.KERNELS is None, L.KERNELS is None, gl.optim.Adam([gl.Tensor(np.ones(2), requires_grad=True)])"
            "._flat.native)")
    env = dict(os.environ, GRADLAB_NUMPY_ONLY="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "False"]


def test_the_kernels_are_built_where_a_compiler_is():
    """CI builds the extension (pip install -e . compiles it); a missing build there is a failure, not a skip."""
    if native.KERNELS is None:
        pytest.skip("compiled kernels not built (gradlab._kernels): install with a C compiler to build them")
    assert {"adam", "copy_into", "softmax_xent", "xent_grad", "bias_act", "relu_grad"} <= set(dir(native.KERNELS))


# ------------------------------------------------------ the dense stack's loops
SPECIAL = np.array([-0.0, 0.0, np.nan, -1.5, 2.0, -np.inf, np.inf, 1e-300, -1e-300, 3.0, -7.0])


@needs_kernels
@pytest.mark.parametrize("dtype", DTYPES)
def test_bias_act_equals_numpy_bit_for_bit_on_special_values(dtype):
    rng = np.random.default_rng(4)
    z = np.concatenate([SPECIAL, rng.standard_normal(33)]).astype(dtype).reshape(4, 11)
    b = np.concatenate([[0.0, -0.0, 1.0, 1.5], rng.standard_normal(7)]).astype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        for relu in (True, False):
            ref = z + b
            if relu:
                ref = np.maximum(ref, np.zeros((), dtype), out=ref)
            got = z.copy()
            native.KERNELS.bias_act(got, b, relu)
            np.testing.assert_array_equal(got, ref)
            assert np.array_equal(np.signbit(got), np.signbit(ref))  # +0 from ReLU, as np.maximum gives


@needs_kernels
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_grad_equals_sign_times_g_bit_for_bit(dtype):
    rng = np.random.default_rng(5)
    a = np.concatenate([SPECIAL, np.maximum(rng.standard_normal(25), 0)]).astype(dtype)
    g = np.concatenate([rng.standard_normal(30), [-0.0, np.inf, -2.0, np.nan, 0.0, 1.0]]).astype(dtype)
    with np.errstate(invalid="ignore"):
        ref = np.sign(a) * g
        out = np.empty_like(g)
        native.KERNELS.relu_grad(g, a, out)
        np.testing.assert_array_equal(out, ref)
        assert np.array_equal(np.signbit(out), np.signbit(ref))
        native.KERNELS.relu_grad(g, a, g)  # in place, as the δ loop does with its own arrays
        np.testing.assert_array_equal(g, ref)


@needs_kernels
@pytest.mark.parametrize("dtype", DTYPES)
def test_dense_loops_with_kernels_equal_the_numpy_loops_bit_for_bit(dtype, monkeypatch):
    from gradlab.ops import nn as N

    rng = np.random.default_rng(6)
    sizes = [5, 9, 7, 3]
    x = rng.standard_normal((6, 5)).astype(dtype)
    wb = []
    for i, o in zip(sizes, sizes[1:]):
        wb += [rng.standard_normal((o, i)).astype(dtype), rng.standard_normal(o).astype(dtype)]
    g = rng.standard_normal((6, 3)).astype(dtype)
    acts_names = ("relu", "relu", "identity")
    results = []
    for compiled in (True, False):
        with monkeypatch.context() as m:
            if not compiled:
                m.setattr(_loops, "KERNELS", None)
            out, acts = _loops.dense_forward(x, wb, acts_names, 0.01, N._act_forward)
            grads = _loops.delta_recursion(g.copy(), acts, wb, acts_names, 0.01, [True] * 7, N._act_backward)
            results.append([out] + grads)
    for a, b in zip(*results):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@needs_kernels
def test_copy_into_copies_or_refuses_without_copying():
    k = native.KERNELS
    params = [gl.Tensor(np.arange(6.0).reshape(2, 3)), gl.Tensor(np.arange(3, dtype=np.float32))]
    dst = [np.zeros((2, 3)), np.zeros(3, np.float32)]
    assert k.copy_into(dst, params) is True
    for d, p in zip(dst, params):
        np.testing.assert_array_equal(d, p.data)
    for bad in (np.zeros(3, np.float64), np.zeros(4, np.float32), np.zeros((3, 2), np.float32)[:, 0]):
        dst = [np.full((2, 3), 9.0), bad]
        before = [d.copy() for d in dst]
        assert k.copy_into(dst, params) is False
        for d, b in zip(dst, before):
            np.testing.assert_array_equal(d, b)
    with pytest.raises(ValueError, match="copy_into: 1 destinations but 2 parameters"):
        k.copy_into([np.zeros(1)], params)


@needs_kernels
def test_fit_restores_the_weights_before_the_step_that_diverged_with_the_compiled_copy():
    """fit's weight copy goes through copy_into; a divergence still restores the weights of the last finite loss."""
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([[2.0], [4.0], [6.0], [8.0]])
    model = gl.nn.Sequential(gl.nn.Linear(1, 1, rng=0))
    seen = []

    class Watch(gl.train.Callback):
        def on_batch_end(self, batch, logs):
            seen.append([p.data.copy() for p in model.parameters()])

    with pytest.raises(gl.DivergenceError) as err:
        gl.fit(model, gl.nn.MSELoss(), gl.optim.SGD(model.parameters(), lr=1e3), X, y, epochs=50, batch_size=4,
               shuffle=False, verbose=0, callbacks=[Watch()])
    # the last finite loss came from the weights in place before its step, i.e. those after the batch before it
    before_last_finite = seen[-2]
    for p, w in zip(model.parameters(), before_last_finite):
        np.testing.assert_array_equal(p.data, w)
    assert np.isfinite(err.value.last_finite_loss)


def test_malloc_is_tuned_on_linux_glibc_unless_the_environment_says_not_to():
    import platform

    code = "import gradlab.core.native as n; print(n.MALLOC_TUNED)"
    tuned = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "GRADLAB_DEFAULT_MALLOC": "1"}).stdout.strip()
    assert kept == "False"
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert tuned == "True"


def test_a_training_step_takes_no_page_faults_once_warm():
    # the step's arrays reuse the heap's memory (mallopt) and the im2col matrices the workspace pool's
    import resource

    if not native.MALLOC_TUNED:
        pytest.skip("glibc's malloc is not tuned in this process (not Linux with glibc)")
    model = gl.nn.Sequential(gl.nn.Conv2d(1, 6, 5, dtype="float32", rng=0), gl.nn.ReLU(), gl.nn.MaxPool2d(2),
                             gl.nn.Flatten(), gl.nn.Linear(6 * 12 * 12, 10, dtype="float32", rng=1))
    X = np.random.default_rng(0).standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = np.arange(64) % 10
    loss_fn, opt = gl.nn.CrossEntropyLoss(), gl.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        loss_fn(model(gl.tensor(X)), y).backward()
        opt.step()

    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 50, f"{faults} page faults in 10 steps (each MB of fresh memory costs 256)"
