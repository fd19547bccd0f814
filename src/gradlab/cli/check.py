"""``gradlab check``: a real gradient demonstration over the core.

Computes the Jacobian of the slides' f(x) = [ln(x²), sin(3x)] at a point,
compares it with the closed form [2/x, 3 cos 3x], and grad-checks a ReLU
layer with MSE against finite differences.
"""

from __future__ import annotations

from . import _types as T

HELP = "demonstrate the core: a Jacobian from the slides and a gradient check"


def add_arguments(p):
    p.add_argument("--x", type=T.float_in(), default=2.0,
                   help="the point x ≠ 0 at which to take the Jacobian (default 2.0)")
    p.add_argument("--seed", type=T.SEED, default=0, help="seed of the random layer that is grad-checked (an int ≥ 0)")


def run(args) -> int:
    import numpy as np

    import gradlab as gl

    x = np.array([args.x])
    if args.x == 0:
        raise gl.ParameterError("--x must be a number ≠ 0 (ln(x²) is undefined at 0); got 0.0")

    def f(x):
        return gl.concatenate([gl.log(x * x), gl.sin(3 * x)])

    J = gl.jacobian(f)(x)
    closed = np.array([[2 / args.x], [3 * np.cos(3 * args.x)]])
    print(f"f(x) = [ln(x²), sin(3x)] at x = {args.x:g}")
    print(f"  Jacobian (numerator layout, 2×1): [{J[0, 0]:.6f}, {J[1, 0]:.6f}]ᵀ")
    print(f"  closed form [2/x, 3cos(3x)]:      [{closed[0, 0]:.6f}, {closed[1, 0]:.6f}]ᵀ")
    rng = np.random.default_rng(args.seed)
    X, W, b, y = rng.normal(size=(5, 3)), rng.normal(size=(3, 1)), rng.normal(size=(1,)), rng.normal(size=(5, 1))

    def loss(X, W, b):
        return gl.mse(gl.relu(X @ W + b), y)

    report = gl.check_grad(loss, X, W, b)
    print("L = mean((relu(XW + b) − y)²), X 5×3, W 3×1, b 1:")
    print(report)
    ok = np.allclose(J, closed, rtol=1e-12) and report.passed
    print("all checks passed" if ok else "CHECK FAILED")
    return 0 if ok else 1
