"""Grad-check cases for the linalg rows of ``gradlab/ops/decomp.py`` (solve … einsum).

Inputs are well conditioned: symmetric positive definite for cholesky, well-separated eigenvalues and
singular values for eigh and svd, full rank for qr and pinv; sizes 2–4 and batches.
"""

import numpy as np

import gradlab.ops.decomp  # noqa: F401  (registers the rows)
from gradlab.ops.decomp_einsum import parse

_R = np.random.default_rng(18)


def _wc(*shape):
    """Well conditioned square matrices (…, n, n)."""
    n = shape[-1]
    return np.eye(n) * 2.0 + _R.standard_normal(shape) * 0.3


def _spd(*shape):
    n = shape[-1]
    x = _R.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _sym_spread(*shape):
    """Symmetric with eigenvalues 1, 2.5, 4, … (well separated)."""
    n = shape[-1]
    q, _ = np.linalg.qr(_R.standard_normal(shape))
    w = 1.0 + 1.5 * np.arange(n)
    return (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)


def _spread(m, n, batch=()):
    """(…, m, n) with singular values 1, 2, 3, …"""
    k = min(m, n)
    u, _ = np.linalg.qr(_R.standard_normal(batch + (m, k)))
    v, _ = np.linalg.qr(_R.standard_normal(batch + (n, k)))
    s = 1.0 + np.arange(k)[::-1]
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


def _g(*shape):
    return _R.standard_normal(shape)


CASES = {
    "solve": [
        ((_wc(3, 3), _g(3)), {"vector": True}),
        ((_wc(2, 2), _g(2, 3)), {"vector": False}),
        ((_wc(2, 3, 3), _g(3, 2)), {"vector": False}),
        ((_wc(2, 3, 3), _g(2, 3)), {"vector": True}),
        ((_wc(3, 3), _g(2, 3, 1)), {"vector": False}),
    ],
    "cholesky": [
        ((_spd(3, 3),), {"upper": False}),
        ((_spd(2, 2),), {"upper": True}),
        ((_spd(2, 3, 3),), {"upper": False}),
    ],
    "eigh": [((_sym_spread(3, 3),), {}), ((_sym_spread(2, 2),), {}), ((_sym_spread(2, 3, 3),), {})],
    "svd": [
        ((_spread(3, 3),), {"full_matrices": False}),
        ((_spread(4, 2),), {"full_matrices": False}),
        ((_spread(2, 3),), {"full_matrices": False}),
        ((_spread(3, 2, (2,)),), {"full_matrices": False}),
    ],
    "qr": [((_wc(3, 3),), {}), ((_spread(4, 2),), {}), ((_spread(3, 2, (2,)),), {}), ((_spread(2, 3),), {})],
    "pinv": [((_spread(3, 3),), {}), ((_spread(4, 2),), {}), ((_spread(2, 3, (2,)),), {})],
    "matrix_power": [
        ((_wc(3, 3),), {"n": 3}),
        ((_wc(2, 2),), {"n": 1}),
        ((_wc(2, 2),), {"n": 0}),
        ((_wc(3, 3),), {"n": -2}),
        ((_wc(2, 2, 2),), {"n": 2}),
    ],
    "kron": [
        ((_g(2), _g(3)), {}),
        ((_g(2, 2), _g(2, 3)), {}),
        ((_g(3), _g(2, 2)), {}),
        ((_g(), _g(2)), {}),
        ((_g(2, 1, 2), _g(2, 2)), {}),
    ],
}


def _einsum(subscripts, *shapes):
    return ((tuple(_g(*s) for s in shapes)), {"subscripts": parse(subscripts, shapes)})


CASES["einsum"] = [
    _einsum("ij,jk->ik", (2, 3), (3, 4)),
    _einsum("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    _einsum("ii->i", (3, 3)),
    _einsum("ii", (3, 3)),
    _einsum("ij->", (2, 3)),
    _einsum("...ij,...jk", (2, 2, 3), (3, 2)),
    _einsum("i,i->", (4,), (4,)),
    _einsum("ij,ij->ij", (2, 3), (2, 3)),
    _einsum("ij,j", (2, 3), (3,)),
    _einsum("i,j,k->ijk", (2,), (3,), (2,)),
    _einsum("iij,k->jk", (2, 2, 3), (2,)),
    _einsum("ij,jk->ik", (2, 1), (3, 2)),  # an axis of length 1 broadcast
    _einsum("abc,bd->acd", (2, 3, 2), (3, 2)),  # tensordot-style
    _einsum("i", (3,)),
]

NOT_ARRAY_API = {"einsum": ("the array API standard has no einsum", None)}
