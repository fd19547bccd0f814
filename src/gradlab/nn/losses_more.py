"""More loss modules, with torch.nn's names, arguments, defaults and reductions.

* :class:`L1Loss`: |ŷ − y| (gradient 0 at ŷ = y, as PyTorch);
* :class:`HuberLoss` (``delta``) and :class:`SmoothL1Loss` (``beta``): quadratic
  near 0, linear beyond the threshold, with a continuous gradient;
* :class:`NLLLoss` (``weight``, ``ignore_index``): −weight[t]·x_t of
  log-probabilities x (N, C) or (N, C, d1, ...); 'mean' divides by the sum of
  the counted targets' weights;
* :class:`KLDivLoss` (``log_target``): y(ln y − x) on log-probabilities x;
  'mean' averages over all elements (with PyTorch's warning), 'batchmean'
  divides the sum by N.

Each is one row of :mod:`gradlab.ops.losses` (reduced by 'mean', 'sum' or
'none'), so autodiff, second derivatives and the gradient checker take it.
This module also holds the class-index machinery that :class:`NLLLoss` and
``CrossEntropyLoss(weight=, ignore_index=, label_smoothing=)`` share.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..core import constraints
from ..core.constraints import declare
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.tensor import Tensor, apply, as_array
from ..ops import api as F
from ..ops import catalog as C
from ..ops import losses as L
from ..ops.api_shape import moveaxis as gl_moveaxis
from .losses import Loss, _data

__all__ = ["L1Loss", "HuberLoss", "SmoothL1Loss", "NLLLoss", "KLDivLoss"]

KL_REDUCTIONS = constraints.Options("mean", "sum", "none", "batchmean")


class _Elementwise(Loss):
    """A loss of one elementwise row of (prediction, target); ``derivative`` is the row's VJP at g = 1."""

    def _params(self):
        return {}

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        return self._reduce(apply(self.kind.row, p, self._target(target, p), **self._params()))

    def derivative(self, prediction, target) -> np.ndarray:
        """∂L/∂ŷ (the prediction's shape) as a NumPy array, the reduction's 1/n included."""
        p = self._prediction(prediction)
        t = np.asarray(_data(self._target(target, p)))
        d = self.kind.row.vjps[0](np.ones_like(p.data), None, p.data, t, **self._params())
        return d * self._scale(p.shape)


class L1Loss(_Elementwise):
    """Mean absolute error, as ``torch.nn.L1Loss``: ℓ = |ŷ − y| per element.

    prediction and target: the same shape (any); 'mean' divides by the number
    of elements. ∂ℓ/∂ŷ = sign(ŷ − y), 0 at ŷ = y (as PyTorch).
    """

    kind = C.L1

    forward = Loss.forward  # the catalog row, reduced: the explainer explains it


class HuberLoss(_Elementwise):
    """Huber loss, as ``torch.nn.HuberLoss(reduction='mean', delta=1.0)``.

    ℓ = ½(ŷ − y)² where |ŷ − y| < δ, else δ(|ŷ − y| − ½δ); prediction and
    target: the same shape. ∂ℓ/∂ŷ = clip(ŷ − y, −δ, δ), continuous.
    """

    kind = C.HUBER

    @declare(reduction=constraints.REDUCTIONS, delta=constraints.POSITIVE_FLOAT)
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = float(delta)

    def _params(self):
        return {"delta": self.delta}

    def extra_repr(self):
        return f"reduction={self.reduction!r}, delta={self.delta}"


class SmoothL1Loss(_Elementwise):
    """Smooth L1 loss, as ``torch.nn.SmoothL1Loss(reduction='mean', beta=1.0)``.

    ℓ = ½(ŷ − y)²/β where |ŷ − y| < β, else |ŷ − y| − ½β (Huber/β); β = 0 is
    :class:`L1Loss`. prediction and target: the same shape.
    ∂ℓ/∂ŷ = clip((ŷ − y)/β, −1, 1).
    """

    kind = C.HUBER  # at β = δ = 1 the two are the same numbers

    @declare(reduction=constraints.REDUCTIONS, beta=constraints.NON_NEGATIVE_FLOAT)
    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = float(beta)

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        t = self._target(target, p)
        if self.beta == 0:  # PyTorch computes l1_loss there
            return self._reduce(apply(L.L1, p, t))
        return self._reduce(apply(L.SMOOTH_L1, p, t, beta=self.beta))

    def derivative(self, prediction, target) -> np.ndarray:
        p = self._prediction(prediction)
        t = np.asarray(_data(self._target(target, p)))
        g = np.ones_like(p.data)
        d = L.l1_dx(g, None, p.data, t) if self.beta == 0 else L.smooth_l1_dx(g, None, p.data, t, self.beta)
        return d * self._scale(p.shape)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, beta={self.beta}"


