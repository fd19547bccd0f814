"""The table of second derivatives the symbolic Hessian is checked against (tests/symbolic/test_hessian_table.py).

Each :class:`HessianRow` is a scalar expression in the deriver's syntax, the shapes of its symbols, the variable
(``"x"``) or pair of variables (``("x", "y")``, the mixed second derivative ∂²L/∂vec(x)∂vec(y)ᵀ) and what the
random data must satisfy. Optional columns:

* ``torch``: the same function written in torch, ``torch(t, v) -> 1×1 tensor`` with ``t`` the torch module and
  ``v`` the dict of 2-D tensors by symbol name (torch is imported by the test, never here);
* ``exact``: the Hessian in closed form, ``exact(v) -> ndarray`` over the NumPy data (column-stacking vec);
* ``reference_expr``: an equivalent expression in the syntax the deriver parsed before the Hessian work
  (the autodiff reference is built from it, e.g. ``log(sum(exp(z)))`` for ``logsumexp(z)``).

Constraints on the data: ``positive`` symbols have entries in [0.5, 1.5]; ``well_conditioned`` square symbols
are 2I plus a small perturbation (eigenvalues near 2, positive determinant); ``binary`` symbols are 0/1 labels;
``sums_to_one`` symbols are positive columns on the simplex; ``kink(v)`` returns the arguments of ReLU, which
must stay at least 0.1 away from 0 and have both signs.

Convention: vec(X) stacks the columns of X (``X.reshape(-1, order="F")``), and H[i, j] = ∂²L/∂vec(x)_i ∂vec(y)_j.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

DIM_SIZES = (2, 3, 4, 5)
KINK_MARGIN = 0.1


@dataclass(frozen=True)
class HessianRow:
    id: str
    expr: str
    shapes: dict
    wrt: str | tuple
    sums_to_one: tuple = ()
    positive: tuple = ()
    well_conditioned: tuple = ()
    binary: tuple = ()
    kink: Callable | None = None
    torch: Callable | None = None
    exact: Callable | None = None
    reference_expr: str | None = None
    note: str = field(default="", compare=False)

    @property
    def names(self):
        """(x, y): the two variables (equal for a pure Hessian)."""
        return (self.wrt, self.wrt) if isinstance(self.wrt, str) else tuple(self.wrt)

    @property
    def pure(self):
        x, y = self.names
        return x == y

    @property
    def seed(self):
        return zlib.crc32(self.id.encode())


# ------------------------------------------------------------------ helpers for the closed forms
def vec(a):
    """Column-stacking vec of a 2-D array."""
    return np.asarray(a).reshape(-1, order="F")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _index_hessian(shape_x, shape_y, entry):
    """H[vec index of x_(i,j), vec index of y_(k,l)] = entry(i, j, k, l)."""
    (r1, c1), (r2, c2) = shape_x, shape_y
    H = np.zeros((r1 * c1, r2 * c2))
    for i in range(r1):
        for j in range(c1):
            for k in range(r2):
                for l in range(c2):  # noqa: E741
                    H[i + j * r1, k + l * r2] = entry(i, j, k, l)
    return H


def _logdet_exact(v):
    Y = np.linalg.inv(v["X"])
    return _index_hessian(Y.shape, Y.shape, lambda i, j, k, l: -Y[j, k] * Y[l, i])


def _det_exact(v):
    X = v["X"]
    Y, d = np.linalg.inv(X), np.linalg.det(X)
    return _index_hessian(X.shape, X.shape, lambda i, j, k, l: d * (Y[j, i] * Y[l, k] - Y[j, k] * Y[l, i]))


def _tr_inv_exact(v):
    Y = np.linalg.inv(v["X"])
    Y2 = Y @ Y
    return _index_hessian(Y.shape, Y.shape, lambda i, j, k, l: Y[l, i] * Y2[j, k] + Y[j, k] * Y2[l, i])


def _tr_axbx_exact(v):
    A, B = v["A"], v["B"]
    return _index_hessian(A.shape, A.shape, lambda i, j, k, l: B[j, k] * A[l, i] + B[l, i] * A[j, k])


def _frobenius_mixed_exact(v):
    """∂²‖XW − Y‖²/∂vec(W)∂vec(X): ∂(2Xᵀ(XW − Y))_pq/∂X_ij = 2δ_pj R_iq + 2X_ip W_jq."""
    X, W, Y = v["X"], v["W"], v["Y"]
    R = X @ W - Y
    return _index_hessian(W.shape, X.shape, lambda p, q, i, j: 2 * (p == j) * R[i, q] + 2 * X[i, p] * W[j, q])


def _quad_mixed_exact(v):
    """∂²(xᵀAx)/∂x∂vec(A): ∂((A + Aᵀ)x)_i/∂A_kl = δ_ik x_l + δ_il x_k."""
    x, A = v["x"], v["A"]
    return _index_hessian(x.shape, A.shape, lambda i, _j, k, l: (i == k) * x[l, 0] + (i == l) * x[k, 0])


def _two_layer_w2_exact(act):
    def exact(v):
        a = act(v["W1"] @ v["x"])
        return 2 * np.kron(a @ a.T, np.eye(v["W2"].shape[0]))

    return exact


def _logistic_exact(v):
    s = _sigmoid(v["X"] @ v["w"])
    return v["X"].T @ np.diagflat(s * (1 - s)) @ v["X"]


def _softmax_exact(v):
    s = _softmax(v["z"])
    return np.diagflat(s) - s @ s.T


def _norm_exact(v):
    x = v["x"]
    r = np.linalg.norm(x)
    return (np.eye(x.shape[0]) - x @ x.T / r**2) / r


def _cubic_exact(v):
    x, a = v["x"], v["a"]
    return 2 * (a.T @ x).item() * np.eye(x.shape[0]) + 2 * x @ a.T + 2 * a @ x.T


def _sum_tanh_exact(v):
    t = np.tanh(v["X"] @ v["w"])
    return v["X"].T @ np.diagflat(-2 * t * (1 - t**2)) @ v["X"]


# ------------------------------------------------------------------ torch versions (t is the torch module)
def _t_sq(t, r):
    return t.sum(r * r).reshape(1, 1)


def _t_two_layer(act):
    return lambda t, v: _t_sq(t, v["W2"] @ getattr(t, act)(v["W1"] @ v["x"]) - v["y"])


def _t_logistic_log(t, v):
    s = t.sigmoid(v["X"] @ v["w"])
    return -(v["y"].T @ t.log(s) + (1 - v["y"]).T @ t.log(1 - s))


def _t_softplus(t, v):
    return t.nn.functional.softplus(v["X"] @ v["w"]).sum().reshape(1, 1) - v["y"].T @ v["X"] @ v["w"]


def _t_softplus_bias(t, v):
    m = v["X"].shape[0]
    return t.nn.functional.softplus(v["X"] @ v["w"] + v["b"] * t.ones(m, 1, dtype=v["X"].dtype)).sum().reshape(1, 1)


# ------------------------------------------------------------------ the table
MATRIX_X = {"X": "n,n"}
LSQ = {"X": "m,n", "w": "n,1", "y": "m,1"}
NET = {"W2": "k,h", "W1": "h,n", "x": "n,1", "y": "k,1"}
FROB = {"X": "m,n", "W": "n,k", "Y": "m,k"}

HESSIANS = [
    HessianRow("quadratic_form", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, "x",
               torch=lambda t, v: v["x"].T @ v["A"] @ v["x"],
               exact=lambda v: v["A"] + v["A"].T, note="xᵀAx: A + Aᵀ for any data"),
    HessianRow("least_squares", "norm2(A @ x - b)**2", {"A": "m,n", "x": "n,1", "b": "m,1"}, "x",
               torch=lambda t, v: _t_sq(t, v["A"] @ v["x"] - v["b"]),
               exact=lambda v: 2 * v["A"].T @ v["A"], note="‖Ax − b‖²: 2AᵀA"),
    HessianRow("logistic_softplus", "sum(softplus(X @ w)) - y.T @ X @ w", LSQ, "w", binary=("y",),
               torch=_t_softplus, exact=_logistic_exact, note="logistic loss: XᵀDiag(σ(1 − σ))X"),
    HessianRow("logistic_log",
               "-(y.T @ log(sigmoid(X @ w)) + (1 - y).T @ log(1 - sigmoid(X @ w)))", LSQ, "w", binary=("y",),
               torch=_t_logistic_log, exact=_logistic_exact, note="logistic loss, log form: the same Hessian"),
    HessianRow("softmax_cross_entropy", "-y.T @ log_softmax(z)", {"y": "k,1", "z": "k,1"}, "z",
               sums_to_one=("y",), torch=lambda t, v: -v["y"].T @ t.log_softmax(v["z"], dim=0),
               exact=_softmax_exact, note="Diag(s) − ssᵀ when 𝟏ᵀy = 1"),
    HessianRow("frobenius_least_squares", "norm2(X @ W - Y)**2", FROB, "W",
               torch=lambda t, v: _t_sq(t, v["X"] @ v["W"] - v["Y"]),
               exact=lambda v: 2 * np.kron(np.eye(v["W"].shape[1]), v["X"].T @ v["X"]),
               note="‖XW − Y‖²_F: 2(I ⊗ XᵀX)"),
    HessianRow("logdet", "logdet(X)", MATRIX_X, "X", well_conditioned=("X",),
               torch=lambda t, v: t.linalg.slogdet(v["X"])[1].reshape(1, 1), exact=_logdet_exact,
               note="H[(i,j),(k,l)] = −(X⁻¹)_jk (X⁻¹)_li"),
    HessianRow("trace_quadratic", "tr(X.T @ A @ X)", {"X": "n,k", "A": "n,n"}, "X",
               torch=lambda t, v: t.trace(v["X"].T @ v["A"] @ v["X"]).reshape(1, 1),
               exact=lambda v: np.kron(np.eye(v["X"].shape[1]), v["A"] + v["A"].T), note="I ⊗ (A + Aᵀ)"),
    HessianRow("two_layer_tanh_W2", "norm2(W2 @ tanh(W1 @ x) - y)**2", NET, "W2",
               torch=_t_two_layer("tanh"), exact=_two_layer_w2_exact(np.tanh), note="2(aaᵀ ⊗ I), a = tanh(W1x)"),
    HessianRow("two_layer_sigmoid_W2", "norm2(W2 @ sigmoid(W1 @ x) - y)**2", NET, "W2",
               torch=_t_two_layer("sigmoid"), exact=_two_layer_w2_exact(_sigmoid)),
    HessianRow("two_layer_relu_W2", "norm2(W2 @ relu(W1 @ x) - y)**2", NET, "W2",
               kink=lambda v: v["W1"] @ v["x"], torch=_t_two_layer("relu"),
               exact=_two_layer_w2_exact(lambda z: np.maximum(z, 0.0))),
    HessianRow("two_layer_tanh_W1", "norm2(W2 @ tanh(W1 @ x) - y)**2", NET, "W1", torch=_t_two_layer("tanh"),
               note="the first layer: curvature through tanh"),
    HessianRow("two_layer_tanh_mixed_W2_W1", "norm2(W2 @ tanh(W1 @ x) - y)**2", NET, ("W2", "W1"),
               torch=_t_two_layer("tanh")),
    HessianRow("bilinear_mixed", "x.T @ A @ y", {"x": "n,1", "A": "n,m", "y": "m,1"}, ("x", "y"),
               torch=lambda t, v: v["x"].T @ v["A"] @ v["y"], exact=lambda v: v["A"], note="∂²/∂x∂y = A"),
    HessianRow("frobenius_mixed_W_X", "norm2(X @ W - Y)**2", FROB, ("W", "X"),
               torch=lambda t, v: _t_sq(t, v["X"] @ v["W"] - v["Y"]), exact=_frobenius_mixed_exact),
    HessianRow("quadratic_form_mixed_x_A", "x.T @ A @ x", {"x": "n,1", "A": "n,n"}, ("x", "A"),
               torch=lambda t, v: v["x"].T @ v["A"] @ v["x"], exact=_quad_mixed_exact),
    HessianRow("scalar_exp_ab", "exp(a*b)", {"a": 1, "b": 1}, "a",
               torch=lambda t, v: t.exp(v["a"] * v["b"]),
               exact=lambda v: v["b"] ** 2 * np.exp(v["a"] * v["b"]), note="b² e^(ab)"),
    HessianRow("scalar_exp_ab_mixed", "exp(a*b)", {"a": 1, "b": 1}, ("a", "b"),
               torch=lambda t, v: t.exp(v["a"] * v["b"]),
               exact=lambda v: np.exp(v["a"] * v["b"]) * (1 + v["a"] * v["b"]), note="e^(ab)(1 + ab)"),
    HessianRow("sum_exp_Ax", "sum(exp(A @ x))", {"A": "m,n", "x": "n,1"}, "x",
               torch=lambda t, v: t.exp(v["A"] @ v["x"]).sum().reshape(1, 1),
               exact=lambda v: v["A"].T @ np.diagflat(np.exp(v["A"] @ v["x"])) @ v["A"]),
    HessianRow("norm_not_squared", "norm2(x)", {"x": "n,1"}, "x",
               torch=lambda t, v: t.sqrt(t.sum(v["x"] * v["x"])).reshape(1, 1), exact=_norm_exact,
               note="(I − xxᵀ/‖x‖²)/‖x‖"),
    HessianRow("sum_tanh_Xw", "sum(tanh(X @ w))", {"X": "m,n", "w": "n,1"}, "w",
               torch=lambda t, v: t.tanh(v["X"] @ v["w"]).sum().reshape(1, 1), exact=_sum_tanh_exact),
    HessianRow("logsumexp", "logsumexp(z)", {"z": "k,1"}, "z", reference_expr="log(sum(exp(z)))",
               torch=lambda t, v: t.logsumexp(v["z"], dim=0).reshape(1, 1), exact=_softmax_exact),
    HessianRow("log_sum_exp_spelled_out", "log(sum(exp(z)))", {"z": "k,1"}, "z",
               torch=lambda t, v: t.log(t.exp(v["z"]).sum()).reshape(1, 1), exact=_softmax_exact),
    HessianRow("trace_of_inverse", "tr(inv(X))", MATRIX_X, "X", well_conditioned=("X",),
               torch=lambda t, v: t.trace(t.linalg.inv(v["X"])).reshape(1, 1), exact=_tr_inv_exact),
    HessianRow("determinant", "det(X)", MATRIX_X, "X", well_conditioned=("X",),
               torch=lambda t, v: t.linalg.det(v["X"]).reshape(1, 1), exact=_det_exact),
    HessianRow("sum_log", "sum(log(x))", {"x": "n,1"}, "x", positive=("x",),
               torch=lambda t, v: t.log(v["x"]).sum().reshape(1, 1), exact=lambda v: -np.diagflat(1 / v["x"] ** 2)),
    HessianRow("cubic_product", "x.T @ x * (a.T @ x)", {"x": "n,1", "a": "n,1"}, "x",
               torch=lambda t, v: (v["x"].T @ v["x"]) * (v["a"].T @ v["x"]), exact=_cubic_exact,
               note="2(aᵀx)I + 2xaᵀ + 2axᵀ"),
    HessianRow("mse_over_m", "norm2(X @ w - y)**2 / m", LSQ, "w",
               torch=lambda t, v: _t_sq(t, v["X"] @ v["w"] - v["y"]) / v["X"].shape[0],
               exact=lambda v: 2 * v["X"].T @ v["X"] / v["X"].shape[0], note="(2/m)XᵀX"),
    HessianRow("mean_of_squares", "mean((X @ w - y)**2)", LSQ, "w",
               torch=lambda t, v: ((v["X"] @ v["w"] - v["y"]) ** 2).mean().reshape(1, 1),
               exact=lambda v: 2 * v["X"].T @ v["X"] / v["X"].shape[0]),
    HessianRow("ridge", "norm2(X @ w - y)**2 / m + lam * norm2(w)**2", {**LSQ, "lam": 1}, "w", positive=("lam",),
               torch=lambda t, v: _t_sq(t, v["X"] @ v["w"] - v["y"]) / v["X"].shape[0] + v["lam"] * _t_sq(t, v["w"]),
               exact=lambda v: 2 * v["X"].T @ v["X"] / v["X"].shape[0] + 2 * v["lam"].item() * np.eye(v["w"].shape[0])),
    HessianRow("trace_AXBX", "tr(A @ X @ B @ X)", {"A": "n,n", "X": "n,n", "B": "n,n"}, "X",
               torch=lambda t, v: t.trace(v["A"] @ v["X"] @ v["B"] @ v["X"]).reshape(1, 1), exact=_tr_axbx_exact),
    HessianRow("distance_to_identity", "norm2(X - eye(n))**2", MATRIX_X, "X",
               torch=lambda t, v: _t_sq(t, v["X"] - t.eye(v["X"].shape[0], dtype=v["X"].dtype)),
               exact=lambda v: 2 * np.eye(v["X"].size)),
    HessianRow("softplus_bias_scalar", "sum(softplus(X @ w + b * ones(m)))", {"X": "m,n", "w": "n,1", "b": 1}, "b",
               torch=_t_softplus_bias,
               exact=lambda v: np.sum(_sigmoid(v["X"] @ v["w"] + v["b"]) * (1 - _sigmoid(v["X"] @ v["w"] + v["b"])),
                                      keepdims=True).reshape(1, 1)),
    HessianRow("softplus_bias_mixed_w_b", "sum(softplus(X @ w + b * ones(m)))", {"X": "m,n", "w": "n,1", "b": 1},
               ("w", "b"), torch=_t_softplus_bias,
               exact=lambda v: v["X"].T @ (_sigmoid(v["X"] @ v["w"] + v["b"]) * (1 - _sigmoid(v["X"] @ v["w"] + v["b"])))),
]

BY_ID = {row.id: row for row in HESSIANS}

# Rows the brief names; each must have a torch version
NAMED = ("quadratic_form", "least_squares", "logistic_softplus", "logistic_log", "softmax_cross_entropy",
         "frobenius_least_squares", "logdet", "trace_quadratic", "two_layer_tanh_W2", "two_layer_sigmoid_W2",
         "two_layer_relu_W2")


# ------------------------------------------------------------------ drawing sizes and data
def dims_of(row):
    return sorted({d for s in row.shapes.values() for d in _shape(s) if isinstance(d, str)})


def _shape(s):
    if s in (1, ()):
        return (1, 1)
    if isinstance(s, str):
        parts = [p.strip() for p in s.split(",")]
        parts = parts + ["1"] if len(parts) == 1 else parts
        return tuple(int(p) if p.isdigit() else p for p in parts)
    return tuple(s) if len(s) == 2 else (s[0], 1)


def concrete_shape(row, name, sizes):
    return tuple(d if isinstance(d, int) else sizes[d] for d in _shape(row.shapes[name]))


def draw_sizes(row, rng):
    """Distinct sizes from 2..5 for the named dimensions."""
    dims = dims_of(row)
    if len(dims) > len(DIM_SIZES):
        raise ValueError(f"{row.id}: at most {len(DIM_SIZES)} named dimensions")
    return {d: int(s) for d, s in zip(dims, rng.permutation(DIM_SIZES))}


def _draw_one(row, name, shape, rng):
    r, c = shape
    if name in row.positive:
        return rng.uniform(0.5, 1.5, size=shape)
    if name in row.well_conditioned:
        return 2 * np.eye(r) + 0.4 * rng.normal(size=shape) / np.sqrt(r)
    if name in row.binary:
        return rng.integers(0, 2, size=shape).astype(np.float64)
    if name in row.sums_to_one:
        a = rng.uniform(0.1, 1.0, size=shape)
        return a / a.sum(axis=0, keepdims=True)
    return rng.normal(size=shape)


def draw(row, seed=None, tries=200):
    """(sizes, data) for ``row`` from a fixed seed (the row's own unless given)."""
    rng = np.random.default_rng(row.seed if seed is None else seed)
    sizes = draw_sizes(row, rng)
    for _ in range(tries):
        data = {n: _draw_one(row, n, concrete_shape(row, n, sizes), rng) for n in row.shapes}
        if row.kink is None:
            return sizes, data
        z = np.asarray(row.kink(data))
        if np.min(np.abs(z)) > KINK_MARGIN and (z.size == 1 or (np.any(z > 0) and np.any(z < 0))):
            return sizes, data
    raise ValueError(f"{row.id}: no data away from the kink in {tries} draws")
