"""The forward differential with its steps: dF = d(F), then one differential rule at a time.

Used where the result is read off dF rather than off a Frobenius product: the derivative of a matrix with respect
to a scalar (dF = M dt, so dF/dt = M), the Jacobian of a matrix with respect to a matrix in vec form and the second
differential d(∂L/∂X) of a Hessian (:mod:`.vecform` reads the matrix off). Each step replaces the outermost dE
(E not the variable) by its rule from :data:`.rules.DIFFERENTIALS`, so every line equals the one before.
"""

from __future__ import annotations

from ..core.errors import DerivationError
from . import expr as E
from .budget import check_size
from .derivation import Step
from .expr import Expr
from .rules import DIFFERENTIALS
from .simplify import simplify

MAX_STEPS = 400


def _outermost(e, wrt):
    """The first differential dE (pre-order: outermost first) whose E is not the variable, or None."""
    if e.op == "diff":
        return None if e.args[0] == wrt else e
    for a in e.args:
        hit = _outermost(a, wrt)
        if hit is not None:
            return hit
    return None


def replace(e, old, new):
    """e with every occurrence of the node ``old`` replaced by ``new``."""
    if e == old:
        return new
    if not e.args:
        return e
    args = tuple(replace(a, old, new) for a in e.args)
    return e if all(x is y for x, y in zip(args, e.args)) else Expr(e.op, args, e.attrs, e.shape)


def forward_steps(expr, wrt, lhs, what="the derivation"):
    """(dF as an expression in d(wrt), [Step]) for any expression F: the steps of the forward differential."""
    name = wrt.attrs[0]

    def dep(x):
        return x.depends_on(name)

    current = E.diff(expr)
    steps = [Step(f"the differential of {lhs[1:] if lhs.startswith('d') else lhs}", current, lhs, expr,
                  "differential", wrt)]
    for _ in range(MAX_STEPS):
        node = _outermost(current, wrt)
        if node is None:
            break
        inner = node.args[0]
        if not dep(inner):
            rule, de = "the differential of a constant is zero", None
        else:
            row = DIFFERENTIALS.get(inner.op)
            if row is None:
                raise DerivationError(f"derive: no differential rule for {inner.op} in {inner.to_text()}")
            rule, de = row(inner, dep)
        current = simplify(replace(current, node, de if de is not None else E.zero(node.shape)))
        check_size(current, f"{what} at step {len(steps) + 1}")
        steps.append(Step(rule, current, lhs, expr, "differential", wrt))
    else:  # pragma: no cover - guarded by MAX_STEPS
        raise DerivationError("derive: the differential did not finish within the step limit")
    return current, steps
