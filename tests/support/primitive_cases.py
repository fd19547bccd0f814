"""Sample inputs for every registered primitive, for the table-driven tests.

``CASES[name]`` is a list of ``(args, params)``. An arg is a NumPy array (an
input that gets a gradient) or ``Const(value)`` (a constant input: a
condition, an exponent, a missing bias). Values avoid the points where a
rule is not differentiable (0 for relu/abs, ties for max). Files
``tests/core/cases_*.py`` may add cases for rows registered elsewhere.
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib

import numpy as np


class Const:
    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Const({self.value!r})"


R = np.random.default_rng(42)


def away(shape, margin=0.2):
    """Random values at least ``margin`` away from 0."""
    z = R.standard_normal(shape)
    return np.sign(z + (z == 0)) * (margin + np.abs(z))


def pos(shape):
    return 0.5 + R.random(shape) * 2


def distinct(shape):
    n = int(np.prod(shape)) if shape else 1
    return (R.permutation(n).astype(float) * 0.37 - 1.1).reshape(shape)


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((2, 3), ())]

CASES: dict[str, list] = {}

for name in ("exp", "sin", "cos", "tanh", "sigmoid", "relu", "heaviside", "abs", "softplus", "log_sigmoid", "neg"):
    CASES[name] = [((away(s),), {}) for s in UNARY_SHAPES]
CASES["leaky_relu"] = [((away(s),), {"negative_slope": 0.1}) for s in UNARY_SHAPES]
for name in ("log", "sqrt"):
    CASES[name] = [((pos(s),), {}) for s in UNARY_SHAPES]
for name in ("add", "sub", "mul"):
    CASES[name] = [((away(a), away(b)), {}) for a, b in BINARY_SHAPES]
CASES["div"] = [((away(a), away(b, 0.5)), {}) for a, b in BINARY_SHAPES]
CASES["pow"] = [((pos(a), away(b)), {}) for a, b in BINARY_SHAPES] + [
    ((away((2, 3)), Const(3.0)), {}),
    ((pos((3,)), Const(0.5)), {}),
]


def _pair_distinct(a, b):
    x = distinct(a) if a else np.array(0.3)
    y = np.broadcast_to(distinct(b) if b else np.array(-0.2), b).copy() + 0.05
    return x, y


CASES["maximum"] = [(_pair_distinct(a, b), {}) for a, b in BINARY_SHAPES]
CASES["minimum"] = [(_pair_distinct(a, b), {}) for a, b in BINARY_SHAPES]
CASES["where"] = [
    ((Const(np.array([True, False, True])), away((3,)), away((3,))), {}),
    ((Const(R.random((2, 3)) > 0.5), away((2, 3)), away((3,))), {}),
]
CASES["astype"] = [((away(s),), {"dtype": np.dtype(np.float64)}) for s in UNARY_SHAPES]  # float32 is tested apart
CASES["clip"] = [((np.array([-1.3, -0.2, 0.1, 0.45, 2.0]),), {"min": -0.5, "max": 0.5}),
                 ((away((2, 3)),), {"min": 0.0, "max": None})]

REDUCE_SETTINGS = [(None, False), (None, True), ((0,), False), ((1,), True), ((0, 1), False)]
for name in ("sum", "mean", "logsumexp"):
    CASES[name] = [((away((3, 4)),), {"axis": ax, "keepdims": kd}) for ax, kd in REDUCE_SETTINGS] + [
        ((away((4,)),), {"axis": None, "keepdims": False}),
        ((away((2, 3, 4)),), {"axis": (1, 2), "keepdims": False}),
    ]
CASES["max"] = [((distinct((3, 4)),), {"axis": ax, "keepdims": kd}) for ax, kd in REDUCE_SETTINGS] + [
    ((distinct((2, 3, 4)),), {"axis": (0, 2), "keepdims": True}),
]
for name in ("softmax", "log_softmax"):
    CASES[name] = [((away((3, 4)),), {"axis": 1}), ((away((3, 4)),), {"axis": 0}), ((away((5,)),), {"axis": 0})]

CASES["matmul"] = [
    ((away((3,)), away((3,))), {}),
    ((away((2, 3)), away((3,))), {}),
    ((away((3,)), away((3, 2))), {}),
    ((away((2, 3)), away((3, 4))), {}),
    ((away((2, 2, 3)), away((3, 4))), {}),
    ((away((2, 2, 3)), away((2, 3, 2))), {}),
    ((away((2, 3)), away((2, 3, 2))), {}),
    ((away((2, 2, 3)), away((3,))), {}),
    ((away((3,)), away((2, 3, 2))), {}),
]
CASES["transpose"] = [((away((2, 3)),), {"axes": (1, 0)}), ((away((2, 3, 4)),), {"axes": (2, 0, 1)})]


def well_conditioned(n):
    return np.eye(n) * 2.0 + R.standard_normal((n, n)) * 0.3


CASES["trace"] = [((away((3, 3)),), {})]
CASES["diag"] = [((away((3,)),), {})]
CASES["diagonal"] = [((away((3, 3)),), {})]
CASES["inv"] = [((well_conditioned(3),), {}), ((np.stack([well_conditioned(2), well_conditioned(2)]),), {})]
CASES["det"] = [((well_conditioned(3),), {}), ((-well_conditioned(2),), {})]
CASES["logdet"] = [((well_conditioned(3),), {}), ((well_conditioned(3) @ np.diag([1.0, -1.0, 1.0]),), {})]
CASES["outer"] = [((away((3,)), away((4,))), {})]
CASES["reshape"] = [((away((2, 3)),), {"shape": (3, 2)}), ((away((6,)),), {"shape": (2, 3)})]
CASES["broadcast_to"] = [((away((3,)),), {"shape": (2, 3)}), ((away((2, 1)),), {"shape": (2, 3)}),
                         ((away(()),), {"shape": (2,)})]
CASES["getitem"] = [
    ((away((4, 3)),), {"index": (slice(0, 2), Ellipsis)}),
    ((away((4, 3)),), {"index": (slice(0, 2),)}),
    ((away((4, 3)),), {"index": (1, Ellipsis)}),
    ((away((4, 3)),), {"index": 1}),
    ((away((4, 3)),), {"index": (Ellipsis, 0)}),
    ((away((4,)),), {"index": np.array([0, 2, 0, 0])}),  # repeated: accumulates
    ((away((4, 3)),), {"index": (np.array([1, 1]), np.array([0, 2]))}),
    ((away((4,)),), {"index": np.array([True, False, True, True])}),
]
CASES["scatter_add"] = [((away((4,)),), {"index": np.array([0, 2, 0, 1]), "shape": (3,)}),
                        ((away((2, 3)),), {"index": (slice(1, 3), Ellipsis), "shape": (4, 3)})]
CASES["concatenate"] = [((away((2, 3)), away((1, 3))), {"axis": 0}), ((away((2, 3)), away((2, 2)), away((2, 1))), {"axis": 1})]
CASES["stack"] = [((away((3,)), away((3,))), {"axis": 0}), ((away((2, 3)), away((2, 3))), {"axis": 2})]
CASES["linear"] = [
    ((away((4, 3)), away((2, 3)), away((2,))), {}),
    ((away((3,)), away((2, 3)), away((2,))), {}),
    ((away((2, 4, 3)), away((2, 3)), away((2,))), {}),
    ((away((4, 3)), away((2, 3)), Const(None)), {}),
]

CASES["mse_loss"] = [((away((4, 2)), away((4, 2))), {"reduction": r}) for r in ("mean", "sum", "none")]
CASES["dense_stack"] = [
    ((away((5, 3)), away((4, 3)), away((4,)), away((2, 4)), away((2,))),
     {"activations": ("relu", "sigmoid"), "negative_slope": 0.01}),
    ((away((3,)), away((4, 3)), away((4,)), away((4, 4)), away((4,)), away((1, 4)), away((1,))),
     {"activations": ("tanh", "leaky_relu", "identity"), "negative_slope": 0.1}),
]

# indices the array API standard has no scatter-add for. A family file may add rows: name -> (reason, predicate
# of the case's params saying whether that case is left out), e.g. "erf": ("no erf in the standard", None) for all
NOT_ARRAY_API = {"getitem": ("the standard has no integer-array indexing or scatter-add",
                             lambda p: not _basic(p["index"])),
                 "scatter_add": ("the standard has no integer-array indexing or scatter-add",
                                 lambda p: not _basic(p["index"]))}

# rows whose VJP is not itself differentiable (a name -> the reason); the second-order table skips them
FIRST_ORDER_ONLY: dict[str, str] = {}

# cases for rows registered in families (tests/support/cases_*.py): CASES, NOT_ARRAY_API, FIRST_ORDER_ONLY
for path in sorted(pathlib.Path(__file__).parent.glob("cases_*.py")):
    spec = importlib.util.spec_from_file_location(f"gradlab_test_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for key, value in getattr(mod, "CASES", {}).items():
        CASES.setdefault(key, []).extend(value)
    NOT_ARRAY_API.update(getattr(mod, "NOT_ARRAY_API", {}))
    FIRST_ORDER_ONLY.update(getattr(mod, "FIRST_ORDER_ONLY", {}))


def _basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(i is Ellipsis for i in items) and all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in items)
