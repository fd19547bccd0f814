"""The compiled kernels, fit's fast step and the prepared targets, each against its reference.

The reference is the NumPy code a kernel replaces, fit's general path (model(x),
loss_fn(out, y), loss.backward()), or fit with targets converted per batch.
Comments marked "Bug:" say which wrong behaviour a test guards against.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import native
from gradlab.train import loop
from gradlab.train.metrics import accuracy

needs_kernels = pytest.mark.skipif(native.KERNELS is None, reason="compiled kernels not built (gradlab._kernels)")
K = native.KERNELS


# ------------------------------------------------------------------ helpers
def _fit(monkeypatch, path, make_model, make_loss, make_opt, X, y, **kw):
    """fit on ``path``: 'fast' (as shipped), 'general' (fast step off) or 'before' (fast step off and no
    prepared targets: the loss gets y batch by batch, as before the change). (weights, history dict)."""
    with monkeypatch.context() as m:
        if path in ("general", "before"):
            m.setattr(loop, "fused_step", lambda model, loss: None)
        if path == "before":
            m.setattr(loop, "prepared_targets", lambda *args: None)
        model = make_model()
        loss_fn = make_loss()
        history = gl.fit(model, loss_fn, make_opt(model), X, y, verbose=0, **kw)
    return [p.data.copy() for p in model.parameters()], history.history


def _assert_same(a, b):
    (wa, ha), (wb, hb) = a, b
    assert ha == hb
    for p, q in zip(wa, wb):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p, q)


def _blobs():
    return gl.data.blobs(n_samples=48, centers=3, seed=1)


def _sgd(model):
    return gl.optim.SGD(model.parameters(), lr=0.05)


def _run_isolated(code):
    """Run ``code`` in a fresh interpreter; its CompletedProcess (a crash shows as a negative return code)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


# ============================================================ fit: fast step
class _Scaled(gl.nn.Sequential):
    """A Sequential whose own forward changes the output (temperature-scaled logits)."""

    def forward(self, x):
        return super().forward(x) * 0.5


def test_fit_fast_step_runs_a_sequential_subclass_own_forward(monkeypatch):
    # Bug: fused_step took any Sequential and called the dense row directly, so a
    # subclass's forward() was skipped during training (evaluate/validation still used it).
    X, y = _blobs()
    make = lambda: _Scaled(gl.nn.Linear(2, 6, rng=0), gl.nn.ReLU(), gl.nn.Linear(6, 3, rng=1))  # noqa: E731
    args = (make, gl.nn.CrossEntropyLoss, _sgd, X, y)
    _assert_same(_fit(monkeypatch, "fast", *args, epochs=2, batch_size=8, seed=0),
                 _fit(monkeypatch, "general", *args, epochs=2, batch_size=8, seed=0))


def test_fit_fast_step_reads_the_loss_reduction_every_step(monkeypatch):
    # Bug: FusedStep kept loss_fn.reduction from fit's start; the general path reads it at
    # every call (a callback that switched it, e.g. 'mean' -> 'sum', was ignored on the fast path).
    X, y = _blobs()
    holder = {}

    class Switch(gl.train.callbacks.Callback):
        def on_epoch_end(self, epoch, logs):
            holder["loss"].reduction = "sum"

    def make_loss():
        holder["loss"] = gl.nn.CrossEntropyLoss()
        return holder["loss"]

    args = (lambda: gl.nn.MLP([2, 6, 3], rng=0), make_loss, _sgd, X, y)
    kw = dict(epochs=2, batch_size=8, seed=0)
    _assert_same(_fit(monkeypatch, "fast", *args, callbacks=[Switch()], **kw),
                 _fit(monkeypatch, "general", *args, callbacks=[Switch()], **kw))


# ====================================================== fit: prepared targets
class _ClassWeightedCE(gl.nn.CrossEntropyLoss):
    """A custom loss built on CrossEntropyLoss that reads the class indices it is given."""

    weights = np.array([1.0, 2.0, 3.0])

    def forward(self, prediction, target):
        idx = np.asarray(target.data if isinstance(target, gl.Tensor) else target).astype(int)
        per = gl.nn.CrossEntropyLoss(reduction="none")(prediction, idx)
        return (per * gl.Tensor(self.weights[idx])).mean()


