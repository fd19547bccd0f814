"""Optimizers and learning-rate schedules, named as in ``torch.optim``.

Optimizers update parameter arrays in place; ``gl.optim.lr_scheduler`` is
an alias of :mod:`gradlab.optim.schedules` for PyTorch users.
"""

from __future__ import annotations

from . import schedules
from . import schedules as lr_scheduler
from .adam import Adam
from .optimizer import Optimizer
from .schedules import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR",
           "schedules", "lr_scheduler"]
