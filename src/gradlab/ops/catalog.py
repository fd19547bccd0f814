"""What each activation and loss *is*, written once: its primitive row plus what teaching needs.

An activation is a primitive row (its forward and vector–Jacobian product, in
``ops/elementwise.py`` or ``ops/reduce.py``) plus one :class:`ActivationKind`
here: its symbol, its formula and the formula of its derivative as small
expression trees, where its kink is and what value the derivative takes
there. A loss is one :class:`LossKind`. Everything else reads these entries:
``gl.nn``'s modules (forward and ``derivative``), the explainer (numbers,
formulas, worked-number templates), the activation pictures and the
training command's names. Adding an activation end to end is one row and
one :func:`register_activation` call (see docs/explainer.md).

Formula trees
-------------
A formula is a number, a symbol name (``'z'``, ``'a'``, ``'α'``, ``'θ'``,
``'lo'``, ``'hi'``, ``'ŷ'``, ``'y'``) or a tuple ``(op, *operands)`` with op one of

``'+' '-' '*' '/'``   binary arithmetic (``'*'`` is written as juxtaposition)
``'×'``                a product written with an explicit ×
``'val'``              ``('val', tree)``: in a worked-number line, the tree's value as one number
``'neg'``              −x
``'^'``                power (base, exponent)
``'call'``             a named function applied: ``('call', 'σ', 'z')``
``'if'``               ``('if', then, ('>', 'z', 0), else)``: piecewise
``'>' '≥'``            comparisons, only inside ``'if'``

Numbers in a tree are substituted by the explainer (``'a'`` becomes 0.5744) to
give the worked-number line; :func:`to_text` and :func:`to_latex` write the
tree with symbols.

Derivative values are never written by hand here: :meth:`ActivationKind.fprime`
evaluates the row's own VJP at g = 1, so the explainer's numbers are the
numbers autodiff uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.primitive import Primitive
from . import elementwise as E
from . import losses as LS
from . import nn as NN
from . import reduce as R
from . import special as SP
from . import activations as ACT

KINK_TOLERANCE = 1e-9  # a pre-activation this close to a kink is flagged in every view


# ---------------------------------------------------------------- formula trees

_FN_LATEX = {"σ": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "ln": r"\ln", "𝓗": r"\mathcal{H}",
             "ReLU": r"\mathrm{ReLU}", "softplus": r"\mathrm{softplus}", "max": r"\max", "softmax": r"\mathrm{softmax}",
             "Φ": r"\Phi", "φ": r"\varphi", "min": r"\min", "abs": r"\operatorname{abs}"}
_SYM_LATEX = {"α": r"\alpha", "θ": r"\theta", "lo": r"\mathrm{lo}", "hi": r"\mathrm{hi}", "ŷ": r"\hat{y}", "σ": r"\sigma", "δ": r"\delta", "η": r"\eta"}
_PREC = {"if": 0, "+": 1, "-": 1, "neg": 2, "*": 3, "×": 3, "/": 3, "val": 9, "^": 4, "call": 5, ">": 0, "≥": 0}


def _prec(tree):
    return _PREC.get(tree[0], 9) if isinstance(tree, tuple) else 9


def binds_looser_than_times(tree):
    """True when ``tree`` needs brackets as a factor of ×: a sum (Φ(z) + z φ(z)), a difference, a piecewise."""
    return _prec(tree) < _PREC["×"]


def _num_text(v):
    return f"{v:g}".replace("-", "−")


def to_text(tree, subst=None):
    """The tree in Unicode text: ``a(1 − a)``, ``1 − a²``, ``1 if z > 0 else α``.

    ``subst`` maps symbol names to strings (used to write ``σ(z)`` for ``a``).
    """
    subst = subst or {}
    if isinstance(tree, (int, float)):
        return _num_text(tree)
    if isinstance(tree, str):
        return subst.get(tree, tree)
    op, *args = tree

    def wrap(t, min_prec):
        s = to_text(t, subst)
        return f"({s})" if _prec(t) < min_prec else s

    if op in ("+", "-"):
        return f"{wrap(args[0], 1)} {'+' if op == '+' else '−'} {wrap(args[1], 2)}"
    if op == "*":
        right = args[1]
        gap = " " if isinstance(right, tuple) and right[0] == "call" and len(str(right[1])) > 1 else ""
        return wrap(args[0], 3) + gap + wrap(right, 4)  # y ln(ŷ), as the views write it; a(1 − a)
    if op == "×":
        return f"{wrap(args[0], 3)} × {wrap(args[1], 4)}"
    if op == "val":
        return to_text(args[0], subst)
    if op == "/":
        return f"{wrap(args[0], 4)}/{wrap(args[1], 4)}"
    if op == "neg":
        return "−" + wrap(args[0], 3)
    if op == "^":
        sup = {"2": "²", "3": "³", "−1": "⁻¹"}.get(to_text(args[1], subst))
        base = wrap(args[0], 5)
        return base + sup if sup else f"{base}^{wrap(args[1], 5)}"
    if op == "call":
        return f"{args[0]}({', '.join(to_text(a, subst) for a in args[1:])})"
    if op in (">", "≥"):
        return f"{to_text(args[0], subst)} {op} {to_text(args[1], subst)}"
    if op == "if":
        return f"{to_text(args[0], subst)} if {to_text(args[1], subst)} else {to_text(args[2], subst)}"
    raise ValueError(f"formula tree: unknown operator {op!r}")


def to_latex(tree, subst=None):
    """The tree in LaTeX (math mode): ``a\\,(1 - a)``, ``\\frac{1}{1 + e^{-z}}``."""
    subst = subst or {}
    if isinstance(tree, (int, float)):
        return f"{tree:g}"
    if isinstance(tree, str):
        return subst.get(tree, _SYM_LATEX.get(tree, tree))
    op, *args = tree

    def wrap(t, min_prec):
        s = to_latex(t, subst)
        return rf"\left({s}\right)" if _prec(t) < min_prec else s

    if op in ("+", "-"):
        return f"{wrap(args[0], 1)} {op} {wrap(args[1], 2)}"
    if op == "*":
        return wrap(args[0], 3) + r"\," + wrap(args[1], 4)
    if op == "×":
        return wrap(args[0], 3) + r" \times " + wrap(args[1], 4)
    if op == "val":
        return to_latex(args[0], subst)
    if op == "/":
        return rf"\frac{{{to_latex(args[0], subst)}}}{{{to_latex(args[1], subst)}}}"
    if op == "neg":
        return "-" + wrap(args[0], 3)
    if op == "^":
        return f"{wrap(args[0], 5)}^{{{to_latex(args[1], subst)}}}"
    if op == "call":
        fn = _FN_LATEX.get(args[0], rf"\operatorname{{{args[0]}}}")
        return fn + r"\left(" + ", ".join(to_latex(a, subst) for a in args[1:]) + r"\right)"
    if op in (">", "≥"):
        rel = ">" if op == ">" else r"\geq"
        return f"{to_latex(args[0], subst)} {rel} {to_latex(args[1], subst)}"
    if op == "if":
        cond = to_latex(args[1], subst)
        return (rf"\begin{{cases}} {to_latex(args[0], subst)} & {cond} \\ "
                rf"{to_latex(args[2], subst)} & \text{{otherwise}} \end{{cases}}")
    raise ValueError(f"formula tree: unknown operator {op!r}")


def evaluate(tree, env):
    """The tree's value with symbols from ``env`` (NumPy arrays or numbers); used by tests of the tables."""
    if isinstance(tree, (int, float)):
        return tree
    if isinstance(tree, str):
        return env[tree]
    op, *args = tree
    ev = [evaluate(a, env) for a in args[1:]] if op == "call" else [evaluate(a, env) for a in args]
    if op == "+":
        return ev[0] + ev[1]
    if op == "-":
        return ev[0] - ev[1]
    if op in ("*", "×"):
        return ev[0] * ev[1]
    if op == "val":
        return ev[0]
    if op == "/":
        return ev[0] / ev[1]
    if op == "neg":
        return -ev[0]
    if op == "^":
        return ev[0] ** ev[1]
    if op == ">":
        return ev[0] > ev[1]
    if op == "≥":
        return ev[0] >= ev[1]
    if op == "if":
        return np.where(ev[1], ev[0], ev[2])
    if op == "call":
        fns = {"σ": E.sigmoid_array, "tanh": np.tanh, "exp": np.exp, "ln": np.log, "𝓗": lambda v: (v > 0) * 1.0,
               "max": np.maximum, "softplus": E.softplus_array, "min": np.minimum, "abs": np.abs,
               "Φ": lambda v: 0.5 * (1.0 + SP.erf_array(np.asarray(v, dtype=np.float64) * np.sqrt(0.5))),
               "φ": lambda v: np.exp(-0.5 * np.square(v)) / np.sqrt(2 * np.pi)}
        return fns[args[0]](*ev)
    raise ValueError(f"formula tree: unknown operator {op!r}")


