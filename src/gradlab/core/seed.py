"""gradlab's one default random generator, and ``manual_seed``.

Every random choice in gradlab takes ``rng``/``seed``: an int, a ``numpy.random.Generator`` (continued), or
None, which draws from the default generator here. It is seeded with 0 at import and reset by
:func:`manual_seed` (the counterpart of ``torch.manual_seed``), so a script that builds its layers, drops
its units and shuffles its batches in the same order gets the same numbers on every run.
"""

from __future__ import annotations

import numpy as np

from .constraints import NON_NEGATIVE_INT, SEED, check, declare

_DEFAULT = {"rng": np.random.default_rng(0)}


@declare(seed=NON_NEGATIVE_INT)
def manual_seed(seed: int) -> None:
    """Reset the default generator (initial weights, dropout masks, shuffling, ``gl.rand`` with ``seed=None``)."""
    _DEFAULT["rng"] = np.random.default_rng(int(seed))


def default_generator() -> np.random.Generator:
    """The generator that ``rng=None`` / ``seed=None`` draws from."""
    return _DEFAULT["rng"]


def as_generator(rng, owner="random") -> np.random.Generator:
    """A ``numpy.random.Generator`` from None (the default one), a seed (int ≥ 0) or a Generator (as is)."""
    if rng is None:
        return _DEFAULT["rng"]
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(int(check(owner, "rng", rng, SEED)))
