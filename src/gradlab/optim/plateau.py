"""ReduceLROnPlateau and OneCycleLR, as torch.optim.lr_scheduler's (same arguments, defaults and numbers).

ReduceLROnPlateau watches a metric given to ``step(metric)`` (once per epoch) and multiplies every group's
lr by ``factor`` (not below ``min_lr``) once the metric has not improved for more than ``patience`` epochs,
then waits ``cooldown`` epochs. "Improved" (``mode``, ``threshold_mode``, threshold τ, best b):
min/rel: m < b (1 − τ); min/abs: m < b − τ; max/rel: m > b (1 + τ); max/abs: m > b + τ. A reduction
smaller than ``eps`` is skipped.

OneCycleLR sets the lr every batch (``step()`` after each ``optimizer.step()``): from max_lr/div_factor up
to max_lr over the first ``pct_start`` of ``total_steps``, then down to max_lr/(div_factor·final_div_factor)
(three_phase: up, back down to the start, then to the minimum), by half cosines (anneal_strategy='cos',
start + (end − start)(1 − cos(π p))/2 written as torch writes it) or straight lines ('linear'). With
``cycle_momentum`` the momentum (SGD's ``momentum``, Adam's β₁) moves the opposite way between
``max_momentum`` and ``base_momentum``.
"""

from __future__ import annotations

import math

from ..core.constraints import (BOOL, NON_NEGATIVE_FLOAT, NON_NEGATIVE_INT, OPEN_FRACTION, POSITIVE_FLOAT,
                                POSITIVE_INT, AnyOf, Interval, Optional, Options, SequenceOf, declare, refusal)
from ..core.errors import InputTypeError, ParameterError
from .schedules import OPTIMIZER, LRScheduler

FACTOR = Interval(0, 1, high_open=True)  # 'a number in [0, 1)': torch refuses factor >= 1
PER_GROUP = AnyOf(NON_NEGATIVE_FLOAT, SequenceOf(NON_NEGATIVE_FLOAT, min_length=1), text="a number ≥ 0 or a list of them, one per group")
POSITIVE_PER_GROUP = AnyOf(POSITIVE_FLOAT, SequenceOf(POSITIVE_FLOAT, min_length=1), text="a number > 0 or a list of them, one per group")


def _per_group(owner, name, value, groups):
    if isinstance(value, (list, tuple)):
        if len(value) != len(groups):
            raise ParameterError(f"{owner}: {name} has {len(value)} values for {len(groups)} parameter groups")
        return [float(v) for v in value]
    return [float(value)] * len(groups)


class ReduceLROnPlateau:
    """ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4, threshold_mode='rel',
    cooldown=0, min_lr=0, eps=1e-8); ``step(metric)`` with the epoch's metric (a number)."""

    @declare(optimizer=OPTIMIZER, mode=Options("min", "max"), factor=FACTOR, patience=NON_NEGATIVE_INT,
             threshold=NON_NEGATIVE_FLOAT, threshold_mode=Options("rel", "abs"), cooldown=NON_NEGATIVE_INT,
             min_lr=PER_GROUP, eps=NON_NEGATIVE_FLOAT)
    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, float(factor), int(patience)
        self.threshold, self.threshold_mode, self.cooldown, self.eps = float(threshold), threshold_mode, int(cooldown), float(eps)
        self.min_lrs = _per_group("ReduceLROnPlateau", "min_lr", min_lr, optimizer.param_groups)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    def step(self, metric) -> None:
        """Record the epoch's ``metric`` (a number, e.g. the validation loss); reduce the lrs on a plateau."""
        try:
            current = float(metric)
        except (TypeError, ValueError):
            raise refusal("ReduceLROnPlateau.step", "metric", metric, "a number, such as the epoch's validation loss",
                          error=InputTypeError) from None
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def get_last_lr(self) -> list:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("best", "last_epoch", "cooldown_counter", "num_bad_epochs")}

    def load_state_dict(self, state: dict) -> None:
        for k, v in state.items():
            setattr(self, k, v)


def _cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear(start, end, pct):
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
    anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
    final_div_factor=1e4, three_phase=False).

    Give ``total_steps``, or ``epochs`` and ``steps_per_epoch`` (total_steps = their product). Stepping more
    than total_steps times is refused, as torch does.
    """

    @declare(optimizer=OPTIMIZER, max_lr=POSITIVE_PER_GROUP, total_steps=Optional(POSITIVE_INT),
             epochs=Optional(POSITIVE_INT), steps_per_epoch=Optional(POSITIVE_INT), pct_start=OPEN_FRACTION,
             anneal_strategy=Options("cos", "linear"), cycle_momentum=BOOL, base_momentum=PER_GROUP,
             max_momentum=PER_GROUP, div_factor=POSITIVE_FLOAT, final_div_factor=POSITIVE_FLOAT, three_phase=BOOL)
    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False):
        groups = optimizer.param_groups
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ParameterError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch; got "
                                     f"total_steps=None, epochs={epochs}, steps_per_epoch={steps_per_epoch}")
            total_steps = int(epochs) * int(steps_per_epoch)
        self.total_steps = int(total_steps)
        p = float(pct_start) * self.total_steps
        if three_phase:
            self._phases = [(p - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (2 * p - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                            (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(p - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._anneal = _cos if anneal_strategy == "cos" else _linear
        for group, top in zip(groups, _per_group("OneCycleLR", "max_lr", max_lr, groups)):
            group["initial_lr"] = top / float(div_factor)
            group["max_lr"] = top
            group["min_lr"] = group["initial_lr"] / float(final_div_factor)
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._beta1 = "betas" in optimizer.defaults
            if not self._beta1 and "momentum" not in optimizer.defaults:
                raise ParameterError(f"OneCycleLR: cycle_momentum=True needs an optimizer with momentum or betas; "
                                     f"{type(optimizer).__name__} has neither (pass cycle_momentum=False)")
            for group, top, low in zip(groups, _per_group("OneCycleLR", "max_momentum", max_momentum, groups),
                                       _per_group("OneCycleLR", "base_momentum", base_momentum, groups)):
                self._set_momentum(group, top)
                group["max_momentum"], group["base_momentum"] = top, low
        super().__init__(optimizer)

    def _set_momentum(self, group, value):
        if self._beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _initial_lrs(self):
        return self._next_lrs()

    def _next_lrs(self):
        step = self.last_epoch
        if step > self.total_steps:
            self.last_epoch -= 1
            raise ParameterError(f"OneCycleLR: tried to step {step} times; the schedule has total_steps = "
                                 f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs

    def lr_at(self, epoch, base_lr):  # pragma: no cover - OneCycleLR computes from the groups
        raise NotImplementedError("OneCycleLR has no closed form per base lr; use step()")
