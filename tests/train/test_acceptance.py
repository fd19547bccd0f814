"""Issue 3 acceptance: moons and digits reach their accuracies, quickly."""

import time

import gradlab as gl


def test_moons_mlp_reaches_97_percent_training_accuracy(moons):
    X, y = moons
    model = gl.nn.MLP([2, 16, 16, 1], activation="relu", rng=0)
    loss_fn = gl.nn.BCEWithLogitsLoss()
    opt = gl.optim.Adam(model.parameters(), lr=0.01)
    started = time.perf_counter()
    history = gl.fit(model, loss_fn, opt, X, y, epochs=60, batch_size=32, seed=0, verbose=0)
    assert time.perf_counter() - started < 10
    assert history.history["accuracy"][-1] >= 0.97
    assert gl.evaluate(model, loss_fn, X, y)["accuracy"] >= 0.97
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_digits_mlp_reaches_95_percent_test_accuracy():
    X, y = gl.data.digits()
    X_train, X_test, y_train, y_test = gl.data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    X_train, X_test = gl.data.standardize(X_train, X_test)
    model = gl.nn.MLP([64, 64, 10], rng=0)
    loss_fn = gl.nn.CrossEntropyLoss()
    opt = gl.optim.Adam(model.parameters(), lr=0.003)
    started = time.perf_counter()
    gl.fit(model, loss_fn, opt, X_train, y_train, epochs=10, batch_size=32, seed=0, verbose=0)
    assert time.perf_counter() - started < 10
    result = gl.evaluate(model, loss_fn, X_test, y_test)
    assert result["accuracy"] >= 0.95
    predicted = model.predict(X_test).argmax(axis=1)
    assert (predicted == y_test).mean() == result["accuracy"]
