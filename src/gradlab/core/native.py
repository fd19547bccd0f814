"""The compiled loops of the training step, when the C extension was built.

``gradlab._kernels`` (``src/gradlab/_kernels.c``) is built by ``pip install``
where a C compiler is found. It holds three loops that the NumPy code would
write as several calls, each a pass over the arrays:

* :func:`adam` — one Adam update of a parameter and its moments (11 NumPy
  calls); the same roundings in the same order, so the result is identical
  to the NumPy update bit for bit; ``KERNELS.adam_many`` runs it over lists
  of parameters in one call (what ``optim.Adam`` uses);
* :func:`softmax_xent` — the cross-entropy row's forward pass: the loss sum
  and softmax(z) (9 NumPy calls), equal to the NumPy path to a few units in
  the last place;
* :func:`xent_grad` — its backward pass (softmax Σp − p)·scale (4 calls).

``KERNELS`` is the module, or None when it is not built or when the
environment variable ``GRADLAB_NUMPY_ONLY=1`` asks for the NumPy path (to
compare the two, or to rule the extension out). Callers use a kernel only for
C-contiguous NumPy arrays of one float dtype, and keep the NumPy code as the
reference that tests compare against.
"""

from __future__ import annotations

import os

import numpy as np

try:
    if os.environ.get("GRADLAB_NUMPY_ONLY", "") not in ("", "0"):
        raise ImportError("GRADLAB_NUMPY_ONLY is set")
    from .. import _kernels as KERNELS
except ImportError:
    KERNELS = None

FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def fits(a, b) -> bool:
    """Whether the kernels take arrays a and b: NumPy, C-contiguous, both float64 or both float32."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return False
    dtype = a.dtype
    return (dtype is b.dtype and (dtype is FLOATS[0] or dtype is FLOATS[1]) and a.flags.c_contiguous
            and b.flags.c_contiguous)


def adam(p, g, m, v, beta1, beta2, step, eps, weight_decay=0.0):
    """One Adam update, in place, of p, m and v (arrays of one shape and one float dtype, C-contiguous).

    g ← g + λp (λ = weight_decay, when ≠ 0); m ← β₁m + (1 − β₁)g;
    v ← β₂v + (1 − β₂)g²; p ← p − (m/(√v + eps))·step, where the caller has
    folded the bias corrections into ``step`` and ``eps``. g is only read.
    """
    KERNELS.adam(p, g, m, v, beta1, beta2, step, eps, weight_decay)


def softmax_xent(z, p, out) -> float:
    """Σₙ Σ_c p_nc ln softmax(z)_nc (a term with p_nc = 0 counts 0), and softmax(z) written into ``out``.

    z, p, out: (N, C) arrays of one float dtype, C-contiguous. Returns a Python float.
    """
    return KERNELS.softmax_xent(z, p, out, z.shape[-1])


def xent_grad(s, p, out, scale):
    """``out`` ← (s · Σ_c p_c − p) · scale, row by row; s, p, out: (N, C), one float dtype, C-contiguous."""
    KERNELS.xent_grad(s, p, out, s.shape[-1], scale)