# ---------------------------------------------------------------- activations


@dataclass(frozen=True)
class ActivationKind:
    """One activation, described once.

    name: the key ('sigmoid'); also ``Module.name`` and the model-file name.
    title: how people call it ('Sigmoid'); symbol: its name in formulas (σ).
    row: the primitive row that computes it (forward and VJP).
    formula: f(z) as a tree. derivative: f′ as a tree in ``'a'`` (the
        activation) or ``'z'``; ``derivative_in`` says which, so the
        explainer writes σ′ = a(1 − a) with the activation's symbol.
    params: {module attribute: (row keyword, default, symbol)}, e.g.
        LeakyReLU's ``{'negative_slope': ('negative_slope', 0.01, 'α')}``;
        the symbol is the name the formula trees use for it (the attribute
        itself when left out), so the explainer puts this layer's value in
        its place. forward_of: optional (z, **params) -> array when the
        activation is the row composed with something (Step: 1 − 𝓗(θ − z)).
    kink: where f or f′ jumps: a number, the name of the parameter holding
        it, a tuple of these (ReLU6 at 0 and 6, Hardtanh at its two
        bounds), or None (smooth). at_kink: what the activation and its
        derivative are at the kinks, stated when a pre-activation lies
        within :data:`KINK_TOLERANCE` of one.
    elementwise: False for softmax, whose Jacobian diag(a) − a aᵀ is full.
    worked: the worked-number line of f′ as a tree, when it differs from
        ``derivative`` (σ′ is worked as a × (1 − a) with 1 − a evaluated).
    """

    name: str
    title: str
    symbol: str
    row: Primitive | None
    formula: object
    derivative: object
    derivative_in: str = "a"
    params: dict = field(default_factory=dict)
    forward_of: object = None
    kink: object = None
    at_kink: str = ""
    elementwise: bool = True
    aliases: tuple = ()
    doc: str = ""
    worked: object = None

    def worked_tree(self):
        """The tree of the worked-number line of f′ (the derivative itself unless one is given)."""
        return self.worked if self.worked is not None else self.derivative

    def row_params(self, params):
        """Keyword arguments of the row from module attributes {attr: value}."""
        return {spec[0]: params.get(attr, spec[1]) for attr, spec in self.params.items() if spec[0]}

    def param_symbols(self):
        """{module attribute: its symbol in the formula trees} ({'alpha': 'α'}, {'min_val': 'lo', ...})."""
        return {attr: (spec[2] if len(spec) > 2 else attr) for attr, spec in self.params.items()}

    def param_values(self, params=None, by="attr"):
        """{symbol: value} of every parameter: from module attributes {attr: value} (``by='attr'``) or from the
        row's keywords (``by='row'``, as the graph view reads a call), defaults where absent."""
        params = params or {}
        out = {}
        for attr, spec in self.params.items():
            key = attr if by == "attr" else spec[0]
            out[self.param_symbols()[attr]] = float(params.get(key, spec[1]) if key else spec[1])
        return out

    def forward(self, z, **params):
        """f(z) on a float array z (any shape; softmax along the last axis)."""
        z = np.asarray(z, dtype=np.float64)
        if self.forward_of is not None:
            return np.asarray(self.forward_of(z, **params), dtype=np.float64)
        return np.asarray(self.row.forward(z, **self.row_params(params)), dtype=np.float64)

    def fprime(self, z, a, **params):
        """f′(z) element-wise, by the row's VJP at g = 1 (z and a = f(z) the same shape)."""
        if not self.elementwise:
            raise TypeError(f"{self.name} is not element-wise: use jacobian()")
        z = np.asarray(z, dtype=np.float64)
        g = np.ones_like(z)
        if self.forward_of is not None:  # a composed forward: its derivative is the row's at the inner argument
            return np.asarray(self.forward_of(z, derivative=True, **params), dtype=np.float64)
        return np.asarray(self.row.vjps[0](g, a, z, **self.row_params(params)), dtype=np.float64)

    def jacobian(self, z, a, **params):
        """∂a/∂z per sample: z and a (m, n) -> (m, n, n), by the row's VJP on each basis vector."""
        z = np.asarray(z, dtype=np.float64)
        m, n = z.shape
        J = np.empty((m, n, n))
        rp = self.row_params(params)
        for i in range(n):
            g = np.zeros((m, n))
            g[:, i] = 1.0
            J[:, i, :] = self.row.vjps[0](g, a, z, **rp)  # row i of ∂a/∂z: gᵀJ with g = eᵢ
        return J

    def kinks_at(self, **params):
        """Where the kinks lie (a tuple of numbers, lowest first; () for a smooth activation)."""
        if self.kink is None:
            return ()
        spots = self.kink if isinstance(self.kink, tuple) else (self.kink,)
        return tuple(sorted(float(params.get(k, self.params[k][1])) if isinstance(k, str) else float(k)
                            for k in spots))

    def kink_at(self, **params):
        """The lowest kink (a number), or None for a smooth activation; :meth:`kinks_at` lists them all."""
        return next(iter(self.kinks_at(**params)), None)

    def kink_near(self, z, **params):
        """The kink within :data:`KINK_TOLERANCE` of ``z`` (the nearest), or None."""
        near = [k for k in self.kinks_at(**params) if abs(z - k) < KINK_TOLERANCE]
        return min(near, key=lambda k: abs(z - k)) if near else None

    def latex(self):
        return to_latex(self.formula)

    def dlatex(self):
        return to_latex(self.derivative)

    def text(self):
        return to_text(self.formula)

    def dtext(self):
        return to_text(self.derivative)


