"""TensorDataset and DataLoader behave as torch.utils.data's (lengths, batches, drop_last), shuffle reproducibly
from their generator with a new order each epoch, and fit trains on a DataLoader exactly as on the same batches
by hand."""

import numpy as np
import pytest

import gradlab as gl

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the comparison needs it")

X = np.arange(22.0).reshape(11, 2)
Y = np.arange(11) % 3


@pytest.mark.parametrize("batch_size, drop_last", [(1, False), (3, False), (3, True), (11, True), (12, False),
                                                   (12, True), (4, True)])
def test_len_and_unshuffled_batches_match_torch(batch_size, drop_last):
    ours = gl.data.DataLoader(gl.data.TensorDataset(X, Y), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)),
                                         batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    batches, tbatches = list(ours), list(theirs)
    assert len(batches) == len(tbatches)
    for (xb, yb), (txb, tyb) in zip(batches, tbatches):
        assert isinstance(xb, np.ndarray) and xb.shape == tuple(txb.shape)
        np.testing.assert_array_equal(xb, txb.numpy())
        np.testing.assert_array_equal(yb, tyb.numpy())


def test_dataset_indexing_and_tensors():
    ds = gl.data.TensorDataset(X, Y)
    assert len(ds) == 11
    row = ds[4]
    assert isinstance(row, tuple) and np.array_equal(row[0], [8.0, 9.0]) and row[1] == 1
    tds = gl.data.TensorDataset(gl.tensor(X), Y)
    xb, yb = next(iter(gl.data.DataLoader(tds, batch_size=4, shuffle=True, generator=1)))
    assert isinstance(xb, gl.Tensor) and xb.shape == (4, 2) and isinstance(yb, np.ndarray)
    np.testing.assert_array_equal(yb, Y[(xb.data[:, 0] / 2).astype(int)])  # rows stay paired


def test_shuffling_is_seeded_new_each_epoch_and_covers_every_row():
    def epochs(generator, n=3):
        loader = gl.data.DataLoader(gl.data.TensorDataset(X, Y), batch_size=4, shuffle=True, generator=generator)
        return [np.concatenate([xb[:, 0] for xb, _ in loader]) for _ in range(n)]

    a, b = epochs(7), epochs(7)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))  # same seed, same orders
    assert not np.array_equal(a[0], a[1])  # a new permutation every epoch
    assert all(sorted(e) == sorted(X[:, 0]) for e in a)
    rng = np.random.default_rng(7)
    expected = X[rng.permutation(11), 0]
    np.testing.assert_array_equal(a[0], expected)  # the order is generator.permutation(N)
    gl.manual_seed(3)
    c = epochs(None, 2)
    gl.manual_seed(3)
    assert all(np.array_equal(p, q) for p, q in zip(c, epochs(None, 2)))  # None: gradlab's default generator
    assert not np.array_equal(c[0], epochs(None, 1)[0])


def test_generic_datasets_are_stacked():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=float), i

    xb, yb = list(gl.data.DataLoader(Squares(), batch_size=2))[2]
    assert xb.shape == (1, 2) and np.array_equal(xb, [[4.0, 16.0]]) and np.array_equal(yb, [4])


def test_bad_arguments_are_refused():
    with pytest.raises(gl.ShapeError, match=r"different lengths \[11, 10\]"):
        gl.data.TensorDataset(X, Y[:10])
    with pytest.raises(gl.ShapeError, match="at least one array"):
        gl.data.TensorDataset()
    with pytest.raises(gl.ParameterError, match="'batch_size' parameter of DataLoader must be an int ≥ 1"):
        gl.data.DataLoader(gl.data.TensorDataset(X), batch_size=0)
    with pytest.raises(gl.ParameterError, match="'generator' parameter of DataLoader"):
        gl.data.DataLoader(gl.data.TensorDataset(X), generator=-1)
    with pytest.raises(gl.InputTypeError, match="dataset must have len"):
        gl.data.DataLoader(5)


def _fit_setup():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((23, 2)), rng.integers(0, 3, 23)
    return x, y, gl.nn.MLP([2, 4, 3], rng=1)


@pytest.mark.parametrize("shuffle, drop_last", [(True, False), (True, True), (False, False)])
def test_fit_on_a_loader_equals_a_hand_written_loop_over_it(shuffle, drop_last):
    x, y, model = _fit_setup()
    loader = gl.data.DataLoader(gl.data.TensorDataset(x, y), batch_size=5, shuffle=shuffle, drop_last=drop_last,
                                generator=4)
    history = gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.SGD(model, lr=0.1, momentum=0.9), loader, epochs=3,
                     verbose=0, metrics=())
    _, _, twin = _fit_setup()
    opt, loss_fn = gl.optim.SGD(twin, lr=0.1, momentum=0.9), gl.nn.CrossEntropyLoss()
    loader = gl.data.DataLoader(gl.data.TensorDataset(x, y), batch_size=5, shuffle=shuffle, drop_last=drop_last,
                                generator=4)
    means = []
    for _ in range(3):
        total = seen = 0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(twin(xb), yb)
            loss.backward()
            opt.step()
            total, seen = total + loss.item() * len(xb), seen + len(xb)
        means.append(total / seen)
    np.testing.assert_allclose(history["loss"], means, rtol=1e-12)
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-12)
    assert history.params["steps"] == len(loader)


def test_fit_with_seed_none_uses_gradlabs_default_generator():
    x, y, _ = _fit_setup()

    def train():
        model = gl.nn.MLP([2, 4, 3], rng=1)
        gl.fit(model, gl.nn.CrossEntropyLoss(), gl.optim.SGD(model, lr=0.1), x, y, epochs=2, batch_size=4, verbose=0)
        return model.parameters()[0].data.copy()

    gl.manual_seed(11)
    first = train()
    gl.manual_seed(11)
    assert np.array_equal(first, train())
    assert not np.array_equal(first, train())  # the generator moved on: another order


def test_fit_refuses_loader_mixed_with_its_own_batching():
    x, y, model = _fit_setup()
    loader = gl.data.DataLoader(gl.data.TensorDataset(x, y), batch_size=5)
    args = (model, gl.nn.CrossEntropyLoss(), gl.optim.SGD(model, lr=0.1), loader)
    with pytest.raises(gl.ParameterError, match="come from the loader; leave y, batch_size, shuffle and seed out"):
        gl.fit(*args, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(gl.InputTypeError, match="must be over gl.data.TensorDataset"):
        gl.fit(*args[:3], gl.data.DataLoader(gl.data.TensorDataset(x)), epochs=1, verbose=0)
    with pytest.raises(gl.ParameterError, match="'epochs' parameter of fit must be an int ≥ 1. Got 0"):
        gl.fit(*args, epochs=0)
    with pytest.raises(gl.ParameterError, match="'y' parameter of fit must be the targets"):
        gl.fit(*args[:3], x, epochs=1)
