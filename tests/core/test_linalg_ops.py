"""The linalg family against PyTorch (float64): forward values and VJPs with random upstream gradients.

solve, cholesky, eigh, svd, qr, pinv, matrix_power, kron, einsum, tensordot, dot and batched matmul;
each output of a decomposition alone and all together; batches and broadcasting; the conventions at
degenerate points; and the messages for bad arguments.
"""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch")

R = np.random.default_rng(2026)


def _wc(*shape):
    return np.eye(shape[-1]) * 2.0 + R.standard_normal(shape) * 0.3


def _spd(*shape):
    x = R.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def _sym(*shape):
    x = R.standard_normal(shape)
    return x + np.swapaxes(x, -1, -2)


def _compare(gl_fn, torch_fn, inputs, pick=None, align=None, rtol=1e-8, atol=1e-10):
    """Forward and the VJP of every input agree; ``pick`` selects the outputs (indices into a tuple result),
    ``align(gl_outs, torch_outs)`` gives per-output sign factors applied to torch's outputs and gradients."""
    xs = [gl.tensor(a, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    go, to = gl_fn(*xs), torch_fn(*ts)
    go = tuple(go) if isinstance(go, tuple) else (go,)
    to = tuple(to) if isinstance(to, tuple) else (to,)
    pick = range(len(go)) if pick is None else pick
    signs = align([o.data for o in go], [o.detach().numpy() for o in to]) if align else [1.0] * len(go)
    gl_loss, t_loss = 0.0, 0.0
    for i in pick:
        np.testing.assert_allclose(go[i].data, to[i].detach().numpy() * signs[i], rtol=rtol, atol=atol)
        g = R.standard_normal(go[i].shape)
        gl_loss = gl_loss + gl.sum(go[i] * g)
        t_loss = t_loss + (to[i] * torch.tensor(g * signs[i])).sum()
    gl_loss.backward()
    grads = torch.autograd.grad(t_loss, ts, allow_unused=True)
    for x, gt in zip(xs, grads):
        want = np.zeros(x.shape) if gt is None else gt.numpy()
        np.testing.assert_allclose(x.grad, want, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ solve
@pytest.mark.parametrize("sa,sb", [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3, 2)), ((2, 3, 3), (2, 3)),
                                   ((3, 3), (2, 3, 1)), ((2, 1, 2, 2), (3, 2, 4))])
def test_solve_matches_torch_for_vectors_matrices_and_batches(sa, sb):
    _compare(gl.solve, torch.linalg.solve, [_wc(*sa), R.standard_normal(sb)])


def test_solve_refuses_bad_shapes_and_singular_matrices():
    with pytest.raises(gl.ShapeError, match=r"solve: expected a square matrix \(n, n\), got shape \(2, 3\)"):
        gl.solve(np.ones((2, 3)), np.ones(2))
    with pytest.raises(gl.ShapeError, match=r"solve: B must be \(…, 3\) to match A of shape \(3, 3\), got shape \(2,\)"):
        gl.solve(np.eye(3), np.ones(2))
    with pytest.raises(gl.ShapeError, match="batch dimensions"):
        gl.solve(_wc(2, 3, 3), np.ones((4, 3, 1)))
    with pytest.raises(gl.ParameterError, match=r"solve: A \(shape \(2, 2\)\) is singular"):
        gl.solve(np.array([[1.0, 2.0], [2.0, 4.0]]), np.ones(2))


# --------------------------------------------------------------- cholesky
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_torch_with_its_symmetrised_gradient(shape, upper):
    _compare(lambda a: gl.cholesky(a, upper=upper), lambda a: torch.linalg.cholesky(a, upper=upper), [_spd(*shape)])


def test_cholesky_reads_the_symmetric_part_of_a_nonsymmetric_input():
    a = _spd(3, 3) + np.triu(np.ones((3, 3)), 1) * 0.1
    np.testing.assert_allclose(gl.cholesky(a).data, np.linalg.cholesky((a + a.T) / 2), rtol=1e-14)


def test_cholesky_refuses_matrices_that_are_not_positive_definite():
    with pytest.raises(gl.ParameterError, match="cholesky: the input .* is not symmetric positive definite"):
        gl.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(gl.ParameterError, match="cholesky: the input .* is not symmetric positive definite"):
        gl.cholesky(-np.eye(2))
    with pytest.raises(gl.ParameterError, match="cholesky: upper must be True or False"):
        gl.cholesky(np.eye(2), upper="yes")
    with pytest.raises(gl.ShapeError, match="cholesky: expected a square matrix"):
        gl.cholesky(np.ones(3))


# ------------------------------------------------------------- decompositions
def _column_signs(mine, theirs):
    """±1 per column making ``theirs`` match ``mine`` (eigen/singular vectors are defined up to sign)."""
    return np.sign(np.sum(mine * theirs, axis=-2, keepdims=True))


def _eigh_align(mine, theirs):
    return [1.0, _column_signs(mine[1], theirs[1])]


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
@pytest.mark.parametrize("pick", [(0,), (1,), (0, 1)])
def test_eigh_matches_torch_for_each_output_and_both(shape, pick):
    _compare(gl.eigh, torch.linalg.eigh, [_sym(*shape)], pick=pick, align=_eigh_align)


def test_eigh_at_repeated_eigenvalues_is_finite_for_eigenvalues_and_not_for_eigenvectors_as_torch():
    a = np.diag([1.0, 1.0, 3.0])
    x, t = gl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    gl.sum(gl.eigh(x).eigenvalues * np.array([1.0, 2.0, 3.0])).backward()
    (g,) = torch.autograd.grad((torch.linalg.eigh(t)[0] * torch.tensor([1.0, 2.0, 3.0])).sum(), t)
    np.testing.assert_allclose(x.grad, g.numpy(), atol=1e-12)
    x = gl.tensor(a, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        gl.sum(gl.eigh(x).eigenvectors * R.standard_normal((3, 3))).backward()
    (g,) = torch.autograd.grad((torch.linalg.eigh(t)[1] * torch.tensor(R.standard_normal((3, 3)))).sum(), t)
    assert not np.all(np.isfinite(x.grad)) and not np.all(np.isfinite(g.numpy()))


def _svd_align(mine, theirs):
    s = _column_signs(mine[0], theirs[0])
    return [s, 1.0, np.swapaxes(s, -1, -2)]


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
@pytest.mark.parametrize("pick", [(0,), (1,), (2,), (0, 1, 2)])
def test_svd_matches_torch_for_each_output_and_all(shape, pick):
    _compare(gl.svd, lambda a: torch.linalg.svd(a, full_matrices=False), [R.standard_normal(shape)], pick=pick,
             align=_svd_align)


def test_svd_full_matrices_gives_a_gradient_for_s_and_refuses_one_through_u():
    a = R.standard_normal((4, 2))
    _compare(lambda x: gl.svd(x, full_matrices=True), lambda x: torch.linalg.svd(x, full_matrices=True), [a],
             pick=(1,))
    U, S, Vh = gl.svd(gl.tensor(a), full_matrices=True)
    assert U.shape == (4, 4) and S.shape == (2,) and Vh.shape == (2, 2)
    x = gl.tensor(a, requires_grad=True)
    with pytest.raises(gl.ParameterError, match="svd: the gradient through U or Vh is not defined with full_matrices=True"):
        gl.sum(gl.svd(x, full_matrices=True).U).backward()


def test_svd_of_zeros_has_the_singular_value_gradient_u_vt():
    x = gl.tensor(np.zeros((3, 2)), requires_grad=True)
    U, S, Vh = gl.svd(x)
    gl.sum(S).backward()
    np.testing.assert_allclose(x.grad, U.data @ Vh.data, atol=1e-15)


def _qr_align(mine, theirs):
    s = _column_signs(mine[0], theirs[0])
    return [s, np.swapaxes(s, -1, -2)]


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 3), (2, 4, 3)])
@pytest.mark.parametrize("pick", [(0,), (1,), (0, 1)])
def test_qr_matches_torch_for_each_output_and_both(shape, pick):
    _compare(gl.qr, torch.linalg.qr, [R.standard_normal(shape)], pick=pick, align=_qr_align)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