def test_fit_gives_a_cross_entropy_subclass_the_targets_batch_by_batch(monkeypatch):
    # Bug: any loss's inherited prepare_targets was used, so a CrossEntropyLoss subclass
    # got Tensor one-hot rows (B, C) instead of its class indices (B,); here that raised a ShapeError.
    X, y = _blobs()
    args = (lambda: gl.nn.MLP([2, 6, 3], rng=0), _ClassWeightedCE, _sgd, X, y)
    before = _fit(monkeypatch, "before", *args, epochs=1, batch_size=8, seed=0)
    _assert_same(_fit(monkeypatch, "fast", *args, epochs=1, batch_size=8, seed=0), before)


def test_fit_mixed_dtype_model_keeps_its_cross_entropy_history(monkeypatch):
    # Bug: the targets were prepared in the first parameter's dtype (float32 here), not the
    # logits' (float64): the CE row then got float32 targets with float64 logits, the compiled loss refused
    # them and the NumPy row rounded differently, so History's losses changed from before.
    X, y = gl.data.blobs(n_samples=60, centers=3, seed=1)

    def make():
        return gl.nn.Sequential(gl.nn.Linear(2, 8, rng=0, dtype="float32"), gl.nn.ReLU(), gl.nn.Linear(8, 3, rng=1))

    args = (make, gl.nn.CrossEntropyLoss, lambda m: gl.optim.SGD(m.parameters(), lr=0.01), X, y)
    kw = dict(epochs=3, batch_size=8, seed=0)
    _assert_same(_fit(monkeypatch, "general", *args, **kw), _fit(monkeypatch, "before", *args, **kw))


# passing regression checks of fit's fast step
def test_fit_float32_mse_fast_step_equals_the_general_path_and_before(monkeypatch):
    X, y = gl.data.linear_regression(n_samples=40, n_features=3, noise=0.1, seed=2)
    args = (lambda: gl.nn.MLP([3, 6, 1], rng=0, dtype="float32"), gl.nn.MSELoss,
            lambda m: gl.optim.Adam(m.parameters(), lr=0.01, weight_decay=0.01), X, y)
    kw = dict(epochs=2, batch_size=7, seed=0, metrics=("mse", "mae"))
    fast = _fit(monkeypatch, "fast", *args, **kw)
    _assert_same(fast, _fit(monkeypatch, "general", *args, **kw))
    _assert_same(fast, _fit(monkeypatch, "before", *args, **kw))


def test_fit_one_hot_targets_with_validation_equal_the_general_path(monkeypatch):
    X, y = _blobs()
    Y = np.eye(3)[y]
    args = (lambda: gl.nn.MLP([2, 6, 3], rng=0), gl.nn.CrossEntropyLoss,
            lambda m: gl.optim.Adam(m.parameters(), lr=0.01), X, Y)
    kw = dict(epochs=2, batch_size=8, seed=0, validation_data=(X[:10], Y[:10]))
    _assert_same(_fit(monkeypatch, "fast", *args, **kw), _fit(monkeypatch, "general", *args, **kw))


def test_fit_keyboard_interrupt_from_a_callback_is_the_same_on_both_paths(monkeypatch):
    X, y = _blobs()

    class Stop(gl.train.callbacks.Callback):
        def on_batch_end(self, batch, logs):
            if batch == 2:
                raise KeyboardInterrupt

    def run(path):
        with monkeypatch.context() as m:
            if path == "general":
                m.setattr(loop, "fused_step", lambda model, loss: None)
            model = gl.nn.MLP([2, 6, 3], rng=0)
            h = gl.fit(model, gl.nn.CrossEntropyLoss(), _sgd(model), X, y, epochs=2, batch_size=8, seed=0,
                       verbose=0, callbacks=[Stop()])
        return [p.data.copy() for p in model.parameters()], (h.history, h.interrupted, h.stopped_at)

    _assert_same(run("fast"), run("general"))


# ================================================================ Adam kernel
def _adam_weights(native_on, make_params, wd, steps=3, dtype=np.float64):
    rng = np.random.default_rng(0)
    params = make_params(rng)
    opt = gl.optim.Adam(params, lr=0.1, weight_decay=wd, betas=(0.8, 0.99), eps=1e-6)
    opt._flat.native = native_on and native.KERNELS is not None
    for _ in range(steps):
        for p in params:
            p.grad = rng.normal(size=p.data.shape).astype(dtype)
        opt.step()
    return [np.asarray(getattr(p.data, "data", p.data)).copy() for p in params]