ACTIVATION_KINDS: dict[str, ActivationKind] = {}


def _register(table, kind, what):
    """Add ``kind`` to ``table`` under its name and aliases (refusing a name taken by another); returns it."""
    for key in (kind.name, *kind.aliases):
        if key in table and table[key] is not kind:
            raise ValueError(f"{what}: {key!r} is already registered")
        table[key] = kind
    return kind


def register_activation(kind):
    """Add ``kind`` to :data:`ACTIVATION_KINDS` (under its name and aliases); returns it."""
    return _register(ACTIVATION_KINDS, kind, "register_activation")


def activation_kind(name):
    """The :class:`ActivationKind` called ``name`` (case, '-' and '_' ignored), or KeyError."""
    key = str(name).lower().replace("-", "_")
    return ACTIVATION_KINDS[key]


def _step(z, threshold=0.0, derivative=False):
    if derivative:
        return np.zeros_like(z)
    return 1.0 - E.heaviside_fwd(threshold - z)  # 1 exactly when z ≥ θ


IDENTITY = register_activation(ActivationKind(
    "identity", "Identity", "I", None, "z", 1, "z",
    forward_of=lambda z, derivative=False: np.ones_like(z) if derivative else np.array(z, dtype=np.float64),
    aliases=("linear", "none"), doc="f(z) = z, the output of a regression network"))
