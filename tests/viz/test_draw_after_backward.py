"""Drawing a computation graph after ``backward()`` freed it: the record ``backward()`` keeps of small graphs
(``core.kept.Kept``) gives every node's value and gradient as that pass saw them, exactly, whatever an update in
place, clipping or ``zero_grad`` do afterwards; larger graphs, and a training step's (a leaf an optimizer
updates), are refused with a message."""

import gc
import weakref

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import GraphError
from gradlab.core.kept import KEEP_NODES, KEEP_VALUES


def _tiny_model():
    gl.manual_seed(3)
    model = gl.nn.Sequential(gl.nn.Linear(2, 3), gl.nn.Tanh(), gl.nn.Linear(3, 1))
    X = gl.tensor([[0.5, -1.0], [2.0, 0.25]])
    Y = gl.tensor([[1.0], [0.0]])
    return model, X, Y


def _by_title(pic):
    return {n["title"]: n for n in pic.nodes}


def test_draw_after_backward_equals_draw_before_backward():
    x = gl.tensor([1.0, -2.0], requires_grad=True, name="x")
    w = gl.tensor([0.5, 0.25], requires_grad=True, name="w")
    loss = gl.sum(gl.tanh(x * w) ** 2)
    before = gl.viz.draw_graph(loss, engine="python")
    loss.backward()
    after = gl.viz.draw_graph(loss, engine="python")
    assert after.nodes == before.nodes and after.edges == before.edges
    assert all(n["grad"] is not None for n in after.nodes if n["kind"] != "const")
    t = np.tanh(np.array([0.5, -0.5]))
    expected_x = 2 * t * (1 - t ** 2) * np.array([0.5, 0.25])
    assert _by_title(after)["x"]["grad"] == "[" + ", ".join(f"{v:.3g}" for v in expected_x) + "]"


def test_draw_after_a_manual_update_shows_the_values_and_gradients_of_that_pass():
    model, X, Y = _tiny_model()
    loss = gl.nn.MSELoss()(model(X), Y)
    live = gl.viz.draw_graph(loss, engine="python")  # runs its own pass and keeps the graph
    loss.backward()
    grads = [p.grad.copy() for p in model.parameters()]
    datas = [p.data.copy() for p in model.parameters()]
    gl.nn.utils.clip_grad_norm_(model.parameters(), 1e-3)  # scales .grad in place
    for p in model.parameters():
        p.data -= 0.5 * p.grad  # the update as the smallest autograd engines write it: in place
        p.grad = None
    pic = gl.viz.draw_graph(loss, engine="python")
    assert pic.nodes == live.nodes
    leaves = [n for n in pic.nodes if n["kind"] == "leaf" and n["grad"] is not None]
    from gradlab.viz.graph import _summary
    assert sorted(n["value"] for n in leaves) == sorted(_summary(d) for d in datas)
    assert sorted(n["grad"] for n in leaves) == sorted(_summary(g) for g in grads)


def test_a_training_step_with_an_optimizer_keeps_no_record_and_is_refused_with_the_ways_to_draw_it():
    model, X, Y = _tiny_model()
    opt = gl.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss = gl.nn.MSELoss()(model(X), Y)
    loss.backward()
    assert getattr(loss, "_kept", None) is None  # nothing copied: a training loop pays nothing for drawing
    opt.step()
    with pytest.raises(GraphError, match="draw_graph: .*whose leaves no optimizer updates.*draw_graph\\(f, \\*inputs\\)"
                                         ".*before calling backward\\(\\).*retain_graph=True"):
        gl.viz.draw_graph(loss)
    loss = gl.nn.MSELoss()(model(X), Y)
    loss.backward(retain_graph=True)  # the way to draw a training step after its backward pass
    assert gl.viz.draw_graph(loss, engine="python").nodes


def test_to_dot_after_backward_reads_the_kept_record():
    x = gl.tensor([3.0], requires_grad=True, name="x")
    y = gl.sum(x * x)
    y.backward()
    dot = gl.viz.to_dot(y)
    assert 'x\\nshape (1,)\\n= 3\\ngrad 6' in dot


