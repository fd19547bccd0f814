"""Loss modules: ``loss_fn(prediction, target) -> scalar Tensor``.

All take ``reduction='mean' | 'sum' | 'none'``:

* 'mean' averages the per-element (MSE, BCE) or per-sample (cross-entropy)
  losses: (1/N)Σ, as lecture notes usually define the loss;
* 'sum' adds them: ‖ŷ − y‖² for MSE, as many exercises write it;
* 'none' returns them unreduced (prediction's shape; (N,) for cross-entropy).

``target`` may be a NumPy array, a nested list or a Tensor. Each loss also
gives ``derivative(prediction, target)``: ∂L/∂ŷ as a NumPy array of the
prediction's shape, with the reduction's 1/N included, and ``kind``, its
entry in :mod:`gradlab.ops.catalog` (formula, what it reads: values,
probabilities or logits), which the explainer reads.

Shape convenience: a prediction (N, 1) with a target (N,) (or the reverse)
is accepted — the target is reshaped to the prediction's shape. Any other
shape mismatch is an error (PyTorch would silently broadcast to (N, N)).
"""

from __future__ import annotations

import numpy as np

from ..core import constraints
from ..core.constraints import declare
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.primitive import constant
from ..core.tensor import Tensor, apply, as_array
from ..ops import api as F
from ..ops import losses as L
from ..ops import catalog as C
from ..ops.nn import MSE_LOSS
from ..ops.elementwise import sigmoid_array
from .module import Module

REDUCTIONS = constraints.REDUCTIONS.values  # ('mean', 'sum', 'none'), named once in gradlab.core.constraints


def _data(x):
    return x.data if isinstance(x, Tensor) else x


class Loss(Module):
    """Base class: validates ``reduction`` and converts inputs."""

    kind = None  # the catalog entry (gradlab.ops.catalog.LossKind) that describes the loss once
    name = "loss"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind") is not None:
            cls.name = cls.kind.name

    @declare(reduction=constraints.REDUCTIONS)
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}"

    # ----------------------------------------------------------- helpers
    def _prediction(self, prediction):
        if isinstance(prediction, Tensor):
            return prediction
        return Tensor(as_array(prediction, op=type(self).__name__))

    def _target(self, target, prediction):
        """Target as a Tensor (kept if it is one) or an array of the prediction's dtype and shape."""
        if type(target) is Tensor and target.data.shape == prediction.data.shape:
            return target  # the training loop's case: nothing to convert or check
        owner = type(self).__name__
        if isinstance(target, Tensor):
            t = target
        else:
            t = as_array(target, op=owner)
            if t.dtype != prediction.data.dtype:
                t = t.astype(prediction.data.dtype)
        return self._conform(t, tuple(prediction.data.shape))

    def _conform(self, t, pshape):
        """Target ``t`` (array or Tensor) in the prediction's shape: (N,) and (N, 1) swap, anything else differing
        is an error."""
        tshape = tuple(_data(t).shape)
        if pshape != tshape:
            if _squeezed(pshape) == _squeezed(tshape) and len(pshape) <= 2 and len(tshape) <= 2:
                t = F.reshape(t, pshape) if isinstance(t, Tensor) else t.reshape(pshape)
            else:
                raise ShapeError(f"{type(self).__name__}: prediction has shape {pshape} but target has shape "
                                 f"{tshape}; expected the same shape")
        return t

    def _reduce(self, per):
        if self.reduction == "mean":
            return F.mean(per)
        if self.reduction == "sum":
            return F.sum(per)
        return per

    def _scale(self, per_shape):
        """The factor the reduction puts on each element's derivative."""
        if self.reduction == "mean":
            return 1.0 / max(int(np.prod(per_shape)), 1)
        return 1.0

    def forward(self, prediction, target):
        """The catalog entry's row on each element, reduced (losses with their own forward override this)."""
        if self.kind is None or self.kind.row is None:
            raise NotImplementedError(f"{type(self).__name__} has no catalog entry (kind) to compute it")
        p = self._prediction(prediction)
        return self._reduce(apply(self.kind.row, p, self._target(target, p)))

    def __call__(self, prediction, target):
        return self.forward(prediction, target)


_IDENTITY_MAX = 256  # classes up to which one-hot rows come from a cached identity (at most 512 kB)


def _squeezed(shape):
    return tuple(s for s in shape if s != 1)


def _check_unit_interval(values, owner, what):
    v = np.asarray(values)
    if v.size and (np.isnan(v).any() or v.min() < 0 or v.max() > 1):
        lo, hi = np.nanmin(v), np.nanmax(v)
        raise ParameterError(f"{owner}: {what} must lie in [0, 1]; got values in [{lo:.6g}, {hi:.6g}]"
                             + (" (and NaN)" if np.isnan(v).any() else ""))


