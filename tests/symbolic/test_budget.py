"""Hostile and careless input to the deriver: budgets, constant parts, zero gradients, and no escaping exceptions.

1. Derivations run under a work budget counted in operations (never wall-clock time): pathological expansions are
   avoided where a smarter rule exists (a power of a product stays factored, det of a product splits into the
   factors' determinants), and whatever is still too large is refused quickly with a DerivationError that names
   the budget and its limit.
2. Parts that do not depend on the variable differentiate to zero (they used to be refused with an internal
   "no differential rule for num" message): sum(X − X), sum(X)·0, b/b, (c·n)/c.
3. verify measures the error on a zero reference in absolute terms, so correct zero gradients pass.
4. Nothing but GradlabError escapes: huge literals, shapes given as None or floats, singular or non-finite draws,
   arrays too large to allocate, negative seeds.
"""

import time

import numpy as np
import pytest

from gradlab import DerivationError, GradlabError, ParameterError, ParseError, ShapeError
from gradlab.cli import main
from gradlab.symbolic import Matrix, derive, parse, verify
from gradlab.symbolic import expr as E
from gradlab.symbolic.budget import MAX_DEPTH, MAX_SIZE, MAX_WORK

# Measured on an idle 4-core machine: 0.2–0.35 s for the refusals below (they took 6 s to minutes, or hung).
# Checked as this process's CPU time, which other processes on a busy CI machine do not inflate.
REFUSAL_SECONDS = 1.0


def _nest(fmt, k, core):
    for _ in range(k):
        core = fmt.format(core)
    return core


def _timed(fn):
    """(result or GradlabError, CPU seconds); the wall-clock time is printed (pytest -s shows it)."""
    t0, w0 = time.process_time(), time.perf_counter()
    try:
        out = fn()
    except GradlabError as exc:
        out = exc
    print(f"[{time.perf_counter() - w0:.3f} s wall]", end=" ")
    return out, time.process_time() - t0


def cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


# ------------------------------------------------------------------ 1. budgets and smarter rules
def test_a_power_of_a_product_stays_factored_and_is_fast():
    e = parse("((u + w).T @ (1 - w))**4", {"u": "n,1", "w": "n,1"})  # 24 characters, took 12 s
    d, elapsed = _timed(lambda: derive(e, "w"))
    print(f"((u + w)ᵀ(1 − w))⁴: {elapsed * 1000:.0f} ms, {d.work} units")
    assert elapsed < REFUSAL_SECONDS
    assert d.result_text() == "4((u + w)ᵀ(𝟏 − w))³(𝟏 − u − 2w)"
    assert verify(e, "w", d, trials=2).passed


def test_det_of_a_product_is_the_product_of_determinants():
    sh = {"A": "n,n", "B": "n,n", "X": "m,n", "C": "m,m"}
    e = parse("det(" + " @ ".join(["A"] * 31) + ")", sh)  # took 119 s
    d, elapsed = _timed(lambda: derive(e, "A"))
    print(f"det(A³¹): {elapsed * 1000:.0f} ms, {d.work} units")
    assert elapsed < REFUSAL_SECONDS
    assert d.result_text() == "31 det(" + "A" * 31 + ")A⁻ᵀ"
    assert any("det(AB) = det(A) det(B)" in s.rule for s in d.steps)
    assert verify(e, "A", d, trials=2).passed
    for text, wrt, want in [("logdet(A @ B @ A.T)", "A", "2A⁻ᵀ"), ("det(X.T @ C @ X @ A @ A)", "A", None),
                            ("det(X.T @ C @ X @ A @ A)", "X", None), ("det(X.T @ X @ A)", "X", None)]:
        ex = parse(text, sh)
        got = derive(ex, wrt)
        assert want is None or got.result_text() == want
        assert verify(ex, wrt, got, trials=2).passed, (text, wrt, str(got))


REFUSED = [
    ("sum(" + _nest("tanh(A @ {} + z)", 8, "z") + ")", "z"),
    ("sum(" + _nest("inv(A @ {})", 8, "A") + ")", "A"),
    ("sum(" + _nest("inv(A + {})", 7, "A") + ")", "A"),
    ("sum(" + _nest("exp({} + z)", 9, "z") + ")", "z"),
]


@pytest.mark.parametrize("text,wrt", REFUSED, ids=["tanh⁸", "inv(A·)⁸", "inv(A+)⁷", "exp⁹"])
def test_pathological_nesting_is_refused_quickly_naming_the_budget(text, wrt):
    e = parse(text, {"A": "n,n", "z": "n,1"})
    exc, elapsed = _timed(lambda: derive(e, wrt))
    print(f"{text[:40]}…: refused after {elapsed * 1000:.0f} ms")
    assert isinstance(exc, DerivationError)
    msg = str(exc)
    assert "work budget" in msg and f"{MAX_WORK:,} units" in msg and f"∂/∂{wrt}" in msg
    assert "\n" not in msg and msg.count(". ") == 0
    assert elapsed < REFUSAL_SECONDS


