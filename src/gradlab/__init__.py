"""gradlab — build, train and explain neural networks from matrix calculus up.

The public API, re-exported explicitly. Conventions: data is batch-first
(X is (N, features)); ``Linear`` holds ``weight`` (out, in) and ``bias`` (out,)
and computes ``x @ W.T + b``; gradients have their variable's shape
(denominator layout); Jacobians are ``out.shape + in.shape`` (numerator
layout); float64 by default.
"""

from __future__ import annotations

from .check import GradCheckReport, GradientCheckError, assert_grad, check_grad, numerical_jacobian
from .core.errors import (
    DerivationError,
    DivergenceError,
    GradlabError,
    GraphError,
    InputTypeError,
    MissingExtraError,
    ModelFileError,
    NonFiniteError,
    ParameterError,
    ParseError,
    ShapeError,
)
from .core.graph import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .core.primitive import PRIMITIVES, Primitive, register
from .core.seed import manual_seed
from .core.tensor import Tensor, tensor
from .ops.api import (
    abs,
    add,
    broadcast_to,
    clip,
    concatenate,
    cos,
    det,
    diag,
    div,
    exp,
    getitem,
    heaviside,
    inv,
    leaky_relu,
    linear,
    log,
    log_sigmoid,
    log_softmax,
    logdet,
    logsumexp,
    matmul,
    matrix_transpose,
    max,
    maximum,
    mean,
    minimum,
    mse,
    mul,
    neg,
    outer,
    pow,
    relu,
    reshape,
    sigmoid,
    sin,
    slogdet,
    softmax,
    softplus,
    sqrt,
    stack,
    step,
    sub,
    sum,
    tanh,
    trace,
    transpose,
    where,
)
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

# the families of operations past the first round's: each module's __all__ lists its public functions
from .ops.api_activations import *  # noqa: E402,F401,F403
from .ops.api_conv import *  # noqa: E402,F401,F403
from .ops.api_creation import *  # noqa: E402,F401,F403
from .ops.api_linalg import *  # noqa: E402,F401,F403
from .ops.api_math import *  # noqa: E402,F401,F403
from .ops.api_reduce import *  # noqa: E402,F401,F403
from .ops.api_shape import *  # noqa: E402,F401,F403

from .core.version import __version__  # noqa: E402,F401

# Sub-packages and their main names load on first use, so `import gradlab`
# stays fast (no plotting, rich or torch import at import time).
_LAZY = {
    "nn": ("gradlab.nn", None),
    "optim": ("gradlab.optim", None),
    "data": ("gradlab.data", None),
    "train": ("gradlab.train", None),
    "explainer": ("gradlab.explainer", None),
    "symbolic": ("gradlab.symbolic", None),
    "viz": ("gradlab.viz", None),
    "io": ("gradlab.io", None),
    "fit": ("gradlab.train", "fit"),
    "evaluate": ("gradlab.train", "evaluate"),
    "History": ("gradlab.train", "History"),
    "Perceptron": ("gradlab.train", "Perceptron"),
    "save": ("gradlab.io", "save"),
    "load": ("gradlab.io", "load"),
    "explain": ("gradlab.explainer", "explain"),
    "explain_graph": ("gradlab.explainer", "explain_graph"),
    "Explanation": ("gradlab.explainer", "Explanation"),
    "derive": ("gradlab.symbolic", "derive"),
    "grading": ("gradlab.grading", None),
    "grade": ("gradlab.grading", "grade"),
    "GradeReport": ("gradlab.grading", "GradeReport"),
    "exercise": ("gradlab.grading", "exercise"),
    "explore": ("gradlab.web", "explore"),
    "sklearn": ("gradlab.train.sklearn", None),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
