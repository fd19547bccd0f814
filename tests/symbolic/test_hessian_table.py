"""Symbolic second derivatives, row by row of tests/support/hessian_table.py.

For each row the derived Hessian ``hessian(expr, wrt, shapes=...)`` is evaluated on fixed random data and compared
with a reference built independently of it: central differences (Richardson-extrapolated) of gradlab's
automatic-differentiation gradient of the same expression, and torch's Hessian of the same function written in
torch. vec stacks columns; H[i, j] = ∂²L/∂vec(x)_i ∂vec(y)_j.

The first tests check that reference machinery on its own (against hand-computed Hessians and torch), so they
pass whether or not ``gradlab.symbolic.hessian`` exists yet.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

import numpy as np
import pytest

import gradlab as gl
from gradlab.symbolic import parse, to_gradlab, to_numpy
from support.hessian_table import BY_ID, HESSIANS, NAMED, concrete_shape, draw, vec

RTOL = 1e-6          # derived vs references: max |error| / max |reference|
RTOL_REFERENCE = 1e-7  # the references against each other and against the closed forms
RTOL_EXACT = 1e-9    # the derived Hessian against a closed form (no step size involved)
RTOL_SYMMETRY = 1e-10
STEP = 1e-4          # central-difference step (relative to max(1, |entry|)), with Richardson extrapolation

IDS = [row.id for row in HESSIANS]
WITH_TORCH = [row.id for row in HESSIANS if row.torch is not None]
WITH_EXACT = [row.id for row in HESSIANS if row.exact is not None]
PURE = [row.id for row in HESSIANS if row.pure]


def rel_error(got, ref):
    got, ref = np.asarray(got, dtype=float), np.asarray(ref, dtype=float)
    assert got.shape == ref.shape, f"shape {got.shape}, expected {ref.shape}"
    scale = float(np.max(np.abs(ref)))
    assert scale > 0, "the reference Hessian is zero"
    return float(np.max(np.abs(got - ref))) / scale


# ------------------------------------------------------------------ the reference: FD of the autodiff gradient
@functools.lru_cache(maxsize=None)
def _gradlab_fn(row_id):
    row = BY_ID[row_id]
    return to_gradlab(parse(row.reference_expr or row.expr, row.shapes))


def autodiff_gradient(row, sizes, data, name):
    """vec(∂L/∂name) by gradlab's reverse mode, over the expression compiled to gradlab Tensors."""
    f = _gradlab_fn(row.id)
    others = {k: data[k] for k in f.symbols if k != name}

    def loss(t):
        return gl.reshape(f(dims=sizes, **others, **{name: t}), ())

    g = np.asarray(gl.grad(loss)(data[name]))
    assert g.shape == data[name].shape
    return vec(g)


def fd_hessian_of_gradient(row, sizes, data, step=STEP):
    """H[:, j] = ∂ vec(∂L/∂x) / ∂ vec(y)_j by central differences with steps h and 2h, Richardson-combined."""
    x, y = row.names
    y0 = data[y]
    flat = vec(y0)
    H = np.zeros((data[x].size, flat.size))

    def grad_at(j, delta):
        v = flat.copy()
        v[j] += delta
        return autodiff_gradient(row, sizes, {**data, y: v.reshape(y0.shape, order="F")}, x)

    for j in range(flat.size):
        h = step * max(1.0, abs(flat[j]))
        near = (grad_at(j, h) - grad_at(j, -h)) / (2 * h)
        far = (grad_at(j, 2 * h) - grad_at(j, -2 * h)) / (4 * h)
        H[:, j] = (4 * near - far) / 3
    return H


def torch_hessian(row, sizes, data):
    """torch.autograd.functional.hessian of the row's torch function, over column-stacked vec(x), vec(y)."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    x, y = row.names
    names = (x,) if row.pure else (x, y)
    tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in data.items()}

    def f(*flats):
        v = dict(tensors)
        for n, fl in zip(names, flats):
            r, c = data[n].shape
            v[n] = fl.reshape(c, r).T  # the inverse of column stacking
        out = row.torch(torch, v)
        assert tuple(out.shape) == (1, 1), f"{row.id}: the torch function returned shape {tuple(out.shape)}"
        return out.reshape(())

    inputs = tuple(torch.tensor(vec(data[n]), dtype=torch.float64) for n in names)
    H = torch.autograd.functional.hessian(f, inputs if len(inputs) > 1 else inputs[0])
    return (H if row.pure else H[0][1]).detach().numpy()


@functools.lru_cache(maxsize=None)
def reference(row_id):
    """(sizes, data, FD-of-autodiff Hessian) at the row's fixed seed."""
    row = BY_ID[row_id]
    sizes, data = draw(row)
    return sizes, data, fd_hessian_of_gradient(row, sizes, data)