def test_pinv_matches_torch_for_full_rank_input(shape):
    _compare(gl.pinv, torch.linalg.pinv, [R.standard_normal(shape)])


def test_decompositions_refuse_non_matrices():
    for fn in (gl.svd, gl.qr, gl.pinv):
        with pytest.raises(gl.ShapeError, match=r"expected a matrix \(m, n\)"):
            fn(np.ones(3))
    with pytest.raises(gl.ShapeError, match=r"eigh: expected a square matrix \(n, n\), got shape \(2, 3\)"):
        gl.eigh(np.ones((2, 3)))


# ----------------------------------------------------------- matrix_power
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power_matches_torch(n):
    _compare(lambda a: gl.matrix_power(a, n), lambda a: torch.linalg.matrix_power(a, n), [_wc(2, 3, 3)])


def test_matrix_power_refuses_bad_exponents_and_singular_inverses():
    with pytest.raises(gl.ParameterError, match="matrix_power: n must be an integer, got 1.5"):
        gl.matrix_power(np.eye(2), 1.5)
    with pytest.raises(gl.ParameterError, match="matrix_power: the input .* is singular"):
        gl.matrix_power(np.zeros((2, 2)), -1)
    np.testing.assert_array_equal(gl.matrix_power(np.zeros((2, 2)), 0).data, np.eye(2))