# ------------------------------------------------------------ class-index targets
def check_weight(owner, weight):
    """``weight`` as a 1-D float64 array of finite numbers, or None."""
    if weight is None:
        return None
    w = np.asarray(_data(weight))
    if w.dtype.kind not in "biuf":
        raise InputTypeError(f"{owner}: weight must be numbers (one per class), got dtype {w.dtype}")
    if w.ndim != 1:
        raise ShapeError(f"{owner}: weight must have shape (C,), one number per class; got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ParameterError(f"{owner}: weight must be finite numbers; got {w.tolist()}")
    return w.astype(np.float64)


def class_indices(owner, target, logits_shape, ignore_index):
    """(indices, kept): integer class indices of the shape ``logits_shape`` without its class axis, checked
    against C, and the mask of those not equal to ``ignore_index``."""
    raw = np.asarray(_data(target))
    cax = 0 if len(logits_shape) == 1 else 1
    C_ = logits_shape[cax]
    want = logits_shape[:cax] + logits_shape[cax + 1:]
    if raw.dtype.kind not in "iu" and not (raw.dtype.kind == "f" and np.all(raw == np.round(raw))):
        raise InputTypeError(f"{owner}: class indices must be whole numbers; got dtype {raw.dtype}"
                             + (" with non-integer values" if raw.dtype.kind == "f" else ""))
    if raw.shape != want:
        raise ShapeError(f"{owner}: input of shape {logits_shape} needs class indices of shape {want}; got a "
                         f"target of shape {raw.shape}")
    idx = raw.astype(np.int64)
    kept = idx != ignore_index
    bad = kept & ((idx < 0) | (idx >= C_))
    if bad.any():
        raise ParameterError(f"{owner}: class index {idx[bad].ravel()[0]} is out of range; expected indices in "
                             f"[0, {C_ - 1}] for {C_} classes (or ignore_index={ignore_index})")
    return idx, kept


def target_rows(owner, target, logits_shape, dtype, weight, ignore_index, label_smoothing):
    """(P, D): the target rows that −Σ_c P_c ln softmax(z)_c reads, class axis last, and 'mean''s divisor.

    Class indices t: P = (1 − ε)·w_t·e_t + (ε/C)·w (0 for ignored targets), D = Σ w_t
    over the counted targets (their number without weights), which is what
    PyTorch's (1 − ε)·nll + (ε/C)·smooth computes. Probabilities p (the
    logits' shape): P = w·((1 − ε)p + ε/C), D = the number of samples.
    """
    cax = 0 if len(logits_shape) == 1 else 1
    C_ = logits_shape[cax]
    w = np.ones(C_) if weight is None else weight
    if weight is not None and weight.shape != (C_,):
        raise ShapeError(f"{owner}: weight has shape {weight.shape}; expected ({C_},), one per class")
    raw = np.asarray(_data(target))
    if raw.shape == tuple(logits_shape) and raw.dtype.kind == "f" and len(logits_shape) > 0:
        if ignore_index >= 0:
            raise ParameterError(f"{owner}: ignore_index={ignore_index} is not supported for probability targets "
                                 "(as PyTorch); use class indices")
        p = np.moveaxis(raw.astype(np.float64), cax, -1)
        if label_smoothing > 0:
            p = p * (1 - label_smoothing) + label_smoothing / C_
        rows = p * w if weight is not None else p
        n = math.prod(p.shape[:-1])
        return rows.astype(dtype), float(n) if n else math.nan
    idx, kept = class_indices(owner, raw, tuple(logits_shape), ignore_index)
    safe = np.where(kept, idx, 0)
    wt = np.where(kept, w[safe], 0.0)
    rows = np.zeros(idx.shape + (C_,))
    np.put_along_axis(rows, safe[..., None], ((1 - label_smoothing) * wt)[..., None], axis=-1)
    if label_smoothing > 0:
        rows = rows + (label_smoothing / C_) * w * kept[..., None]
    D = float(wt.sum()) if weight is not None else float(kept.sum())
    return rows.astype(dtype), D


def divide(total, D):
    """total / D as PyTorch's 'mean': NaN when nothing is counted (D = 0), with a zero gradient, as PyTorch."""
    return total * 0.0 + math.nan if D == 0 or math.isnan(D) else total / D


class NLLLoss(Loss):
    """Negative log-likelihood, as ``torch.nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')``.

    prediction: log-probabilities (N, C), (N, C, d1, ...) or (C,) (e.g. a
    LogSoftmax(dim=1) output); target: class indices (N,), (N, d1, ...) or a
    scalar. ℓ = −weight[t]·x_t per sample (0 where t = ignore_index);
    'mean' divides the sum by Σ weight[t] over the counted samples (their
    number without weights), 'none' gives (N, d1, ...).
    ∂L/∂x = −weight[t]·e_t (over that sum for 'mean').
    """

    @declare(ignore_index=constraints.INT, reduction=constraints.REDUCTIONS)
    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else Tensor(check_weight("NLLLoss", weight)))
        self.ignore_index = int(ignore_index)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, ignore_index={self.ignore_index}" + (
            "" if self.weight is None else f", weight={self.weight.data.tolist()}")

    def forward(self, prediction, target):
        x = self._prediction(prediction)
        shape = tuple(x.shape)
        if len(shape) == 0:
            raise ShapeError("NLLLoss: expected log-probabilities of shape (C,), (N, C) or (N, C, d1, ...); got a "
                             "scalar")
        cax = 0 if len(shape) == 1 else 1
        w = None if self.weight is None else np.asarray(self.weight.data, dtype=np.float64)
        if w is not None and w.shape != (shape[cax],):
            raise ShapeError(f"NLLLoss: weight has shape {w.shape}; expected ({shape[cax]},), one per class")
        raw = np.asarray(_data(target))
        if raw.dtype.kind not in "iu":
            raise InputTypeError(f"NLLLoss: target must be integer class indices (as PyTorch's long targets); got "
                                 f"dtype {raw.dtype}")
        rows, D = target_rows("NLLLoss", raw, shape, x.data.dtype, w, self.ignore_index, 0.0)
        per = apply(L.NLL, x, np.moveaxis(rows, -1, cax), axis=cax)
        if self.reduction == "none":
            return per
        total = F.sum(per)
        return total if self.reduction == "sum" else divide(total, D)

    def derivative(self, prediction, target) -> np.ndarray:
        return _autodiff_derivative(self, prediction, target)


