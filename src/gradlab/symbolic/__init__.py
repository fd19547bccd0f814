"""Symbolic matrix calculus: derive gradients in matrix form, with the steps, and verify them.

>>> import gradlab as gl
>>> from gradlab.symbolic import Matrix, Vector, Scalar, Dim, relu, norm2
>>> X, w, b, y = Matrix('X', 'm', 'n'), Vector('w', 'n'), Scalar('b'), Vector('y', 'm')
>>> L = norm2(relu(X @ w + ones('m') * b) - y) ** 2 / Dim('m')
>>> print(gl.derive(L, 'w'))
∂L/∂w = (2/m)XᵀH(ŷ − y)

Shapes are (rows, cols) with named or numeric dimensions; gradients have the
shape of the variable (denominator layout) unless ``layout='numerator'``;
Jacobians of vector-valued expressions are numerator layout (k×n).
"""

from __future__ import annotations

from .check import FormulaCheck, check
from .codegen import to_gradlab, to_numpy
from .derivation import Derivation, Step
from .derive import derive, forward_differential
from .higher import hessian
from .expr import (
    Dim,
    Expr,
    Matrix,
    Scalar,
    Vector,
    det,
    diag,
    eye,
    hadamard,
    inv,
    kron,
    logdet,
    logsoftmax,
    logsumexp,
    maximum,
    minimum,
    mean,
    norm2,
    ones,
    softmax,
    sqrt,
    trace,
    vec,
)
from .expr import total as sum  # noqa: A004 - the symbolic sum of entries
from .functions import abs_ as abs  # noqa: A004 - the symbolic |A|
from .functions import cos, exp, heaviside, leaky_relu, log, relu, sigmoid, sin, softplus, tanh
from .parse import parse
from .simplify import simplify
from .verify import VerifyReport, verify

tr = trace
Diag = diag
log_softmax = logsoftmax
max = maximum  # noqa: A001 - the symbolic max(A), max(A, B)
min = minimum  # noqa: A001 - the symbolic min(A), min(A, B)

__all__ = [
    "Matrix", "Vector", "Scalar", "Dim", "Expr", "parse", "derive", "Derivation", "Step", "simplify",
    "to_numpy", "to_gradlab", "verify", "VerifyReport", "forward_differential",
    "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "heaviside", "abs", "sqrt", "softplus", "sum", "mean",
    "tr", "trace", "det", "logdet", "inv", "diag", "Diag", "norm2", "ones", "eye", "softmax", "log_softmax",
    "logsoftmax", "hadamard", "check", "FormulaCheck", "hessian", "leaky_relu", "logsumexp", "max", "min",
    "maximum", "minimum", "kron", "vec",
]
