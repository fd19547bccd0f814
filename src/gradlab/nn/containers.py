"""Containers: Sequential, and the MLP convenience network built on it.

A Sequential whose layers make a chain Linear [activation] Linear ... runs as
one fused ``dense_stack`` row (:mod:`gradlab.nn.fusion` decides when); any
other runs its layers one by one.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core.constraints import BOOL, POSITIVE_INT, SequenceOf, declare
from ..core.errors import InputTypeError, ParameterError
from ..ops.nn import dense_stack_flat
from . import fusion
from . import init as I
from .activations import get_activation
from .layers import Linear

# layer sizes, input first: ints (no floats, strings or booleans), at least two
SIZES = SequenceOf(POSITIVE_INT, min_length=2)
from .module import Module, configurable, from_config

_UNPLANNED = object()


@configurable
class Sequential(Module):
    """Modules applied one after the other: ``Sequential(Linear(2, 3), ReLU(), Linear(3, 1))``.

    Children are named '0', '1', ...; parameters '0.weight', '0.bias', '2.weight'...
    Indexable (``net[0]``, ``net[1:]`` is a Sequential), ``len(net)``, iterable.
    Input (N, in_features of the first layer) → output of the last module.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (list, tuple)):
            modules = tuple(modules[0])
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "Sequential":
        if not isinstance(module, Module):
            raise InputTypeError(f"Sequential: every layer must be a gradlab Module, got {type(module).__name__} "
                                 f"{module!r:.80}")
        setattr(self, str(len(self._module_names)), module)
        return self

    #: use the fused ``dense_stack`` row when the layers allow it (set False to see one node per layer)
    fuse = True

    def forward(self, x):
        fused = self.dense_row()
        if fused is not None:
            flat, acts, slope = fused
            return dense_stack_flat(x, flat, acts, slope)
        for name in self._module_names:
            x = self.__dict__[name](x)
        return x

    def dense_row(self):
        """``(parameters, activations, slope)`` when this chain runs as one ``dense_stack`` row, else None.

        ``parameters`` is [W1, b1, W2, b2, ...] (Tensors; W (out, in), b (out,)),
        ``activations`` one name per Linear (``ops.nn.DENSE_ACTIVATIONS``) and
        ``slope`` the LeakyReLU slope. None when ``fuse`` is off or the layers
        do not make such a chain (see :meth:`_dense_plan`, :mod:`gradlab.nn.fusion`).
        """
        if not self.fuse:
            return None
        plan = self.__dict__.get("_plan_cache", _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._dense_plan()
        if plan is None:
            return None
        return fusion.dense_row(plan)  # the parameters and slopes are read at every call: they may change

    def _dense_plan(self):
        """(Linear modules, activation names, LeakyReLU modules) when this is Linear [activation] Linear ...

        Such a chain runs as one ``dense_stack`` node whose backward pass is the
        homework's δ recursion (the same numbers, fewer Python steps). None for
        anything else (Step, Softmax, layers without bias, custom modules). The
        plan is cached until a layer of this Sequential is set, added or removed.
        """
        d = self.__dict__
        plan = fusion.plan([d[name] for name in self._module_names])
        d["_plan_cache"] = plan
        return plan

    def __setattr__(self, name, value):
        self.__dict__.pop("_plan_cache", None)
        super().__setattr__(name, value)

    def __delattr__(self, name):
        self.__dict__.pop("_plan_cache", None)
        super().__delattr__(name)

    def __len__(self):
        return len(self._module_names)

    def __iter__(self):
        return iter(self.children())

    def __getitem__(self, index):
        layers = self.children()
        if isinstance(index, slice):
            return Sequential(*layers[index])
        if not isinstance(index, numbers.Integral):
            raise InputTypeError(f"Sequential indices must be ints or slices, got {type(index).__name__}")
        if not -len(layers) <= index < len(layers):
            raise IndexError(f"Sequential: index {index} out of range for {len(layers)} layers")
        return layers[index]

    def to_config(self) -> dict:
        return {"type": "Sequential", "layers": [m.to_config() for m in self.children()]}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ParameterError(f"from_config: a Sequential config needs a 'layers' list, got {layers!r:.100}")
        return cls(*[from_config(c) for c in layers])


@configurable
class MLP(Sequential):
    """Multi-layer perceptron: Linear layers with an activation between them.

    ``MLP([2, 16, 16, 1])`` is Linear(2,16), ReLU, Linear(16,16), ReLU, Linear(16,1).

    Args:
        sizes: layer widths [in, hidden..., out] (at least two).
        activation: hidden activation: a name ('relu', 'sigmoid', 'tanh',
            'leaky_relu', 'identity', 'step') or an activation module.
        output_activation: None (raw outputs, e.g. logits for
            BCEWithLogitsLoss/CrossEntropyLoss) or a name/module.
        rng: seed or Generator for every layer's initial weights.
        init: passed to every Linear.
        bias: give every Linear a bias.
        dtype: 'float64' (default) or 'float32', for every weight and bias.

    Shapes: x (N, sizes[0]) → (N, sizes[-1]).
    """

    @declare("MLP", sizes=SIZES, bias=BOOL)
    def __init__(self, sizes, activation="relu", output_activation=None, rng=None, init="default", bias=True,
                 dtype=None):
        sizes = [int(s) for s in sizes]
        gen = I.as_generator(rng, "MLP")
        hidden = get_activation(activation)
        out_act = None if output_activation is None else get_activation(output_activation)
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(Linear(sizes[i], sizes[i + 1], bias=bias, init=init, rng=gen, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(type(hidden).from_config(hidden.to_config()))
        if out_act is not None:
            layers.append(out_act)
        super().__init__(*layers)
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "_activation", hidden.to_config())
        object.__setattr__(self, "_output_activation", None if out_act is None else out_act.to_config())
        object.__setattr__(self, "_bias", bool(bias))

    def to_config(self):
        cfg = {"type": "MLP", "sizes": list(self.sizes), "activation": self._activation,
               "output_activation": self._output_activation, "bias": self._bias}
        dtype = self.parameters()[0].data.dtype
        if dtype != np.float64:
            cfg["dtype"] = str(dtype)
        return cfg

    @classmethod
    def from_config(cls, config):
        try:
            act = from_config(config["activation"]) if isinstance(config["activation"], dict) else config["activation"]
            out = config.get("output_activation")
            out = from_config(out) if isinstance(out, dict) else out
            return cls(config["sizes"], activation=act, output_activation=out, init="zeros",
                       bias=config.get("bias", True), dtype=config.get("dtype"))
        except KeyError as exc:
            raise ParameterError(f"from_config: an MLP config needs {exc}") from None
