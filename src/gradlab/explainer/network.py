"""A plain description of a layered network and of its loss, as the explainer reads them.

The explainer works on a :class:`Network`: a list of :class:`Layer` (weight
``W`` of shape (out, in); bias ``b`` of shape (out,), or () when one bias is
shared by the layer, or None for a layer built with ``bias=False``; an
activation module). What an activation or a loss *is* comes from the catalog
(:mod:`gradlab.ops.catalog`); nothing about any activation or loss is written
here. :func:`as_network` adapts a ``gl.nn.Sequential`` (Linear layers, each
followed by at most one activation module), a list of ``(W, b, activation)``
tuples, or a Network; :func:`resolve_loss` a loss given by name or as a
``gl.nn`` loss. Anything else is refused with a sentence naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..nn import activations as nn_act
from ..nn import losses as nn_losses
from ..nn.layers import Linear
from ..nn.containers import Sequential
from ..ops import catalog

SUPPORTED_MODULES = "Linear (with or without bias) and the activations " + ", ".join(
    sorted({k.title for k in catalog.ACTIVATION_KINDS.values()}))
KNOWN_LOSSES = (nn_losses.MSELoss, nn_losses.BCELoss, nn_losses.BCEWithLogitsLoss, nn_losses.CrossEntropyLoss)


def supported_losses():
    """The loss names the explainer takes (the catalog's), for messages and --help."""
    return sorted({k.name for k in catalog.LOSS_KINDS.values()})


# ---------------------------------------------------------------- layers


@dataclass
class Layer:
    """One layer: z = W a + b (no b when ``b`` is None), a = f(z). W (out, in); b (out,), () or None."""

    W: np.ndarray
    b: np.ndarray | None
    module: nn_act.Activation

    @property
    def act(self):
        """The activation's :class:`~gradlab.ops.catalog.ActivationKind`."""
        return self.module.kind

    @property
    def params(self):
        """The activation's parameters ({'negative_slope': 0.2}, {'threshold': 0.0}, or {})."""
        return self.module.kind_params()

    @property
    def n_out(self):
        return self.W.shape[0]

    @property
    def n_in(self):
        return self.W.shape[1]

    def forward(self, z):
        """f(z) on an array (m, n)."""
        return self.act.forward(z, **self.params)


@dataclass
class Network:
    """A list of layers, first to last."""

    layers: list = field(default_factory=list)

    def __len__(self):
        return len(self.layers)


def activation_module(act, slope=None):
    """A gl.nn activation module from a name ('sigmoid', 'leaky_relu'...), a module, or a catalog kind."""
    if isinstance(act, nn_act.Activation):
        if act.kind is None:
            raise InputTypeError(f"explain: cannot explain the activation {type(act).__name__}: it has no catalog "
                                 f"entry (kind); supported: {SUPPORTED_MODULES}")
        return act
    if isinstance(act, catalog.ActivationKind):
        act = act.name
    key = str(act).lower().replace("-", "_")
    cls = nn_act.ACTIVATIONS.get(key)
    if cls is None:
        raise ParameterError(f"explain: unknown activation {act!r}; supported: "
                             f"{', '.join(sorted({k.name for k in catalog.ACTIVATION_KINDS.values()}))}")
    return cls(negative_slope=slope) if (slope is not None and cls is nn_act.LeakyReLU) else cls()


def make_layer(W, b, act, shared_bias=False, slope=None):
    """A :class:`Layer` from arrays: W (out, in), b (out,), a scalar when ``shared_bias``, or None (no bias)."""
    W = np.array(W, dtype=np.float64)
    if W.ndim == 1:
        W = W.reshape(1, -1)
    if W.ndim != 2 or W.size == 0:
        raise ShapeError(f"explain: a layer's weight must be (out, in) with out, in ≥ 1; got shape {W.shape}")
    if b is not None:
        b = np.array(b, dtype=np.float64)
        if shared_bias:
            if b.size != 1:
                raise ShapeError(f"explain: with shared_bias=True each layer has one bias shared by its neurons, but a "
                                 f"layer has {b.size} biases (a gl.nn.Linear has one per neuron); give the network as "
                                 "a list of (W, b, activation) with one number b per layer")
            b = b.reshape(())
        else:
            b = b.reshape(-1) if b.ndim <= 1 else b
            if b.shape != (W.shape[0],):
                raise ShapeError(f"explain: bias of shape {b.shape} does not fit weight {W.shape}; "
                                 f"expected ({W.shape[0]},)")
    for name, arr in (("weight", W), ("bias", b)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise ParameterError(f"explain: a layer's {name} holds NaN or inf")
    return Layer(W, b, activation_module(act, slope))


def _check_known_activation(mod):
    """Refuse a subclass that changes what a known activation computes: its catalog entry would not describe it."""
    cls = type(mod)
    if cls in set(nn_act.ACTIVATIONS.values()) or cls.forward is nn_act.Activation.forward:
        return
    raise InputTypeError(f"explain: cannot explain the activation {cls.__name__}: it is a subclass with its own "
                         f"forward, which its catalog entry ({mod.kind.name if mod.kind else 'none'}) does not "
                         f"describe; supported: {SUPPORTED_MODULES}")


def _described(obj):
    """A class named with its library when it is not gradlab's: torch.nn.modules.loss.MSELoss."""
    cls = type(obj)
    module = cls.__module__ or ""
    return cls.__name__ if module.startswith("gradlab") or module == "__main__" else f"{module}.{cls.__name__} " \
        f"(not a gradlab object)"


def _flat_modules(model):
    if isinstance(model, Sequential):
        out = []
        for mod in model:
            out.extend(_flat_modules(mod) if isinstance(mod, Sequential) else [mod])
        return out
    return [model]


def as_network(model, shared_bias=False):
    """A :class:`Network` from a gl.nn model, a list of (W, b, activation) or a Network.

    A ``Linear`` starts a layer; the activation module after it completes it;
    a Linear not followed by an activation gets the identity. Any other
    module is refused, with its class named.
    """
    if isinstance(model, Network):
        return model
    if isinstance(model, (list, tuple)) and model and isinstance(model[0], (list, tuple)):
        for spec in model:
            if len(spec) != 3:
                raise InputTypeError(f"explain: each layer of a list model is (W, b, activation); got {len(spec)} items")
        return Network([make_layer(*spec, shared_bias=shared_bias) for spec in model])
    layers, pending = [], None
    for mod in _flat_modules(model):
        if isinstance(mod, Linear):
            if pending is not None:
                layers.append(make_layer(*pending, "identity", shared_bias=shared_bias))
            pending = (mod.weight.data, None if mod.bias is None else mod.bias.data)
        elif isinstance(mod, nn_act.Activation):
            _check_known_activation(mod)
            if pending is None:
                raise InputTypeError(f"explain: the activation {type(mod).__name__} does not follow a Linear layer; "
                                     "the explainer takes Linear layers, each followed by at most one activation")
            if isinstance(mod, nn_act.Softmax) and mod.dim not in (-1, 1):
                raise ParameterError(f"explain: Softmax(dim={mod.dim}) is over the samples; the explainer takes "
                                     "softmax over each sample's outputs (dim=-1)")
            layers.append(make_layer(*pending, mod, shared_bias=shared_bias))
            pending = None
        else:
            raise InputTypeError(f"explain: cannot explain the module {_described(mod)}; supported: {SUPPORTED_MODULES}")
    if pending is not None:
        layers.append(make_layer(*pending, "identity", shared_bias=shared_bias))
    if not layers:
        raise InputTypeError(f"explain: found no Linear layer in {type(model).__name__}")
    for l in range(1, len(layers)):
        if layers[l].n_in != layers[l - 1].n_out:
            raise ShapeError(f"explain: layer {l + 1} takes {layers[l].n_in} inputs but layer {l} gives "
                             f"{layers[l - 1].n_out}")
    return Network(layers)


# ---------------------------------------------------------------- losses


def _catalog_loss(loss_fn):
    """A gl.nn loss class described by its own catalog entry and computed by the generic row forward."""
    cls = type(loss_fn)
    kind = cls.__dict__.get("kind")
    return (isinstance(loss_fn, nn_losses.Loss) and isinstance(kind, catalog.LossKind)
            and catalog.LOSS_KINDS.get(kind.name) is kind and cls.forward is nn_losses.Loss.forward)


def resolve_loss(loss_fn, reduction=None):
    """(:class:`~gradlab.ops.catalog.LossKind`, reduction) of a loss given by name or as a gl.nn loss.

    A gl.nn loss object's own ``reduction`` is used unless ``reduction`` is
    given. Subclasses of the gl.nn losses, and losses of other libraries, are
    refused: the explainer cannot know what they compute.
    """
    if isinstance(loss_fn, str):
        try:
            kind = catalog.loss_kind(loss_fn)
        except KeyError:
            raise ParameterError(f"explain: unknown loss {loss_fn!r}; supported: {', '.join(supported_losses())}") \
                from None
        own = "mean"
    elif getattr(loss_fn, "has_options", False):
        raise InputTypeError(f"explain: cannot explain {loss_fn!r}: weight, ignore_index and label_smoothing change "
                             "what cross-entropy computes, and the explainer writes plain cross-entropy; explain it "
                             "without them")
    elif type(loss_fn) in KNOWN_LOSSES or _catalog_loss(loss_fn):
        kind, own = loss_fn.kind, loss_fn.reduction
    else:
        raise InputTypeError(f"explain: cannot explain the loss {_described(loss_fn)}; supported: "
                             f"{', '.join(c.__name__ for c in KNOWN_LOSSES)} (or their names "
                             f"{', '.join(supported_losses())})")
    reduction = own if reduction is None else reduction
    if reduction not in ("mean", "sum"):
        raise ParameterError(f"explain: the loss reduction must be 'mean' or 'sum' (one number to explain); "
                             f"got {reduction!r}")
    return kind, reduction