def expected_shape(row, data):
    x, y = row.names
    return (data[x].size, data[y].size)


# ------------------------------------------------------------------ the derived Hessian
@functools.lru_cache(maxsize=None)
def derived(row_id):
    from gradlab.symbolic import hessian  # imported here: the reference tests run without it

    row = BY_ID[row_id]
    return hessian(row.expr, row.wrt, shapes=row.shapes, sums_to_one=row.sums_to_one)


def evaluate(d, sizes, data):
    f = to_numpy(d.result)
    missing = [s for s in f.symbols if s not in data]
    assert not missing, f"the result uses symbols the expression does not have: {missing}"
    return np.asarray(f(dims=sizes, **{k: data[k] for k in f.symbols}))


# ================================================================== the table itself
def test_the_table_has_the_rows_the_brief_names():
    assert len(HESSIANS) >= 24
    assert len(set(IDS)) == len(IDS)
    exprs = {(row.expr, row.wrt) for row in HESSIANS}
    for required in [("x.T @ A @ x", "x"), ("norm2(A @ x - b)**2", "x"),
                     ("sum(softplus(X @ w)) - y.T @ X @ w", "w"),
                     ("-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))", "w"),
                     ("-y.T @ log_softmax(z)", "z"), ("norm2(X @ W - Y)**2", "W"), ("logdet(X)", "X"),
                     ("tr(X.T @ A @ X)", "X"), ("x.T @ A @ y", ("x", "y")), ("exp(a*b)", "a"),
                     ("sum(exp(A @ x))", "x"), ("norm2(x)", "x"), ("sum(tanh(X @ w))", "w"),
                     ("logsumexp(z)", "z"), ("tr(inv(X))", "X"), ("sum(log(x))", "x"),
                     ("x.T @ x * (a.T @ x)", "x"), ("norm2(X @ W - Y)**2", ("W", "X"))]:
        assert required in exprs, required
    assert any("/ m" in row.expr for row in HESSIANS)
    assert sum(not row.pure for row in HESSIANS) >= 3
    assert all(BY_ID[n].torch is not None for n in NAMED)
    assert BY_ID["softmax_cross_entropy"].sums_to_one == ("y",)


@pytest.mark.parametrize("row_id", IDS)
def test_data_is_drawn_with_distinct_small_sizes_and_the_constraints(row_id):
    row = BY_ID[row_id]
    sizes, data = draw(row)
    assert sizes == draw(row)[0] and all(np.array_equal(data[k], draw(row)[1][k]) for k in data)  # fixed seed
    assert len(set(sizes.values())) == len(sizes) and all(2 <= s <= 5 for s in sizes.values())
    for name in row.shapes:
        assert data[name].shape == concrete_shape(row, name, sizes)
    for name in row.positive:
        assert np.all(data[name] > 0)
    for name in row.well_conditioned:
        assert np.linalg.cond(data[name]) < 10 and np.linalg.det(data[name]) > 0
    for name in row.sums_to_one:
        assert np.all(data[name] > 0) and np.allclose(data[name].sum(axis=0), 1)
    if row.kink is not None:
        assert np.min(np.abs(row.kink(data))) > 0.1


# ================================================================== the reference machinery, on its own
def test_fd_of_autodiff_gradient_gives_a_plus_a_transpose_for_a_quadratic_form():
    row = BY_ID["quadratic_form"]
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(4, 4)), rng.normal(size=(4, 1))
    H = fd_hessian_of_gradient(row, {"n": 4}, {"A": A, "x": x})
    assert rel_error(H, A + A.T) < 1e-9


