"""Adam (Kingma & Ba), with PyTorch's semantics.

For each parameter p with gradient g, at step t (β₁, β₂ = ``betas``):

    g ← g + λ p                           (weight_decay λ: L2, as torch.optim.Adam)
    m ← β₁ m + (1 − β₁) g                 first moment
    v ← β₂ v + (1 − β₂) g²                second moment
    p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import check_param
from .optimizer import Optimizer, check_buffers, copy_buffers, is_float


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0).

    Args:
        params: a Module or an iterable of parameter Tensors.
        lr: step size η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0 added to the denominator.
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        ok = (isinstance(betas, (tuple, list)) and len(betas) == 2
              and all(is_float(b) and 0 <= b < 1 for b in betas))
        check_param("Adam", "betas", betas, ok, "a pair of floats in [0, 1)")
        check_param("Adam", "eps", eps, is_float(eps) and eps >= 0, "a float >= 0")
        check_param("Adam", "weight_decay", weight_decay, is_float(weight_decay) and weight_decay >= 0,
                    "a float >= 0")
        super().__init__(params, lr)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.t = 0
        self._m = [np.zeros_like(p.data) for p in self.params]
        self._v = [np.zeros_like(p.data) for p in self.params]
        self._steps = [0] * len(self.params)
        self._tmp = [np.empty_like(p.data) for p in self.params]  # scratch: no allocation per step

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        b1, b2 = self.betas
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        self.t += 1
        for i, p, g in self._gradients(wd):
            self._steps[i] += 1
            t = self._steps[i]
            m, v, tmp = self._m[i], self._v[i], self._tmp[i]
            m *= b1                                   # m ← β₁ m + (1 − β₁) g
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp
            v *= b2                                   # v ← β₂ v + (1 − β₂) g²
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            step_size = lr / (1.0 - b1**t)
            np.sqrt(v, out=tmp)                       # √v / √(1 − β₂ᵗ) + ε
            tmp /= math.sqrt(1.0 - b2**t)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.data -= tmp

    def _hyper(self):
        return {"betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}

    def _state(self):
        return {"steps": list(self._steps), "exp_avg": copy_buffers(self._m), "exp_avg_sq": copy_buffers(self._v)}

    def _load_state(self, state):
        self._m = check_buffers("Adam", state["exp_avg"], self.params)
        self._v = check_buffers("Adam", state["exp_avg_sq"], self.params)
        self._steps = [int(s) for s in state["steps"]]
        self.t = max(self._steps, default=0)
