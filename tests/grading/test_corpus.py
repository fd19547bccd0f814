"""The grader's acceptance test: ``gl.grade`` on a synthetic corpus of students' backprop sheets.

The corpus (``grading.corpus``) is written independently of the grader: its own
float arithmetic makes every sheet as a student works it, at 4 decimals or 3–4
significant figures, rounding only when writing (style a) or computing from
the written numbers (style b), with exactly one mistake of a known code and
everything after it carried on from the student's own wrong values; plus
correct sheets at 2–4 significant figures.

The first group of tests checks the generator itself (it runs without the
grader): a clean unrounded sheet equals ``gl.explain`` to 1e-12, each mistake
is what its code defines and is wrong beyond the grading tolerance, nothing
before or beside it changes, and everything after it is recomputed. The second
group grades the corpus and holds the grader to its contract:

* the first wrong entry is the injected one on ≥ 98 % of the mistake sheets;
* the mistake's code comes first on ≥ 90 % and is among the code and its
  alternatives on ≥ 98 %;
* no false alarm on a correct sheet;
* on every mistake sheet exactly one entry is 'wrong', every other one
  'correct' or 'carried', and the score is the maximum less one.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest

import gradlab as gl
from grading.corpus import (BASES, CODES, MIN_PER_CODE, Student, applicable, build_corpus, clean_sheet,
                            decimals_for, entry_index, explanation, network, networks, per_sample, reference_value,
                            replay, right, round_to, template, text, weight_name, written_tol, write_sheet)

NETWORKS = networks()


# ---------------------------------------------------------------- helpers


def _dependencies(net):
    """{entry name: the sheet entries its right value reads} (one student: f′ from a; from z adds the z)."""
    deps = {}
    for e in template(net):
        for frm in ("a", "z"):
            reads = set()
            values = defaultdict(lambda: 0.5)

            def rec(name):
                reads.add(name)
                return values[name]

            right(net, e, rec, frm)
            deps.setdefault(e.name, set()).update(reads)
    return deps


def _downstream(net, name):
    deps = _dependencies(net)
    out, changed = set(), True
    while changed:
        changed = False
        for e in template(net):
            if e.name not in out and deps[e.name] & (out | {name}):
                out.add(e.name)
                changed = True
    return out


def _clean_like(sheet):
    """The same student's sheet without the mistake."""
    return clean_sheet(sheet.net, sheet.student)


def _same_written(given, expected, precision):
    """Whether ``given`` is ``expected`` as written at ``precision`` (one unit of slack only at a tie)."""
    if precision is None:
        return abs(given - expected) <= 1e-12 * max(1.0, abs(expected))
    half = 0.5 * 10.0 ** -decimals_for(given if given else expected, precision)
    return abs(given - expected) <= half * (1 + 1e-9) + 1e-15


# ---------------------------------------------------------------- the generator


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n.key)
def test_clean_sheet_equals_explainer(net):
    """The generator's own forward pass, loss, backward pass and update equal gl.explain to 1e-12."""
    exp = explanation(net)
    sheet = clean_sheet(net)
    off = {e.name: (sheet.answers[e.name], reference_value(exp, net, e)) for e in template(net)
           if abs(sheet.answers[e.name] - reference_value(exp, net, e)) > 1e-12}
    assert not off, f"{net.describe()}: the generator disagrees with gl.explain at {off}"


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: n.key)
def test_template_names_every_explained_number_once(net):
    """Every element of z, a, p, dL/dy_hat, delta, da, dW, db, W_new, b_new and the loss has exactly one entry."""
    exp = explanation(net)
    names = [e.name for e in template(net)]
    assert len(names) == len(set(names))
    quantities = ["loss", "dL/dy_hat"] + (["p"] if net.has_p else [])
    for l in range(1, net.L + 1):
        quantities += [f"z[{l}]", f"a[{l}]", f"delta[{l}]", f"da[{l - 1}]", f"dW[{l}]", f"W_new[{l}]"]
        if net.b(l) is not None:
            quantities += [f"db[{l}]", f"b_new[{l}]"]
    assert len(names) == sum(np.size(exp[q]) for q in quantities)
    assert all(q in exp for q in quantities)
    # one sample: [j]; a batch: [s,j]; the parameters: [i,j] = input i → neuron j (the stored W[j−1, i−1])
    if net.single:
        assert "z[1][1]" in names and "dL/dy_hat[1]" in names
    else:
        assert f"z[1][{net.m},1]" in names and f"da[0][{net.m},{net.X.shape[1]}]" in names
    n_out, n_in = net.W(1).shape
    assert f"dW[1][{n_in},{n_out}]" in names and f"W_new[1][{n_in},{n_out}]" in names