def test_fd_of_autodiff_gradient_stacks_columns_for_a_matrix_variable():
    row = BY_ID["frobenius_least_squares"]
    rng = np.random.default_rng(2)
    X, W, Y = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
    H = fd_hessian_of_gradient(row, {"m": 5, "n": 3, "k": 2}, {"X": X, "W": W, "Y": Y})
    assert rel_error(H, 2 * np.kron(np.eye(2), X.T @ X)) < 1e-9
    # the row-stacking layout would be 2(XᵀX ⊗ I): a different matrix, so the check can tell them apart
    assert rel_error(2 * np.kron(X.T @ X, np.eye(2)), H) > 0.1


def test_fd_of_autodiff_gradient_orders_a_mixed_derivative_x_then_y():
    row = BY_ID["bilinear_mixed"]
    rng = np.random.default_rng(3)
    A, x, y = rng.normal(size=(2, 4)), rng.normal(size=(2, 1)), rng.normal(size=(4, 1))
    H = fd_hessian_of_gradient(row, {"n": 2, "m": 4}, {"A": A, "x": x, "y": y})
    assert H.shape == (2, 4) and rel_error(H, A) < 1e-9


def test_fd_of_autodiff_gradient_of_a_scalar_function():
    row = BY_ID["scalar_exp_ab"]
    H = fd_hessian_of_gradient(row, {}, {"a": np.full((1, 1), 0.7), "b": np.full((1, 1), -1.3)})
    assert H.shape == (1, 1) and rel_error(H, [[1.3**2 * np.exp(-0.91)]]) < 1e-9


@pytest.mark.parametrize("row_id", WITH_EXACT)
def test_reference_matches_the_hand_computed_hessian(row_id):
    row = BY_ID[row_id]
    sizes, data, H = reference(row_id)
    exact = np.asarray(row.exact(data), dtype=float).reshape(H.shape)
    assert rel_error(H, exact) < RTOL_REFERENCE


@pytest.mark.parametrize("row_id", WITH_TORCH)
def test_reference_matches_torch(row_id):
    row = BY_ID[row_id]
    sizes, data, H = reference(row_id)
    T = torch_hessian(row, sizes, data)
    assert rel_error(H, T) < RTOL_REFERENCE
    if row.exact is not None:
        assert rel_error(T, np.asarray(row.exact(data), dtype=float).reshape(T.shape)) < 1e-10


# ================================================================== the derived Hessians
@pytest.mark.parametrize("row_id", IDS)
def test_hessian_is_a_hessian_derivation_of_the_right_shape(row_id):
    row = BY_ID[row_id]
    d = derived(row_id)
    assert d.kind == "hessian"
    sizes, data, H = reference(row_id)
    got = evaluate(d, sizes, data)
    assert got.ndim == 2 and got.shape == expected_shape(row, data)


@pytest.mark.parametrize("row_id", IDS)
def test_hessian_matches_finite_differences_of_the_autodiff_gradient(row_id):
    sizes, data, H = reference(row_id)
    got = evaluate(derived(row_id), sizes, data)
    err = rel_error(got, H)
    assert err < RTOL, f"relative error {err:.3e} at sizes {sizes}"


@pytest.mark.parametrize("row_id", WITH_TORCH)
def test_hessian_matches_torch(row_id):
    row = BY_ID[row_id]
    sizes, data, _ = reference(row_id)
    T = torch_hessian(row, sizes, data)
    got = evaluate(derived(row_id), sizes, data)
    err = rel_error(got, T)
    assert err < RTOL, f"relative error {err:.3e} against torch at sizes {sizes}"


@pytest.mark.parametrize("row_id", PURE)
def test_hessian_is_symmetric(row_id):
    sizes, data, _ = reference(row_id)
    got = evaluate(derived(row_id), sizes, data)
    assert got.shape[0] == got.shape[1]
    err = float(np.max(np.abs(got - got.T))) / max(float(np.max(np.abs(got))), 1e-300)
    assert err < RTOL_SYMMETRY, f"max |H − Hᵀ| / max |H| = {err:.3e}"


