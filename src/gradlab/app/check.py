"""The check job: the core in one screen (``gradlab check``).

The Jacobian of f(x) = [ln(x²), sin(3x)] (a lecture's worked example) at a point against the
closed form [2/x, 3 cos 3x], and a gradient check of a ReLU layer with MSE
against finite differences.
"""

from __future__ import annotations

import numpy as np

from ..check import check_grad
from ..core.errors import ParameterError
from ..ops.api import concatenate, log, mse, relu, sin
from ..transforms import jacobian


def check(x0: float, seed: int = 0):
    """(the report text, whether every check passed) at the point x0 ≠ 0, with the layer drawn from ``seed``."""
    out = []
    x = np.array([x0])
    if x0 == 0:
        raise ParameterError("--x must be a number ≠ 0 (ln(x²) is undefined at 0); got 0.0")

    def f(x):
        return concatenate([log(x * x), sin(3 * x)])

    J = jacobian(f)(x)
    closed = np.array([[2 / x0], [3 * np.cos(3 * x0)]])
    out.append(f"f(x) = [ln(x²), sin(3x)] at x = {x0:g}")
    out.append(f"  Jacobian (numerator layout, 2×1): [{J[0, 0]:.6f}, {J[1, 0]:.6f}]ᵀ")
    out.append(f"  closed form [2/x, 3cos(3x)]:      [{closed[0, 0]:.6f}, {closed[1, 0]:.6f}]ᵀ")
    rng = np.random.default_rng(seed)
    X, W, b, y = rng.normal(size=(5, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1,)), rng.normal(size=(5, 1))

    def loss(X, W, b):
        return mse(relu(X @ W + b), y)

    report = check_grad(loss, X, W, b)
    out.append("L = mean((relu(XW + b) − y)²), X 5×3, W 3×1, b 1:")
    out.append(report)
    ok = np.allclose(J, closed, rtol=1e-12) and report.passed
    out.append("all checks passed" if ok else "CHECK FAILED")
    return "\n".join(str(line) for line in out), ok
