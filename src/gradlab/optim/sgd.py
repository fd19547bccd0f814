"""Stochastic gradient descent, with PyTorch's semantics.

For each parameter p with gradient g (and step size η = ``lr``):

    g ← g + λ p                       (weight_decay λ)
    b ← g             on the first step, then  b ← μ b + (1 − τ) g   (momentum μ, dampening τ)
    g ← g + μ b  (nesterov)   or   g ← b
    p ← p − η g

With momentum 0 this is the slides' update w ← w − η ∂L/∂w.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import BOOL, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, declare
from ..core.errors import ParameterError
from .optimizer import Optimizer, check_buffers, copy_buffers, grad_array, refuse_unsupported


class SGD(Optimizer):
    """SGD(params, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0).

    Args:
        params: a Module or an iterable of parameter Tensors.
        lr: step size η > 0.
        momentum: μ ≥ 0.
        dampening: τ ≥ 0 (must be 0 with nesterov).
        nesterov: Nesterov momentum (needs momentum > 0).
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
    """

    @declare(lr=POSITIVE_FLOAT, momentum=NON_NEGATIVE_FLOAT, dampening=NON_NEGATIVE_FLOAT, nesterov=BOOL,
             weight_decay=NON_NEGATIVE_FLOAT)
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, **unsupported):
        refuse_unsupported("SGD", unsupported, "lr, momentum, dampening, nesterov, weight_decay")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ParameterError(f"SGD: nesterov=True needs momentum > 0 and dampening = 0; got momentum={momentum}, "
                                 f"dampening={dampening}")
        super().__init__(params, lr)
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self._buffers = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if not mu and not wd:  # plain SGD, the slides' w ← w − η ∂L/∂w: the training step's last hot loop
            step = None  # η as a 0-d array of the parameter's dtype: a cheaper NumPy operand than a float
            for p in self.params:
                g = p.grad
                if g is not None:
                    if type(g) is not np.ndarray:
                        g = grad_array(p)
                    data = p.data
                    if step is None or step.dtype is not data.dtype:
                        step = np.array(lr, dtype=data.dtype)
                    data -= step * g
            return
        keep = 1.0 - self.dampening
        for i, p, g in self._gradients(wd):
            if mu:
                buf = self._buffers[i]
                if buf is None:
                    buf = self._buffers[i] = np.array(g, dtype=p.data.dtype, copy=True)
                else:
                    buf *= mu
                    buf += g if keep == 1.0 else keep * g
                g = g + mu * buf if self.nesterov else buf
            p.data -= lr * g

    def _hyper(self):
        return {"momentum": self.momentum, "dampening": self.dampening, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}

    def _state(self):
        return {"momentum_buffers": copy_buffers(self._buffers)}

    def _load_state(self, state):
        self._buffers = check_buffers("SGD", state["momentum_buffers"], self.params)
