import pytest

import gradlab as gl


@pytest.fixture
def moons():
    """The acceptance data set: 200 points, noise 0.1."""
    return gl.data.moons(200, noise=0.1, seed=0)
