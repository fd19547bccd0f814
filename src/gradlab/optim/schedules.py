"""Learning-rate schedules (PyTorch's names and closed forms).

A schedule rewrites ``optimizer.lr``; call ``scheduler.step()`` once per
epoch, after ``optimizer.step()``. With η₀ the optimizer's lr at
construction and e the number of ``step()`` calls so far:

* StepLR(step_size, gamma):     η = η₀ · γ^⌊e / step_size⌋
* ExponentialLR(gamma):          η = η₀ · γ^e
* CosineAnnealingLR(T_max, eta_min): η = η_min + (η₀ − η_min)(1 + cos(π e / T_max)) / 2
"""

from __future__ import annotations

import math

from ..core.constraints import NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, POSITIVE_INT, InstanceOf, declare
from ..core.errors import InputTypeError
from .optimizer import Optimizer

OPTIMIZER = InstanceOf(Optimizer, text="a gradlab optimizer (such as gl.optim.SGD)", error=InputTypeError)


class LRScheduler:
    """Base class: ``step()`` advances e and sets ``optimizer.lr``; ``get_last_lr()`` -> [lr]."""

    @declare(optimizer=OPTIMIZER)
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list:
        """[the learning rate now in use] (a list, as PyTorch: one entry per parameter group)."""
        return [self.optimizer.lr]

    def state_dict(self) -> dict:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict) -> None:
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])
        self.optimizer.lr = self.lr_at(self.last_epoch)


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    @declare(optimizer=OPTIMIZER, step_size=POSITIVE_INT, gamma=POSITIVE_FLOAT)
    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        self.step_size = int(step_size)
        self.gamma = float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch."""

    @declare(optimizer=OPTIMIZER, gamma=POSITIVE_FLOAT)
    def __init__(self, optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial lr down to ``eta_min`` over ``T_max`` epochs (then back up)."""

    @declare(optimizer=OPTIMIZER, T_max=POSITIVE_INT, eta_min=NON_NEGATIVE_FLOAT)
    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        super().__init__(optimizer)
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)

    def lr_at(self, epoch):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
