"""The slides' worked example: a 1–2–3–1 sigmoid network, BCE, one SGD step (η = 0.1).

Every number the slides print is asserted to their 4 decimals. Where the
slides are inconsistent, the computed value is asserted and the slide's typo
noted: the verification pass uses a₁⁽²⁾ = 0.6174 (one line misprints 0.6147),
and the closing summary's 0.7862 is 0.7823 by the slides' own computation.
"""

import numpy as np
import pytest

import gradlab as gl


def slides_network():
    net = gl.nn.Sequential(
        gl.nn.Linear(1, 2), gl.nn.Sigmoid(),
        gl.nn.Linear(2, 3), gl.nn.Sigmoid(),
        gl.nn.Linear(3, 1), gl.nn.Sigmoid(),
    )
    net[0].set_parameters(weight=[[0.1], [0.1]], bias=[0.1, 0.2])
    net[2].set_parameters(weight=[[0.2, 0.1], [0.3, 0.2], [0.1, 0.3]], bias=[0.3, 0.1, 0.2])
    net[4].set_parameters(weight=[[0.4, 0.2, 0.6]], bias=[0.5])
    return net


X = np.array([[2.0]])
Y = np.array([[1.0]])


def r4(x):
    return np.round(np.asarray(x, dtype=float), 4)


def test_forward_pass_matches_the_slides():
    net = slides_network()
    a1 = net[:2](X).numpy()
    a2 = net[:4](X).numpy()
    z3 = net[:5](X).numpy()
    out = net(X).numpy()
    np.testing.assert_array_equal(r4(a1), [[0.5744, 0.5987]])
    np.testing.assert_array_equal(r4(net[:3](X).numpy()), [[0.4748, 0.3921, 0.4371]])
    np.testing.assert_array_equal(r4(a2), [[0.6165, 0.5968, 0.6076]])  # slides then round a₃ as 0.6075
    assert r4(z3).item() == 1.2305
    assert r4(out).item() == 0.7739
    loss = gl.nn.BCELoss()(net(X), Y)
    assert r4(loss.item()) == 0.2563


def test_gradients_match_the_slides():
    net = slides_network()
    loss = gl.nn.BCELoss()(net(X), Y)
    loss.backward()
    # ∂L/∂ŷ = −1/ŷ and ∂L/∂z⁽³⁾ = ŷ − y
    bce = gl.nn.BCELoss()
    yhat = net(X).numpy()
    assert r4(bce.derivative(yhat, Y)).item() == -1.2921
    assert r4(net[4].bias.grad).tolist() == [-0.2261]
    np.testing.assert_array_equal(r4(net[4].weight.grad), [[-0.1394, -0.1349, -0.1374]])
    np.testing.assert_array_equal(r4(net[2].bias.grad), [-0.0214, -0.0109, -0.0323])
    np.testing.assert_array_equal(r4(net[2].weight.grad), [[-0.0123, -0.0128], [-0.0063, -0.0065], [-0.0186, -0.0194]])
    # the slides print 5 decimals computed from rounded intermediates (−0.01078 × 0.2445):
    # exact values agree to 4 decimals and lie within 1e-5 of the printed ones
    np.testing.assert_array_equal(r4(net[0].bias.grad), [-0.0026, -0.0034])
    np.testing.assert_array_equal(r4(net[0].weight.grad), [[-0.0053], [-0.0067]])
    np.testing.assert_allclose(net[0].bias.grad, [-0.00264, -0.00337], atol=1e-5)
    np.testing.assert_allclose(net[0].weight.grad, [[-0.00528], [-0.00674]], atol=2e-5)


def test_one_sgd_step_gives_the_slides_updated_weights():
    net = slides_network()
    opt = gl.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = gl.nn.BCELoss()
    before = loss_fn(net(X), Y)
    opt.zero_grad()
    before.backward()
    opt.step()
    np.testing.assert_array_equal(r4(net[4].bias.data), [0.5226])
    np.testing.assert_array_equal(r4(net[4].weight.data), [[0.4139, 0.2135, 0.6137]])
    np.testing.assert_array_equal(r4(net[2].bias.data), [0.3021, 0.1011, 0.2032])
    np.testing.assert_array_equal(r4(net[2].weight.data), [[0.2012, 0.1013], [0.3006, 0.2007], [0.1019, 0.3019]])
    np.testing.assert_array_equal(r4(net[0].bias.data), [0.1003, 0.2003])
    np.testing.assert_array_equal(r4(net[0].weight.data), [[0.1005], [0.1007]])
    after_out = net(X)
    after = loss_fn(after_out, Y)
    assert r4(before.item()) == 0.2563
    assert r4(after_out.item()) == 0.7823  # the closing summary's 0.7862 is a typo
    assert r4(after.item()) == 0.2455
    assert r4(before.item() - after.item()) == 0.0108
    # verification pass of the slides: a⁽²⁾ with the new weights (0.6174, misprinted once as 0.6147)
    np.testing.assert_array_equal(r4(net[:4](X).numpy()), [[0.6174, 0.5973, 0.6089]])


def test_logit_gradient_is_prediction_minus_target():
    net = slides_network()
    z3 = net[:5](X)
    g = gl.grad(lambda z: gl.nn.BCELoss()(gl.sigmoid(z), Y))(z3.numpy())
    yhat = 1 / (1 + np.exp(-z3.numpy()))
    np.testing.assert_allclose(g, yhat - Y, rtol=1e-12)
    assert r4(g).item() == -0.2261
