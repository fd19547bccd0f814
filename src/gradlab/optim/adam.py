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

from ..core import native
from ..core.constraints import FRACTION, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, SequenceOf, declare
from .optimizer import Optimizer, check_buffers, copy_buffers, refuse_unsupported

BETAS = SequenceOf(FRACTION, length=2)  # 'a pair of numbers in [0, 1)'


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0).

    Args:
        params: a Module or an iterable of parameter Tensors.
        lr: step size η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0 added to the denominator.
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
    """

    @declare(lr=POSITIVE_FLOAT, betas=BETAS, eps=NON_NEGATIVE_FLOAT, weight_decay=NON_NEGATIVE_FLOAT)
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, **unsupported):
        refuse_unsupported("Adam", unsupported, "lr, betas, eps, weight_decay")
        super().__init__(params, lr)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.t = 0
        self._steps = [0] * len(self.params)
        self._flat = _FlatBuffers(self.params)
        self._m, self._v, self._tmp = self._flat.m_views, self._flat.v_views, self._flat.tmp_views

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        self.t += 1
        flat = self._flat
        if flat.native:
            t = self._steps[0] + 1
            if self._steps.count(t - 1) == len(self._steps) and self._step_native(t):
                return
        if flat.ready(self.params, self._steps):
            self._step_flat(flat)
            return
        for i, p, g in self._gradients(self.weight_decay):
            self._steps[i] += 1
            t = self._steps[i]
            self._update(g, self._m[i], self._v[i], self._tmp[i], t)
            p.data -= self._tmp[i]

    def _update(self, g, m, v, tmp, t):
        """The moments from the gradient ``g``, in place, and into ``tmp`` the step to subtract from p."""
        b1, b2 = self.betas
        m *= b1                                   # m ← β₁ m + (1 − β₁) g
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2                                   # v ← β₂ v + (1 − β₂) g²
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        # η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε), with √(1 − β₂ᵗ) moved out of the denominator:
        # (η √(1 − β₂ᵗ)/(1 − β₁ᵗ)) · m / (√v + ε √(1 − β₂ᵗ)), one pass over the arrays fewer
        root = math.sqrt(1.0 - b2**t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * root
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr * root / (1.0 - b1**t)

    def _step_flat(self, flat):
        """Every parameter at once: the same arithmetic on one array that holds all of them.

        The gradients are copied into one flat array, the moments already live
        in flat arrays (``self._m[i]`` are views of them), so the update costs
        eleven NumPy calls in all instead of eleven per parameter; the results
        are identical element by element (tests compare the two paths).
        """
        g = flat.gather(self.params, self.weight_decay)
        t = self._steps[0] + 1
        self._update(g, flat.m, flat.v, flat.tmp, t)
        for i, p in enumerate(self.params):
            self._steps[i] = t
            p.data -= self._tmp[i]

    def _step_native(self, t) -> bool:
        """Step t of every parameter by the compiled loop (``adam`` of :mod:`gradlab.core.native`), in one call.

        The same roundings in the same order as :meth:`_update` (tests compare
        the two bit for bit), without the flat copy of the gradients. Returns
        False, having changed nothing, when some array does not fit the loop
        (a missing gradient, another dtype or shape, a non-contiguous array).
        """
        b1, b2 = self.betas
        root = math.sqrt(1.0 - b2**t)
        if not native.KERNELS.adam(self.params, self._m, self._v, b1, b2, self.lr * root / (1.0 - b1**t),
                                   self.eps * root, self.weight_decay):
            return False
        self._steps = [t] * len(self.params)
        return True

    def _hyper(self):
        return {"betas": self.betas, "eps": self.eps, "weight_decay": self.weight_decay}

    def _state(self):
        return {"steps": list(self._steps), "exp_avg": copy_buffers(self._m), "exp_avg_sq": copy_buffers(self._v)}

    def _load_state(self, state):
        for views, buffers in ((self._m, state["exp_avg"]), (self._v, state["exp_avg_sq"])):
            for view, buf in zip(views, check_buffers("Adam", buffers, self.params)):
                view[...] = 0.0 if buf is None else buf
        self._steps = [int(s) for s in state["steps"]]
        self.t = max(self._steps, default=0)


class _FlatBuffers:
    """Adam's moments (and a scratch array) for all parameters in one flat array each.

    ``m_views[i]`` is the part of ``m`` that belongs to parameter ``i``, shaped
    like it. Used when every parameter has the same float dtype; otherwise
    each parameter gets arrays of its own (the same attributes, no flat path).
    """

    def __init__(self, params):
        dtypes = {p.data.dtype for p in params}
        self.flat = len(dtypes) == 1 and all(isinstance(p.data, np.ndarray) for p in params)
        self.native = False  # whether the compiled loop is built and takes this dtype (it checks the rest)
        if not self.flat:
            self.m_views = [np.zeros_like(p.data) for p in params]
            self.v_views = [np.zeros_like(p.data) for p in params]
            self.tmp_views = [np.empty_like(p.data) for p in params]
            return
        dtype = dtypes.pop()
        sizes = [p.data.size for p in params]
        total = sum(sizes)
        self.m, self.v = np.zeros(total, dtype), np.zeros(total, dtype)
        self.tmp, self.g = np.empty(total, dtype), np.empty(total, dtype)
        self.shapes = [p.data.shape for p in params]
        bounds = np.cumsum([0] + sizes).tolist()
        self.m_views, self.v_views, self.tmp_views = ([buf[a:b].reshape(shape) for a, b, shape in
                                                        zip(bounds, bounds[1:], self.shapes)]
                                                       for buf in (self.m, self.v, self.tmp))
        self.native = native.KERNELS is not None and dtype in native.FLOATS

    def ready(self, params, steps) -> bool:
        """Whether the flat update applies now: every parameter has a gradient and all took the same steps."""
        if not self.flat:
            return False
        first = steps[0]
        for p, shape, t in zip(params, self.shapes, steps):
            g = p.grad
            if type(g) is not np.ndarray or g.shape != shape or t != first or p.data.shape != shape:
                return False
        return True

    def gather(self, params, weight_decay):
        """The gradients (plus λ p) as one flat array."""
        g = np.concatenate([p.grad.reshape(-1) for p in params], out=self.g, casting="same_kind")
        if weight_decay:
            np.concatenate([p.data.reshape(-1) for p in params], out=self.tmp, casting="same_kind")
            self.tmp *= weight_decay
            g += self.tmp
        return g
