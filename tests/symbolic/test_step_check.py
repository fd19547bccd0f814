"""verify(..., steps=True): every displayed step is an identity with the one before. Each differential rule is broken
in turn (monkeypatched here) and the step check must stop at the first step that uses it, naming its rule."""

import pytest

from gradlab.symbolic import derive, hessian, parse, verify
from gradlab.symbolic import expr as E
from gradlab.symbolic import rules

# an expression whose derivation uses each differential rule (and the variable to differentiate by)
USES = {
    "add": ("sum(X + A)", {"X": "m,n", "A": "m,n"}, "X"),
    "scale": ("sum(c * X)", {"c": 1, "X": "m,n"}, "X"),
    "matmul": ("sum(A @ X)", {"A": "k,m", "X": "m,n"}, "X"),
    "had": ("sum(A * X)", {"A": "m,n", "X": "m,n"}, "X"),
    "T": ("sum(A @ X.T)", {"A": "k,n", "X": "m,n"}, "X"),
    "fn": ("sum(exp(X))", {"X": "m,n"}, "X"),
    "pow": ("sum(X ** 3)", {"X": "m,n"}, "X"),
    "sum": ("sum(X) ** 2", {"X": "m,n"}, "X"),
    "tr": ("tr(A @ X)", {"A": "n,n", "X": "n,n"}, "X"),
    "det": ("det(X)", {"X": "n,n"}, "X"),
    "logdet": ("logdet(X)", {"X": "n,n"}, "X"),
    "inv": ("tr(inv(X))", {"X": "n,n"}, "X"),
    "diag": ("sum(Diag(x) @ A)", {"x": "n,1", "A": "n,k"}, "x"),
    "diagvec": (E.total(E.power(E.diagvec(E.Matrix("X", "n", "n")), 2)), None, "X"),  # not in the parser's syntax
    "norm2": ("norm2(X)", {"X": "m,n"}, "X"),
    "softmax": ("a.T @ softmax(z)", {"a": "n,1", "z": "n,1"}, "z"),
    "logsoftmax": ("sum(A * log_softmax(Z, axis=1))", {"A": "m,n", "Z": "m,n"}, "Z"),
    "bcast": ("sum(X + c)", {"X": "m,n", "c": 1}, "c"),
    "frob": (E.frob(E.Matrix("A", "m", "n"), E.fn("exp", E.Matrix("X", "m", "n"))), None, "X"),
    "logsumexp": ("sum(logsumexp(Z, axis=0))", {"Z": "m,n"}, "Z"),
    "rmax": ("max(X @ w)", {"X": "m,n", "w": "n,1"}, "w"),
    "emax": ("sum(max(X, A) * B)", {"X": "m,n", "A": "m,n", "B": "m,n"}, "X"),
    # vec and ⊗ appear only in results read off a differential (nothing the parser reads differentiates them), and
    # the max-mask is piecewise constant (its rule gives zero, as the step rules do, checked through "rmax" above)
    "vec": (None, None, None),
    "kron": (None, None, None),
    "amask": (None, None, None),
}


def test_the_table_covers_every_differential_rule():
    assert set(USES) == set(rules.DIFFERENTIALS)


def broken(rule):
    """The rule with its result doubled (a rule that gives zero gives dA instead)."""
    def wrong(e, dep):
        name, de = rule(e, dep)
        if de is None:
            return name, E.diff(e.args[0])
        return name, E.scale(E.num(2), de)
    return wrong


@pytest.mark.parametrize("op", sorted(k for k, v in USES.items() if v[0] is not None))
def test_a_broken_rule_is_caught_at_the_first_step_that_uses_it(op, monkeypatch):
    text, shapes, wrt = USES[op]
    e = parse(text, shapes) if isinstance(text, str) else text
    assert verify(e, wrt, derive(e, wrt), steps=True).steps.passed
    monkeypatch.setitem(rules.DIFFERENTIALS, op, broken(rules.DIFFERENTIALS[op]))
    d = derive(e, wrt)
    report = verify(e, wrt, d, steps=True)
    assert not report.passed
    index, step = report.first_failed_step
    name = rules.DIFFERENTIALS[op](_node_of(e, op), lambda x: True)[0]
    first = next(i for i, s in enumerate(d.steps) if name in s.rule)
    assert index == first, (index, first, [s.rule for s in d.steps])
    assert name in str(report.steps) and f"step {index + 1} does not follow" in str(report.steps)


def _node_of(e, op):
    return next(n for n in e.walk() if n.op == op)


def test_broken_rules_are_caught_in_the_second_derivative_too(monkeypatch):
    e = parse("norm2(X @ W - Y)**2", {"X": "m,n", "W": "n,k", "Y": "m,k"})
    assert verify(e, "W", hessian(e, "W"), steps=True).passed
    monkeypatch.setitem(rules.DIFFERENTIALS, "matmul", broken(rules.DIFFERENTIALS["matmul"]))
    report = verify(e, "W", hessian(e, "W"), steps=True)
    index, step = report.first_failed_step
    assert "product rule d(AB)" in step.rule


def test_a_wrong_rearrangement_is_caught_too(monkeypatch):
    e = parse("sum(A @ X)", {"A": "k,m", "X": "m,n"})
    original = rules.REARRANGE["matmul"]

    def wrong(g, d):
        name, out = original(g, d)
        return name, [(E.scale(E.num(3), g2), d2) for g2, d2 in out]

    monkeypatch.setitem(rules.REARRANGE, "matmul", wrong)
    report = verify(e, "X", derive(e, "X"), steps=True)
    index, step = report.first_failed_step
    assert "Frobenius rearrangement" in step.rule


def test_report_lists_every_step_in_json():
    e = parse("norm2(A @ x - b)**2", {"A": "m,n", "x": "n,1", "b": "m,1"})
    d = derive(e, "x")
    data = verify(e, "x", d, steps=True).to_json()
    assert data["steps"]["passed"] and len(data["steps"]["results"]) == len(d.steps)
    assert all(r["rel_error"] < 1e-6 for r in data["steps"]["results"])
    with pytest.raises(Exception, match="steps=True checks the steps of a Derivation"):
        verify(e, "x", d.result, steps=True)