def test_the_budget_is_counted_deterministically_and_can_be_raised():
    text, wrt = REFUSED[0]
    e = parse(text, {"A": "n,n", "z": "n,1"})
    d = derive(e, wrt, budget=10 * MAX_WORK)  # the same derivation, given more room, succeeds
    assert d.work > MAX_WORK and verify(e, wrt, d, trials=1).passed
    small = parse("sum(tanh(A @ z))", {"A": "n,n", "z": "n,1"})
    d1, d2 = derive(small, "z"), derive(small, "z")
    assert d1.work == d2.work > 0
    assert derive(small, "z", budget=d1.work).result == d1.result  # exactly enough
    with pytest.raises(DerivationError, match=f"more than {d1.work - 1:,} units of work"):
        derive(small, "z", budget=d1.work - 1)
    for bad in (0, -5, 2.5, True, "100"):
        with pytest.raises(ParameterError, match="'budget' parameter of derive"):
            derive(small, "z", budget=bad)


def test_expressions_built_in_python_are_bounded_in_size_and_depth():
    A = Matrix("A", "n", "n")
    big = A
    for _ in range(40):  # a DAG of 41 nodes that prints as 2⁴⁰ leaves
        big = big @ big
    exc, elapsed = _timed(lambda: derive(E.trace(big), "A"))
    assert isinstance(exc, DerivationError) and f"size budget of a derivation is {MAX_SIZE:,} nodes" in str(exc)
    assert elapsed < REFUSAL_SECONDS
    deep = A
    for _ in range(2000):  # deeper than Python's recursion limit
        deep = deep + A
    exc, elapsed = _timed(lambda: derive(E.trace(deep), "A"))
    assert isinstance(exc, DerivationError) and f"at most {MAX_DEPTH} levels" in str(exc)
    assert elapsed < REFUSAL_SECONDS


def test_cli_budget_refusal_and_option(capsys):
    text, _ = REFUSED[0]
    code, _, err = cli(["derive", text, "--shape", "A=n,n", "--shape", "z=n", "--wrt", "z"], capsys)
    assert code == 2 and "work budget" in err and f"{MAX_WORK:,}" in err and "Traceback" not in err
    code, _, err = cli(["derive", "sum(tanh(A @ z))", "--shape", "A=n,n", "--shape", "z=n", "--wrt", "z",
                        "--budget", "10"], capsys)
    assert code == 2 and "more than 10 units of work" in err
    code, _, err = cli(["derive", "sum(z)", "--shape", "z=n", "--wrt", "z", "--budget", "0"], capsys)
    assert code == 2 and "--budget" in err and "must be an int ≥ 1" in err


# ------------------------------------------------------------------ 2. constant parts differentiate to zero
ZERO = [
    ("sum(X - X)", {"X": "m,n"}, "X", "0"),
    ("sum(X)*0", {"X": "m,n"}, "X", "0"),
    ("b/b", {"b": 1}, "b", "0"),
    ("(c*n)/c", {"c": 1, "v": "n,1"}, "c", "0"),
    ("sum(X - X) + sum(X * X)", {"X": "m,n"}, "X", "2X"),
    ("(a*b)/a + b", {"a": 1, "b": 1}, "a", "0"),
]


@pytest.mark.parametrize("text,shapes,wrt,want", ZERO, ids=[z[0] for z in ZERO])
def test_constant_parts_differentiate_to_zero(text, shapes, wrt, want):
    e = parse(text, shapes)
    d = derive(e, wrt)
    assert d.result_text() == want
    assert d.result.shape == [n.shape for n in e.walk() if n.op == "sym" and n.attrs[0] == wrt][0]
    assert "no differential rule" not in d.to_text()
    assert verify(e, wrt, d, trials=2).passed


def test_a_zero_jacobian_is_derived_and_verified():
    sh = {"u": "n,1", "v": "n,1"}
    e = parse("(u - u) * v + v", sh)
    d = derive(e, "u")
    assert d.kind == "jacobian" and d.result.op == "zero" and d.result.shape == ("n", "n")
    assert verify(e, "u", d, trials=2).passed
    e = parse("u / (v * u)", sh)  # zero too, though the Jacobian path does not multiply out to show it
    d = derive(e, "u")
    assert d.kind == "jacobian" and verify(e, "u", d, trials=3).passed


