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
import numbers

from ..core.errors import InputTypeError, check_param
from .optimizer import Optimizer, is_float


class LRScheduler:
    """Base class: ``step()`` advances e and sets ``optimizer.lr``; ``get_last_lr()`` -> [lr]."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise InputTypeError(f"{type(self).__name__}: expected a gradlab optimizer, got {type(optimizer).__name__}")
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

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        check_param("StepLR", "step_size", step_size,
                    isinstance(step_size, numbers.Integral) and not isinstance(step_size, bool) and step_size > 0,
                    "an int > 0")
        check_param("StepLR", "gamma", gamma, is_float(gamma) and gamma > 0, "a float > 0")
        super().__init__(optimizer)
        self.step_size = int(step_size)
        self.gamma = float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma: float):
        check_param("ExponentialLR", "gamma", gamma, is_float(gamma) and gamma > 0, "a float > 0")
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial lr down to ``eta_min`` over ``T_max`` epochs (then back up)."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        check_param("CosineAnnealingLR", "T_max", T_max,
                    isinstance(T_max, numbers.Integral) and not isinstance(T_max, bool) and T_max > 0, "an int > 0")
        check_param("CosineAnnealingLR", "eta_min", eta_min, is_float(eta_min) and eta_min >= 0, "a float >= 0")
        super().__init__(optimizer)
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)

    def lr_at(self, epoch):
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