def test_template_order():
    """Forward per sample and layer (z then a), p, loss, dL/dy_hat, then delta[l], da[l−1] for l = L..1, then the
    gradients and the updates, both from the last layer down."""
    net = network("relu-mse")
    names = [e.name for e in template(net)]
    assert names[:10] == ["z[1][1,1]", "z[1][1,2]", "z[1][1,3]", "a[1][1,1]", "a[1][1,2]", "a[1][1,3]",
                          "z[2][1,1]", "z[2][1,2]", "a[2][1,1]", "a[2][1,2]"]
    first = {kind: min(k for k, e in enumerate(template(net)) if e.kind == kind) for kind in
             ("loss", "dL/dy_hat", "delta", "da", "dW", "db", "W_new", "b_new")}
    assert first["loss"] < first["dL/dy_hat"] < first["delta"] < first["da"] < first["dW"] < first["W_new"]
    assert names.index("delta[2][4,2]") < names.index("da[1][1,1]") < names.index("delta[1][1,1]")
    assert names.index("da[0][4,2]") < names.index("dW[2][1,1]") < names.index("db[2][1]") < names.index(
        "dW[1][1,1]")
    assert names.index("b_new[2][2]") < names.index("W_new[1][1,1]")
    assert names[-1] == "b_new[1][3]"


def test_networks_are_as_the_brief_asks():
    course = network("course")
    assert course.describe().startswith("course#0: 1–2–3–1 (sigmoid, sigmoid, sigmoid), bce")
    assert course.lr == 0.1 and course.single
    relu = network("relu-mse")
    clean = clean_sheet(relu)
    kinks = [e.name for e in template(relu) if e.kind == "z" and clean.answers[e.name] == 0.0]
    assert kinks == ["z[1][1,1]", "z[1][4,3]"]
    assert explanation(relu)["z[1]"][0, 0] == 0.0 and explanation(relu)["z[1]"][3, 2] == 0.0
    relu_z = [abs(clean.answers[e.name]) for e in template(relu) if e.kind == "z" and e.l == 1]
    assert min(v for v in relu_z if v) >= 0.05  # no pre-activation near the kink but the exact ones
    assert network("linear-nobias").b(1) is None and network("linear-nobias").b(2) is None
    assert network("softmax-ce").loss == "cross_entropy" and network("tanh-mse").reduction == "sum"
    assert all(net.lr for net in NETWORKS)


def test_corpus_size_and_coverage():
    mistakes, correct = build_corpus()
    per_code = Counter(s.code for s in mistakes)
    per_pair = Counter((s.net.name, s.code) for s in mistakes)
    assert len(mistakes) >= 500, f"{len(mistakes)} mistake sheets"
    assert len(correct) >= 100, f"{len(correct)} correct sheets"
    assert set(per_code) == set(CODES) and min(per_code.values()) >= max(20, MIN_PER_CODE), per_code
    assert len({s.net.name for s in mistakes}) >= 5 and len({s.net.key for s in mistakes}) >= 10
    missing = [(name, code) for name in BASES for code in CODES
               if applicable(network(name), code) and per_pair[name, code] < 5]
    assert not missing, f"(network, code) pairs with fewer than 5 sheets: {missing}"
    styles = Counter((s.student.precision, s.student.style) for s in mistakes)
    assert len(styles) == 6 and min(styles.values()) >= 50, styles
    both = Counter((s.student.precision, s.student.style) for s in correct)
    assert {p for p, _ in both} == {("sig", 2), ("sig", 3), ("sig", 4), ("dec", 4)}
    assert {st for _, st in both} == {"a", "b"}
    assert all(s.code is None and s.entry is None for s in correct)


