"""Where things live: the registry complete after ``import gradlab``, hints and operators on the rows and the
Tensor, the fast loops' contract, the one backward engine, and the nn modules without an import circle."""

import ast
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl
from gradlab.core import graph
from gradlab.core.primitive import PRIMITIVES
from gradlab.core.tensor import Tensor
from gradlab.ops import _loops

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "gradlab"


def _fresh(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.split()


# ---------------------------------------------------------------- registry
def test_the_registry_is_complete_after_import_gradlab():
    before, after = _fresh("import gradlab as gl; n = len(gl.PRIMITIVES); import gradlab.nn, gradlab.train; "
                           "print(n, len(gl.PRIMITIVES))")
    assert before == after
    assert int(before) == len(PRIMITIVES)


def test_the_loss_rows_are_registered_by_import_gradlab():
    names = _fresh("import gradlab as gl; print(' '.join(sorted(gl.PRIMITIVES)))")
    assert {"binary_cross_entropy", "bce_with_logits", "softmax_cross_entropy", "cross_entropy_loss",
            "mse_loss", "dense_stack", "linear"} <= set(names)


# ------------------------------------------------------------------- hints
def test_error_hints_are_a_field_of_their_rows():
    assert PRIMITIVES["matmul"].hint is not None and PRIMITIVES["linear"].hint is not None
    assert PRIMITIVES["exp"].hint is None
    with pytest.raises(gl.ShapeError, match=r"matmul: \(2, 3\) @ \(2, 3\): inner dimensions 3 and 2 differ"):
        gl.tensor(np.ones((2, 3))) @ np.ones((2, 3))
    with pytest.raises(gl.ShapeError, match="expects in_features = 2"):
        gl.linear(np.ones((2, 3)), np.ones((4, 2)))


def test_a_row_with_a_hint_reports_it():
    from gradlab.core.primitive import Primitive
    from gradlab.core.tensor import apply

    row = Primitive("pairs", lambda x: x.reshape(-1, 2), (lambda g, out, x: g.reshape(x.shape),),
                    hint=lambda datas, params: f"pairs: {np.size(datas[0])} is odd")  # not registered: a test row
    with pytest.raises(gl.ShapeError, match="pairs: 3 is odd"):
        apply(row, np.ones(3))


# --------------------------------------------------------------- operators
@pytest.mark.parametrize("name", ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
                                  "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
                                  "__abs__", "__getitem__", "__lt__", "__eq__", "__invert__", "T", "mT", "sum",
                                  "exp", "reshape", "__array_namespace__"])
def test_operators_and_methods_are_defined_in_the_tensor_class(name):
    assert name in Tensor.__dict__


def test_operators_apply_their_rows():
    x = gl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert (x + 1).op is PRIMITIVES["add"] and (1 - x).op is PRIMITIVES["sub"] and (2 / x).op is PRIMITIVES["div"]
    assert (x @ x).op is PRIMITIVES["matmul"] and (np.ones((2, 2)) @ x).op is PRIMITIVES["matmul"]
    assert x.T.op is PRIMITIVES["transpose"] and x[0].op is PRIMITIVES["getitem"] and (-x).op is PRIMITIVES["neg"]
    np.testing.assert_array_equal((1 - x).data, 1 - x.data)
    np.testing.assert_array_equal((2 ** x).data, 2 ** x.data)
    assert (x > 2).data.tolist() == [[False, False], [True, True]] and (x > 2).op is None
    assert {x: 1}[x] == 1  # hashable by identity, though __eq__ is defined


