"""Stochastic gradient descent, with PyTorch's semantics.

For each parameter p with gradient g (and step size η = ``lr`` of its group):

    g ← g + λ p                       (weight_decay λ)
    b ← g             on the first step, then  b ← μ b + (1 − τ) g   (momentum μ, dampening τ)
    g ← g + μ b  (nesterov)   or   g ← b
    p ← p − η g

With momentum 0 this is plain gradient descent, w ← w − η ∂L/∂w.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import BOOL, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, declare
from ..core.errors import ParameterError
from .optimizer import Optimizer, check_buffers, copy_buffers, grad_array, refuse_unsupported, _GroupValue


def _check_nesterov(owner, group):
    if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
        raise ParameterError(f"{owner}: nesterov=True needs momentum > 0 and dampening = 0; got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")


class SGD(Optimizer):
    """SGD(params, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0).

    Args:
        params: a Module, an iterable of parameter Tensors, or a list of parameter groups (dicts with
            "params" and any of the hyper-parameters below).
        lr: step size η > 0.
        momentum: μ ≥ 0.
        dampening: τ ≥ 0 (must be 0 with nesterov).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening = 0, as torch checks).
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
    """

    momentum, dampening, nesterov, weight_decay = (_GroupValue() for _ in range(4))

    @declare(lr=POSITIVE_FLOAT, momentum=NON_NEGATIVE_FLOAT, dampening=NON_NEGATIVE_FLOAT, nesterov=BOOL,
             weight_decay=NON_NEGATIVE_FLOAT)
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, **unsupported):
        refuse_unsupported("SGD", unsupported, "lr, momentum, dampening, nesterov, weight_decay")
        _check_nesterov("SGD", {"nesterov": nesterov, "momentum": momentum, "dampening": dampening})
        super().__init__(params, lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                         weight_decay=weight_decay)
        for k, group in enumerate(self.param_groups):
            _check_nesterov(f"SGD (parameter group {k})", group)
        self._buffers = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        start = 0
        for group in self.param_groups:
            params = group["params"]
            if not group["momentum"] and not group["weight_decay"]:
                _plain_step(params, group["lr"])
            else:
                self._momentum_step(group, start)
            start += len(params)

    def _momentum_step(self, group, start):
        lr, mu, wd, nesterov = group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]
        keep = 1.0 - group["dampening"]
        for i, p in enumerate(group["params"], start):
            g = grad_array(p)
            if g is None:
                continue
            if wd:
                g = g + wd * p.data
            if mu:
                buf = self._buffers[i]
                if buf is None:
                    buf = self._buffers[i] = np.array(g, dtype=p.data.dtype, copy=True)
                else:
                    buf *= mu
                    buf += g if keep == 1.0 else keep * g
                g = g + mu * buf if nesterov else buf
            p.data -= lr * g

    def _state(self):
        return {"momentum_buffers": copy_buffers(self._buffers)}

    def _load_state(self, state):
        self._buffers = check_buffers("SGD", state["momentum_buffers"], self.params)


def _plain_step(params, lr):
    """Plain gradient descent w ← w − η ∂L/∂w: the training step's last hot loop."""
    step = None  # η as a 0-d array of the parameter's dtype: a cheaper NumPy operand than a float
    for p in params:
        g = p.grad
        if g is not None:
            if type(g) is not np.ndarray:
                g = grad_array(p)
            data = p.data
            if step is None or step.dtype is not data.dtype:
                step = np.array(lr, dtype=data.dtype)
            data -= step * g
