"""The architecture of a model file: checked field by field, then built in linear time.

:func:`plan` reads the JSON architecture (as :meth:`Module.to_config` wrote
it) without building anything: every field must have the type and range the
constructor expects (``bias`` a JSON boolean, sizes JSON ints ≥ 1, dtype
'float32' or 'float64', activation arguments finite JSON numbers except the
few words in :data:`WORD_ARGUMENTS`, such as GELU's approximate), only the
module types listed in :data:`PLAIN_TYPES` and the registered activations may
appear, and the numbers of modules and of nested containers are capped. The
convolution, pooling, reshaping and normalisation layers are checked by
:mod:`gradlab.io.layer_plans`. It returns the state the model will have —
parameters and buffers, (name, shape, dtype), in the order of
``state_dict()`` — so the loader can compare them with the tensors in the
file before a single array is allocated. :func:`build` then makes exactly
that model.
"""

from __future__ import annotations

import functools
import inspect
import math

from . import fields, limits
from .fields import ArchitectureError
from .layer_plans import LAYERS
from ..nn.activations import Activation
from ..nn.module import MODULE_TYPES
from ..nn.activations import ACTIVATIONS
from ..nn.activations import get_activation
from ..nn.containers import MLP
from ..nn.layers import Linear
from ..nn.containers import Sequential
from ..nn.module import from_config
from ..ops.api_activations import APPROXIMATIONS


#: the containers and layers a model file may hold, besides activations
PLAIN_TYPES = ("Sequential", "MLP", "Linear", *LAYERS)
_ITEMSIZE = {"float64": 8, "float32": 4, "int64": 8}
#: the activation arguments that are words, not numbers: {type: {field: the words allowed}}
WORD_ARGUMENTS = {"GELU": {"approximate": APPROXIMATIONS.values}}


class Plan:
    """What :func:`plan` found: ``params`` [(name, shape, dtype)] of the parameters and buffers (the
    ``state_dict()`` entries; dtype 'float64', 'float32' or, for num_batches_tracked, 'int64'), ``modules``
    (count), ``config``, and ``values`` [(prefix, where, checker)]: the checks of stored values (a
    Standardize's std > 0) that :func:`check_values` runs once the tensors are read."""

    def __init__(self, config):
        self.config = config
        self.params = []
        self.modules = 0
        self.values = []
        self.activations = _activation_classes()  # read once: MODULE_TYPES may grow as the user registers types

    @property
    def nbytes(self) -> int:
        return sum(math.prod(shape) * _ITEMSIZE[dtype] for _, shape, dtype in self.params)

    def count(self, where, n=1):
        self.modules += n
        if self.modules > limits.MAX_MODULES:
            raise ArchitectureError(f"it has more than {limits.MAX_MODULES:,} modules (the limit), at {where}")


def _activation_classes() -> dict:

    return {name: cls for name, cls in MODULE_TYPES.items() if isinstance(cls, type) and issubclass(cls, Activation)}


_keys, _bool, _dtype = fields.keys, fields.boolean, fields.dtype


def _int(cfg, key, where) -> int:
    return fields.integer(cfg, key, where)


def _linear(cfg, where, prefix, out: Plan):
    _keys(cfg, ("in_features", "out_features", "bias", "dtype"), where)
    n_in, n_out = _int(cfg, "in_features", where), _int(cfg, "out_features", where)
    bias, dtype = _bool(cfg, "bias", where), _dtype(cfg, where)
    out.params.append((f"{prefix}weight", (n_out, n_in), dtype))
    if bias:
        out.params.append((f"{prefix}bias", (n_out,), dtype))


@functools.lru_cache(maxsize=None)
def _arguments(cls) -> tuple:
    return tuple(p for p in inspect.signature(cls.__init__).parameters if p != "self")


def _activation(cfg, where, out: Plan):
    cls = out.activations.get(cfg.get("type"))
    if cls is None:
        raise ArchitectureError(f"{where}.type is {cfg.get('type')!r:.60}, not an activation")
    allowed = _arguments(cls)
    _keys(cfg, allowed, where)
    words = WORD_ARGUMENTS.get(cfg["type"], {})
    for key in allowed:
        if key in words:
            value = cfg.get(key, words[key][0])
            if not (isinstance(value, str) and value in words[key]):
                raise ArchitectureError(f"{where}.{key} must be one of {', '.join(map(repr, words[key]))}, "
                                        f"got {value!r:.60}")
            continue
        value = cfg.get(key, 0)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)):
            raise ArchitectureError(f"{where}.{key} must be a finite JSON number, got {value!r:.60}")
    out.count(where)


def _mlp_activation(spec, where, out: Plan, optional: bool):

    if spec is None and optional:
        return
    if isinstance(spec, str):
        if spec.lower().replace("-", "_") not in ACTIVATIONS:
            raise ArchitectureError(f"{where} is {spec!r:.60}, not an activation name ({sorted(ACTIVATIONS)})")
        return
    if not isinstance(spec, dict):
        raise ArchitectureError(f"{where} must be an activation config object or name, got {spec!r:.60}")
    before = out.modules
    _activation(spec, where, out)  # checked; the caller counts the copies
    out.modules = before