def test_written_numbers_are_at_the_students_precision():
    mistakes, correct = build_corpus()
    for s in mistakes + correct:
        for name, v in s.answers.items():
            assert round_to(v, s.student.precision) == v, (s.describe(), name, v)


def test_correct_sheets_are_correct():
    """Style a writes the exact numbers rounded; style b every entry from the sheet's own written numbers."""
    _, correct = build_corpus()
    for s in correct:
        exp = explanation(s.net)
        for e in template(s.net):
            given = s.answers[e.name]
            if s.student.style == "a":
                assert _same_written(given, reference_value(exp, s.net, e), s.student.precision), \
                    (s.describe(), e.name, given, reference_value(exp, s.net, e))
            else:
                own = right(s.net, e, s.answers.__getitem__, s.student.fprime_from)
                assert _same_written(given, own, s.student.precision), (s.describe(), e.name, given, own)


def test_injected_entry_is_wrong_beyond_tolerance():
    """|written − right| > 2·tol(written) + 3·u, the right value from the student's own earlier numbers."""
    mistakes, _ = build_corpus()
    for s in mistakes:
        clean = _clean_like(s)
        e = template(s.net)[entry_index(s.net)[s.entry]]
        r = right(s.net, e, clean.internal.__getitem__, s.student.fprime_from)
        assert r == s.right_value, s.describe()
        w = s.answers[s.entry]
        assert abs(w - r) > 2 * written_tol(w) + 3 * s.spread, s.describe()
        assert abs(w - clean.answers[s.entry]) > written_tol(w), s.describe()


def test_nothing_but_the_mistake_and_what_follows_from_it_changes():
    """Entries that do not depend on the injected one are the clean sheet's, to the bit; the others are the
    student's ordinary arithmetic on their own (now wrong) numbers: replaying the sheet with the injected
    value pinned gives the same sheet."""
    mistakes, _ = build_corpus()
    downstream_cache = {}
    carried, with_dependents = 0, 0
    for s in mistakes:
        clean = _clean_like(s)
        key = (s.net.key, s.entry)
        if key not in downstream_cache:
            downstream_cache[key] = _downstream(s.net, s.entry)
        after = downstream_cache[key]
        for e in template(s.net):
            if e.name != s.entry and e.name not in after:
                assert s.answers[e.name] == clean.answers[e.name], (s.describe(), e.name)
                assert s.internal[e.name] == clean.internal[e.name], (s.describe(), e.name)
        answers, internal = replay(s)
        assert answers == s.answers and internal == s.internal, s.describe()
        if after:
            with_dependents += 1
            carried += any(s.answers[n] != clean.answers[n] for n in after)
    assert carried >= 0.95 * with_dependents, f"the mistake shows downstream on {carried}/{with_dependents}"


def _term_values(net, e, get):
    """The values a z or da sum multiplies its weights by: a⁽ˡ⁻¹⁾ (z) or δ⁽ˡ⁺¹⁾ (da), and the weights w_ij."""
    if e.kind == "z":
        W = net.W(e.l)
        xs = [float(net.X[e.s, i]) if e.l == 1 else get(per_sample(net, "a", e.l - 1, e.s, i))
              for i in range(W.shape[1])]
        return xs, [float(W[e.j, i]) for i in range(W.shape[1])], W
    W = net.W(e.l + 1)
    ds = [get(per_sample(net, "delta", e.l + 1, e.s, j)) for j in range(W.shape[0])]
    return ds, [float(W[j, e.j]) for j in range(W.shape[0])], W


