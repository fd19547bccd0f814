"""Learning-rate schedules (PyTorch's names, arguments and formulas).

A schedule rewrites the learning rate of every parameter group
(``group["lr"]``; ``optimizer.lr`` reads the first); call
``scheduler.step()`` once per epoch (OneCycleLR: once per batch), after
``optimizer.step()``. With η₀ a group's lr when the first schedule was made
for it (kept as ``group["initial_lr"]``, as torch) and e the number of
``step()`` calls so far:

* StepLR(step_size, gamma):     η = η₀ · γ^⌊e / step_size⌋
* ExponentialLR(gamma):          η = η₀ · γ^e
* CosineAnnealingLR(T_max, eta_min): η = η_min + (η₀ − η_min)(1 + cos(π e / T_max)) / 2
* LinearLR(start_factor, end_factor, total_iters): η₀ · start_factor at e = 0, then as torch,
  multiplied step by step by 1 + (end − start) / (total_iters · start + (e − 1)(end − start)) up to e = total_iters

ReduceLROnPlateau and OneCycleLR are in :mod:`gradlab.optim.plateau`.
"""

from __future__ import annotations

import math

from ..core.constraints import NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, POSITIVE_INT, Interval, InstanceOf, declare
from ..core.errors import InputTypeError
from .optimizer import Optimizer

OPTIMIZER = InstanceOf(Optimizer, text="a gradlab optimizer (such as gl.optim.SGD)", error=InputTypeError)


class LRScheduler:
    """Base class: ``step()`` advances e and sets every group's lr; ``get_last_lr()`` -> [lr of each group]."""

    @declare(optimizer=OPTIMIZER)
    def __init__(self, optimizer):
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._apply(self._initial_lrs())

    @property
    def base_lr(self) -> float:
        """The first group's η₀."""
        return self.base_lrs[0]

    def lr_at(self, epoch: int, base_lr: float) -> float:
        """The closed form: a group's lr after ``epoch`` steps, from its η₀ ``base_lr``."""
        raise NotImplementedError

    def _initial_lrs(self) -> list:
        """The lrs set at construction (torch's initial step); the closed forms leave them as they are."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def _next_lrs(self) -> list:
        return [self.lr_at(self.last_epoch, base) for base in self.base_lrs]

    def _apply(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr

    def step(self) -> None:
        self.last_epoch += 1
        self._apply(self._next_lrs())

    def get_last_lr(self) -> list:
        """[the learning rate now in use, one per parameter group] (as PyTorch)."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {"base_lr": self.base_lr, "base_lrs": list(self.base_lrs), "last_epoch": self.last_epoch,
                "lrs": self.get_last_lr()}

    def load_state_dict(self, state: dict) -> None:
        self.base_lrs = [float(b) for b in state.get("base_lrs", [state["base_lr"]] * len(self.base_lrs))]
        self.last_epoch = int(state["last_epoch"])
        self._apply(state["lrs"] if "lrs" in state else [self.lr_at(self.last_epoch, b) for b in self.base_lrs])


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    @declare(optimizer=OPTIMIZER, step_size=POSITIVE_INT, gamma=POSITIVE_FLOAT)
    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch."""

    @declare(optimizer=OPTIMIZER, gamma=POSITIVE_FLOAT)
    def __init__(self, optimizer, gamma: float):
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, epoch, base_lr):
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial lr down to ``eta_min`` over ``T_max`` epochs (then back up)."""

    @declare(optimizer=OPTIMIZER, T_max=POSITIVE_INT, eta_min=NON_NEGATIVE_FLOAT)
    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = int(T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def lr_at(self, epoch, base_lr):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


START_FACTOR = Interval(0, 1, low_open=True)  # 'a number in (0, 1]'
END_FACTOR = Interval(0, 1)


class LinearLR(LRScheduler):
    """LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5): the lr goes linearly from
    η₀ · start_factor to η₀ · end_factor over ``total_iters`` steps, then stays.

    As torch's ``step()``, each step multiplies the group's current lr (the recursive form), so the numbers
    equal torch's bit for bit; ``lr_at`` gives the closed form η₀ (s + (e − s) min(e, total_iters) / total_iters).
    """

    @declare(optimizer=OPTIMIZER, start_factor=START_FACTOR, end_factor=END_FACTOR, total_iters=POSITIVE_INT)
    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5):
        self.start_factor, self.end_factor, self.total_iters = float(start_factor), float(end_factor), int(total_iters)
        super().__init__(optimizer)

    def _initial_lrs(self):
        return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]

    def _next_lrs(self):
        groups, e = self.optimizer.param_groups, self.last_epoch
        if e > self.total_iters:
            return [group["lr"] for group in groups]
        s, d = self.start_factor, self.end_factor - self.start_factor
        return [group["lr"] * (1.0 + d / (self.total_iters * s + (e - 1) * d)) for group in groups]

    def lr_at(self, epoch, base_lr):
        s = self.start_factor
        return base_lr * (s + (self.end_factor - s) * min(self.total_iters, epoch) / self.total_iters)