def _mlp(cfg, where, prefix, out: Plan):
    _keys(cfg, ("sizes", "activation", "output_activation", "bias", "dtype"), where)
    sizes = cfg.get("sizes")
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ArchitectureError(f"{where}.sizes must be a list of at least two JSON ints ≥ 1, got {sizes!r:.60}")
    n_layers = len(sizes) - 1
    out.count(where, 2 * n_layers - 1 + (cfg.get("output_activation") is not None))  # Linear, activation, ...
    for i, s in enumerate(sizes):
        if type(s) is not int or s < 1:
            raise ArchitectureError(f"{where}.sizes[{i}] must be a JSON int ≥ 1, got {s!r:.60}")
    if "activation" not in cfg:
        raise ArchitectureError(f"{where} needs the field 'activation'")
    _mlp_activation(cfg["activation"], f"{where}.activation", out, optional=False)
    _mlp_activation(cfg.get("output_activation"), f"{where}.output_activation", out, optional=True)
    bias, dtype = _bool(cfg, "bias", where), _dtype(cfg, where)
    for i in range(n_layers):
        out.params.append((f"{prefix}{2 * i}.weight", (sizes[i + 1], sizes[i]), dtype))
        if bias:
            out.params.append((f"{prefix}{2 * i}.bias", (sizes[i + 1],), dtype))


def _module(cfg, where, prefix, out: Plan, depth):
    if not isinstance(cfg, dict) or not isinstance(cfg.get("type"), str):
        raise ArchitectureError(f"{where} must be an object with a 'type' string, got {cfg!r:.60}")
    kind = cfg["type"]
    if kind == "Sequential":
        if depth >= limits.MAX_NESTING:
            raise ArchitectureError(f"{where} nests containers more than {limits.MAX_NESTING} deep (the limit)")
        _keys(cfg, ("layers",), where)
        layers = cfg.get("layers")
        if not isinstance(layers, list):
            raise ArchitectureError(f"{where}.layers must be a list, got {layers!r:.60}")
        out.count(where)
        for i, child in enumerate(layers):
            _module(child, f"{where}.layers[{i}]", f"{prefix}{i}.", out, depth + 1)
    elif kind == "MLP":
        out.count(where)
        _mlp(cfg, where, prefix, out)
    elif kind == "Linear":
        out.count(where)
        _linear(cfg, where, prefix, out)
    elif kind in LAYERS:
        out.count(where)
        LAYERS[kind][1](cfg, where, prefix, out)
    elif kind in out.activations:
        _activation(cfg, where, out)
    else:
        known = [*PLAIN_TYPES, *sorted(out.activations)]
        raise ArchitectureError(f"{where}.type {kind!r:.60} is not a module type a model file may hold "
                                f"({', '.join(known)})")


def plan(config) -> Plan:
    """Check ``config`` (parsed JSON) and list the parameters its model has, building nothing.

    Raises:
        ArchitectureError: naming the first field that is wrong, or the limit broken.
    """
    out = Plan(config)
    _module(config, "architecture", "", out, 0)
    return out


# ------------------------------------------------------------------ building
def _assemble(seq, children):
    """Append ``children`` to an empty Sequential in linear time.

    ``Sequential.append`` registers each child with a list-membership test,
    quadratic in the number of children; this registers them as it does
    (attribute '0', '1', ... and the child-name list) without the test, which
    is safe because the names are new. The loader checks the result
    (:func:`check_built`).
    """
    names = seq.__dict__["_module_names"]
    for i, child in enumerate(children):
        object.__setattr__(seq, str(i), child)
        names.append(str(i))
    seq.__dict__.pop("_plan_cache", None)
    return seq


def _build_mlp(cfg):

    sizes, bias, dtype = list(cfg["sizes"]), cfg.get("bias", True), cfg.get("dtype")
    spec = cfg["activation"]
    hidden = from_config(spec) if isinstance(spec, dict) else get_activation(spec)
    last = cfg.get("output_activation")
    last = None if last is None else from_config(last) if isinstance(last, dict) else get_activation(last)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(Linear(sizes[i], sizes[i + 1], bias=bias, init="zeros", dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(type(hidden).from_config(hidden.to_config()))
    if last is not None:
        layers.append(last)
    model = MLP.__new__(MLP)
    Sequential.__init__(model)
    _assemble(model, layers)
    for name, value in (("sizes", sizes), ("_activation", hidden.to_config()), ("_bias", bias),
                        ("_output_activation", None if last is None else last.to_config())):
        object.__setattr__(model, name, value)  # as MLP.__init__ sets them
    return model


def build(config):
    """The model of a config that :func:`plan` accepted, with zero weights, in time linear in its size."""

    kind = config["type"]
    if kind == "Sequential":
        return _assemble(Sequential(), [build(c) for c in config["layers"]])
    if kind == "MLP":
        return _build_mlp(config)
    if kind in LAYERS:  # the class itself, not MODULE_TYPES: a user's class of the same name is not built
        return LAYERS[kind][0].from_config(config)
    return MODULE_TYPES[kind].from_config(config)  # Linear or an activation: one module


def check_built(model, expected: Plan) -> list:
    """[(name, Tensor)] of the model's parameters and buffers (``state_dict()``'s entries), after checking they
    are exactly the planned ones, writable in place."""
    named = list(model._state().items())
    got = [(n, p.data.shape, p.data.dtype.name) for n, p in named]
    if got != [(n, tuple(s), d) for n, s, d in expected.params]:
        raise ArchitectureError("the model built from it does not have the parameters and buffers the "
                                "architecture declares")
    if not all(p.data.flags.c_contiguous and p.data.flags.writeable for _, p in named):
        raise ArchitectureError("the model built from it has parameters that cannot be filled in place")
    return named


def check_values(plan: Plan, state: dict) -> None:
    """Run the plan's value checks on ``state`` ({dotted name: array}, as read from the file).

    Raises:
        ArchitectureError: naming the layer and the first bad entry (a std of 0, a NaN mean).
    """
    for prefix, where, checker in plan.values:
        checker(state, prefix, where)