# ------------------------------------------------------------------- kron
@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 2), (3, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3)), ((2, 2), ())])
def test_kron_matches_torch_and_numpy(sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    np.testing.assert_allclose(gl.kron(a, b).data, np.kron(a, b))
    _compare(gl.kron, torch.kron, [a, b])


# ------------------------------------------------------------------ einsum
EINSUM_PATTERNS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("...ij,...jk", [(2, 2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i,i->", [(4,), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,j", [(2, 3), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij->ji", [(2, 3)]),
    ("iij,k->jk", [(2, 2, 3), (2,)]),
    ("bn,anm,bm->ba", [(2, 3), (2, 3, 3), (2, 3)]),
    ("i...->...", [(2, 3, 2)]),
    ("Ab,bA", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("subscripts,shapes", EINSUM_PATTERNS, ids=[p[0] for p in EINSUM_PATTERNS])
def test_einsum_matches_torch(subscripts, shapes):
    ops = [R.standard_normal(s) for s in shapes]
    np.testing.assert_allclose(gl.einsum(subscripts, *ops).data, np.einsum(subscripts, *ops), rtol=1e-12)
    _compare(lambda *xs: gl.einsum(subscripts, *xs), lambda *xs: torch.einsum(subscripts, *xs), ops)


def test_einsum_second_derivative_matches_torch():
    a, b = R.standard_normal((2, 3)), R.standard_normal((3, 3))
    x, t = gl.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b)
    h = gl.hessian(lambda v: gl.sum(gl.einsum("ij,jk,ik->i", v, b, v) ** 2))(x)
    ht = torch.autograd.functional.hessian(lambda v: (torch.einsum("ij,jk,ik->i", v, tb, v) ** 2).sum(), t)
    np.testing.assert_allclose(h, ht.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("subscripts,shapes,error,message", [
    ("ij,jk->ik", [(2, 3)], gl.ParameterError, "name 2 operand"),
    ("ij,jk->ik", [(2, 3), (4, 2)], gl.ShapeError, "index 'j' has sizes 3 and 4"),
    ("ijk->i", [(2, 3)], gl.ShapeError, r"term 'ijk' does not fit an operand of shape \(2, 3\)"),
    ("ij->ii", [(2, 2)], gl.ParameterError, "output index 'i' appears more than once"),
    ("ij->k", [(2, 2)], gl.ParameterError, "output index 'k' .* is in no input term"),
    ("i1->i", [(2, 2)], gl.ParameterError, "may hold only letters"),
    ("ij->i->j", [(2, 2)], gl.ParameterError, "at most one '->'"),
    ("...ij->ij", [(2, 2, 2)], gl.ParameterError, "the output needs '...' too"),
    ("ii->i", [(2, 3)], gl.ShapeError, "repeated in term 'ii' over axes of different sizes"),
])
def test_einsum_refuses_bad_subscripts_and_shapes(subscripts, shapes, error, message):
    with pytest.raises(error, match=message):
        gl.einsum(subscripts, *[np.ones(s) for s in shapes])
    with pytest.raises(gl.ParameterError, match="subscripts must be a string"):
        gl.einsum(3, np.ones(2))


# -------------------------------------------------------- tensordot, dot, matmul
@pytest.mark.parametrize("sa,sb,axes", [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), 1), ((2,), (3,), 0),
                                        ((2, 3, 4), (4, 2, 3), ([1, 2], [2, 0])), ((3, 2), (3,), ([0], [0]))])
def test_tensordot_matches_torch(sa, sb, axes):
    _compare(lambda a, b: gl.tensordot(a, b, axes=axes), lambda a, b: torch.tensordot(a, b, dims=axes),
             [R.standard_normal(sa), R.standard_normal(sb)])


def test_tensordot_refuses_bad_axes():
    with pytest.raises(gl.ShapeError, match=r"tensordot: axis 1 of a \(size 3\) and axis 0 of b \(size 4\) differ"):
        gl.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=1)
    with pytest.raises(gl.ParameterError, match="tensordot: axes=3 must be between 0 and 2"):
        gl.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=3)
    with pytest.raises(gl.ShapeError, match="tensordot: axis 5 is out of range for a with 2 dimensions"):
        gl.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=([5], [0]))
    with pytest.raises(gl.ParameterError, match="cannot pair"):
        gl.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=([0, 1], [0]))


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                                   ((2, 2, 3), (4, 3, 2)), ((), (2, 3)), ((2, 3), ())])
def test_dot_has_numpy_semantics_and_torch_gradients(sa, sb):
    a, b = R.standard_normal(sa), R.standard_normal(sb)
    np.testing.assert_allclose(gl.dot(a, b).data, np.dot(a, b), rtol=1e-12)
    if not sa or not sb:
        return _compare(gl.dot, torch.mul, [a, b])
    dims = ([len(sa) - 1], [max(len(sb) - 2, 0)])
    _compare(gl.dot, lambda x, y: torch.tensordot(x, y, dims=dims), [a, b])