# ------------------------------------------------------------- fast loops
def test_every_fast_loop_declines_what_it_does_not_take():
    t = gl.tensor(np.ones((3, 2)))
    a = np.ones((3, 2))
    assert _loops.linear(t, a, None) is None and _loops.linear(np.ones((2, 3, 2)), a, None) is None
    assert _loops.linear_dx(t, a) is None and _loops.linear_dw(np.ones(3), a) is None
    assert _loops.column_sums(np.ones(3)) is None and _loops.relu_grad(a, t) is None
    assert _loops.dense_forward(np.ones(3), [a, None], ("relu",), 0.01, None) is None
    assert _loops.delta_recursion(np.ones(3), [a], [a, None], ("relu",), 0.01, [True] * 3, None) is None
    assert _loops.sum_of_squares(t) is None and _loops.seed_times(np.ones(1), 2.0, a) is None
    assert _loops.log_softmax(t) is None and _loops.softmax_cross_entropy(a, t) is None
    assert _loops.softmax_cross_entropy_dz(np.ones(3), a, t) is None
    assert _loops.cross_entropy(t, a, 1.0) is None and _loops.cross_entropy_dz(None, a, np.ones(()), 1.0, (3, 2)) is None


def test_the_rule_files_hold_no_numpy_branches_or_kernel_calls():
    for name in ("nn.py", "losses.py"):
        text = (SRC / "ops" / name).read_text(encoding="utf-8")
        for banned in ("is np.ndarray", "KERNELS", "SMALL_PRODUCT", ".dot(", "µs"):
            assert banned not in text, f"ops/{name} holds {banned!r}: it belongs in ops/_loops.py"


# ------------------------------------------------------------------ engine
def test_one_backward_loop_serves_backward_the_transforms_and_the_fused_step(monkeypatch):
    walked = []
    real = graph.propagate

    def counting(*args, **kwargs):
        walked.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(graph, "propagate", counting)
    x = gl.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    gl.grad(lambda t: (t * t).sum())(np.array([1.0, 2.0]))
    with gl.detect_anomaly():
        (x * x).sum().backward()
    assert len(walked) == 3


def test_the_fused_step_hands_gradients_to_leaves_through_the_engine(monkeypatch):
    from gradlab.train import fused

    model = gl.nn.MLP([3, 4, 2], rng=0)
    loss = gl.nn.MSELoss()
    handed = []
    real = graph.joint_to_leaf
    monkeypatch.setattr(graph, "joint_to_leaf", lambda leaf, gi, g: handed.append(leaf) or real(leaf, gi, g))
    assert fused.fused_step(model, loss)(np.ones((5, 3)), np.zeros((5, 2))) is not None
    assert [id(p) for p in handed] == [id(p) for p in model.parameters()]


def test_the_fused_step_leaves_parameters_made_by_an_operation_to_the_general_path():
    from gradlab.train import fused

    model = gl.nn.MLP([3, 3, 2], rng=0)
    source = gl.tensor(np.eye(3), requires_grad=True)
    model[0].weight = source * 1.0  # a parameter computed from another: backward() follows its graph
    assert fused.fused_step(model, gl.nn.MSELoss())(np.ones((5, 3)), np.zeros((5, 2))) is None


def test_a_leaf_backward_in_anomaly_mode_stores_a_copy_of_the_seed():
    x = gl.tensor(3.0, requires_grad=True)
    with gl.detect_anomaly():
        x.backward()
    assert x.grad == 1.0 and x.grad.flags.writeable


# ---------------------------------------------------------------------- nn
def test_containers_are_importable_from_gl_nn_and_their_room():
    from gradlab.nn.containers import MLP, Sequential
    from gradlab.nn.module import Module

    assert gl.nn.Sequential is Sequential and gl.nn.MLP is MLP
    assert gl.nn.Module is Module
    assert {"Sequential", "MLP"} <= set(gl.nn.MODULE_TYPES)


def test_module_layers_and_activations_import_no_container_or_planner_at_load():
    def imported(name):
        tree = ast.parse((SRC / "nn" / name).read_text(encoding="utf-8"))
        return {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1}

    assert imported("module.py") == set()
    assert not imported("layers.py") & {"containers", "fusion", "activations"}
    assert not imported("activations.py") & {"containers", "fusion", "layers"}