class KLDivLoss(Loss):
    """Kullback–Leibler divergence, as ``torch.nn.KLDivLoss(reduction='mean', log_target=False)``.

    prediction x: log-probabilities, any shape (e.g. (N, C) from LogSoftmax);
    target y: the same shape, probabilities (log-probabilities when
    ``log_target``). ℓ = y(ln y − x) per element (0 where y = 0), or
    e^y(y − x). 'batchmean' divides the sum by N = x.shape[0] (the
    divergence per sample); 'mean' divides by every element, with PyTorch's
    warning. ∂ℓ/∂x = −y (−e^y with log_target).
    """

    @declare(reduction=KL_REDUCTIONS, log_target=constraints.BOOL)
    def __init__(self, reduction: str = "mean", log_target: bool = False):
        Module_init(self)
        self.reduction = reduction
        self.log_target = bool(log_target)

    def extra_repr(self):
        return f"reduction={self.reduction!r}, log_target={self.log_target}"

    def forward(self, prediction, target):
        x = self._prediction(prediction)
        per = apply(L.KL_DIV, x, self._target(target, x), log_target=self.log_target)
        if self.reduction == "mean":
            warnings.warn("KLDivLoss: reduction='mean' divides the total loss by both the batch size and the "
                          "support size (as PyTorch); 'batchmean' divides only by the batch size, as the KL "
                          "divergence's definition", UserWarning, stacklevel=2)
            return F.mean(per)
        if self.reduction == "batchmean":
            total = F.sum(per)
            return total / x.shape[0] if len(x.shape) else total
        return self._reduce(per)

    def derivative(self, prediction, target) -> np.ndarray:
        return _autodiff_derivative(self, prediction, target)


def Module_init(loss):
    """Module.__init__ without Loss's reduction check (KLDivLoss declares its own reductions)."""
    super(Loss, loss).__init__()


def _autodiff_derivative(loss, prediction, target):
    """∂L/∂(prediction) as a NumPy array, by autodiff (summed over 'none''s entries)."""
    p = Tensor(np.array(_data(prediction), dtype=np.result_type(np.asarray(_data(prediction)).dtype, np.float32)),
               requires_grad=True)
    out = loss.forward(p, target)
    F.sum(out).backward()
    return np.asarray(p.grad.data if isinstance(p.grad, Tensor) else p.grad)


def cross_entropy_general(loss, z, target):
    """CrossEntropyLoss with its options, on logits z (C,), (N, C) or (N, C, d1, ...): the softmax
    cross-entropy row on :func:`target_rows`' rows, reduced ('mean' divides by their D)."""
    shape = tuple(z.shape)
    if len(shape) == 0:
        raise ShapeError("CrossEntropyLoss: expected logits of shape (C,), (N, C) or (N, C, d1, ...); got a scalar")
    cax = 0 if len(shape) == 1 else 1
    w = None if loss.weight is None else np.asarray(loss.weight.data, dtype=np.float64)
    rows, D = target_rows("CrossEntropyLoss", target, shape, z.data.dtype, w, loss.ignore_index,
                          loss.label_smoothing)
    zl = z if cax == len(shape) - 1 else gl_moveaxis(z, cax, -1)
    if loss.reduction == "none":
        return apply(L.SOFTMAX_CE, zl, rows)
    total = apply(L.CROSS_ENTROPY_LOSS, zl, rows, reduction="sum")
    return total if loss.reduction == "sum" else divide(total, D)
