"""The element-wise functions of the deriver: one row each, in :data:`FUNCTIONS`.

A row (:class:`Function`) is everything the symbolic room knows about an element-wise f:

* ``derivative(a)``: f′(a) as an expression, or None where f′ = 0 almost everywhere (a step); ``rule``: how
  the chain-rule step names it (``tanh′ = 1 − tanh²``) — :mod:`.rules`;
* ``text`` and ``latex``: how f is spelled (``σ``, ``\\sigma``; by default its name and
  ``\\operatorname{name}``) — :mod:`.printing` and the rule names of :mod:`.render`;
* ``numpy`` (arrays → array) and ``gradlab`` (Tensor → Tensor, differentiable): what :mod:`.codegen` compiles
  f to;
* ``kink``: f or f′ jumps at 0, so :mod:`.verify` draws its argument away from 0 with both signs;
  ``positive``: f needs positive arguments (verify draws the symbols under it positive);
* ``activation``: :mod:`.naming` calls its argument z, its value ŷ (or a₁, a₂, ...) and Diag(f′(z))
  ``diag_name`` (H for ReLU's step, D otherwise);
* ``parse``: whether :func:`~.parse.parse` accepts f by name (``sign`` only appears as abs′), also as each
  of ``aliases``;
* ``params``: numeric parameters after the argument, each ``(name, default, low, high)`` — leaky_relu's slope α in
  ``leaky_relu(z, 0.1)``; the node keeps their values after its name, and ``derivative``, ``numpy`` and
  ``gradlab`` receive them after the argument.

A new element-wise function is one row: ``cube = register(Function("cube", ...))`` makes it parse, derive,
print, compile and verify, and returns its builder (``cube(A)`` is the node cube(A));
:func:`unregister` takes it away again.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..core.tensor import tensor
from ..ops import api as gl  # the gradlab operations the compiled closures call
from ..ops.elementwise import sigmoid_array, softplus_array
from . import expr as E


@dataclass(frozen=True)
class Function:
    """One element-wise function f: its derivative, spellings, implementations and what verify and naming need."""

    name: str
    derivative: object  # a -> f′(a) (an Expr), or None: f′ = 0 almost everywhere
    rule: str | None    # the words for f′ in the chain-rule step, e.g. "exp′ = exp" (None when derivative is)
    numpy: object       # ndarray -> ndarray
    gradlab: object     # Tensor -> Tensor
    text: str | None = None
    latex: str | None = None
    kink: bool = False
    positive: bool = False
    activation: bool = False
    diag_name: str = "D"
    parse: bool = True
    aliases: tuple = ()
    params: tuple = ()

    def __post_init__(self):
        if self.text is None:
            object.__setattr__(self, "text", self.name)
        if self.latex is None:
            object.__setattr__(self, "latex", rf"\operatorname{{{self.name}}}")


FUNCTIONS: dict[str, Function] = {}


def builder(name):
    """The Python builder of the element-wise function ``name``: ``builder('exp')(A)`` is the node exp(A)."""

    def build(a, *params):
        return E.fn(name, a, *params)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"{name}(A) element-wise; the result has the shape of A."
    return build


def register(function):
    """Add a row to :data:`FUNCTIONS`; returns the builder of the new function. ValueError for a name in use."""
    taken = set(FUNCTIONS) | {a for f in FUNCTIONS.values() for a in f.aliases}
    for name in (function.name, *function.aliases):
        if not name.isidentifier() or name in taken:
            raise ValueError(f"register: {name!r} is not a free identifier for an element-wise function")
    FUNCTIONS[function.name] = function
    return builder(function.name)


def unregister(name):
    """Remove the row ``name`` (added by :func:`register`)."""
    del FUNCTIONS[name]


def parse_names():
    """{name or alias: row} of the functions :func:`~.parse.parse` accepts by name."""
    out = {}
    for f in FUNCTIONS.values():
        if f.parse:
            for name in (f.name, *f.aliases):
                out[name] = f
    return out


def fprime(name, a, params=()):
    """f′(A) for an element-wise function (with its parameters), or None when f′ = 0 almost everywhere."""
    rule = FUNCTIONS[name].derivative
    return rule(a, *params) if rule else None


def _leaky_prime(a, slope):
    """leaky_relu′(z) = α + (1 − α)𝓗(z)."""
    return E.add(E.scale(E.num(1 - slope), heaviside(a)), E.num(slope))


def _leaky_array(x, slope):
    return np.where(x > 0, x, float(slope) * x)


def _leaky_tensor(t, slope):
    return gl.leaky_relu(t, float(slope))


def _sigmoid_prime(a):
    s = sigmoid(a)
    return E.hadamard(s, E.sub(1, s)) if not a.is_scalar else E.mul(s, E.sub(1, s))


def _relu_array(x):
    return np.maximum(x, 0.0)


def _step_array(x):
    return (x > 0).astype(np.float64)


def _sign_tensor(t):
    return tensor(np.sign(t.data))  # a constant: sign′ = 0 almost everywhere


# ------------------------------------------------------------------------------------------------ the rows
exp = register(Function("exp", lambda a: exp(a), "exp′ = exp", np.exp, gl.exp, latex=r"\exp"))
log = register(Function("log", lambda a: E.power(a, -1), "log′(z) = 1/z", np.log, gl.log, latex=r"\log",
                        positive=True))
sin = register(Function("sin", lambda a: cos(a), "sin′ = cos", np.sin, gl.sin, latex=r"\sin"))
cos = register(Function("cos", lambda a: E.neg(sin(a)), "cos′ = −sin", np.cos, gl.cos, latex=r"\cos"))
tanh = register(Function("tanh", lambda a: E.sub(1, E.power(tanh(a), 2)), "tanh′ = 1 − tanh²", np.tanh, gl.tanh,
                         latex=r"\tanh", activation=True))
sigmoid = register(Function("sigmoid", _sigmoid_prime, "σ′ = σ ⊙ (1 − σ)", sigmoid_array, gl.sigmoid, text="σ",
                            latex=r"\sigma", activation=True))
relu = register(Function("relu", lambda a: heaviside(a), "relu′ = 𝓗 (Heaviside step)", _relu_array, gl.relu,
                         kink=True, activation=True, diag_name="H"))
heaviside = register(Function("heaviside", None, None, _step_array, gl.heaviside, text="𝓗", latex=r"\mathcal{H}",
                              kink=True, aliases=("step",)))
abs_ = register(Function("abs", lambda a: sign(a), "abs′ = sign", np.abs, gl.abs, kink=True))
sign = register(Function("sign", None, None, np.sign, _sign_tensor, kink=True, parse=False))
softplus = register(Function("softplus", lambda a: sigmoid(a), "softplus′ = σ", softplus_array, gl.softplus,
                             activation=True))
leaky_relu = register(Function("leaky_relu", _leaky_prime, "leaky_relu′ = α + (1 − α)𝓗 for the slope α", _leaky_array,
                                _leaky_tensor, latex=r"\operatorname{leaky\,relu}", kink=True, activation=True,
                                params=(("slope", Fraction(1, 100), 0, 1),)))
