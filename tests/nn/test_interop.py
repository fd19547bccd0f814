"""to_torch / from_torch carry a Sequential MLP across with identical outputs."""

import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl

X = np.random.default_rng(0).standard_normal((9, 3))


def test_importing_gradlab_nn_does_not_import_torch():
    code = ("import sys, gradlab as gl; gl.nn.MLP([2, 2]); gl.optim.SGD; gl.io; "
            "print(any(m in sys.modules for m in ('torch', 'matplotlib', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_round_trip_through_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    model = gl.nn.Sequential(gl.nn.Linear(3, 5, rng=0), gl.nn.LeakyReLU(0.2), gl.nn.Linear(5, 4, rng=1),
                             gl.nn.Tanh(), gl.nn.Linear(4, 3, rng=2), gl.nn.Sigmoid(), gl.nn.Identity(),
                             gl.nn.Linear(3, 2, bias=False, rng=3), gl.nn.ReLU(), gl.nn.Softmax())
    tmodel = gl.nn.to_torch(model)
    assert isinstance(tmodel, torch.nn.Sequential) and tmodel[0].weight.dtype == torch.float64
    np.testing.assert_allclose(tmodel(torch.from_numpy(X)).detach().numpy(), model.predict(X), rtol=1e-13)
    back = gl.nn.from_torch(tmodel)
    assert back.to_config() == gl.nn.Sequential(*model).to_config()
    for p, q in zip(model.parameters(), back.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    # the weights are copies, not shared
    with torch.no_grad():
        tmodel[0].weight.zero_()
    assert np.any(model[0].weight.data != 0)


def test_from_torch_keeps_a_trained_torch_model():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    ours = gl.nn.from_torch(tmodel)
    assert ours[0].weight.data.dtype == np.float32
    np.testing.assert_allclose(ours.predict(X.astype(np.float32)),
                               tmodel(torch.from_numpy(X.astype(np.float32))).detach().numpy(), rtol=1e-5)
    with pytest.raises(gl.InputTypeError, match="layer 1 \\(Dropout2d\\) is not supported"):
        gl.nn.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout2d()))
    with pytest.raises(gl.InputTypeError, match="Step"):
        gl.nn.to_torch(gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Step()))
