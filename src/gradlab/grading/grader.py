"""Grading a sheet: right, carried, wrong (and why), missing, extra.

For every entry, in grading order, with the student's own earlier numbers:

1. **correct** when the number agrees with the right value at the precision
   written (:func:`gradlab.grading.tolerance.tolerance`), or with the value
   recomputed from the student's own *rounded* earlier numbers when those
   are all correct (rounding carried along honestly);
2. **carried** (error carried forward) when it follows, at that precision,
   from earlier numbers of which some are wrong; it earns credit unless
   ``ecf=False``;
3. **wrong** otherwise: every mistake of the catalogue is recomputed from the
   same earlier numbers and the ones that give the number are named, the
   most specific first; none: an arithmetic slip;
4. **missing** when not given: the entry is then recomputed from the
   student's numbers so later entries are still graded against their own work.

"Follows from" allows for the rounding of the inputs: the recomputation is
repeated with each input moved by its own written tolerance and the spread
is added to the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import mistakes as M
from .sheet import Candidate, Env, rounded
from .tolerance import round_sig, tolerance

SPREAD_FACTOR = 1.5  # allowance on the first-order propagation of the inputs' rounding


@dataclass
class GradedEntry:
    """One graded number. ``status`` ∈ correct / wrong / carried / missing / extra; ``mistake`` the code of a
    wrong entry and ``alternatives`` up to two other codes that give the same number; ``right`` the value that
    follows from the student's own earlier numbers; ``credit`` 0 or 1."""

    name: str
    label: str
    given: float | None
    expected: float | None
    status: str
    mistake: str | None = None
    alternatives: list = field(default_factory=list)
    message: str = ""
    right: float | None = None
    credit: float = 0.0
    raw: str | None = None

    def to_dict(self):
        return {"name": self.name, "label": self.label, "given": self.given, "expected": self.expected,
                "status": self.status, "mistake": self.mistake, "alternatives": list(self.alternatives),
                "message": self.message, "right_from_your_numbers": self.right, "credit": self.credit}


def _spread(env, fn, own, inputs):
    """How far ``fn`` moves when each input moves by its own written tolerance: the smaller of the moves up
    and down, summed over the inputs (so a step, e.g. ReLU′ at a written z = 0, does not count as rounding)."""
    total = 0.0
    for name in inputs:
        t = env.tols.get(name, 0.0)
        if t:
            moves = [abs(v - own) for v in (env.evaluate(fn, {name: env.values[name] + d}) for d in (t, -t))
                     if math.isfinite(v)]
            total += min(moves) if moves else 0.0
    return total


def _rounding_candidates(env, e, own):
    out = []
    for mode, digits, how in (("sig", 2, "rounds its inputs to 2 significant figures first"),
                              ("sig", 1, "rounds its inputs to 1 significant figure first"),
                              ("dec", 2, "rounds its inputs to 2 decimals first"),
                              ("dec", 1, "rounds its inputs to 1 decimal first")):
        out.append(Candidate("rounding", rounded(env, e, mode, digits), {"how": how}))
    if not math.isfinite(own):  # e.g. ∂L/∂ŷ from a written ŷ = 1: nothing to round
        return out
    for value, how in ((round_sig(own, 1), "is rounded to 1 significant figure"),
                       (round(own, 1), "is rounded to 1 decimal"), (round(own, 2), "is rounded to 2 decimals"),
                       (round(own), "is rounded to a whole number")):
        out.append(Candidate("rounding", value, {"how": how}))
    return out


def diagnose(env, e, given, decimals, own, spread):
    """(code, alternatives, message facts) for a wrong number: the catalogue's mistakes that give it, best first."""
    cands = (e.mistakes(env) if e.mistakes else []) + _rounding_candidates(env, e, own)
    hits = []
    for c in cands:
        v = c.value
        if not math.isfinite(v) or abs(v - own) <= tolerance(own, decimals):
            continue
        gap = abs(given - v)
        scaled = spread * max(1.0, abs(v / own)) if own else spread  # a mistake that scales also scales rounding
        if gap <= tolerance(v, decimals) + SPREAD_FACTOR * scaled + 1e-12:
            hits.append((M.PRIORITY[c.code], gap, c))
    hits.sort(key=lambda h: (h[0], h[1]))
    codes, best = [], None
    for _, _, c in hits:
        if c.code not in codes:
            codes.append(c.code)
            best = best or c
    if best is None:
        return "arithmetic", [], {}
    return best.code, codes[1:3], best.facts


def grade_entries(sheet, answers, ecf=True):
    """Grade ``answers`` {canonical name: (value, decimals, raw text)} against ``sheet``; returns
    GradedEntry objects in the sheet's template order (extra names are the caller's)."""
    env = Env()
    good, results = {}, {}
    for e in sheet.order:
        own = env.evaluate(e.formula)
        routes = [own] + [env.evaluate(r) for r in e.routes]
        inputs = env.inputs(e.formula)
        inputs_good = all(good.get(n, True) for n in inputs)
        if e.name not in answers:
            env.values[e.name] = own if math.isfinite(own) else e.expected
            env.tols[e.name] = 0.0
            good[e.name] = inputs_good
            results[e.name] = GradedEntry(e.name, e.label, None, e.expected, "missing", right=own,
                                          message=f"{e.label}: missing — it is {M.num(e.expected)}.")
            continue
        given, decimals, raw = answers[e.name]
        status, code, alts, message = None, None, [], ""
        if abs(given - e.expected) <= tolerance(e.expected, decimals):
            status = "correct"
        else:
            spread = _spread(env, e.formula, own, inputs)
            if any(math.isfinite(r) and abs(given - r) <= tolerance(r, decimals) + SPREAD_FACTOR * spread + 1e-12
                   for r in routes):
                status = "correct" if inputs_good else "carried"
            else:
                status = "wrong"
                code, alts, facts = diagnose(env, e, given, decimals, own, spread)
                message = M.explain(code, e.label, given, own, facts)
        if status == "carried":
            message = (f"{e.label}: {M.num(given)} follows from your earlier numbers (error carried forward); "
                       f"the right value is {M.num(e.expected)}.")
        credit = 1.0 if status == "correct" or (status == "carried" and ecf) else 0.0
        results[e.name] = GradedEntry(e.name, e.label, given, e.expected, status, code, alts, message,
                                      right=own, credit=credit, raw=raw)
        env.values[e.name] = given
        env.tols[e.name] = tolerance(given, decimals)
        good[e.name] = status == "correct"
    return [results[e.name] for e in sheet.entries]
