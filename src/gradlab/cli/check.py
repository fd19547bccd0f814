"""``gradlab check``: a real gradient demonstration over the core.

Computes the Jacobian of f(x) = [ln(x²), sin(3x)] (a lecture's worked example) at a point,
compares it with the closed form [2/x, 3 cos 3x], and grad-checks a ReLU
layer with MSE against finite differences.
"""

from __future__ import annotations

from . import _types as T

HELP = "demonstrate the core: the Jacobian of f(x) = [ln x², sin 3x] and a gradient check"


def add_arguments(p):
    p.add_argument("--x", type=T.float_in(), default=2.0,
                   help="the point x ≠ 0 at which to take the Jacobian (default 2.0)")
    p.add_argument("--seed", type=T.SEED, default=0, help="seed of the random layer that is grad-checked (an int ≥ 0)")


def run(args) -> int:
    from ..app.check import check  # lazy: only the command that runs loads its job

    text, ok = check(args.x, args.seed)
    print(text)
    return 0 if ok else 1
