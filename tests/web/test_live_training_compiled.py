"""The explorer's live training through fit's compiled loop (web/training.py, train/compiled.py): the same
mini-batches, losses, recorded weights and divergence as training step by step through the model."""

import numpy as np
import pytest

import gradlab.train.compiled as compiled
from gradlab.core import native
from gradlab.core.errors import ParameterError
from gradlab.web.training import Session, dataset

pytestmark = pytest.mark.skipif(native.TRAINLOOP is None,
                                reason="compiled training loop not built (gradlab._trainloop)")


def _session(loop, activation="tanh", lr=0.5, layers=(2, 16, 16, 1), batch=8, data="moons", scale=1.0):
    saved = compiled.TRAINLOOP
    compiled.TRAINLOOP = saved if loop else None
    try:
        X, y = dataset(data, 3)
        X = X * scale
        return Session(X, y, list(layers), activation, lr, batch, 3)
    finally:
        compiled.TRAINLOOP = saved


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "leaky_relu", "identity"])
def test_live_steps_match_step_by_step_training(activation):
    fast, slow = _session(True, activation), _session(False, activation)
    assert fast.plan is not None and slow.plan is None
    a = fast.steps(150) + fast.steps(7)
    b = slow.steps(150) + slow.steps(7)
    assert [s for s, _ in a] == [s for s, _ in b] == list(range(1, 158))
    np.testing.assert_allclose([v for _, v in a], [v for _, v in b], rtol=1e-12)
    for step in (1, 2, 77, 157):
        wa, ia = fast.history[step]
        wb, ib = slow.history[step]
        np.testing.assert_array_equal(ia, ib)
        for x, y in zip(wa, wb):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)
        assert fast.state_at(step)["x"] == slow.state_at(step)["x"]
    for p, q in zip(fast.model.parameters(), slow.model.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-12, atol=1e-15)


def test_live_divergence_stops_at_the_same_step_with_the_same_message():
    messages, records = [], []
    for loop in (True, False):
        s = _session(loop, "identity", lr=10.0, layers=(2, 16, 16, 16, 1), batch=16, scale=1e40)
        with pytest.raises(ParameterError) as err:
            for _ in range(50):
                s.steps(10)
        messages.append(str(err.value).split(" (the loss")[0])
        records.append(sorted(s.history))
        with pytest.raises(ParameterError, match="training diverged"):
            s.steps(1)  # the session stays stopped
    assert messages[0] == messages[1] and messages[0].startswith("lr: training diverged at step ")
    assert records[0] == records[1]
