"""Grad-check cases for the shape rows of ``gradlab/ops/shape_more.py`` and ``shape_index.py``.

Values are distinct (no ties for sort and topk); index arrays repeat entries so the scatter-adds accumulate.
"""

import numpy as np

import gradlab.ops.shape  # noqa: F401  (registers the rows)

from support.primitive_cases import Const  # noqa: F401

_R = np.random.default_rng(18)


def _x(shape):
    z = _R.standard_normal(shape)
    return np.sign(z + (z == 0)) * (0.2 + np.abs(z))


def _distinct(shape):
    n = int(np.prod(shape))
    return (_R.permutation(n) * 0.37 - 1.1 + _R.random(n) * 0.1).reshape(shape)


CASES = {
    "flip": [((_x((3,)),), {"axis": (0,)}), ((_x((2, 3)),), {"axis": (1,)}), ((_x((2, 3, 2)),), {"axis": (0, 2)}),
             ((_x(()),), {"axis": ()})],
    "squeeze": [((_x((1, 3, 1)),), {"axis": (0, 2)}), ((_x((2, 1)),), {"axis": (1,)}), ((_x((1,)),), {"axis": (0,)})],
    "expand_dims": [((_x((3,)),), {"axis": (0,)}), ((_x((2, 3)),), {"axis": (1, 3)}), ((_x(()),), {"axis": (0,)})],
    "moveaxis": [((_x((2, 3, 4)),), {"source": (0,), "destination": (2,)}),
                 ((_x((2, 3, 4)),), {"source": (2, 0), "destination": (0, 1)}),
                 ((_x((2, 3)),), {"source": (1,), "destination": (0,)})],
    "swapaxes": [((_x((2, 3)),), {"axis1": 0, "axis2": 1}), ((_x((2, 3, 4)),), {"axis1": 2, "axis2": 0})],
    "tile": [((_x((3,)),), {"reps": (2,)}), ((_x((2, 3)),), {"reps": (2, 1)}), ((_x((3,)),), {"reps": (2, 2)}),
             ((_x(()),), {"reps": (3,)})],
    "tril": [((_x((3, 3)),), {"k": 0}), ((_x((3, 4)),), {"k": -1}), ((_x((2, 3, 3)),), {"k": 1})],
    "triu": [((_x((3, 3)),), {"k": 0}), ((_x((4, 3)),), {"k": 1}), ((_x((2, 3, 3)),), {"k": -1})],
    "take_along_axis": [
        ((_x((4,)),), {"indices": np.array([0, 2, 0, 3, 0]), "axis": 0}),  # repeated: accumulates
        ((_x((2, 3)),), {"indices": np.array([[2, 2], [0, 1]]), "axis": 1}),
        ((_x((3, 2)),), {"indices": np.array([[1, 0], [1, 1], [2, 0], [0, 0]]), "axis": 0}),
        ((_x((1, 3)),), {"indices": np.array([[0, 2], [1, 1], [2, 2]]), "axis": 1}),  # broadcast outside the axis
    ],
    "gather": [
        ((_x((4,)),), {"index": np.array([1, 1, 3]), "axis": 0}),
        ((_x((2, 3)),), {"index": np.array([[0, 0, 2, 1], [2, 1, 1, 0]]), "axis": 1}),
        ((_x((3, 4)),), {"index": np.array([[2, 0, 1], [2, 2, 0]]), "axis": 0}),  # smaller than x outside dim
    ],
    "scatter_add_along": [
        ((_x((4,)), _x((5,))), {"index": np.array([0, 2, 0, 3, 0]), "axis": 0}),
        ((_x((2, 3)), _x((2, 4))), {"index": np.array([[0, 0, 2, 1], [2, 1, 1, 1]]), "axis": 1}),
        ((_x((3, 4)), _x((2, 3))), {"index": np.array([[2, 0, 1], [2, 2, 0]]), "axis": 0}),  # smaller outside dim
    ],
    "repeat": [((_x((3,)),), {"repeats": 2, "axis": 0}), ((_x((2, 3)),), {"repeats": (1, 0, 3), "axis": 1}),
               ((_x((2, 2)),), {"repeats": 2, "axis": None}), ((_x(()),), {"repeats": 3, "axis": None})],
    "pad": [
        ((_x((3,)),), {"pad_width": ((2, 1),), "mode": "constant", "constant_values": 0.5}),
        ((_x((2, 3)),), {"pad_width": ((1, 0), (2, 2)), "mode": "constant", "constant_values": 0.0}),
        ((_x((2, 3)),), {"pad_width": ((1, 2), (2, 1)), "mode": "edge", "constant_values": 0.0}),
        ((_x((3, 4)),), {"pad_width": ((2, 1), (3, 2)), "mode": "reflect", "constant_values": 0.0}),
        ((_x((3,)),), {"pad_width": ((5, 4),), "mode": "reflect", "constant_values": 0.0}),  # wider than the axis
        ((_x((2, 3)),), {"pad_width": ((0, 0), (2, 3)), "mode": "symmetric", "constant_values": 0.0}),
        ((_x((2, 3)),), {"pad_width": ((1, 1), (4, 2)), "mode": "wrap", "constant_values": 0.0}),
    ],
    "sort": [((_distinct((5,)),), {"axis": 0, "descending": False}),
             ((_distinct((3, 4)),), {"axis": 1, "descending": True}),
             ((_distinct((3, 4)),), {"axis": 0, "descending": False})],
    "topk": [((_distinct((5,)),), {"k": 2, "axis": 0, "largest": True, "sorted": True}),
             ((_distinct((3, 4)),), {"k": 3, "axis": 1, "largest": False, "sorted": True}),
             ((_distinct((4, 3)),), {"k": 2, "axis": 0, "largest": True, "sorted": False})],
}

# the one-hot scatter-add of other namespaces needs the index to match x outside the axis
_SMALLER = ("the standard has no scatter-add; the one-hot stand-in needs index to match x outside the axis",
            lambda p: p["index"].shape == (2, 3) and p["axis"] == 0)
NOT_ARRAY_API = {"gather": _SMALLER, "scatter_add_along": _SMALLER}