STEP = register_activation(ActivationKind(
    "step", "Unit step", "step", E.HEAVISIDE, ("if", 1, ("≥", "z", "θ"), 0), 0, "z",
    params={"threshold": (None, 0.0, "θ")}, forward_of=_step, kink="threshold",
    at_kink="step(θ) = 1 (z ≥ θ counts as on) and its derivative is taken as 0",
    aliases=("heaviside",), doc="the perceptron's unit step: 1 if z ≥ θ else 0; its derivative is 0"))
SIGMOID = register_activation(ActivationKind(
    "sigmoid", "Sigmoid", "σ", E.SIGMOID, ("/", 1, ("+", 1, ("^", "e", ("neg", "z")))),
    ("*", "a", ("-", 1, "a")), aliases=("logistic",), doc="σ(z) = 1/(1 + e⁻ᶻ)",
    worked=("×", "a", ("val", ("-", 1, "a")))))
TANH = register_activation(ActivationKind(
    "tanh", "Tanh", "tanh", E.TANH, ("call", "tanh", "z"), ("-", 1, ("^", "a", 2))))
RELU = register_activation(ActivationKind(
    "relu", "ReLU", "ReLU", E.RELU, ("call", "max", 0, "z"), ("call", "𝓗", "z"), "z", kink=0.0,
    at_kink="ReLU(0) = 0 and ReLU′(0) = 𝓗(0) = 0 (as PyTorch)"))