@pytest.mark.parametrize("row_id", WITH_EXACT)
def test_hessian_has_the_closed_form_on_fresh_data(row_id):
    """The closed form holds for any data: three more draws (other seeds, so other sizes) each."""
    row = BY_ID[row_id]
    d = derived(row_id)
    for k in range(3):
        sizes, data = draw(row, seed=row.seed + 1000 + k)
        got = evaluate(d, sizes, data)
        exact = np.asarray(row.exact(data), dtype=float).reshape(expected_shape(row, data))
        err = rel_error(got, exact)
        assert err < RTOL_EXACT, f"relative error {err:.3e} against the closed form at sizes {sizes}"


def test_quadratic_form_hessian_is_a_plus_a_transpose_for_any_a():
    d = derived("quadratic_form")
    f = to_numpy(d.result)
    rng = np.random.default_rng(11)
    for n in (2, 3, 5):
        A, x = rng.normal(size=(n, n)), rng.normal(size=(n, 1))
        data = {"A": A, "x": x}
        got = f(dims={"n": n}, **{k: data[k] for k in f.symbols})
        assert np.allclose(got, A + A.T, rtol=0, atol=1e-12)


def test_frobenius_least_squares_hessian_is_two_kron_identity_xtx():
    d = derived("frobenius_least_squares")
    f = to_numpy(d.result)
    rng = np.random.default_rng(12)
    for m, n, k in ((5, 3, 2), (2, 4, 3)):
        data = {"X": rng.normal(size=(m, n)), "W": rng.normal(size=(n, k)), "Y": rng.normal(size=(m, k))}
        got = f(dims={"m": m, "n": n, "k": k}, **{s: data[s] for s in f.symbols})
        assert np.allclose(got, 2 * np.kron(np.eye(k), data["X"].T @ data["X"]), rtol=0, atol=1e-12)


# ================================================================== renderings and verify
def _step_texts(d):
    return [(s.rule, s.expr.to_text(d.names), s.expr.to_latex(d.names)) for s in d.steps]


@pytest.mark.parametrize("row_id", IDS)
def test_renderings_are_non_empty_and_contain_each_step(row_id):
    d = derived(row_id)
    text, md, tex = d.to_text(), d.to_markdown(), d.to_latex()
    for out in (text, md, tex):
        assert isinstance(out, str) and out.strip()
    assert d.steps, "a Hessian derivation with no steps"
    for rule, step_text, step_latex in _step_texts(d):
        assert rule and rule in text, f"step rule {rule!r} missing from to_text()"
        assert step_text in text, f"step {step_text!r} missing from to_text()"
        assert step_latex in md, f"step {step_latex!r} missing from to_markdown()"
        assert rule.replace("|", "\\|") in md, f"step rule {rule!r} missing from to_markdown()"
        assert step_latex in tex, f"step {step_latex!r} missing from to_latex()"
    assert tex.lstrip().startswith(r"\begin{align*}") and r"\end{align*}" in tex


@pytest.mark.parametrize("row_id", IDS)
def test_verify_passes_the_derived_hessian(row_id):
    from gradlab.symbolic import verify

    row = BY_ID[row_id]
    report = verify(parse(row.expr, row.shapes), row.wrt, derived(row_id))
    assert bool(report), str(report)


def _latex_escape_id(s):
    return re.sub(r"_", r"\\_", s)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_of_all_rows_compiles(tmp_path):
    parts, failed = [], []
    for row in HESSIANS:
        try:
            tex = derived(row.id).to_latex()
        except Exception as exc:  # noqa: BLE001 - reported below, after the rows that did derive compile
            failed.append(f"{row.id}: {type(exc).__name__}: {exc}")
            continue
        parts.append(r"\paragraph{" + _latex_escape_id(row.id) + "}\n" + tex)
    doc = (r"\documentclass{article}\usepackage{amsmath,amssymb}\usepackage[a3paper,landscape]{geometry}"
           "\n" r"\begin{document}" "\n" + "\n\n".join(parts) + "\n" r"\end{document}" "\n")
    (tmp_path / "h.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "h.tex"], cwd=tmp_path,
                         capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp_path / "h.log").read_text(encoding="utf-8", errors="replace")
    missing = [line for line in log.splitlines() if line.startswith("Missing character")]
    assert not missing, "characters the fonts lack (dropped from the PDF):\n" + "\n".join(missing[:10])
    assert not failed, "rows that did not derive:\n" + "\n".join(failed)
