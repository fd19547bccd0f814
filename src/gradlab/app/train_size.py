"""How big a run of ``gradlab train`` may be: memory and work estimates checked before anything is trained."""

from __future__ import annotations

import os

from ..core.errors import ParameterError

MAX_WORK = 3.6e13  # multiply-adds of a training run: about an hour at 1e10 per second
MEMORY_FRACTION = 0.5  # of the machine's memory a run may plan to use


def memory_bytes():
    """The machine's physical memory in bytes (a large number where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platform without sysconf
        return 1 << 40


def check_training_size(what, layers, samples, epochs, batch_size=32):
    """Refuse, with a sentence, a run whose memory or work cannot fit this machine; returns the estimates.

    Args:
        what: the command, for the message ('train', 'demo').
        layers: sizes [inputs, hidden…, outputs] (ints).
        samples: training samples; epochs: passes; batch_size: samples per step.
    """
    params = sum(a * b + b for a, b in zip(layers[:-1], layers[1:]))
    data = samples * (layers[0] + 1)
    # weights, gradients and Adam's two moments; the data; one batch's activations and their gradients
    need = 8 * (4 * params + 2 * data + 4 * min(batch_size, samples) * sum(layers))
    limit = MEMORY_FRACTION * memory_bytes()
    if need > limit:
        raise ParameterError(f"{what}: --layers {','.join(map(str, layers))} with {samples:,} samples needs about "
                             f"{need / 2 ** 30:.1f} GiB, more than half of this machine's {memory_bytes() / 2 ** 30:.0f} "
                             "GiB; use smaller layers or fewer samples")
    work = 6.0 * epochs * samples * params
    if work > MAX_WORK:
        hours = work / 1e10 / 3600
        raise ParameterError(f"{what}: {epochs:,} epochs over {samples:,} samples of a network with {params:,} weights "
                             f"is about {work:.1e} multiply-adds (roughly {hours:,.0f} hours); use fewer epochs, "
                             "samples or units")
    return need, work