def test_each_mistake_is_its_definition():
    """The injected value, re-derived here from the definitions and the sheet's own numbers."""
    mistakes, _ = build_corpus()
    checked = Counter()
    for s in mistakes:
        net, st, get = s.net, s.student, s.internal.__getitem__
        e = template(net)[entry_index(net)[s.entry]]
        r = s.right_value
        given = s.answers[s.entry]
        code = s.code

        def written(v):
            return _same_written(given, v, st.precision)

        if code in ("missing_derivative", "kink", "derivative_of_output"):
            assert e.kind == "delta"
            g = get(per_sample(net, "dL/dy_hat", None, e.s, e.j)) if e.l == net.L else get(
                per_sample(net, "da", e.l, e.s, e.j))
            z = get(per_sample(net, "z", e.l, e.s, e.j))
            a = get(per_sample(net, "a", e.l, e.s, e.j))
            if code == "missing_derivative":
                assert net.act(e.l) != "identity" and not (net.act(e.l) == "relu" and z == 0.0)
                ok = written(g)
            elif code == "kink":
                assert net.act(e.l) == "relu" and z == 0.0 and r == 0.0
                ok = written(g)
            else:
                act = net.act(e.l)
                assert act in ("sigmoid", "tanh")
                f = (1 / (1 + math.exp(-a))) * (1 - 1 / (1 + math.exp(-a))) if act == "sigmoid" else 1 - np.tanh(a) ** 2
                ok = written(g * f)
        elif code == "transposed":
            assert e.kind in ("dW", "W_new") and e.i != e.j
            ok = written(get(weight_name(e.kind, e.l, e.j, e.i)))  # the sheet's own entry at [j, i]
        elif code == "wrong_weight":
            values, weights, W = _term_values(net, e, get)
            term, w = s.option
            if e.kind == "z":  # w_ji, else another neuron's weight for input i
                i, j = term, e.j
                legal = [float(W[i, j])] if (i < W.shape[0] and j < W.shape[1] and W[i, j] != W[j, i]) else \
                    [float(W[j2, i]) for j2 in range(W.shape[0]) if j2 != j]
            else:
                i, j = e.j, term
                legal = [float(W[i, j])] if (i < W.shape[0] and j < W.shape[1] and W[i, j] != W[j, i]) else \
                    [float(W[j2, i]) for j2 in range(W.shape[0]) if j2 != j]
            assert w in legal and w != weights[term], s.describe()
            ok = written(r + values[term] * (w - weights[term]))
        elif code == "missing_mean":
            assert e.kind in ("loss", "dL/dy_hat") and net.reduction == "mean" and net.divisor > 1
            ok = written(r * net.divisor)
        elif code == "missing_factor_2":
            assert e.kind == "dL/dy_hat" and net.loss == "mse"
            ok = written(r / 2)
        elif code == "sign":
            assert e.kind in ("dL/dy_hat", "delta", "da", "dW", "db", "W_new", "b_new") and r != 0
            ok = written(-r)
        elif code == "bias_not_summed":
            assert e.kind == "db" and net.m >= 2
            ok = written(get(per_sample(net, "delta", e.l, s.option[0], e.j)))
        elif code == "updated_weights_used":
            assert e.kind == "da" and e.l + 1 >= 2
            ds = [get(per_sample(net, "delta", e.l + 1, e.s, j)) for j in range(net.W(e.l + 1).shape[0])]
            new = [get(weight_name("W_new", e.l + 1, e.j, j)) for j in range(len(ds))]  # the sheet's own W_new
            ok = written(sum(d * w for d, w in zip(ds, new)))
        elif code in ("update_sign", "learning_rate"):
            assert e.kind in ("W_new", "b_new")
            if e.kind == "W_new":
                old, g = float(net.W(e.l)[e.j, e.i]), get(weight_name("dW", e.l, e.i, e.j))
            else:
                old, g = float(net.b(e.l)[e.j]), get(f"db[{e.l}][{e.j + 1}]")
            if code == "update_sign":
                ok = written(old + net.lr * g)
            else:
                assert s.option[0] in (net.lr / 10, 10 * net.lr, 2 * net.lr, net.lr / 2)
                ok = written(old - s.option[0] * g)
        elif code == "rounding":  # the same formula on the sheet's numbers, each rounded to 2 s.f.
            own = right(net, e, lambda n: float(f"{s.answers[n]:.2g}"), st.fprime_from)
            ok = written(own)
        elif code == "arithmetic":
            kind, param = s.option
            if kind == "factor":
                assert 1.2 <= param <= 1.7 or 0.35 <= param <= 0.8
                ok = written(r * param)
            else:
                a, b = text(r, st.precision).lstrip("-"), text(given, st.precision).lstrip("-")
                diffs = [q for q in range(len(a)) if len(a) == len(b) and a[q] != b[q]]
                ok = (len(a) == len(b) and len(diffs) == 2 and diffs[1] - diffs[0] in (1, 2)
                      and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
        else:
            raise AssertionError(code)
        assert ok, s.describe()
        checked[code] += 1
    assert set(checked) == set(CODES)


def test_a_sign_slip_in_the_output_delta_flips_every_gradient_after_it():
    """By hand: course, unrounded, δ⁽³⁾ with its sign flipped: the gradients are linear in δ⁽³⁾, so every da, δ,
    dW and db below flips sign, the forward pass and the loss stay, and W_new = W + η·dW."""
    net = network("course")
    clean = clean_sheet(net)
    answers, _, _ = write_sheet(net, Student(None), ("sign", "delta[3][1]", ()))
    for e in template(net):
        if e.kind in ("z", "a", "loss", "dL/dy_hat"):
            assert answers[e.name] == clean.answers[e.name]
        elif e.kind in ("delta", "da", "dW", "db"):
            assert answers[e.name] == pytest.approx(-clean.answers[e.name], rel=1e-12, abs=1e-15), e.name
    assert answers["W_new[3][2,1]"] == pytest.approx(0.2 + 0.1 * clean.answers["dW[3][2,1]"], rel=1e-12)
    assert answers["b_new[1][2]"] == pytest.approx(0.2 + 0.1 * clean.answers["db[1][2]"], rel=1e-12)


def test_a_missing_factor_two_halves_everything_it_reaches():
    """By hand: the bias-free linear network, ∂L/∂ŷ₂ without the 2: every gradient is the clean one from ŷ₁
    plus half the clean one from ŷ₂."""
    net = network("linear-nobias")
    clean = clean_sheet(net)
    answers, _, _ = write_sheet(net, Student(None), ("missing_factor_2", "dL/dy_hat[2]", ()))
    assert answers["dL/dy_hat[2]"] == pytest.approx(clean.answers["dL/dy_hat[2]"] / 2, rel=1e-12)
    assert answers["dL/dy_hat[1]"] == clean.answers["dL/dy_hat[1]"]
    # the part of each gradient that comes from output 1 alone: the sheet with ∂L/∂ŷ₂ pinned to 0
    only1, _, _ = write_sheet(net, Student(None), (None, "dL/dy_hat[2]", 0.0))
    for e in template(net):
        if e.kind in ("delta", "da", "dW"):
            want = only1[e.name] + (clean.answers[e.name] - only1[e.name]) / 2
            assert answers[e.name] == pytest.approx(want, rel=1e-12, abs=1e-15), e.name


def test_hand_worked_style_b_uses_the_written_numbers():
    """Style b, 2 s.f., course: a₁⁽¹⁾ = σ(0.3) is written 0.57, and the hand-worked ∂L/∂w₁₁⁽²⁾ is δ₁⁽²⁾ × 0.57
    with the written δ, not the exact product."""
    net = network("course")
    sheet = clean_sheet(net, Student(("sig", 2), "b"))
    assert sheet.answers["a[1][1]"] == 0.57 and sheet.answers["a[1][2]"] == 0.6
    assert sheet.answers["dW[2][1,1]"] == round_to(sheet.answers["delta[2][1]"] * 0.57, ("sig", 2))
    exact = clean_sheet(net, Student(("sig", 2), "a"))
    assert exact.answers["dW[2][1,1]"] == round_to(float(explanation(net)["dW[2]"][0, 0]), ("sig", 2))


# ---------------------------------------------------------------- the grader (gl.grade) on the corpus


@pytest.fixture(scope="module")
def graded():
    grade = getattr(gl, "grade", None)
    if grade is None:
        pytest.fail("gl.grade does not exist yet: the grading corpus's acceptance tests wait for it")
    mistakes, correct = build_corpus()
    return ([(s, grade(explanation(s.net), dict(s.answers))) for s in mistakes],
            [(s, grade(explanation(s.net), dict(s.answers))) for s in correct])


def _entry(report, name):
    try:
        return report.entry(name)
    except (KeyError, LookupError, ValueError):
        return None


def _per_code(rows, hit):
    """'code: hits/n' for every code with a miss, worst first."""
    n, h = Counter(), Counter()
    for s, report in rows:
        n[s.code] += 1
        h[s.code] += bool(hit(s, report))
    lines = [f"  {code}: {h[code]}/{n[code]} ({100 * h[code] / n[code]:.1f} %)" for code in
             sorted(n, key=lambda c: h[c] / n[c]) if h[code] < n[code]]
    return "\n".join(lines) or "  (no misses)"


def _examples(rows, hit, show, limit=12):
    misses = [(s, r) for s, r in rows if not hit(s, r)]
    return "\n".join(f"  {s.describe()} -> {show(s, r)}" for s, r in misses[:limit])


def _located(s, report):
    return report.first_wrong == s.entry


def _first_code(s, report):
    e = _entry(report, s.entry)
    return e is not None and e.mistake == s.code


def _among(s, report):
    e = _entry(report, s.entry)
    return e is not None and (e.mistake == s.code or s.code in list(e.alternatives or [])[:2])


def _said(s, report):
    e = _entry(report, s.entry)
    if e is None:
        return f"no entry {s.entry!r} in the report (first wrong {report.first_wrong!r})"
    return (f"first wrong {report.first_wrong!r}; at {s.entry}: status {e.status}, mistake {e.mistake!r}, "
            f"alternatives {list(e.alternatives or [])}, expected {e.expected!r}; {e.message}")


def test_grader_locates_the_first_wrong_entry(graded):
    rows, _ = graded
    rate = sum(_located(s, r) for s, r in rows) / len(rows)
    assert rate >= 0.98, (f"first wrong entry located on {100 * rate:.1f} % of {len(rows)} sheets (need ≥ 98 %)\n"
                          f"per code:\n{_per_code(rows, _located)}\n{_examples(rows, _located, _said)}")


def test_grader_names_the_mistake(graded):
    rows, _ = graded
    first = sum(_first_code(s, r) for s, r in rows) / len(rows)
    among = sum(_among(s, r) for s, r in rows) / len(rows)
    confusion = Counter((s.code, getattr(_entry(r, s.entry), "mistake", None)) for s, r in rows
                        if not _first_code(s, r))
    message = (f"mistake code first on {100 * first:.1f} % (need ≥ 90 %), among the code and its alternatives on "
               f"{100 * among:.1f} % (need ≥ 98 %) of {len(rows)} sheets\n"
               f"first choice per code:\n{_per_code(rows, _first_code)}\n"
               f"among the three per code:\n{_per_code(rows, _among)}\n"
               f"(injected, named instead): {dict(confusion.most_common(15))}\n"
               f"{_examples(rows, _among, _said)}")
    assert first >= 0.90 and among >= 0.98, message


def test_grader_raises_no_false_alarm_on_correct_sheets(graded):
    _, rows = graded
    bad = []
    for s, report in rows:
        statuses = Counter(e.status for e in report.entries)
        wrong = [(e.name, e.given, e.expected, e.mistake) for e in report.entries if e.status != "correct"]
        if report.first_wrong is not None or statuses["wrong"] or statuses["missing"] or statuses["extra"] \
                or report.score != report.max_score:
            bad.append(f"  {s.describe()}: first wrong {report.first_wrong!r}, score {report.score}/"
                       f"{report.max_score}, not correct: {wrong[:4]}")
    assert not bad, (f"false alarms on {len(bad)} of {len(rows)} correct sheets "
                     f"(per precision/style: {Counter(l.split(';')[1].split(']')[0] for l in bad)}):\n"
                     + "\n".join(bad[:15]))


def test_grader_marks_exactly_the_mistake_wrong(graded):
    rows, _ = graded
    bad = []
    for s, report in rows:
        statuses = Counter(e.status for e in report.entries)
        names = {e.name for e in report.entries}
        others = [(e.name, e.status, e.given, e.expected) for e in report.entries
                  if e.name != s.entry and e.status not in ("correct", "carried")]
        if statuses["wrong"] != 1 or others or report.score != report.max_score - 1 or not set(s.answers) <= names:
            bad.append(f"  {s.describe()}: {statuses['wrong']} wrong, score {report.score}/{report.max_score}, "
                       f"others not correct/carried: {others[:4]}")
    per_code = Counter(line.split("] ")[1].split(" at ")[0] for line in bad)
    assert not bad, (f"{len(bad)} of {len(rows)} mistake sheets do not have exactly the mistake wrong "
                     f"(per code: {dict(per_code)}):\n" + "\n".join(bad[:15]))
