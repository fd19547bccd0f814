"""The compiled loops of the training step, when the C extension was built.

``gradlab._kernels`` (``src/gradlab/_kernels.c``) is built by ``pip install``
where a C compiler is found. Each of its functions does in one pass what the
NumPy code around it writes as several calls (a pass and a temporary array
each):

* ``adam(params, ms, vs, beta1, beta2, step, eps, weight_decay)``: Adam's
  update of every ``params[i].data`` from ``params[i].grad`` and the moments
  ``ms[i]``, ``vs[i]`` (11 NumPy calls per step): the same roundings in the
  same order, so ``optim.Adam`` gives the same weights bit for bit;
* ``copy_into(dsts, params)``: ``dsts[i][...] = params[i].data`` (``fit``'s
  copy of the weights before each step, one call instead of one per array);
* ``softmax_xent(z, p, out)``: the cross-entropy row's forward pass,
  Σ p ln softmax(z) over every row of the last axis, and softmax(z) into
  ``out`` (10 NumPy calls);
* ``xent_grad(s, p, out, scale)``: its backward pass (s Σp − p)·scale (4 calls);
  these two do the NumPy code's operations in its order and dtype
  (``ops/_loops.py``: (z − max z) − ln Σ e^{z − max z}), calling NumPy's own
  exp and log loops (its SIMD versions round differently from the C
  library's) and summing as NumPy does (pairwise, from +0), so they give the
  NumPy code's bits and training ends at the same weights either way;
* ``bias_act(z, b, relu)``: the dense row's z + b and ReLU in place (2 calls);
* ``relu_grad(g, a, out)``: its backward sign(a)·g (2 calls); these two are
  bit for bit what the NumPy calls give too;
* ``im2col(x, cols, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl)``: a convolution's
  window copy, and ``col2im(out, cols, ...)``: the transposed convolution's
  scatter-add, one addition per kernel tap in the NumPy code's order
  (``ops/conv_im2col.py``; the NumPy code is a strided view copied, and one
  addition per tap over the whole image);
* ``maxpool_grad(dx, g, tap, ...)``: max pooling's backward scatter, each
  gradient entry added at its window's winning tap (``ops/conv_pool.py``).

Each takes C-contiguous float64 or float32 arrays of one dtype and matching
shapes. Given anything else it changes nothing and returns False (None for
``softmax_xent``): the caller then runs its NumPy code, which stays the
reference (tests/core/test_native.py compares the two) and handles or reports
every other case. So the hot path pays for no checks in Python.

The rows' calls and their NumPy code are in ``gradlab/ops/_loops.py``; Adam's
in ``optim/adam.py``, ``fit``'s copy in ``train/loop.py``.

``TRAINLOOP`` is the second extension, ``gradlab._trainloop``
(``src/gradlab/_trainloop.c``): ``fit``'s whole-epoch loop for small dense
networks, driven by ``gradlab/train/compiled.py``. None when not built or with
``GRADLAB_NUMPY_ONLY=1``.

``KERNELS`` is the module, or None when it is not built or when the
environment variable ``GRADLAB_NUMPY_ONLY=1`` asks for the NumPy path (to
compare the two, or to rule the extension out).

On Linux with glibc, importing this module also raises malloc's mmap and trim
thresholds (:func:`_tune_malloc`, ``MALLOC_TUNED``), so the arrays of a
training step reuse memory rather than take page faults each step;
``GRADLAB_DEFAULT_MALLOC=1`` keeps glibc's defaults.
"""

from __future__ import annotations

import os
import sys

import numpy as np

try:
    if os.environ.get("GRADLAB_NUMPY_ONLY", "") not in ("", "0"):
        raise ImportError("GRADLAB_NUMPY_ONLY is set")
    from .. import _kernels as KERNELS
except ImportError:
    KERNELS = None

# fit's whole-epoch loop for small dense networks (src/gradlab/_trainloop.c; gradlab/train/compiled.py)
try:
    if os.environ.get("GRADLAB_NUMPY_ONLY", "") not in ("", "0"):
        raise ImportError("GRADLAB_NUMPY_ONLY is set")
    from .. import _trainloop as TRAINLOOP
except ImportError:
    TRAINLOOP = None

FLOATS = (np.dtype(np.float64), np.dtype(np.float32))  # the dtypes the kernels take


# ----------------------------------------------------------------------------- the allocator
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 64 * 2**20  # arrays up to this size come from the heap, whose freed memory is reused
TRIM_THRESHOLD = 128 * 2**20  # freed heap memory beyond this much goes back to the system


def _tune_malloc() -> bool:
    """Let glibc's malloc reuse the memory of a training step's arrays instead of unmapping and faulting it in.

    By default glibc gives every array above 128 KiB (and, adaptively, a few MB) fresh pages from the system and
    returns them when it is freed; a step that makes and frees the same few MB of activations, im2col matrices
    and gradients then pays a page fault per 4 KiB, every step: 2,900 faults, about a third of a LeNet step
    (benchmarks/RESULTS.md). Raising the mmap threshold to 64 MB and the trim threshold to 128 MB keeps that
    memory in the process for the next step. Linux with glibc only; ``GRADLAB_DEFAULT_MALLOC=1`` in the
    environment keeps glibc's defaults. Returns whether it was done.
    """
    if os.environ.get("GRADLAB_DEFAULT_MALLOC", "") not in ("", "0") or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD,
                                                                                            TRIM_THRESHOLD))
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False


MALLOC_TUNED = _tune_malloc()