def test_dot_refuses_mismatched_axes():
    with pytest.raises(gl.ShapeError, match=r"dot: the last axis of a \(shape \(2, 3\)\) and the second-to-last axis"):
        gl.dot(np.ones((2, 3)), np.ones((2, 4, 2)))


@pytest.mark.parametrize("sa,sb", [((2, 1, 3, 4), (5, 4, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)),
                                   ((1, 2, 3), (4, 1, 3, 2)), ((3, 4), (2, 4, 2))])
def test_matmul_broadcasts_batches_as_torch(sa, sb):
    _compare(gl.matmul, torch.matmul, [R.standard_normal(sa), R.standard_normal(sb)])


def test_second_derivatives_of_decompositions_match_torch():
    a = _spd(3, 3)
    funcs = [(lambda x: gl.sum(gl.cholesky(x) ** 3), lambda x: (torch.linalg.cholesky(x) ** 3).sum()),
             (lambda x: gl.sum(gl.eigh(x).eigenvalues ** 3), lambda x: (torch.linalg.eigh(x)[0] ** 3).sum()),
             (lambda x: gl.sum(gl.svd(x).S ** 3), lambda x: (torch.linalg.svdvals(x) ** 3).sum()),
             (lambda x: gl.sum(gl.solve(x, np.ones(3)) ** 2), lambda x: (torch.linalg.solve(x, torch.ones(3, dtype=torch.float64)) ** 2).sum())]
    for f, ft in funcs:
        h = gl.hessian(f)(gl.tensor(a))
        ht = torch.autograd.functional.hessian(ft, torch.tensor(a))
        # torch differentiates the lower triangle only for cholesky/eigh; compare along symmetric directions
        d = _sym(3, 3)
        np.testing.assert_allclose(np.einsum("ijkl,kl->ij", h, d), np.einsum("ijkl,kl->ij", ht.numpy(), d), rtol=1e-8,
                                   atol=1e-10, err_msg=str(f))


def test_inverse_of_a_singular_matrix_is_refused_naming_the_operation():
    with pytest.raises(gl.ParameterError, match=r"inv: the matrix \(shape \(2, 2\)\) is singular; it has no inverse"):
        gl.inv(np.zeros((2, 2)))