class MSELoss(Loss):
    """Mean squared error: 'mean' (1/n)Σ(ŷ − y)² over all n elements; 'sum' ‖ŷ − y‖².

    prediction and target: same shape, e.g. (N, outputs).
    ∂L/∂ŷ = 2(ŷ − y)/n ('mean') or 2(ŷ − y) ('sum').
    """

    kind = C.MSE

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        t = self._target(target, p)
        return apply(MSE_LOSS, p, t, reduction=self.reduction)

    def prepare_targets(self, target, prediction_shape, dtype) -> np.ndarray:
        """All targets at once in the predictions' shape and dtype, checked once (``fit`` calls this).

        Args:
            target: (N, outputs) values, or (N,) for one output.
            prediction_shape: (N, outputs), the shape of the predictions for all N rows.
            dtype: the predictions' float dtype.
        Returns:
            A new (N, outputs) array of ``dtype``; a Tensor slice of it as the
            target gives the same loss as the raw target.
        """
        t = np.array(_data(target), dtype=dtype)  # a copy: the loss keeps reading it during training
        return self._conform(t, tuple(prediction_shape))

    def derivative(self, prediction, target) -> np.ndarray:
        p = self._prediction(prediction)
        t = np.asarray(_data(self._target(target, p)))
        return 2.0 * (p.data - t) * self._scale(p.shape)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities: −[y ln ŷ + (1 − y) ln(1 − ŷ)].

    prediction: probabilities in [0, 1] (e.g. a Sigmoid output), any shape;
    target: same shape, labels in [0, 1]. Each log is clamped at −100 (as
    PyTorch does), so ŷ = 0 or 1 gives a finite loss (≤ 100) rather than inf;
    prefer :class:`BCEWithLogitsLoss` on logits for stability.
    ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) (over n for 'mean'); through a sigmoid it
    becomes ŷ − y with respect to the logit, as textbooks derive.
    """

    kind = C.BCE

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        t = self._target(target, p)
        _check_unit_interval(p.data, "BCELoss", "predictions (probabilities; use BCEWithLogitsLoss for logits)")
        _check_unit_interval(_data(t), "BCELoss", "target labels")
        return self._reduce(apply(L.BCE, p, t))

    def derivative(self, prediction, target) -> np.ndarray:
        p = self._prediction(prediction)
        t = np.asarray(_data(self._target(target, p)))
        return L.bce_dp(np.ones_like(p.data), None, p.data, t) * self._scale(p.shape)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (ŷ = σ(z)): max(z, 0) − z y + ln(1 + e^{−|z|}).

    prediction: logits, any shape; target: same shape, labels in [0, 1].
    Stable for logits of ±1e4. ∂L/∂z = σ(z) − y (over n for 'mean').
    """

    kind = C.BCE_WITH_LOGITS

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        t = self._target(target, p)
        _check_unit_interval(_data(t), "BCEWithLogitsLoss", "target labels")
        return self._reduce(apply(L.BCE_LOGITS, p, t))

    def derivative(self, prediction, target) -> np.ndarray:
        p = self._prediction(prediction)
        t = np.asarray(_data(self._target(target, p)))
        return (sigmoid_array(p.data) - t) * self._scale(p.shape)