@needs_kernels
def test_adam_kernel_with_parameters_sharing_memory_and_weight_decay():
    # Bug: the NumPy update gathers every g + λp before changing any p; the kernel updated
    # parameter by parameter, so a later parameter sharing memory with an earlier one (two Tensors around one
    # array, gl.Tensor(a.data, requires_grad=True)) read the already-updated p in its λp term.
    def make(rng):
        a = gl.Tensor(rng.normal(size=(4, 3)), requires_grad=True)
        return [a, gl.Tensor(a.data, requires_grad=True)]

    for got, want in zip(_adam_weights(True, make, 0.5), _adam_weights(False, make, 0.5)):
        np.testing.assert_array_equal(got, want)


@needs_kernels
def test_adam_kernel_leaves_masked_entries_as_the_numpy_update_does():
    # Bug: float_array accepted ndarray subclasses; for a MaskedArray p.data the NumPy
    # `p.data -= step` leaves masked entries alone, the kernel wrote every element.
    def make(rng):
        p = gl.Tensor(rng.normal(size=(2, 3)), requires_grad=True)
        p.data = np.ma.masked_array(p.data, mask=[[True, False, False], [False, False, True]])
        return [p]

    for got, want in zip(_adam_weights(True, make, 0.0), _adam_weights(False, make, 0.0)):
        np.testing.assert_array_equal(got, want)


@needs_kernels
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("wd", [0.0, 0.3])
def test_adam_kernel_matches_numpy_for_odd_shapes_and_many_parameters(dtype, wd):
    shapes = [(3, 4), (), (0,), (5,), (2, 2, 2)] * 3  # 0-d, empty, more than 8 parameters (heap path)

    def make(rng):
        return [gl.Tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in shapes]

    for got, want in zip(_adam_weights(True, make, wd, dtype=dtype), _adam_weights(False, make, wd, dtype=dtype)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


# ======================================================= memory safety (C)
# The kernels read .data/.grad attributes, which may run Python code; code that changes the lists meanwhile
# must not free arrays or items the loops still use.
@needs_kernels
def test_adam_kernel_survives_its_params_list_emptied_by_an_attribute_read():
    # Bug: the item p was used after PyObject_GetAttr(p, "data") ran code that emptied
    # the list: use after free, then a crash. The kernel now works on a copy of the list.
    r = _run_isolated("""
        import numpy as np
        from gradlab import _kernels as K
        params = []
        class P:
            def __init__(self):
                self.grad, self._d = np.ones(3), np.zeros(3)
            @property
            def data(self):
                del params[:]
                return self._d
        params.extend([P(), P(), P()])
        ms, vs = [np.zeros(3) for _ in range(3)], [np.zeros(3) for _ in range(3)]
        K.adam(params, ms, vs, 0.9, 0.999, 0.1, 1e-8, 0.0)
        print("ok")
    """)
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])


@needs_kernels
def test_adam_kernel_keeps_the_moment_arrays_it_took_alive():
    # Bug: ms[i]/vs[i] were kept only as pointers; a later .data read that replaced ms[0]
    # freed it and the loop wrote into freed memory.
    r = _run_isolated("""
        import numpy as np
        from gradlab import _kernels as K
        N = 1 << 22
        ms, vs = [np.zeros(N), np.zeros(3)], [np.zeros(N), np.zeros(3)]
        class P:
            def __init__(self, n, hook):
                self.grad, self._d, self.hook = np.ones(n), np.zeros(n), hook
            @property
            def data(self):
                if self.hook:
                    ms[0] = np.zeros(N)
                return self._d
        K.adam([P(N, False), P(3, True)], ms, vs, 0.9, 0.999, 0.1, 1e-8, 0.0)
        print("ok")
    """)
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])


@needs_kernels
def test_copy_into_keeps_the_destination_it_took_alive():
    # Bug: dsts[i] was kept as a pointer, with no reference, while params[i].data was read;
    # a read that replaced dsts[i] freed it and memcpy wrote into freed memory.
    r = _run_isolated("""
        import numpy as np
        from gradlab import _kernels as K
        N = 1 << 24
        src = np.ones(N)
        dsts = [np.zeros(N)]
        class P:
            @property
            def data(self):
                dsts[0] = np.zeros(3)
                return src
        K.copy_into(dsts, [P()])
        print("ok")
    """)
    assert r.returncode == 0, (r.returncode, r.stderr[-500:])


