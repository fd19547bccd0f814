"""Optimizers and learning-rate schedules, named as in ``torch.optim``.

Optimizers update parameter arrays in place and take parameter groups
(``optimizer.param_groups``); ``gl.optim.lr_scheduler`` is an alias of
:mod:`gradlab.optim.schedules` (which also holds ReduceLROnPlateau and
OneCycleLR) for PyTorch users.
"""

from __future__ import annotations

from . import schedules
from . import schedules as lr_scheduler
from .adam import Adam, AdamW
from .adaptive import Adagrad, RMSprop
from .optimizer import Optimizer
from .plateau import OneCycleLR, ReduceLROnPlateau
from .schedules import CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler, StepLR
from .sgd import SGD

schedules.ReduceLROnPlateau, schedules.OneCycleLR = ReduceLROnPlateau, OneCycleLR  # torch's lr_scheduler has them

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LRScheduler", "StepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "ReduceLROnPlateau", "OneCycleLR", "schedules", "lr_scheduler"]
