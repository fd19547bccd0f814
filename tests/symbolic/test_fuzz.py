"""A fuzz of the parser and the deriver over a small typed grammar, checked against finite differences.

Random expressions over scalars (a, c), vectors (u, v: n×1, y: m×1) and matrices (A, B: n×n, X: m×n) with
+ - * / @ .T **, sum, exp, log, tanh, sigmoid, softmax, inv, det, tr and numbers are generated shape by
shape (so most of them are well-formed), sometimes cut or corrupted (to fuzz the parser), and then:

* parsing, deriving and verifying raise nothing but :class:`~gradlab.GradlabError`;
* every derivation ends within its work budget: a result or a DerivationError, never a hang (each
  example has a deadline, and a derivation that overran would be caught by an alarm);
* every result that can be checked numerically agrees with finite differences and automatic
  differentiation (``verify``); a DerivationError from verify (every random draw singular or not finite)
  is an honest refusal, not a wrong result.

By default 200 derandomized examples run (a few seconds, fit for CI). Nightly:
``GRADLAB_FUZZ_EXAMPLES=5000 pytest tests/symbolic/test_fuzz.py`` runs 5000 random examples; add
``--hypothesis-show-statistics`` for how many were derived, refused and verified.
"""

import contextlib
import os
import signal
import threading
import time
from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gradlab import DerivationError, GradlabError
from gradlab.symbolic import derive, parse, verify

NIGHTLY = "GRADLAB_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("GRADLAB_FUZZ_EXAMPLES", "200"))
DERIVE_SECONDS = 2.0  # a derivation (or its refusal) within the default budget takes well under this
HANG_SECONDS = 20.0  # an alarm turns a hang into a failure instead of a stuck test run

SHAPES = {"a": "1", "c": "1", "u": "n,1", "v": "n,1", "y": "m,1", "A": "n,n", "B": "n,n", "X": "m,n"}
SYMBOLS = {(1, 1): ["a", "c"], ("n", 1): ["u", "v"], ("m", 1): ["y"], ("n", "n"): ["A", "B"], ("m", "n"): ["X"]}
NUMBERS = ["0", "1", "2", "3", "0.5", "10", "m", "n"]
POWERS = ["2", "3", "-1", "0.5", "4", "-2", "1.5"]
FUNCS = ["exp", "log", "tanh", "sigmoid"]
DIMS = [1, "m", "n"]
NOISE = "()+-*/@.T,0123456789 aAuXz"


def _leaf(shape, pick):
    if shape in SYMBOLS and pick(0, 5) < 5:
        return SYMBOLS[shape][pick(0, len(SYMBOLS[shape]) - 1)]
    flipped = (shape[1], shape[0])
    if flipped in SYMBOLS and flipped != shape:
        return f"{SYMBOLS[flipped][pick(0, len(SYMBOLS[flipped]) - 1)]}.T"
    if shape == (1, 1):
        return NUMBERS[pick(0, len(NUMBERS) - 1)]
    if shape[1] == 1:
        return f"ones({shape[0]})"
    if shape[0] == shape[1]:
        return f"eye({shape[0]})"
    return f"(ones({shape[0]}) @ ones({shape[1]}).T)"


def _binary(shape, pick, sub):
    other = shape if pick(0, 3) else (1, 1)  # a scalar is broadcast over the other operand
    left, right = (shape, other) if pick(0, 1) else (other, shape)
    return f"({_gen(left, pick, sub)} {'+-*/'[pick(0, 3)]} {_gen(right, pick, sub)})"


def _matmul(shape, pick, sub):
    k = DIMS[pick(0, 2)]
    return f"({_gen((shape[0], k), pick, sub)} @ {_gen((k, shape[1]), pick, sub)})"


def _reduction(shape, pick, sub):
    k = DIMS[pick(0, 2)]
    kind = pick(0, 2)
    if kind == 0:
        return f"sum({_gen((k, DIMS[pick(0, 2)]), pick, sub)})"
    return f"{'det' if kind == 1 else 'tr'}({_gen((k, k), pick, sub)})"