LEAKY_RELU = register_activation(ActivationKind(
    "leaky_relu", "Leaky ReLU", "LeakyReLU", E.LEAKY_RELU, ("if", "z", (">", "z", 0), ("*", "α", "z")),
    ("if", 1, (">", "z", 0), "α"), "z", params={"negative_slope": ("negative_slope", 0.01, "α")}, kink=0.0,
    at_kink="LeakyReLU(0) = 0 and its derivative at 0 is taken as α (as PyTorch)", aliases=("leakyrelu",)))
SOFTPLUS = register_activation(ActivationKind(
    "softplus", "Softplus", "softplus", E.SOFTPLUS, ("call", "ln", ("+", 1, ("^", "e", "z"))),
    ("call", "σ", "z"), "z", doc="a smooth ReLU: ln(1 + eᶻ); its derivative is σ(z)"))
SOFTMAX = register_activation(ActivationKind(
    "softmax", "Softmax", "softmax", R.SOFTMAX, ("call", "softmax", "z"), ("-", ("call", "diag", "a"), ("*", "a", ("^", "a", "T"))),
    "a", elementwise=False, doc="softmax(z)ᵢ = e^{zᵢ}/Σⱼ e^{zⱼ} along the last axis; its Jacobian diag(a) − a aᵀ is full"))

# the activations after ReLU (rows in ops/activations.py); a parameter's symbol is the third item of its params entry
_SIG, _SP = ("call", "σ", "z"), ("call", "tanh", ("call", "softplus", "z"))
GELU = register_activation(ActivationKind(
    "gelu", "GELU", "GELU", ACT.GELU, ("*", "z", ("call", "Φ", "z")),
    ("+", ("call", "Φ", "z"), ("*", "z", ("call", "φ", "z"))), "z",
    doc="z·Φ(z), Φ the standard normal CDF (approximate='none'); GELU′ = Φ(z) + z φ(z)"))
_GT = ("call", "tanh", ("*", ACT._TANH_BETA, ("+", "z", ("*", ACT._TANH_KAPPA, ("^", "z", 3)))))
GELU_TANH = ActivationKind(  # GELU(approximate='tanh')'s entry: not registered by name (one module, GELU)
    "gelu_tanh", "GELU (tanh approximation)", "GELU", ACT.GELU, ("*", ("*", 0.5, "z"), ("+", 1, _GT)),
    ("+", ("*", 0.5, ("+", 1, _GT)), ("*", ("*", ("*", 0.5, "z"), ("-", 1, ("^", _GT, 2))),
                                        ("*", ACT._TANH_BETA, ("+", 1, ("*", 3 * ACT._TANH_KAPPA, ("^", "z", 2)))))),
    "z", forward_of=lambda z, derivative=False: (
        ACT.gelu_dx(np.ones_like(z), None, z, "tanh") if derivative else ACT.gelu_fwd(z, "tanh")),
    doc="½z(1 + tanh(√(2/π)(z + 0.044715z³))), PyTorch's approximation of GELU")
ELU = register_activation(ActivationKind(
    "elu", "ELU", "ELU", ACT.ELU, ("if", "z", (">", "z", 0), ("*", "α", ("-", ("^", "e", "z"), 1))),
    ("if", 1, (">", "z", 0), ("*", "α", ("^", "e", "z"))), "z", params={"alpha": ("alpha", 1.0, "α")}, kink=0.0,
    at_kink="ELU(0) = 0 and its derivative at 0 is taken as α, the left branch αeᶻ (as PyTorch)",
    worked=("if", 1, (">", "z", 0), ("×", "α", ("call", "exp", "z"))),
    doc="z for z > 0, α(eᶻ − 1) otherwise"))
