"""Grad-check cases for the reduce rows of ``gradlab/ops/reduce_more.py`` (and 0-d cases for the older ones)."""

import numpy as np

import gradlab.ops.reduce  # noqa: F401  (registers the rows)
from gradlab.ops.api import XP

_R = np.random.default_rng(18)


def _away(shape, margin=0.3):
    z = _R.standard_normal(shape)
    return np.sign(z + (z == 0)) * (margin + np.abs(z))


def _distinct(shape):
    n = int(np.prod(shape)) if shape else 1
    return (_R.permutation(n).astype(float) * 0.37 - 1.1).reshape(shape)


def _settings(make, shapes=((3, 4),)):
    out = [((make((3, 4)),), {"axis": ax, "keepdims": kd})
           for ax, kd in [(None, False), (None, True), ((0,), False), ((1,), True), ((0, 1), False)]]
    out += [((make((4,)),), {"axis": (0,), "keepdims": False}),
            ((make((2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
            ((make(()),), {"axis": (), "keepdims": False}),
            ((make(()),), {"axis": None, "keepdims": True})]
    return out


def _spread(row):
    cases = [((_away((3, 4)),), {"axis": ax, "keepdims": kd, "correction": c})
             for ax, kd, c in [(None, False, 1), (None, True, 0), ((0,), False, 1), ((1,), True, 2), ((0, 1), False, 1)]]
    return cases + [((_away((2, 3, 4)),), {"axis": (0, 2), "keepdims": False, "correction": 1}),
                    ((_away(()),), {"axis": (), "keepdims": False, "correction": 0})]


def _cumulative(make):
    return [((make((5,)),), {"axis": 0}), ((make((3, 4)),), {"axis": 1}), ((make((3, 4)),), {"axis": 0}),
            ((make((2, 3, 2)),), {"axis": 1}), ((make(()),), {"axis": None})]


_ZEROS = [np.array([1.5, 0.0, -2.0, 0.7]), np.array([0.0, 1.3, 0.0, -0.8]), np.array([[0.0, 0.0, 2.0], [1.1, -0.9, 0.0]])]

CASES = {
    "min": _settings(_distinct),
    "prod": _settings(lambda s: _away(s, 0.5)) + [((z,), {"axis": None, "keepdims": False}) for z in _ZEROS]
    + [((_ZEROS[2],), {"axis": (1,), "keepdims": False}), ((_ZEROS[2],), {"axis": (0,), "keepdims": True}),
       ((np.array([[0.0, 0.0, 0.0], [0.0, 2.0, 0.0]]),), {"axis": None, "keepdims": False})],
    "var": _spread("var"),
    "std": _spread("std"),
    "cumsum": _cumulative(_away),
    "cumprod": _cumulative(lambda s: _away(s, 0.5)) + [((z,), {"axis": 0}) for z in _ZEROS[:2]]
    + [((_ZEROS[2],), {"axis": 1}), ((_ZEROS[2],), {"axis": 0}),
       ((np.array([2.0, 0.0, 1.5, 0.0, -1.2]),), {"axis": 0})],
    "pnorm": [((_away((5,)),), {"p": p, "axis": None, "keepdims": False}) for p in (3.0, 0.5, 1.5)]
    + [((_away((3, 4)),), {"p": 3.0, "axis": (1,), "keepdims": True}),
       ((_away((3, 4)),), {"p": 4.0, "axis": (0,), "keepdims": False}),
       ((_away(()),), {"p": 3.0, "axis": (), "keepdims": False})],
    "nuclear_norm": [((_away((3, 3)),), {}), ((_away((2, 4)),), {}), ((_away((2, 3, 2)),), {})],
    "spectral_norm": [((_away((3, 3)),), {"smallest": False}), ((_away((2, 4)),), {"smallest": True}),
                      ((_away((2, 3, 2)),), {"smallest": False})],
    # a 0-d input: axis () reduces nothing (the public functions map axis 0 / -1 of a 0-d value to it)
    "sum": [((_away(()),), {"axis": (), "keepdims": False})],
    "mean": [((_away(()),), {"axis": (), "keepdims": True})],
    "max": [((_away(()),), {"axis": (), "keepdims": False})],
    "logsumexp": [((_away(()),), {"axis": (), "keepdims": False})],
    "softmax": [((_away(()),), {"axis": ()})],
    "log_softmax": [((_away(()),), {"axis": ()})],
}

FIRST_ORDER_ONLY = {} if hasattr(XP.linalg, "svd") else {
    name: "its VJP needs the SVD of a Tensor (gl.svd in the Tensor namespace), not there yet"
    for name in ("nuclear_norm", "spectral_norm")}