# ------------------------------------------------------------------ 3. verify on zero gradients
def test_verify_passes_correct_zero_gradients(capsys):
    code, out, _ = cli(["derive", "sum(softmax(z))", "--shape", "z=n", "--wrt", "z", "--verify"], capsys)
    assert code == 0 and "PASSED" in out
    for text, shapes, wrt in [("sum(softmax(u * v))", {"u": "n,1", "v": "n,1"}, "u"),
                              ("tanh(sum(X) + 10)", {"X": "m,n"}, "X"),  # a tiny, not zero, gradient
                              ("(exp(m) - c) - (c**4 - (c + a))", {"a": 1, "c": 1, "y": "m,1"}, "c")]:
        e = parse(text, shapes)
        for seed in range(4):
            report = verify(e, wrt, trials=2, seed=seed)
            assert report.passed, f"{text}: {report}"


def test_verify_still_fails_a_wrong_gradient_where_the_true_one_is_zero():
    e = parse("sum(softmax(z))", {"z": "n,1"})
    for wrong in ("0.001 * z", "1e-6 * ones(n)"):
        report = verify(e, "z", parse(wrong, {"z": "n,1"}))
        assert not report.passed, (wrong, str(report))


# ------------------------------------------------------------------ 4. no exception escapes
def test_a_huge_literal_is_a_parse_error():
    for text in ("1" * 400 + " * X", "X ** " + "9" * 400, "sum(X) + " + "7" * 300):
        with pytest.raises(ParseError, match="out of range") as exc:
            parse(text, {"X": "m,n"})
        assert len(str(exc.value).splitlines()[0]) < 120


@pytest.mark.parametrize("shape", [None, 2.5, (2.5, 3), ("m", None), object(), {"m", "n"}], ids=repr)
def test_shapes_of_the_wrong_kind_are_shape_errors(shape):
    with pytest.raises(ShapeError, match="the shape of X"):
        parse("sum(X)", {"X": shape})
    with pytest.raises(ShapeError):
        derive("sum(X)", "X", shapes={"X": shape})


def test_numpy_integers_are_fine_and_non_finite_numbers_are_refused():
    assert parse("X", {"X": (np.int64(3), np.int32(2))}).shape == (3, 2)
    with pytest.raises(ShapeError, match="finite"):
        E.power(Matrix("X", "m", "n"), float("nan"))
    with pytest.raises(ShapeError, match="finite"):
        E.num(float("inf"))


def test_huge_exact_constants_stay_symbolic():
    d, elapsed = _timed(lambda: derive("a * (((((2**64)**64)**64)**64)**64)", "a", shapes={"a": 1}))
    assert elapsed < REFUSAL_SECONDS and "18446744073709551616" in d.result_text()
    with pytest.raises(DerivationError, match="not finite"):  # 1e9⁶⁴ has no float value: an honest refusal
        verify("a * (1000000000**64)", "a", shapes={"a": 1})


@pytest.mark.parametrize("text,shapes", [("sum(inv(X - X.T))", {"X": "3,3"}),
                                         ("sum(inv(A @ B))", {"A": "4,2", "B": "2,4"}),
                                         ("logdet(X - X.T)", {"X": "5,5"})])
def test_verify_on_singular_draws_says_so(text, shapes):
    wrt = sorted(shapes)[0]
    with pytest.raises(DerivationError, match="singular or ill-conditioned matrix on each of"):
        verify(text, wrt, shapes=shapes)


def test_verify_never_passes_nan():
    with pytest.raises(DerivationError, match="not finite"):
        verify("sum(log(X - 1))", "X", shapes={"X": "m,n"})


@pytest.mark.parametrize("text,shapes,fragment", [
    ("sum(eye(1000000)) + sum(X)", {"X": "m,n"}, "eye(1000000) is 1,000,000×1,000,000"),
    ("sum(X)", {"X": "1000000,1000000"}, "X is 1,000,000×1,000,000"),
    ("sum(X @ X.T)", {"X": "1000,1000"}, "operations"),
])
def test_verify_refuses_sizes_it_cannot_allocate_or_afford(text, shapes, fragment):
    exc, elapsed = _timed(lambda: verify(text, "X", shapes=shapes))
    assert isinstance(exc, DerivationError) and fragment in str(exc), exc
    assert "at most" in str(exc) and elapsed < REFUSAL_SECONDS


def test_cli_refuses_huge_shapes_and_negative_seeds(capsys):
    code, _, err = cli(["derive", "sum(X)", "--shape", "X=1000000,1000000", "--wrt", "X", "--verify"], capsys)
    assert code == 2 and "1,000,000 numbers per array" in err and "Traceback" not in err
    code, _, err = cli(["derive", "sum(X)", "--shape", "X=m,n", "--wrt", "X", "--verify", "--seed", "-1"], capsys)
    assert code == 2 and "--seed" in err and "must be an int ≥ 0; got '-1'" in err and "Traceback" not in err


@pytest.mark.parametrize("seed", [-1, 1.5, True, "3", None])
def test_verify_refuses_bad_seeds(seed):
    with pytest.raises(ParameterError, match="'seed' parameter of verify must be an int ≥ 0"):
        verify("sum(X)", "X", shapes={"X": "m,n"}, seed=seed)
