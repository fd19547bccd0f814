"""Module: parameter discovery, modes, state dicts, configs.

A :class:`Module` finds its parameters the way ``torch.nn.Module`` does:
every :class:`~gradlab.Tensor` assigned as an attribute is a parameter, every
Module assigned as an attribute is a child, in assignment order. Names are
dotted paths: ``'0.weight'`` is the weight of child ``'0'`` of a Sequential.

Buffers (:meth:`Module.register_buffer`) are state that is not learned —
BatchNorm's running statistics: they are in :meth:`Module.state_dict` under
their dotted names, as in PyTorch, but not in :meth:`Module.parameters`.

Architectures that can be written down (Sequential and MLP of gradlab's layers
— Linear, the convolutions and poolings, the norms, Dropout, Embedding — and
activations) describe themselves with :meth:`Module.to_config` — a JSON
dict — and :func:`from_config` rebuilds them; model files store that dict, so
loading one runs no code.

This module sits under every other one of ``gradlab.nn``: layers,
activations, losses and containers (``nn/containers.py``: Sequential, MLP)
build on it, and it imports none of them.
"""

from __future__ import annotations


import numpy as np

from ..core.constraints import BOOL, POSITIVE_INT, check
from ..core.errors import GraphError, InputTypeError, ParameterError, ShapeError
from ..core.graph import no_grad
from ..core.notebook import ModuleDisplay
from ..core.tensor import Tensor

# type name in a config -> Module class (filled by @configurable)
MODULE_TYPES: dict = {}


def configurable(cls):
    """Class decorator: make ``cls`` buildable by :func:`from_config` under its class name."""
    MODULE_TYPES[cls.__name__] = cls
    return cls


def from_config(config) -> "Module":
    """Rebuild a Module from the dict :meth:`Module.to_config` returned.

    ``config`` is JSON data: ``{"type": "Sequential", "layers": [...]}``,
    ``{"type": "Linear", "in_features": 2, "out_features": 3, "bias": true}``,
    ``{"type": "ReLU"}``... The new module's weights are freshly initialised;
    load a state dict to set them.
    """
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise ParameterError(f"from_config: expected a dict with a 'type' string, got {config!r:.200}")
    cls = MODULE_TYPES.get(config["type"])
    if cls is None:
        raise ParameterError(f"from_config: unknown module type {config['type']!r}; known: {sorted(MODULE_TYPES)}")
    return cls.from_config(config)