# ================================================== kernels vs NumPy, aliasing
def _numpy_xent_total(z, p):
    s = z - z.max(axis=-1, keepdims=True)
    s -= np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return float(np.sum(p * s))


@needs_kernels
def test_softmax_xent_with_out_aliasing_an_input():
    # Kernel contract (no caller does this): `out` is written with e^{z−μ} before z and p are
    # read again for the loss, so softmax_xent(z, p, z) or (z, p, p) returns a wrong sum (or None would do).
    rng = np.random.default_rng(0)
    z, p = rng.normal(size=(4, 3)), np.eye(3)[[0, 1, 2, 0]]
    want = _numpy_xent_total(z, p)
    for which in ("z", "p"):
        zz, pp = z.copy(), p.copy()
        got = K.softmax_xent(zz, pp, zz if which == "z" else pp)
        assert got is None or got == pytest.approx(want, rel=1e-12), which


@needs_kernels
def test_bias_act_with_a_bias_that_overlaps_z():
    # Kernel contract (contrived): NumPy's `z += b` copies an overlapping b first; the kernel adds the
    # row it already changed, so rows after the first get a different bias.
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3))
    want = z.copy()
    want += want[0].copy()[None]
    ok = K.bias_act(z, z[0], False)
    assert not ok or np.array_equal(z, want)


# passing regression checks of the element-wise kernels
@needs_kernels
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bias_act_and_relu_grad_bits_equal_numpy_for_signed_zeros_and_nan(dtype):
    vals = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1.5, -2.5, 1e-45], dtype=dtype)
    z = np.tile(vals, (3, 3))  # 27 columns: vector body and tail
    b = np.tile(np.array([-0.0, 0.0, 1.0], dtype=dtype), 9)
    for relu in (True, False):
        want = z.copy()
        want += b[None]
        if relu:
            np.maximum(want, np.zeros((), dtype), out=want)
        got = z.copy()
        assert K.bias_act(got, b, relu)
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    g = np.tile(np.array([1.0, -1.0, -0.0], dtype=dtype), (3, 9))
    want = np.sign(z)
    want *= g
    got = np.empty_like(g)
    assert K.relu_grad(g, z, got)
    np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))
    assert K.relu_grad(g, z, g)  # out may be g itself
    np.testing.assert_array_equal(g.view(np.uint8), want.view(np.uint8))


@needs_kernels
def test_kernels_refuse_arrays_outside_the_contract_and_change_nothing():
    z = np.arange(6.0).reshape(2, 3)
    bad = [z.astype(">f8"), z.astype(np.float16), z.astype(np.int64), z.astype(np.complex128),
           z.astype(np.float32), np.ones((2, 6))[:, ::2], z[None]]
    ro = np.zeros((2, 3))
    ro.flags.writeable = False
    for b in bad:
        keep = b.copy()
        out = np.full((2, 3), 7.0)
        assert K.softmax_xent(b, z, out) is None and K.softmax_xent(z, b, out) is None
        assert not K.xent_grad(b, z, out, 1.0) and not K.relu_grad(z, b, out)
        assert not K.relu_grad(z, z, b) and not K.xent_grad(z, z, b, 1.0)
        np.testing.assert_array_equal(out, 7.0)
        np.testing.assert_array_equal(b, keep)
    assert K.softmax_xent(z, z, ro) is None and not K.relu_grad(z, z, ro) and not K.xent_grad(z, z, ro, 1.0)
    assert not K.bias_act(ro, np.zeros(3), True) and not ro.any()
    assert not K.bias_act(np.zeros((2, 3)), np.zeros(3, np.float32), True)


# ============================================================== accuracy
def test_accuracy_fast_branch_equals_the_general_rule(rng):
    for n, c in ((7, 3), (1, 2), (5, 5)):
        out = rng.standard_normal((n, c))
        out[0, :] = 0.0  # ties: argmax takes the first
        for target in (rng.integers(0, c, n), rng.integers(0, c, n).astype(float)):
            want = np.count_nonzero(out.argmax(axis=-1) == target.reshape(n)) / n
            assert accuracy(out, target) == want
            assert accuracy(out, np.eye(c)[target.astype(int)]) == want