RULES = [  # binary rules twice, so that expressions branch
    (lambda shape: True, _binary),
    (lambda shape: True, _binary),
    (lambda shape: True, _matmul),
    (lambda shape: True, _matmul),
    (lambda shape: True, lambda shape, pick, sub: f"({_gen((shape[1], shape[0]), pick, sub)}).T"),
    (lambda shape: True, lambda shape, pick, sub: f"({_gen(shape, pick, sub)})**{POWERS[pick(0, len(POWERS) - 1)]}"),
    (lambda shape: True, lambda shape, pick, sub: f"{FUNCS[pick(0, len(FUNCS) - 1)]}({_gen(shape, pick, sub)})"),
    (lambda shape: shape[1] == 1 and shape[0] != 1, lambda shape, pick, sub: f"softmax({_gen(shape, pick, sub)})"),
    (lambda shape: shape[0] == shape[1] != 1, lambda shape, pick, sub: f"inv({_gen(shape, pick, sub)})"),
    (lambda shape: shape == (1, 1), _reduction),
]


def _gen(shape, pick, depth):
    """Text of a random expression of ``shape``; ``pick(lo, hi)`` draws an int in [lo, hi]."""
    if depth <= 0 or pick(0, 7) == 7:
        return _leaf(shape, pick)
    rules = [rule for fits, rule in RULES if fits(shape)]
    return rules[pick(0, len(rules) - 1)](shape, pick, depth - 1)


@st.composite
def cases(draw):
    """(expression text, index of the symbol to differentiate by, layout)."""

    def pick(lo, hi):
        return draw(st.integers(lo, hi))

    top = [(1, 1), (1, 1), (1, 1), ("n", 1), ("m", "n")][pick(0, 4)]
    text = _gen(top, pick, pick(1, 7))
    damage = pick(0, 19)
    if damage == 18:  # cut short
        text = text[:pick(0, len(text))]
    elif damage == 19:  # one character replaced
        i = pick(0, max(0, len(text) - 1))
        text = text[:i] + NOISE[pick(0, len(NOISE) - 1)] + text[i + 1:]
    return text, pick(0, 7), [None, None, "numerator", "denominator"][pick(0, 3)]


@contextlib.contextmanager
def _alarm(seconds):
    """Fail instead of hanging (Unix main thread only; elsewhere the hypothesis deadline still applies)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def stop(signum, frame):
        raise AssertionError(f"no answer within {seconds} s: a derivation ran past its budget")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _derive(e, wrt, layout):
    t0 = time.perf_counter()
    try:
        d = derive(e, wrt, layout=layout)
    except DerivationError as exc:
        elapsed = time.perf_counter() - t0
        assert elapsed < DERIVE_SECONDS, f"refused after {elapsed:.2f} s: {exc}"
        event("derive: refused (" + ("budget" if "budget" in str(exc) else "tensor" if "tensor" in str(exc)
                                     else "other") + ")")
        return None
    elapsed = time.perf_counter() - t0
    assert elapsed < DERIVE_SECONDS, f"derivation took {elapsed:.2f} s"
    return d


@settings(max_examples=EXAMPLES, derandomize=not NIGHTLY, deadline=timedelta(seconds=10),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
          database=None)
@given(cases())
def test_fuzz_parse_derive_verify(case):
    text, which, layout = case
    with _alarm(HANG_SECONDS):
        try:
            e = parse(text, SHAPES)
        except GradlabError:
            event("parse: refused")
            return
        names = sorted(e.symbols())
        if not names:
            event("parse: no symbol")
            return
        wrt = names[which % len(names)]
        d = _derive(e, wrt, layout)
        if d is None:
            return
        try:
            report = verify(e, wrt, d, trials=1, seed=which)
        except DerivationError:
            event("verify: cannot be checked numerically")
            return
        event("verify: checked")
        assert report.passed, f"{text} ∂/∂{wrt} = {d.result_text()}\n{report}"


def test_generator_covers_the_grammar():
    """The generator reaches every construct of the grammar (so the fuzz exercises them all)."""
    import random

    seen = set()
    for seed in range(400):
        rng = random.Random(seed)
        seen.add(_gen((1, 1), rng.randint, 5))
    text = " ".join(seen)
    for token in ["+", "-", "*", "/", "@", ".T", "**", "sum(", "exp(", "log(", "tanh(", "sigmoid(", "softmax(",
                  "inv(", "det(", "tr(", "ones(", "eye("]:
        assert token in text, token