class Module(ModuleDisplay):
    """Base class of layers, activations, losses and networks.

    Subclasses call ``super().__init__()`` first, assign parameters (Tensors)
    and children (Modules) as attributes, and define ``forward``.

    Attributes:
        training: True after ``train()`` (the default), False after ``eval()``.
    """

    def __init__(self):
        object.__setattr__(self, "_param_names", [])
        object.__setattr__(self, "_module_names", [])
        object.__setattr__(self, "_buffer_names", [])
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------- registration
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_param_names" not in d:
            raise GraphError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        params, mods = d["_param_names"], d["_module_names"]
        if name in d.get("_buffer_names", ()):
            if value is not None and not isinstance(value, Tensor):
                raise InputTypeError(f"{type(self).__name__}: cannot assign {type(value).__name__} to the buffer "
                                     f"{name!r}; expected a Tensor or None")
            object.__setattr__(self, name, value)
            return
        new = name not in d  # a new attribute is in neither list: no list search, so building is linear time
        if isinstance(value, Tensor) or (value is None and not new and name in params):
            if not new and name in mods:
                mods.remove(name)
            if new or name not in params:
                params.append(name)
        elif isinstance(value, Module):
            if not new and name in params:
                params.remove(name)
            if new or name not in mods:
                mods.append(name)
        elif not new:
            if name in params:
                params.remove(name)
            if name in mods:
                mods.remove(name)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for reg in (self._param_names, self._module_names, self.__dict__.get("_buffer_names", [])):
            if name in reg:
                reg.remove(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add state that is not a parameter, as ``torch.nn.Module.register_buffer``.

        Args:
            name: attribute name (a string without '.', not already an attribute).
            tensor: a Tensor (kept as is; it should not require a gradient), an
                array-like (made a Tensor of its own dtype) or None (no buffer yet:
                left out of the state dict).
            persistent: whether :meth:`state_dict` includes it.
        """
        d = self.__dict__
        if "_param_names" not in d:
            raise GraphError(f"{type(self).__name__}: call super().__init__() before registering buffers")
        if not isinstance(name, str) or not name or "." in name:
            raise ParameterError(f"register_buffer of {type(self).__name__}: the name must be a non-empty string "
                                 f"without '.', got {name!r}")
        if name in d and name not in d.get("_buffer_names", ()):
            raise ParameterError(f"register_buffer of {type(self).__name__}: {name!r} is already an attribute")
        if tensor is not None and not isinstance(tensor, Tensor):
            arr = np.asarray(tensor)
            if arr.dtype.kind not in "fiub":
                raise InputTypeError(f"register_buffer of {type(self).__name__}: buffer {name!r} must be numeric, "
                                     f"got dtype {arr.dtype}")
            tensor = Tensor.wrap(np.array(arr))
        if "_buffer_names" not in d:  # a module built before buffers existed
            object.__setattr__(self, "_buffer_names", [])
            object.__setattr__(self, "_non_persistent", set())
        if name not in d["_buffer_names"]:
            d["_buffer_names"].append(name)
        (d["_non_persistent"].discard if persistent else d["_non_persistent"].add)(name)
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix: str = "") -> list:
        """[(dotted name, Tensor)] of the buffers of this module and its descendants (None ones left out)."""
        out = []
        for mprefix, m in self.named_modules(prefix=prefix):
            for n in m.__dict__.get("_buffer_names", ()):
                b = m.__dict__[n]
                if b is not None:
                    out.append((f"{mprefix}.{n}" if mprefix else n, b))
        return out

    def buffers(self) -> list:
        """The buffer Tensors, in the order of :meth:`named_buffers`."""
        return [b for _, b in self.named_buffers()]

    # ---------------------------------------------------------- discovery
    def named_children(self) -> list:
        """[(name, child Module)] in assignment order."""
        return [(n, self.__dict__[n]) for n in self._module_names]

    def children(self) -> list:
        return [m for _, m in self.named_children()]

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True) -> list:
        """[(dotted name, Module)] of this module ('') and every descendant, depth first, as PyTorch's.

        A module reachable twice appears once (its first name) unless ``remove_duplicate`` is False;
        ``memo`` is the set of modules already listed (PyTorch's argument).
        """
        if isinstance(memo, str):  # named_modules('prefix'), the older signature
            memo, prefix = None, memo
        memo = set() if memo is None else memo
        out = []
        self._walk_modules(memo, prefix, remove_duplicate, out)
        return out

    def _walk_modules(self, memo, prefix, remove_duplicate, out):
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        out.append((prefix, self))
        for name, child in self.named_children():
            child._walk_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate, out)

    def modules(self) -> list:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> list:
        """[(dotted name, Tensor)] in a stable order: own parameters, then children's.

        A Tensor shared by two modules appears once, under its first name.
        """
        out, seen = [], set()
        self._collect(prefix, out, seen)
        return out

    def _collect(self, prefix, out, seen):
        d = self.__dict__
        for n in self._param_names:
            p = d[n]
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                out.append((f"{prefix}.{n}" if prefix else n, p))
        for n in self._module_names:
            d[n]._collect(f"{prefix}.{n}" if prefix else n, out, seen)

    def parameters(self) -> list:
        """The parameter Tensors, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """Total number of scalar parameters."""
        return int(sum(p.data.size for p in self.parameters()))

    # -------------------------------------------------------------- modes
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module, then call ``train(mode)`` on each child; returns self (as PyTorch)."""
        if mode is not True and mode is not False:  # (checked only then: fit calls this every epoch)
            check(f"{type(self).__name__}.train", "mode", mode, BOOL)
        object.__setattr__(self, "training", bool(mode))
        d = self.__dict__
        for n in self._module_names:
            d[n].train(mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (``training = False``); returns self."""
        return self.train(False)

    def evaluating(self):
        """A context in which this module and every child is in evaluation mode, each restored to its own mode
        after: a look at the model (a shape probe, a picture of its activations) draws no dropout mask and
        updates no running statistics.

            with model.evaluating():
                out = model(x)
        """
        return _Evaluating(self)

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every child (recursively, children first), then on this module; returns self.

        As ``torch.nn.Module.apply``: ``net.apply(init_fn)`` re-initialises every layer ``init_fn`` recognises.
        """
        if not callable(fn):
            raise InputTypeError(f"{type(self).__name__}.apply: fn must be a function of a Module, "
                                 f"got {type(fn).__name__} {fn!r:.80}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -------------------------------------------------------- state dicts
    def _state(self) -> dict:
        """{dotted name: Tensor} of the parameters and persistent buffers, in PyTorch's order: each module's
        parameters, then its buffers, then its children's (a shared parameter once, under its first name)."""
        out, seen = {}, set()
        for prefix, m in self.named_modules():
            d = m.__dict__
            for n in m._param_names:
                p = d[n]
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    out[f"{prefix}.{n}" if prefix else n] = p
            skip = d.get("_non_persistent", ())
            for n in d.get("_buffer_names", ()):
                if d[n] is not None and n not in skip:
                    out[f"{prefix}.{n}" if prefix else n] = d[n]
        return out

    def state_dict(self) -> dict:
        """{dotted name: a copy of the values (NumPy array)} of every parameter and persistent buffer."""
        return {name: np.array(p.data, copy=True) for name, p in self._state().items()}

    def load_state_dict(self, state: dict, strict: bool = True) -> "Module":
        """Copy values into the parameters, in place (optimizers keep working).

        Args:
            state: {dotted name: array-like of the parameter's shape}.
            strict: when True, missing and unexpected names are errors.
        Raises:
            ShapeError naming the parameter and both shapes; ParameterError for
            missing or unexpected names.
        """
        if not isinstance(state, dict):
            raise InputTypeError(f"load_state_dict: expected a dict name -> array, got {type(state).__name__}")
        params = self._state()
        if strict:
            missing = [n for n in params if n not in state]
            unexpected = [n for n in state if n not in params]
            if missing or unexpected:
                raise ParameterError(f"load_state_dict of {type(self).__name__}: missing parameters {missing}, "
                                     f"unexpected parameters {unexpected}")
        arrays = {}
        for name, p in params.items():
            if name not in state:
                continue
            arr = np.asarray(state[name])
            if arr.shape != p.data.shape:
                raise ShapeError(f"load_state_dict of {type(self).__name__}: parameter {name!r} has shape "
                                 f"{p.data.shape} in the model but {arr.shape} in the state dict")
            if arr.dtype.kind not in "fiub":
                raise InputTypeError(f"load_state_dict: parameter {name!r} has non-numeric dtype {arr.dtype}")
            arrays[name] = arr
        for name, arr in arrays.items():  # all checked first: nothing half-loaded
            params[name].data[...] = arr
        return self

    # ------------------------------------------------------------ running
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def predict(self, X, batch_size: int = 1024) -> np.ndarray:
        """Outputs for the rows of ``X`` (N, ...) as a NumPy array (N, ...).

        Runs under ``gl.no_grad()`` (no graph is built) in batches of
        ``batch_size`` rows.
        """
        check("predict", "batch_size", batch_size, POSITIVE_INT)
        data = X.data if isinstance(X, Tensor) else np.asarray(X)
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        n = data.shape[0] if data.ndim else 1
        outs = []
        with no_grad():
            for start in range(0, max(n, 1), batch_size):
                out = self.forward(Tensor(data[start:start + batch_size]) if data.ndim else Tensor(data))
                outs.append(np.asarray(out.data if isinstance(out, Tensor) else out))
        return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=0)

    # ---------------------------------------------------------- describing
    def extra_repr(self) -> str:
        """Arguments shown between the parentheses of ``repr``."""
        return ""

    def _repr_lines(self) -> list:
        own = ", ".join(f"{n} {tuple(self.__dict__[n].shape)}" for n in self._param_names
                        if self.__dict__[n] is not None)
        head = f"{type(self).__name__}({self.extra_repr()})"
        if own:
            head += f"  # {own}"
        if not self._module_names:
            return [head]
        lines = [f"{type(self).__name__}("]
        for name, child in self.named_children():
            sub = child._repr_lines()
            lines.append(f"  ({name}): {sub[0]}")
            lines.extend("  " + s for s in sub[1:])
        lines.append(")")
        return lines

    def __repr__(self):
        lines = self._repr_lines()
        n = self.num_parameters()
        if n or self._module_names:
            lines[-1] += f"  [{n} parameters]"
        return "\n".join(lines)

    def to_config(self) -> dict:
        """A JSON-able description of the architecture (see :func:`from_config`)."""
        raise InputTypeError(
            f"{type(self).__name__} cannot describe itself as a config: only Sequential/MLP networks of "
            "gradlab's built-in layers and activations can; save its state_dict() instead"
        )

    @classmethod
    def from_config(cls, config):
        """Build from a config with no arguments but its type (activations override this)."""
        return cls()


class _Evaluating:
    """:meth:`Module.evaluating`: every module's ``training`` flag saved, set False, and restored on exit."""

    def __init__(self, module):
        self.module = module
        self.saved = []

    def __enter__(self):
        self.saved = [(m, m.training) for _, m in self.module.named_modules(remove_duplicate=False)]
        for m, _ in self.saved:
            object.__setattr__(m, "training", False)
        return self.module

    def __exit__(self, *exc):
        for m, flag in self.saved:
            object.__setattr__(m, "training", flag)
        return False
