"""The optimizer base: the parameter list, ``zero_grad``, and the learning rate.

An optimizer holds a list of parameter Tensors and updates their arrays
**in place** (``p.data -= ...``; the array object never changes), so a model,
its optimizer and any reference to ``p.data`` stay in step. ``lr`` is a plain
attribute the learning-rate schedules rewrite.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import POSITIVE_FLOAT, declare
from ..core.errors import InputTypeError, ParameterError
from ..core.tensor import Tensor


def refuse_unsupported(owner: str, given: dict, takes: str) -> None:
    """Refuse keyword arguments an optimizer does not have (PyTorch's amsgrad, foreach...) with one sentence."""
    if given:
        names = ", ".join(sorted(given))
        raise ParameterError(f"{owner} does not support {names}; it takes params, {takes}")


def parameter_list(params, owner: str) -> list:
    """The Tensors to optimise, from a Module or an iterable of Tensors (duplicates dropped)."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    if isinstance(params, Tensor):
        raise InputTypeError(f"{owner}: params must be an iterable of Tensors (e.g. model.parameters()), "
                             "got a single Tensor; wrap it in a list")
    try:
        items = list(params)
    except TypeError:
        raise InputTypeError(f"{owner}: params must be an iterable of Tensors, got {type(params).__name__}") from None
    out, seen = [], set()
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise InputTypeError(f"{owner}: params[{i}] is a {type(p).__name__}, expected a gradlab Tensor")
        if not p.requires_grad:
            raise ParameterError(f"{owner}: params[{i}] (shape {p.shape}) does not require a gradient; "
                                 "create it with requires_grad=True")
        if not p.is_leaf:
            raise ParameterError(f"{owner}: params[{i}] (shape {p.shape}) is the result of an operation, "
                                 "not a leaf tensor; optimise the leaves it was computed from")
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    if not out:
        raise ParameterError(f"{owner}: got an empty parameter list")
    return out


def grad_array(p):
    """The gradient of ``p`` as an array (None when it has none)."""
    g = p.grad
    if g is None:
        return None
    return g.data if isinstance(g, Tensor) else g


class Optimizer:
    """Base class. Subclasses define ``step()``.

    Attributes:
        params: the list of parameter Tensors.
        lr: the learning rate (schedules change it between steps).
    """

    @declare(lr=POSITIVE_FLOAT)
    def __init__(self, params, lr):
        owner = type(self).__name__
        self.params = parameter_list(params, owner)
        self.lr = float(lr)
        self.initial_lr = float(lr)

    def _gradients(self, weight_decay=0.0):
        """``(i, p, g)`` for every parameter with a gradient; ``g`` includes the L2 term λp when λ ≠ 0."""
        for i, p in enumerate(self.params):
            g = grad_array(p)
            if g is None:
                continue
            yield i, p, (g + weight_decay * p.data if weight_decay else g)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``, as PyTorch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError

    def _hyper(self) -> dict:
        return {}

    def state_dict(self) -> dict:
        """Hyper-parameters and per-parameter buffers (copies), for checkpoints."""
        return {"type": type(self).__name__, "lr": self.lr, **self._hyper(), "state": self._state()}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (the same parameters, same order): lr, the other
        hyper-parameters (betas, eps, momentum, ...) and the per-parameter buffers."""
        if not isinstance(state, dict) or state.get("type") != type(self).__name__:
            raise ParameterError(f"{type(self).__name__}.load_state_dict: expected the state of a "
                                 f"{type(self).__name__}, got {state.get('type') if isinstance(state, dict) else state!r}")
        self.lr = float(state["lr"])
        for name, current in self._hyper().items():  # betas, eps, momentum... as saved (as torch restores them)
            if name in state:
                value = state[name]
                setattr(self, name, tuple(float(v) for v in value) if isinstance(current, tuple) else type(current)(value))
        self._load_state(state["state"])

    def _state(self):
        return {}

    def _load_state(self, state):
        pass

    def __repr__(self):
        hyper = ", ".join(f"{k}={v}" for k, v in self._hyper().items())
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr}{', ' + hyper if hyper else ''})"


def copy_buffers(buffers):
    return [None if b is None else np.array(b, copy=True) for b in buffers]


def check_buffers(owner, buffers, params):
    if len(buffers) != len(params):
        raise ParameterError(f"{owner}.load_state_dict: the state holds {len(buffers)} buffers for "
                             f"{len(params)} parameters")
    for i, (b, p) in enumerate(zip(buffers, params)):
        if b is not None and np.shape(b) != p.data.shape:
            raise ParameterError(f"{owner}.load_state_dict: buffer {i} has shape {np.shape(b)} but parameter "
                                 f"{i} has shape {p.data.shape}")
    return copy_buffers(buffers)
