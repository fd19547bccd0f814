"""gl.nn.models.lenet against torch.nn in float64 and float32, and the documented digits example (build, fit,
evaluate)."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError
from gradlab.nn.models import lenet

torch = pytest.importorskip("torch")


def _torch_lenet(model, dtype):
    nn = torch.nn
    layers = []
    for m in model.children():
        name = type(m).__name__
        if name == "Conv2d":
            layers.append(nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, padding=m.padding))
        elif name == "MaxPool2d":
            layers.append(nn.MaxPool2d(m.kernel_size))
        elif name == "Linear":
            layers.append(nn.Linear(m.in_features, m.out_features))
        else:
            layers.append({"ReLU": nn.ReLU, "Flatten": nn.Flatten}[name]())
    t = nn.Sequential(*layers).to(dtype)
    t.load_state_dict({k: torch.from_numpy(np.array(v.data)) for k, v in model.state_dict().items()})
    return t


@pytest.mark.parametrize("dtype, image, tol", [("float64", 8, 1e-12), ("float64", 28, 1e-12), ("float32", 28, 2e-5)])
def test_lenet_loss_and_gradients_equal_torch(dtype, image, tol):
    model = lenet(1, image, 10, rng=3, dtype=dtype)
    reference = _torch_lenet(model, getattr(torch, dtype))
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 1, image, image)).astype(dtype)
    y = rng.integers(0, 10, 5)
    loss = gl.nn.CrossEntropyLoss()(model(gl.tensor(X)), gl.tensor(y))
    loss.backward()
    t_loss = torch.nn.functional.cross_entropy(reference(torch.from_numpy(X)), torch.from_numpy(y))
    t_loss.backward()
    assert abs(loss.item() - t_loss.item()) <= tol * abs(t_loss.item())
    grads = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        expected = grads[name].grad.numpy()
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad, expected, rtol=tol * 10, atol=tol * np.abs(expected).max())


def test_lenet_layout_is_lenet5_on_28_pixels_and_padded_on_8():
    big, small = lenet(rng=0), lenet(1, 8, 10, rng=0)
    assert [p.shape for p in big.parameters()] == [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 256), (120,),
                                                   (84, 120), (84,), (10, 84), (10,)]
    assert big[0].padding == (0, 0) and small[0].padding == (2, 2) and small[7].in_features == 16 * 2 * 2
    assert big(gl.zeros((2, 1, 28, 28))).shape == (2, 10)


def test_lenet_is_seeded():
    a, b, c = lenet(1, 8, 10, rng=5), lenet(1, 8, 10, rng=5), lenet(1, 8, 10, rng=6)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)


@pytest.mark.parametrize("kwargs, words", [
    ({"image_size": 3}, ["3×3 images are too small", "kernel_size"]),
    ({"image_size": 8, "kernel_size": 9, "padding": 0}, ["8×8", "9×9"]),
    ({"padding": -1}, ["padding", "-1"]),
])
def test_lenet_refuses_images_too_small_for_its_blocks(kwargs, words):
    with pytest.raises(ParameterError) as info:
        lenet(**kwargs)
    for w in words:
        assert w in str(info.value)


def test_documented_digits_example_reaches_98_percent():
    # the example of docs/nn.md ("A convolutional network on the digits"), as written there
    import gradlab as gl
    from gradlab.nn.models import lenet

    X, y = gl.data.digits()                       # X (1797, 64): 8×8 images, pixels 0..16; y (1797,) in 0..9
    images = (X / 16.0).reshape(-1, 1, 8, 8)      # (N, C, H, W) with pixels in [0, 1]

    model = lenet(in_channels=1, image_size=8, classes=10, channels=(16, 32), kernel_size=3, rng=0)
    optimizer = gl.optim.Adam(model.parameters(), lr=0.003)
    history = gl.fit(model, gl.nn.CrossEntropyLoss(), optimizer, images, y, epochs=10, batch_size=32,
                     validation_split=0.2, seed=0, verbose=0)
    print(f"held-out accuracy: {history.history['val_accuracy'][-1]:.1%}")

    assert history.history["val_accuracy"][-1] >= 0.98
    predicted = model.predict(images[:100]).argmax(axis=1)  # (100,) class indices
    assert predicted.shape == (100,) and (predicted == y[:100]).mean() >= 0.95
