"""Budgets for symbolic work, counted in operations (never wall-clock time), so a refusal is deterministic.

A derivation runs inside :func:`derivation_budget`: every rewrite of a node by
:mod:`.simplify`, every term built by :mod:`.multiply_out` and every few nodes
printed cost one unit. Past ``limit`` units the derivation stops with a
:class:`~gradlab.core.errors.DerivationError` that names the budget and its
limit. The expression itself is bounded too: at most :data:`MAX_SIZE` nodes
(counted as a tree, the way it prints) and :data:`MAX_DEPTH` levels.

Multiplying out to find a shorter form is optional, so it runs inside a
smaller nested :func:`attempt`: when that runs out the factored form is kept
(:class:`OverBudget` is raised to the caller, who falls back) and only the
units spent so far count against the derivation.

With no budget installed (``simplify`` or ``to_text`` called on their own)
nothing is counted.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from ..core.errors import DerivationError

# A unit is roughly 5–20 µs of work. The worked examples use at most ~5,500 units (the sigmoid/BCE homework's
# ∂ℓ/∂W⁽¹⁾), a three-layer network ~9,000; a refusal at 30,000 arrives after 0.2–0.35 s.
MAX_WORK = 30_000  # units of one derivation
MAX_TIDY_WORK = 5_000  # units of one attempt at multiplying out (the worked examples need at most ~1,400)
MAX_TIDY_TOTAL = 12_000  # units of all such attempts in one derivation (the worked examples: at most ~3,700)
MAX_SIZE = 20_000  # nodes of an expression, counted as printed (a tree)
MAX_DEPTH = 120  # levels of nesting (parse allows 40; deeper ones come from the Python API)

_CURRENT = contextvars.ContextVar("gradlab_symbolic_budget", default=None)


class OverBudget(Exception):
    """Internal: an optional attempt ran out of its budget; the caller keeps what it had."""


class Budget:
    """``limit`` units; ``parent`` is charged too; ``what`` names the work in the refusal (None: optional)."""

    __slots__ = ("limit", "used", "parent", "what")

    def __init__(self, limit, parent=None, what=None):
        self.limit, self.used, self.parent, self.what = limit, 0, parent, what

    def charge(self, n):
        b = self
        while b is not None:
            b.used += n
            if b.used > b.limit:
                b.exceeded()
            b = b.parent

    def exceeded(self):
        if self.what is None:
            raise OverBudget()
        raise DerivationError(f"derive: {self.what} needs more than {self.limit:,} units of work, the work budget "
                              f"of one derivation; differentiate a smaller expression or raise the budget "
                              f"(derive(..., budget=N), gradlab derive --budget N)")


def spend(n=1):
    """Charge ``n`` units to the budget in force (if any)."""
    b = _CURRENT.get()
    if b is not None:
        b.charge(n)


@contextmanager
def derivation_budget(what, limit=None):
    """Run a derivation under a work budget of ``limit`` units (:data:`MAX_WORK` by default)."""
    b = Budget(MAX_WORK if limit is None else limit, None, what)
    token = _CURRENT.set(b)
    try:
        yield b
    finally:
        _CURRENT.reset(token)


@contextmanager
def attempt(limit=None):
    """An optional piece of work under ``limit`` more units; raises :class:`OverBudget` when they run out."""
    b = Budget(MAX_TIDY_WORK if limit is None else limit, _CURRENT.get(), None)
    token = _CURRENT.set(b)
    try:
        yield b
    finally:
        _CURRENT.reset(token)


def measure(e):
    """(tree size, depth) of an expression, counted without recursion; shared nodes count once per use."""
    sizes, depths = {}, {}
    stack = [(e, False)]
    while stack:
        node, done = stack.pop()
        if node in sizes:
            continue
        if done or not node.args:
            sizes[node] = 1 + sum(sizes[a] for a in node.args)
            depths[node] = 1 + max((depths[a] for a in node.args), default=0)
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if a not in sizes)
    return sizes[e], depths[e]


def check_size(e, what):
    """DerivationError when ``e`` has more than :data:`MAX_SIZE` nodes or :data:`MAX_DEPTH` levels."""
    size, depth = measure(e)
    if depth > MAX_DEPTH:
        raise DerivationError(f"derive: {what} is nested {depth} levels deep; at most {MAX_DEPTH} levels are "
                              "allowed")
    if size > MAX_SIZE:
        raise DerivationError(f"derive: {what} has {size:,} nodes; the size budget of a derivation is "
                              f"{MAX_SIZE:,} nodes")
    spend(1 + size // 64)