SELU = register_activation(ActivationKind(
    "selu", "SELU", "SELU", ACT.SELU,
    ("*", ACT.SELU_SCALE, ("if", "z", (">", "z", 0), ("*", ACT.SELU_ALPHA, ("-", ("^", "e", "z"), 1)))),
    ("if", ACT.SELU_SCALE, (">", "z", 0), ("×", ACT.SELU_SCALE * ACT.SELU_ALPHA, ("^", "e", "z"))), "z", kink=0.0,
    at_kink="SELU(0) = 0 and its derivative at 0 is taken as λα ≈ 1.7581, the left branch (as PyTorch)",
    doc="λ·ELU(z; α) with λ = 1.0507009873554805, α = 1.6732632423543772 (PyTorch's constants)"))
SILU = register_activation(ActivationKind(
    "silu", "SiLU", "SiLU", ACT.SILU, ("*", "z", _SIG), ("*", _SIG, ("+", 1, ("*", "z", ("-", 1, _SIG)))), "z",
    doc="z·σ(z) (swish)"))
MISH = register_activation(ActivationKind(
    "mish", "Mish", "Mish", ACT.MISH, ("*", "z", _SP),
    ("+", _SP, ("*", ("*", "z", _SIG), ("-", 1, ("^", _SP, 2)))), "z", doc="z·tanh(softplus(z))"))
RELU6 = register_activation(ActivationKind(
    "relu6", "ReLU6", "ReLU6", ACT.RELU6, ("call", "min", ("call", "max", 0, "z"), 6),
    ("if", 0, ("≥", "z", 6), ("if", 1, (">", "z", 0), 0)), "z", kink=(0.0, 6.0),
    at_kink="ReLU6′ is taken as 0 at both kinks, z = 0 and z = 6 (as PyTorch)", doc="min(max(0, z), 6)"))
HARDTANH = register_activation(ActivationKind(
    "hardtanh", "Hardtanh", "Hardtanh", ACT.HARDTANH, ("call", "min", ("call", "max", "z", "lo"), "hi"),
    ("if", 0, ("≥", "z", "hi"), ("if", 1, (">", "z", "lo"), 0)), "z",
    params={"min_val": ("min_val", -1.0, "lo"), "max_val": ("max_val", 1.0, "hi")}, kink=("min_val", "max_val"),
    at_kink="Hardtanh′ is taken as 0 at both kinks, z = min_val and z = max_val (as PyTorch)",
    aliases=("hard_tanh",), doc="min(max(z, lo), hi) with lo = min_val, hi = max_val"))
HARDSIGMOID = register_activation(ActivationKind(
    "hardsigmoid", "Hardsigmoid", "Hardsigmoid", ACT.HARDSIGMOID,
    ("/", ("call", "min", ("call", "max", ("+", "z", 3), 0), 6), 6),
    ("if", 0, ("≥", "z", 3), ("if", ("/", 1, 6), (">", "z", -3), 0)), "z", kink=(-3.0, 3.0),
    at_kink="Hardsigmoid′ is taken as 0 at both kinks, z = −3 and z = 3 (as PyTorch)", aliases=("hard_sigmoid",),
    doc="min(max(z + 3, 0), 6)/6"))
SOFTSIGN = register_activation(ActivationKind(
    "softsign", "Softsign", "softsign", ACT.SOFTSIGN, ("/", "z", ("+", 1, ("call", "abs", "z"))),
    ("/", 1, ("^", ("+", 1, ("call", "abs", "z")), 2)), "z", doc="z/(1 + |z|)"))
LOG_SIGMOID = register_activation(ActivationKind(
    "log_sigmoid", "LogSigmoid", "LogSigmoid", E.LOG_SIGMOID, ("call", "ln", _SIG), ("-", 1, _SIG), "z",
    aliases=("logsigmoid",), doc="ln σ(z) = −softplus(−z)"))


# ---------------------------------------------------------------- losses


@dataclass(frozen=True)
class LossKind:
    """One loss, described once.

    name: the key ('cross_entropy'); title: how people call it.
    row: the primitive row of the per-element (or per-sample) loss.
    on: what the network's output is for this loss: 'values' (MSE),
        'probabilities' (BCE) or 'logits' (BCEWithLogits, cross-entropy,
        whose link — σ or softmax — is part of the loss).
    link: None, 'sigmoid' or 'softmax': the function the loss applies to
        the output before comparing with the target.
    mean_over: 'elements' (divide by every output entry) or 'samples'.
    formula, dformula: ℓ and ∂ℓ/∂(its argument) as trees in 'ŷ' (or 'p') and 'y'.
    simplified: ∂ℓ/∂z through the link, as a tree ('p − y'), or None.
    worked, dworked: the worked-number lines of ℓ and ∂ℓ/∂(argument) when they
        differ from ``formula`` and ``dformula`` (1 − y evaluated, say).
    """

    name: str
    title: str
    row: Primitive | None
    on: str
    link: str | None
    mean_over: str
    formula: object
    dformula: object
    simplified: object = None
    aliases: tuple = ()
    worked: object = None
    dworked: object = None


