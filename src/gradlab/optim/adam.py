"""Adam (Kingma & Ba) and AdamW (Loshchilov & Hutter), with PyTorch's semantics.

For each parameter p with gradient g, at step t (β₁, β₂ = ``betas``, η, λ of p's group):

    p ← p (1 − η λ)                       (AdamW only: decoupled weight decay)
    g ← g + λ p                           (Adam only: L2, as torch.optim.Adam)
    m ← β₁ m + (1 − β₁) g                 first moment
    v ← β₂ v + (1 − β₂) g²                second moment
    v̂ ← max(v̂, v)                         (amsgrad; then v̂ stands for v below)
    p ← p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

The flat and compiled paths (all parameters in one array) run when there is
one parameter group and amsgrad is off; otherwise each parameter is updated
with its group's values (the same arithmetic).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import native
from ..core.constraints import BOOL, FRACTION, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, SequenceOf, declare
from .optimizer import Optimizer, _GroupValue, check_buffers, copy_buffers, refuse_unsupported

BETAS = SequenceOf(FRACTION, length=2)  # 'a pair of numbers in [0, 1)'


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False).

    Args:
        params: a Module, an iterable of parameter Tensors, or a list of parameter groups (dicts with
            "params" and any of the hyper-parameters below).
        lr: step size η > 0.
        betas: (β₁, β₂), each in [0, 1).
        eps: ε ≥ 0 added to the denominator.
        weight_decay: L2 penalty λ ≥ 0 added to the gradient.
        amsgrad: divide by the running maximum of the second moment (Reddi et al.).
    """

    betas, eps, weight_decay, amsgrad = (_GroupValue() for _ in range(4))
    _decoupled = False  # AdamW: weight decay applied to p, not added to g

    @declare(lr=POSITIVE_FLOAT, betas=BETAS, eps=NON_NEGATIVE_FLOAT, weight_decay=NON_NEGATIVE_FLOAT, amsgrad=BOOL)
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 **unsupported):
        self._setup(params, lr, betas, eps, weight_decay, amsgrad, unsupported)

    def _setup(self, params, lr, betas, eps, weight_decay, amsgrad, unsupported):
        owner = type(self).__name__
        refuse_unsupported(owner, unsupported, "lr, betas, eps, weight_decay, amsgrad")
        Optimizer.__init__(self, params, lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        self.t = 0
        self._steps = [0] * len(self.params)
        self._flat = _FlatBuffers(self.params)
        self._m, self._v, self._tmp = self._flat.m_views, self._flat.v_views, self._flat.tmp_views
        self._vmax = [None] * len(self.params)  # amsgrad's running maxima, made on a parameter's first step

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        self.t += 1
        flat = self._flat
        one = len(self.param_groups) == 1 and not self.amsgrad
        if one and self._decoupled and self.weight_decay:
            self._decay()
        if one and flat.native:
            t = self._steps[0] + 1
            if self._steps.count(t - 1) == len(self._steps) and self._step_native(t):
                return
        if one and flat.ready(self.params, self._steps):
            self._step_flat(flat)
            return
        for i, p, g, group in self._gradients(not self._decoupled):
            if self._decoupled and group["weight_decay"] and not one:
                p.data *= 1.0 - group["lr"] * group["weight_decay"]
            self._steps[i] += 1
            t = self._steps[i]
            if group["amsgrad"] and self._vmax[i] is None:
                self._vmax[i] = np.zeros_like(p.data)
            self._update(g, self._m[i], self._v[i], self._tmp[i], t, group, self._vmax[i])
            p.data -= self._tmp[i]

    def _decay(self):
        """AdamW's p ← p (1 − ηλ) for every parameter with a gradient (one group)."""
        factor = 1.0 - self.lr * self.weight_decay
        for p in self.params:
            if p.grad is not None:
                p.data *= factor

    def _update(self, g, m, v, tmp, t, group, vmax=None):
        """The moments from the gradient ``g``, in place, and into ``tmp`` the step to subtract from p."""
        b1, b2 = group["betas"]
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
        if vmax is not None:
            np.maximum(vmax, v, out=vmax)
            v = vmax
        np.sqrt(v, out=tmp)
        tmp += group["eps"] * root
        np.divide(m, tmp, out=tmp)
        tmp *= group["lr"] * root / (1.0 - b1**t)

    def _step_flat(self, flat):
        """Every parameter at once: the same arithmetic on one array that holds all of them.

        The gradients are copied into one flat array, the moments already live
        in flat arrays (``self._m[i]`` are views of them), so the update costs
        eleven NumPy calls in all instead of eleven per parameter; the results
        are identical element by element (tests compare the two paths).
        """
        g = flat.gather(self.params, 0.0 if self._decoupled else self.weight_decay)
        t = self._steps[0] + 1
        self._update(g, flat.m, flat.v, flat.tmp, t, self.param_groups[0])
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
        wd = 0.0 if self._decoupled else self.weight_decay  # AdamW decayed p before this call
        if not native.KERNELS.adam(self.params, self._m, self._v, b1, b2, self.lr * root / (1.0 - b1**t),
                                   self.eps * root, wd):
            return False
        self._steps = [t] * len(self.params)
        return True

    def _state(self):
        return {"steps": list(self._steps), "exp_avg": copy_buffers(self._m), "exp_avg_sq": copy_buffers(self._v),
                "max_exp_avg_sq": copy_buffers(self._vmax)}

    def _load_state(self, state):
        for views, buffers in ((self._m, state["exp_avg"]), (self._v, state["exp_avg_sq"])):
            for view, buf in zip(views, check_buffers(type(self).__name__, buffers, self.params)):
                view[...] = 0.0 if buf is None else buf
        self._vmax = check_buffers(type(self).__name__, state.get("max_exp_avg_sq", [None] * len(self.params)),
                                   self.params)
        self._steps = [int(s) for s in state["steps"]]
        self.t = max(self._steps, default=0)


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False).

    Adam with decoupled weight decay: before each update p ← p (1 − η λ), and λ is not added to the
    gradient (torch.optim.AdamW). Arguments as :class:`Adam`; note the default λ = 0.01.
    """

    _decoupled = True

    @declare(lr=POSITIVE_FLOAT, betas=BETAS, eps=NON_NEGATIVE_FLOAT, weight_decay=NON_NEGATIVE_FLOAT, amsgrad=BOOL)
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 **unsupported):
        self._setup(params, lr, betas, eps, weight_decay, amsgrad, unsupported)


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