class CrossEntropyLoss(Loss):
    """Cross-entropy of logits, as ``torch.nn.CrossEntropyLoss``: −Σ_c p_c ln softmax(z)_c.

    prediction: logits (N, C) (or (C,) for one sample).
    target: class indices (N,) of ints in [0, C) (or a scalar for one sample),
    or class probabilities (N, C) (e.g. one-hot rows).
    'mean' averages over the N samples. ∂L/∂z = (softmax(z) − p)/N for
    'mean', p the one-hot (or given) target rows.

    As torch's, it also takes logits (N, C, d1, ...) with targets (N, d1, ...)
    or (N, C, d1, ...), and the keyword options ``weight`` (C,),
    ``ignore_index`` (default −100: such targets count for nothing) and
    ``label_smoothing`` ε in [0, 1], computed as PyTorch does: with class
    indices, (1 − ε)·weight[t]·(−ln s_t) + (ε/C)·Σ_c weight[c]·(−ln s_c),
    'mean' dividing by Σ weight[t] over the counted targets; with
    probabilities p, −Σ_c weight[c]·((1 − ε)p_c + ε/C)·ln s_c, 'mean'
    dividing by N. While any of these options is set (:attr:`has_options`, read
    at every call, so setting one later counts too), neither the fused training
    step nor the explainer reads the loss as plain cross-entropy: it is
    computed by the general path, and the explainer refuses it.
    """

    kind = C.CROSS_ENTROPY

    @declare(reduction=constraints.REDUCTIONS, ignore_index=constraints.INT,
             label_smoothing=constraints.PROBABILITY)
    def __init__(self, reduction: str = "mean", *, weight=None, ignore_index: int = -100,
                 label_smoothing: float = 0.0):
        super().__init__(reduction)
        from .losses_more import check_weight  # cycle: losses_more builds on this module's Loss
        self.register_buffer("weight", None if weight is None else Tensor(check_weight("CrossEntropyLoss", weight)))
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    @property
    def has_options(self) -> bool:
        """Whether ``weight``, ``ignore_index`` or ``label_smoothing`` differ from plain cross-entropy's."""
        return self.weight is not None or self.ignore_index != -100 or self.label_smoothing != 0

    def _general(self, p, target):
        """Whether the options, the target or the logits' shape need the general path (ignored targets...)."""
        if self.has_options or len(p.shape) > 2:
            return True
        raw = _data(target)
        return not (isinstance(raw, Tensor) or np.shape(raw) == tuple(p.shape)) and bool(
            np.any(np.asarray(raw) == self.ignore_index))

    def _probabilities(self, target, p):
        """Target as probabilities of the prediction's shape (one-hot rows for indices)."""
        pshape = tuple(p.data.shape)
        if len(pshape) not in (1, 2):
            raise ShapeError(f"CrossEntropyLoss: expected logits of shape (N, C) or (C,), got {pshape}")
        if isinstance(target, Tensor) and tuple(target.shape) == pshape:
            return target
        return self._rows(np.asarray(_data(target)), pshape, p.data.dtype)

    def prepare_targets(self, target, logits_shape, dtype) -> np.ndarray:
        """All targets at once as the rows the loss reads, checked once (``fit`` calls this before training).

        Args:
            target: class indices (N,) or probabilities (N, C).
            logits_shape: (N, C), the shape of the logits for all N rows.
            dtype: the logits' float dtype.
        Returns:
            (N, C) probabilities of ``dtype``: one-hot rows for class indices.
            A Tensor slice of them as the target gives the same loss as the
            raw target, without the per-batch conversion and checks.
        """
        if self.has_options:
            raise ParameterError("CrossEntropyLoss with weight, ignore_index or label_smoothing: its targets are "
                                 "read batch by batch, not as prepared one-hot rows")
        raw = np.asarray(_data(target))
        if raw.shape != tuple(logits_shape) and np.any(raw == self.ignore_index):
            bad = int(np.flatnonzero(raw.ravel() == self.ignore_index)[0])
            raise ParameterError(f"CrossEntropyLoss: target {bad} is ignore_index={self.ignore_index}; one-hot "
                                 "rows cannot leave a sample out (call the loss on the targets, which ignores it, "
                                 "or drop those samples)")
        return self._rows(raw, tuple(logits_shape), np.dtype(dtype))

    def _rows(self, raw, pshape, dtype):
        if raw.dtype.kind not in "biuf":
            raise InputTypeError(f"CrossEntropyLoss: target must be class indices or probabilities, "
                                 f"got dtype {raw.dtype}")
        if raw.shape == pshape:  # probabilities (one-hot rows included): a copy, which the backward pass reads
            return raw.astype(dtype)
        if raw.shape != pshape[:-1]:
            raise ShapeError(f"CrossEntropyLoss: logits of shape {pshape} need class indices of shape "
                             f"{pshape[:-1]} or probabilities of shape {pshape}; got a target of shape {raw.shape}")
        if raw.dtype.kind == "f" and not np.all(raw == np.round(raw)):
            raise InputTypeError("CrossEntropyLoss: class indices must be whole numbers; got non-integer values")
        idx = raw if raw.dtype.kind in "iu" else raw.astype(np.int64)
        C = pshape[-1]
        if idx.size and (idx.min() < 0 or idx.max() >= C):
            bad = idx[(idx < 0) | (idx >= C)].ravel()[0]
            raise ParameterError(f"CrossEntropyLoss: class index {bad} is out of range; expected indices in "
                                 f"[0, {C - 1}] for {C} classes")
        if C <= _IDENTITY_MAX:  # one-hot rows: row i of the identity is e_i, gathered in one call
            return constant("eye", (C, C), dtype).take(idx, axis=0)
        onehot = np.zeros(pshape, dtype=dtype)  # many classes: no C × C matrix
        if len(pshape) == 1:
            onehot[idx] = 1.0
        else:
            onehot[np.arange(pshape[0]), idx] = 1.0
        return onehot

    def extra_repr(self):
        base = super().extra_repr()
        if not self.has_options:
            return base
        w = "" if self.weight is None else f", weight={self.weight.data.tolist()}"
        return f"{base}, ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}{w}"

    def forward(self, prediction, target):
        p = self._prediction(prediction)
        if self._general(p, target):
            from .losses_more import cross_entropy_general  # cycle: losses_more builds on this module
            return cross_entropy_general(self, p, target)
        t = self._probabilities(target, p)
        if self.reduction == "none":
            return apply(L.SOFTMAX_CE, p, t)
        return apply(L.CROSS_ENTROPY_LOSS, p, t, reduction=self.reduction)  # one node, reduced

    def derivative(self, prediction, target) -> np.ndarray:
        p = self._prediction(prediction)
        if self._general(p, target):
            from .losses_more import _autodiff_derivative  # cycle: losses_more builds on this module
            return _autodiff_derivative(self, prediction, target)
        t = np.asarray(_data(self._probabilities(target, p)))
        z = p.data
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        return (s * t.sum(axis=-1, keepdims=True) - t) * self._scale(z.shape[:-1])
