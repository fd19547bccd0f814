"""RMSprop (Hinton) and Adagrad (Duchi et al.), with PyTorch's semantics and defaults.

RMSprop, for each parameter p with gradient g (η, α, ε, λ, μ of p's group):

    g ← g + λ p                           (weight_decay λ)
    v ← α v + (1 − α) g²                  square average
    ḡ ← α ḡ + (1 − α) g                   (centered only)
    d ← √(v − ḡ²) + ε   (centered)   or   √v + ε
    b ← μ b + g / d,  p ← p − η b         (momentum μ > 0)   or   p ← p − η g / d

Adagrad, at the parameter's step t:

    g ← g + λ p
    s ← s + g²                            (s starts at initial_accumulator_value)
    p ← p − (η / (1 + (t − 1) lr_decay)) · g / (√s + ε)
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import BOOL, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, PROBABILITY, declare
from .optimizer import Optimizer, _GroupValue, check_buffers, copy_buffers, refuse_unsupported


class RMSprop(Optimizer):
    """RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False).

    Args:
        params: a Module, an iterable of parameter Tensors, or a list of parameter groups (dicts with
            "params" and any of the hyper-parameters below).
        lr: step size η > 0.
        alpha: smoothing constant α in [0, 1] of the square average.
        eps: ε ≥ 0 added to the denominator.
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
        momentum: μ ≥ 0 (0: no momentum buffer).
        centered: divide by the estimated variance √(v − ḡ²) instead of √v.
    """

    alpha, eps, weight_decay, momentum, centered = (_GroupValue() for _ in range(5))

    @declare(lr=POSITIVE_FLOAT, alpha=PROBABILITY, eps=NON_NEGATIVE_FLOAT, weight_decay=NON_NEGATIVE_FLOAT,
             momentum=NON_NEGATIVE_FLOAT, centered=BOOL)
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 **unsupported):
        refuse_unsupported("RMSprop", unsupported, "lr, alpha, eps, weight_decay, momentum, centered")
        super().__init__(params, lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                         centered=centered)
        n = len(self.params)
        self._steps, self._square, self._grad_avg, self._buffers = [0] * n, [None] * n, [None] * n, [None] * n

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for i, p, g, group in self._gradients(True):
            a, lr, mu = group["alpha"], group["lr"], group["momentum"]
            if self._square[i] is None:
                self._square[i] = np.zeros_like(p.data)
            self._steps[i] += 1
            v = self._square[i]
            v *= a
            v += (1.0 - a) * (g * g)
            if group["centered"]:
                if self._grad_avg[i] is None:
                    self._grad_avg[i] = np.zeros_like(p.data)
                m = self._grad_avg[i]
                m *= a
                m += (1.0 - a) * g
                avg = np.sqrt(v - m * m)
            else:
                avg = np.sqrt(v)
            avg += group["eps"]
            if mu > 0:
                if self._buffers[i] is None:
                    self._buffers[i] = np.zeros_like(p.data)
                buf = self._buffers[i]
                buf *= mu
                buf += g / avg
                p.data -= lr * buf
            else:
                p.data -= lr * (g / avg)

    def _state(self):
        return {"steps": list(self._steps), "square_avg": copy_buffers(self._square),
                "grad_avg": copy_buffers(self._grad_avg), "momentum_buffer": copy_buffers(self._buffers)}

    def _load_state(self, state):
        self._square = check_buffers("RMSprop", state["square_avg"], self.params)
        self._grad_avg = check_buffers("RMSprop", state["grad_avg"], self.params)
        self._buffers = check_buffers("RMSprop", state["momentum_buffer"], self.params)
        self._steps = [int(s) for s in state["steps"]]


class Adagrad(Optimizer):
    """Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10).

    Args:
        params: a Module, an iterable of parameter Tensors, or a list of parameter groups (dicts with
            "params" and any of the hyper-parameters below).
        lr: step size η > 0.
        lr_decay: the step size at step t is η / (1 + (t − 1) lr_decay); ≥ 0.
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
        initial_accumulator_value: the sum of squares' starting value, ≥ 0 (fixed at construction, as torch).
        eps: ε ≥ 0 added to the denominator.
    """

    lr_decay, weight_decay, initial_accumulator_value, eps = (_GroupValue() for _ in range(4))

    @declare(lr=POSITIVE_FLOAT, lr_decay=NON_NEGATIVE_FLOAT, weight_decay=NON_NEGATIVE_FLOAT,
             initial_accumulator_value=NON_NEGATIVE_FLOAT, eps=NON_NEGATIVE_FLOAT)
    def __init__(self, params, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 **unsupported):
        refuse_unsupported("Adagrad", unsupported, "lr, lr_decay, weight_decay, initial_accumulator_value, eps")
        super().__init__(params, lr, lr_decay=lr_decay, weight_decay=weight_decay,
                         initial_accumulator_value=initial_accumulator_value, eps=eps)
        self._steps = [0] * len(self.params)
        self._sums = [np.full_like(p.data, self._group_of(i)["initial_accumulator_value"])
                      for i, p in enumerate(self.params)]

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        for i, p, g, group in self._gradients(True):
            self._steps[i] += 1
            clr = group["lr"] / (1 + (self._steps[i] - 1) * group["lr_decay"])
            s = self._sums[i]
            s += g * g
            std = np.sqrt(s)
            std += group["eps"]
            p.data -= clr * (g / std)

    def _state(self):
        return {"steps": list(self._steps), "sum": copy_buffers(self._sums)}

    def _load_state(self, state):
        sums = check_buffers("Adagrad", state["sum"], self.params)
        for mine, saved in zip(self._sums, sums):
            if saved is not None:  # None: a parameter added since (its sum stays the initial value)
                mine[...] = saved
        self._steps = [int(s) for s in state["steps"]]