LOSS_KINDS: dict[str, LossKind] = {}


def register_loss(kind):
    """Add ``kind`` to :data:`LOSS_KINDS` (under its name and aliases); returns it."""
    return _register(LOSS_KINDS, kind, "register_loss")


def loss_kind(name):
    """The :class:`LossKind` called ``name`` (case, '-' and '_' ignored), or KeyError."""
    return LOSS_KINDS[str(name).lower().replace("-", "_")]


MSE = register_loss(LossKind(
    "mse", "squared error", NN.MSE_LOSS, "values", None, "elements",
    ("^", ("-", "ŷ", "y"), 2), ("*", 2, ("-", "ŷ", "y")),
    aliases=("mseloss", "mean_squared_error", "squared_error", "l2")))
BCE = register_loss(LossKind(
    "bce", "binary cross-entropy", LS.BCE, "probabilities", None, "elements",
    ("neg", ("+", ("*", "y", ("call", "ln", "ŷ")), ("*", ("-", 1, "y"), ("call", "ln", ("-", 1, "ŷ"))))),
    ("+", ("neg", ("/", "y", "ŷ")), ("/", ("-", 1, "y"), ("-", 1, "ŷ"))),
    aliases=("bceloss", "binary_cross_entropy"),
    worked=("neg", ("+", ("×", "y", ("call", "ln", "ŷ")), ("×", ("val", ("-", 1, "y")), ("call", "ln", ("val", ("-", 1, "ŷ")))))),
    dworked=("+", ("neg", ("/", "y", "ŷ")), ("/", ("val", ("-", 1, "y")), ("val", ("-", 1, "ŷ"))))))
BCE_WITH_LOGITS = register_loss(LossKind(
    "bce_with_logits", "binary cross-entropy on logits", LS.BCE_LOGITS, "logits", "sigmoid", "elements",
    ("neg", ("+", ("*", "y", ("call", "ln", "p")), ("*", ("-", 1, "y"), ("call", "ln", ("-", 1, "p"))))),
    ("+", ("neg", ("/", "y", "p")), ("/", ("-", 1, "y"), ("-", 1, "p"))), ("-", "p", "y"),
    aliases=("bcewithlogitsloss", "bce_logits"),
    worked=("neg", ("+", ("×", "y", ("call", "ln", "p")), ("×", ("val", ("-", 1, "y")), ("call", "ln", ("val", ("-", 1, "p")))))),
    dworked=("+", ("neg", ("/", "y", "p")), ("/", ("val", ("-", 1, "y")), ("val", ("-", 1, "p"))))))
CROSS_ENTROPY = register_loss(LossKind(
    "cross_entropy", "cross-entropy", LS.SOFTMAX_CE, "logits", "softmax", "samples",
    ("neg", ("call", "Σ", ("*", "y", ("call", "ln", "p")))), ("neg", ("/", "y", "p")), ("-", "p", "y"),
    aliases=("crossentropyloss", "ce", "crossentropy", "categorical_cross_entropy")))
_D = ("-", "ŷ", "y")
L1 = register_loss(LossKind(
    "l1", "absolute error", LS.L1, "values", None, "elements",
    ("call", "abs", _D), ("call", "sign", _D), aliases=("l1loss", "mae", "mean_absolute_error", "absolute_error")))
HUBER = register_loss(LossKind(  # δ = 1, where SmoothL1Loss (β = 1) gives the same numbers
    "huber", "Huber loss (δ = 1)", LS.HUBER, "values", None, "elements",
    ("if", ("-", ("call", "abs", _D), 0.5), ("≥", ("call", "abs", _D), 1), ("*", 0.5, ("^", _D, 2))),
    ("if", ("call", "sign", _D), ("≥", ("call", "abs", _D), 1), _D),
    aliases=("huberloss", "smooth_l1", "smoothl1loss", "smooth_l1_loss", "huber_loss")))
