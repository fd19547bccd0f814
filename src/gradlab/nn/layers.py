"""Layers with parameters: Linear (MLP, built of Linear layers, is in ``nn/containers.py``)."""

from __future__ import annotations

import math

import numpy as np

from ..core.constraints import BOOL, CALLABLE, POSITIVE_INT, AnyOf, Options, Satisfies, declare
from ..core.errors import ParameterError, ShapeError
from ..core.tensor import Tensor
from ..ops import api as F
from . import init as I
from .module import Module, configurable

INIT = AnyOf(Options("default", *sorted(I.INITIALISERS)), CALLABLE,
             text=f"'default', one of {sorted(I.INITIALISERS)} or a function")
DTYPES = Satisfies(lambda d: d in (None, "float64", "float32", np.float64, np.float32), "'float64' or 'float32'",
                   invalid=("float16", "int64", 64))


def _init_weight(init, shape, rng):
    if callable(init):
        arr = np.asarray(init(shape, rng=rng), dtype=np.float64)
        if arr.shape != shape:
            raise ShapeError(f"Linear: the init function returned shape {arr.shape}, expected {shape}")
        return arr
    if init == "default":  # PyTorch's: kaiming_uniform(a=√5), i.e. U(−1/√in, 1/√in)
        return I.kaiming_uniform(shape, a=math.sqrt(5), rng=rng)
    return I.INITIALISERS[init](shape, rng=rng)


@configurable
class Linear(Module):
    """Affine layer z = x Wᵀ + b, as ``torch.nn.Linear``.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: learn a bias b (out_features,) when True.
        init: 'default' (PyTorch's: W and b ~ U(−1/√in, 1/√in)), one of
            'xavier_uniform', 'xavier_normal', 'kaiming_uniform',
            'kaiming_normal', 'zeros' (then b = 0), or a function
            ``f(shape, rng=) -> array``.
        rng: seed or numpy Generator (None: the global generator, see
            ``gl.nn.init.manual_seed``).
        dtype: 'float64' (default) or 'float32'.

    Attributes:
        weight: Tensor (out_features, in_features), requires_grad.
        bias: Tensor (out_features,) or None.

    Shapes: x (N, in_features) or (in_features,) → (N, out_features) or (out_features,).
    """

    @declare("Linear", in_features=POSITIVE_INT, out_features=POSITIVE_INT, bias=BOOL, init=INIT, dtype=DTYPES)
    def __init__(self, in_features: int, out_features: int, bias: bool = True, init="default", rng=None,
                 dtype=None):
        super().__init__()
        gen = I.as_generator(rng, "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        shape = (self.out_features, self.in_features)
        w = _init_weight(init, shape, gen)
        dtype = np.float64 if dtype is None else np.dtype(dtype).type
        self.weight = Tensor(w.astype(dtype), requires_grad=True)
        if bias:
            if init == "default":
                bound = 1.0 / math.sqrt(self.in_features)
                b = gen.uniform(-bound, bound, size=(self.out_features,))
            else:
                b = np.zeros(self.out_features)
            self.bias = Tensor(b.astype(dtype), requires_grad=True)
        else:
            self.bias = None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def set_parameters(self, weight=None, bias=None) -> "Linear":
        """Set the weight (out, in) and/or bias (out,) to given values, in place.

        The worked examples use this to start from exact numbers.
        """
        if weight is not None:
            w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)
            if w.shape != self.weight.shape:
                raise ShapeError(f"Linear.set_parameters: weight must have shape {self.weight.shape} "
                                 f"(out_features, in_features), got {w.shape}")
            self.weight.data[...] = w
        if bias is not None:
            if self.bias is None:
                raise ParameterError("Linear.set_parameters: this layer was built with bias=False")
            b = np.asarray(bias.data if isinstance(bias, Tensor) else bias, dtype=np.float64)
            if b.shape != self.bias.shape:
                raise ShapeError(f"Linear.set_parameters: bias must have shape {self.bias.shape} "
                                 f"(out_features,), got {b.shape}")
            self.bias.data[...] = b
        return self

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    def to_config(self):
        cfg = {"type": "Linear", "in_features": self.in_features, "out_features": self.out_features,
               "bias": self.bias is not None}
        if self.weight.data.dtype != np.float64:
            cfg["dtype"] = str(self.weight.data.dtype)
        return cfg

    @classmethod
    def from_config(cls, config):
        try:
            return cls(config["in_features"], config["out_features"], bias=config.get("bias", True),
                       init="zeros", dtype=config.get("dtype"))
        except KeyError as exc:
            raise ParameterError(f"from_config: a Linear config needs {exc}") from None