def test_a_leaf_that_already_held_a_gradient_is_marked_as_summed():
    x = gl.tensor([1.0, 2.0], requires_grad=True, name="x")
    (x * 3).sum().backward()
    y = (x * x).sum()
    y.backward()
    node = _by_title(gl.viz.draw_graph(y, engine="python"))["x"]
    assert node["grad"] == "[5, 7] (.grad, summed over backward passes)"


def test_backward_twice_is_still_refused_after_the_record_is_kept():
    x = gl.tensor([1.0], requires_grad=True)
    y = gl.sum(gl.exp(x))
    y.backward()
    with pytest.raises(GraphError, match="already freed.*retain_graph=True"):
        y.backward()


def test_a_graph_too_large_to_keep_is_refused_by_name_and_frees_its_values():
    x = gl.tensor(np.ones((40, 40)), requires_grad=True)
    h = gl.tanh(x * 2.0)
    ref = weakref.ref(h)
    y = gl.sum(h)
    del h
    y.backward()
    gc.collect()
    assert ref() is None  # the intermediate value went with the graph
    for draw, who in ((gl.viz.draw_graph, "draw_graph"), (gl.viz.to_dot, "to_dot")):
        with pytest.raises(GraphError, match=f"{who}: this tensor's graph was freed by backward\\(\\).*64 operations "
                                             "and 1,024 numbers.*draw_graph\\(f, \\*inputs\\)"):
            draw(y)
    assert x.size > KEEP_VALUES


def test_a_long_chain_is_not_kept():
    x = gl.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(KEEP_NODES + 1):
        y = y * 1.0
    y = gl.sum(y)
    y.backward()
    with pytest.raises(GraphError, match="draw_graph: this tensor's graph was freed"):
        gl.viz.draw_graph(y)


def test_the_record_holds_no_reference_cycle_to_its_loss():
    model, X, Y = _tiny_model()
    loss = gl.nn.MSELoss()(model(X), Y)
    loss.backward()
    assert gl.viz.draw_graph(loss).nodes
    ref = weakref.ref(loss)
    gc.disable()
    try:
        del loss
        assert ref() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_backward_under_anomaly_detection_keeps_the_record_too():
    x = gl.tensor([1.0, 2.0], requires_grad=True, name="x")
    with gl.detect_anomaly():
        y = gl.sum(gl.log(x))
        y.backward()
    assert _by_title(gl.viz.draw_graph(y, engine="python"))["log"]["grad"] == "[1, 1]"
    assert _by_title(gl.viz.draw_graph(y, engine="python"))["x"]["grad"] == "[1, 0.5]"


def test_backward_with_retain_graph_keeps_the_live_graph_instead():
    x = gl.tensor([2.0], requires_grad=True, name="x")
    y = gl.sum(x ** 3)
    y.backward(retain_graph=True)
    assert getattr(y, "_kept", None) is None
    assert _by_title(gl.viz.draw_graph(y, engine="python"))["x"]["grad"] == "12"
    y.backward()
    np.testing.assert_array_equal(x.grad, [24.0])


@pytest.mark.parametrize("view", [lambda w: w.T, lambda w: w.reshape(4), lambda w: w[0], lambda w: w[:, :1]],
                         ids=["transpose", "reshape", "row", "slice"])
def test_an_operation_whose_output_views_a_leaf_keeps_its_value_through_an_update_in_place(view):
    w = gl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="w")
    loss = gl.sum(view(w) * 2.0)
    loss.backward()
    before = gl.viz.draw_graph(loss, engine="python")
    w.data -= 0.1 * w.grad  # shares memory with the view's output
    assert gl.viz.draw_graph(loss, engine="python").nodes == before.nodes
    root_view = gl.sum(w).reshape(1)  # the root itself a view
    root_view.backward(gradient=np.ones(1))
    shown = gl.viz.draw_graph(root_view, engine="python").nodes[-1]["value"]
    w.data *= 0.0
    assert gl.viz.draw_graph(root_view, engine="python").nodes[-1]["value"] == shown
