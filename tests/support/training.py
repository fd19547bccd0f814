"""Small shared helpers of the training tests."""

import numpy as np

import gradlab as gl


def make_binary(seed=0, sizes=(2, 8, 1)):
    """A small MLP for moons, its BCE-with-logits loss and an Adam optimizer."""
    model = gl.nn.MLP(list(sizes), rng=seed)
    return model, gl.nn.BCEWithLogitsLoss(), gl.optim.Adam(model.parameters(), lr=0.01)


def weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


def same_weights(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
