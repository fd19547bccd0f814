"""The optimizer base: parameter groups, ``zero_grad``, the learning rate, state dicts.

An optimizer holds a list of parameter Tensors and updates their arrays
**in place** (``p.data -= ...``; the array object never changes), so a model,
its optimizer and any reference to ``p.data`` stay in step.

Parameter groups, as ``torch.optim``: ``params`` is a Module, an iterable of
Tensors (one group) or a list of dicts ``{"params": [...], "lr": ..., ...}``
whose entries override the constructor's defaults for that group.
``optimizer.param_groups`` is that list of dicts (each with every
hyper-parameter filled in); a step reads each group's values afresh, so
``group["lr"] = ...`` (what the schedules do) takes effect on the next step.
``optimizer.lr`` (and ``optimizer.betas``, ``optimizer.momentum``, ...) read
the first group and, when assigned, set every group.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import DECLARED, POSITIVE_FLOAT, check, declare
from ..core.errors import InputTypeError, ParameterError
from ..core.tensor import Tensor


def refuse_unsupported(owner: str, given: dict, takes: str) -> None:
    """Refuse keyword arguments an optimizer does not have (PyTorch's foreach, maximize...) with one sentence."""
    if given:
        names = ", ".join(sorted(given))
        raise ParameterError(f"{owner} does not support {names}; it takes params, {takes}")


def parameter_list(params, owner: str, where: str = "params", allow_empty: bool = False) -> list:
    """The Tensors to optimise, from a Module or an iterable of Tensors (duplicates dropped)."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    if isinstance(params, Tensor):
        raise InputTypeError(f"{owner}: {where} must be an iterable of Tensors (e.g. model.parameters()), "
                             "got a single Tensor; wrap it in a list")
    try:
        items = list(params)
    except TypeError:
        raise InputTypeError(f"{owner}: {where} must be an iterable of Tensors, got {type(params).__name__}") from None
    out, seen = [], set()
    for i, p in enumerate(items):
        if not isinstance(p, Tensor):
            raise InputTypeError(f"{owner}: {where}[{i}] is a {type(p).__name__}, expected a gradlab Tensor")
        if not p.requires_grad:
            raise ParameterError(f"{owner}: {where}[{i}] (shape {p.shape}) does not require a gradient; "
                                 "create it with requires_grad=True")
        if not p.is_leaf:
            raise ParameterError(f"{owner}: {where}[{i}] (shape {p.shape}) is the result of an operation, "
                                 "not a leaf tensor; optimise the leaves it was computed from")
        if id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    if not out and not allow_empty:
        raise ParameterError(f"{owner}: got an empty parameter list")
    return out


def _is_group_list(params) -> bool:
    if isinstance(params, dict):
        return True
    if isinstance(params, (list, tuple)) and params and isinstance(params[0], dict):
        return True
    return False


def build_groups(params, defaults: dict, owner: str, constraints: dict) -> list:
    """``param_groups``: a list of dicts, each with "params" (a list of Tensors) and every key of ``defaults``.

    Group values are checked with the constructor's declared ``constraints``; a key the optimizer does not
    have, a group without "params" and a Tensor in two groups are refused.
    """
    if not _is_group_list(params):
        return [{"params": parameter_list(params, owner), **defaults}]
    groups_in = [params] if isinstance(params, dict) else list(params)
    groups, seen = [], {}
    for k, given in enumerate(groups_in):
        if not isinstance(given, dict):
            raise InputTypeError(f"{owner}: parameter group {k} is a {type(given).__name__}; when params is a list "
                                 "of groups every entry must be a dict with a 'params' key")
        if "params" not in given:
            raise ParameterError(f"{owner}: parameter group {k} has no 'params' key (its keys: "
                                 f"{', '.join(map(repr, given)) or 'none'})")
        unknown = sorted(set(given) - set(defaults) - {"params"})
        if unknown:
            raise ParameterError(f"{owner}: parameter group {k} has the key(s) {', '.join(map(repr, unknown))}, which "
                                 f"{owner} does not take; valid keys are 'params', {', '.join(map(repr, defaults))}")
        group = {"params": parameter_list(given["params"], owner, f"param_groups[{k}]['params']")}
        for name, value in defaults.items():
            if name in given:
                value = given[name]
                if name in constraints:
                    check(f"{owner} (parameter group {k})", name, value, constraints[name])
            group[name] = value
        for p in group["params"]:
            if id(p) in seen:
                raise ParameterError(f"{owner}: a parameter of shape {p.shape} is in parameter groups {seen[id(p)]} "
                                     f"and {k}; each parameter may appear in one group only")
            seen[id(p)] = k
        groups.append(group)
    return groups


def grad_array(p):
    """The gradient of ``p`` as an array (None when it has none)."""
    g = p.grad
    if g is None:
        return None
    return g.data if isinstance(g, Tensor) else g


class _GroupValue:
    """A hyper-parameter as an attribute: read from the first group, assigned to every group."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj.param_groups[0][self.name]

    def __set__(self, obj, value):
        for group in obj.param_groups:
            group[self.name] = value


class Optimizer:
    """Base class. Subclasses define ``step()`` and pass their hyper-parameters to ``__init__`` as defaults.

    Attributes:
        param_groups: list of dicts {"params": [Tensor, ...], "lr": ..., ...}.
        defaults: the constructor's hyper-parameters.
        params: every parameter Tensor, group after group.
        lr: the first group's learning rate (assigning it sets every group's).
    """

    lr = _GroupValue()

    @declare(lr=POSITIVE_FLOAT)
    def __init__(self, params, lr, **defaults):
        owner = type(self).__name__
        self.defaults = {"lr": float(lr), **defaults}
        declared = DECLARED.get(f"{type(self).__module__}.{type(self).__qualname__}.__init__")
        constraints = {"lr": POSITIVE_FLOAT, **(declared.constraints if declared else {})}
        self.param_groups = build_groups(params, self.defaults, owner, constraints)
        for group in self.param_groups:
            for name, value in list(group.items()):
                if name != "params":
                    group[name] = _normalised(value)
        self.params = [p for group in self.param_groups for p in group["params"]]
        for p in self.params:  # updated in place from now on: backward() keeps no drawing record of their graphs
            p._optimized = True
        self._group_index = [k for k, group in enumerate(self.param_groups) for _ in group["params"]]
        self.initial_lr = float(lr)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters, as ``torch.optim.Optimizer.add_param_group``: a dict with "params" (Tensors,
        none already in a group) and any hyper-parameters, the others taken from the constructor's ``defaults``.

        The existing groups keep their values (and extra keys, such as a schedule's "initial_lr") and their
        parameters their state (momentum, moments, steps); the new parameters start fresh.
        """
        owner = type(self).__name__
        if not isinstance(param_group, dict):
            raise InputTypeError(f"{owner}.add_param_group: expected a dict with a 'params' key, got "
                                 f"{type(param_group).__name__}")
        state, n_old = self.state_dict(), len(self.params)
        extras = [{k: v for k, v in g.items() if k != "params" and k not in self.defaults} for g in self.param_groups]
        groups = [{k: v for k, v in g.items() if k == "params" or k in self.defaults} for g in self.param_groups]
        defaults = dict(self.defaults)
        lr = defaults.pop("lr")
        type(self).__init__(self, groups + [param_group], lr, **defaults)  # every group checked again, as at first
        for group, extra in zip(self.param_groups, extras):
            group.update(extra)
        n_new = len(self.params) - n_old
        for key, value in state["state"].items():
            if isinstance(value, list) and len(value) == n_old:
                value.extend([0 if key == "steps" else None] * n_new)  # a fresh parameter: no buffer, step 0
        state["param_groups"] = self.state_dict()["param_groups"]
        self.load_state_dict(state)

    def _group_of(self, i: int) -> dict:
        """The group of ``self.params[i]``."""
        return self.param_groups[self._group_index[i]]

    def _gradients(self, weight_decay=None):
        """``(i, p, g, group)`` for every parameter with a gradient; ``g`` includes the group's L2 term λp when
        ``weight_decay`` is True (``group["weight_decay"]`` λ ≠ 0)."""
        for i, p in enumerate(self.params):
            g = grad_array(p)
            if g is None:
                continue
            group = self._group_of(i)
            wd = group.get("weight_decay", 0.0) if weight_decay else 0.0
            yield i, p, (g + wd * p.data if wd else g), group

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``, as PyTorch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError

    def _hyper(self) -> dict:
        """The first group's hyper-parameters other than lr."""
        return {k: v for k, v in self.param_groups[0].items() if k not in ("params", "lr")
                and k in self.defaults}

    def state_dict(self) -> dict:
        """Hyper-parameters (the first group's at the top, every group's under "param_groups", parameters as
        indices) and per-parameter buffers (copies), for checkpoints."""
        groups, start = [], 0
        for group in self.param_groups:
            n = len(group["params"])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": list(range(start, start + n))})
            start += n
        return {"type": type(self).__name__, "lr": self.lr, **self._hyper(), "param_groups": groups,
                "state": self._state()}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (the same parameters, same order, same groups): lr, the
        other hyper-parameters (betas, eps, momentum, ...) of every group and the per-parameter buffers."""
        owner = type(self).__name__
        if not isinstance(state, dict) or state.get("type") != owner:
            raise ParameterError(f"{owner}.load_state_dict: expected the state of a "
                                 f"{owner}, got {state.get('type') if isinstance(state, dict) else state!r}")
        saved = state.get("param_groups")
        if saved is None:  # a state from before parameter groups: one set of values for all
            saved = [{k: state[k] for k in ("lr", *self._hyper()) if k in state}] * len(self.param_groups)
        sizes = [len(g["params"]) for g in self.param_groups]
        if len(saved) != len(self.param_groups) or any("params" in s and len(s["params"]) != n
                                                       for s, n in zip(saved, sizes)):
            raise ParameterError(f"{owner}.load_state_dict: the state has {len(saved)} parameter group(s) of sizes "
                                 f"{[len(s.get('params', ())) for s in saved]}, this optimizer {len(sizes)} of "
                                 f"sizes {sizes}")
        for group, values in zip(self.param_groups, saved):
            for name, value in values.items():  # as torch restores them
                if name != "params":
                    group[name] = _normalised(value)
        self._load_state(state["state"])

    def _state(self):
        return {}

    def _load_state(self, state):
        pass

    def __repr__(self):
        hyper = ", ".join(f"{k}={v}" for k, v in self._hyper().items())
        groups = f", {len(self.param_groups)} groups" if len(self.param_groups) > 1 else ""
        return (f"{type(self).__name__}({len(self.params)} parameters{groups}, lr={self.lr}"
                f"{', ' + hyper if hyper else ''})")


def _normalised(value):
    """Hyper-parameter values as plain Python numbers (tuples of floats for betas)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (tuple, list)):
        return tuple(float(v) for v in value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value


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
