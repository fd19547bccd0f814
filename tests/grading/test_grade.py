"""``gl.grade``: hand-worked sheets of the built-in examples, every mistake code, carried errors, reports,
sheet files (and hostile ones), and perceptron hand traces.

Sheets are made here as a student works them — one entry at a time from the
entries already written (:func:`student_sheet`), with the arithmetic written
out in this file rather than taken from gradlab — and a mistake is injected
by hand on one entry, everything after it recomputed from the student's own
(now wrong) numbers.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import InputTypeError, ParameterError
from gradlab.explainer import explain_perceptron
from gradlab.explainer.examples import example
from gradlab.grading import CODES, GradeReport, SheetError
from gradlab.grading.exercise import exercise
from gradlab.grading.tolerance import digits_text

# ---------------------------------------------------------------- a student working a sheet by hand


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


ACT = {  # f(z), f′ as a student takes it (σ′ from the written a, ReLU′(0) = 0 as PyTorch)
    "sigmoid": (_sigmoid, lambda z, a: a * (1 - a)),
    "relu": (lambda z: max(0.0, z), lambda z, a: 1.0 if z > 0 else 0.0),
    "identity": (lambda z: z, lambda z, a: 1.0),
}


@dataclass
class Net:
    """A dense network as the problem states it: layers (W as rows per neuron, b, activation)."""

    layers: list
    X: list  # m rows
    Y: list  # m rows of k targets
    loss: str  # 'bce' or 'mse'
    reduction: str = "mean"
    lr: float | None = None
    single: bool = True
    extra: dict = field(default_factory=dict)

    def explanation(self):
        layers = [(np.array(W, dtype=float), None if b is None else np.array(b, dtype=float), act)
                  for W, b, act in self.layers]
        x = self.X[0] if self.single else self.X
        y = self.Y[0] if self.single else self.Y
        return gl.explain(layers, x, y, self.loss, lr=self.lr, reduction=self.reduction)


COURSE = Net([([[0.1], [0.1]], [0.1, 0.2], "sigmoid"),
              ([[0.2, 0.1], [0.3, 0.2], [0.1, 0.3]], [0.3, 0.1, 0.2], "sigmoid"),
              ([[0.4, 0.2, 0.6]], [0.5], "sigmoid")], [[2.0]], [[1.0]], "bce", lr=0.1)
RELU_MSE = Net([([[0.5, -0.25]], [0.1], "relu")], [[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5], [2.0, 1.0]],
               [[1.0], [0.0], [0.5], [2.0]], "mse", lr=0.1, single=False)
TWO_LAYER = Net([([[0.5, -0.3], [0.2, 0.4], [-0.6, 0.1]], [0.1, -0.2, 0.05], "relu"),
                 ([[0.3, -0.5, 0.2], [0.7, 0.1, -0.4]], [0.0, 0.1], "identity")],
                [[1.0, 2.0]], [[0.5, 1.0]], "mse", reduction="sum")
TWO_LAYER_LR = Net(TWO_LAYER.layers, TWO_LAYER.X, TWO_LAYER.Y, "mse", reduction="sum", lr=0.1)
# z₁⁽¹⁾ = 0.5·2 − 1 = 0 exactly: a ReLU kink
KINK = Net([([[0.5]], [-1.0], "relu"), ([[0.3]], [0.1], "identity")], [[2.0]], [[1.0]], "mse")


def student_sheet(net, inject=None, write=float):
    """({entry: number written}, {entry: its value from the student's own earlier numbers}).

    ``inject``: {entry: number, or fn(own value, written so far) -> the wrong number}; ``write``: how
    every number is written (e.g. rounded to 4 decimals); later entries use the written numbers.
    """
    inject = inject or {}
    v, own = {}, {}
    m, L, k = len(net.X), len(net.layers), len(net.Y[0])

    def nm(kind, l, s, j):
        head = kind if l is None else f"{kind}[{l}]"
        return f"{head}[{j + 1}]" if net.single else f"{head}[{s + 1},{j + 1}]"

    def put(name, value):
        own[name] = value
        if name in inject:
            value = inject[name](value, v) if callable(inject[name]) else inject[name]
        v[name] = write(value)
        return v[name]

    A, Z = {}, {}
    for s in range(m):
        A[0, s] = [float(x) for x in net.X[s]]
        for l in range(1, L + 1):
            W, b, act = net.layers[l - 1]
            Z[l, s] = [put(nm("z", l, s, j), (b[j] if b is not None else 0.0)
                           + sum(W[j][i] * A[l - 1, s][i] for i in range(len(W[j])))) for j in range(len(W))]
            A[l, s] = [put(nm("a", l, s, j), ACT[act][0](Z[l, s][j])) for j in range(len(W))]
    c = 1.0 / (m * k) if net.reduction == "mean" else 1.0
    total = 0.0
    for s in range(m):
        for j in range(k):
            a, y = A[L, s][j], net.Y[s][j]
            total += (a - y) ** 2 if net.loss == "mse" else -(y * math.log(a) + (1 - y) * math.log(1 - a))
    put("loss", c * total)
    G = {}
    for s in range(m):
        G[L, s] = []
        for j in range(k):
            a, y = A[L, s][j], net.Y[s][j]
            g = 2 * c * (a - y) if net.loss == "mse" else c * (-y / a + (1 - y) / (1 - a))
            G[L, s].append(put(nm("dL/dy_hat", None, s, j), g))
    D = {}
    for l in range(L, 0, -1):
        W, b, act = net.layers[l - 1]
        for s in range(m):
            D[l, s] = [put(nm("delta", l, s, j), G[l, s][j] * ACT[act][1](Z[l, s][j], A[l, s][j]))
                       for j in range(len(W))]
        for s in range(m):
            G[l - 1, s] = [put(nm("da", l - 1, s, i), sum(D[l, s][j] * W[j][i] for j in range(len(W))))
                           for i in range(len(W[0]))]
    for l in range(L, 0, -1):
        W, b, act = net.layers[l - 1]
        for j in range(len(W)):
            for i in range(len(W[0])):
                put(f"dW[{l}][{i + 1},{j + 1}]", sum(D[l, s][j] * A[l - 1, s][i] for s in range(m)))
        if b is not None:
            for j in range(len(W)):
                put(f"db[{l}][{j + 1}]", sum(D[l, s][j] for s in range(m)))
    if net.lr is not None:
        for l in range(L, 0, -1):
            W, b, act = net.layers[l - 1]
            for j in range(len(W)):
                for i in range(len(W[0])):
                    put(f"W_new[{l}][{i + 1},{j + 1}]", W[j][i] - net.lr * v[f"dW[{l}][{i + 1},{j + 1}]"])
            if b is not None:
                for j in range(len(W)):
                    put(f"b_new[{l}][{j + 1}]", b[j] - net.lr * v[f"db[{l}][{j + 1}]"])
    return v, own


def round4(x):
    return round(x, 4)


REFS = {}


def ref(name):
    """The reference Explanation of a network above (built once)."""
    if name not in REFS:
        REFS[name] = {"course": lambda: example("course"), "relu-mse": lambda: example("relu-mse"),
                      "two-layer": lambda: example("two-layer"), "two-layer-lr": lambda: example("two-layer", lr=0.1),
                      "kink": KINK.explanation}[name]()
    return REFS[name]


NETS = {"course": COURSE, "relu-mse": RELU_MSE, "two-layer": TWO_LAYER, "two-layer-lr": TWO_LAYER_LR, "kink": KINK}


def _statuses(report):
    out = {}
    for e in report.entries:
        out.setdefault(e.status, []).append(e.name)
    return out


# ---------------------------------------------------------------- correct sheets


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("write", [float, round4, lambda x: float(f"{x:.3g}")], ids=["exact", "4dec", "3sig"])
def test_a_correct_sheet_scores_the_maximum(name, write):
    answers, _ = student_sheet(NETS[name], write=write)
    r = gl.grade(ref(name), answers)
    assert set(answers) == set(gl.grading.sheet_names(ref(name)))  # the student's sheet is the whole sheet
    assert r.max_score == len(answers)
    assert r.score == r.max_score, [e.message for e in r.entries if e.status != "correct"]
    assert r.first_wrong is None
    assert r.all_correct
    assert all(e.status == "correct" and e.credit == 1.0 and e.mistake is None for e in r.entries)


def test_the_reference_values_are_the_students_exact_ones():
    for name, net in NETS.items():
        answers, _ = student_sheet(net)
        for e in gl.grade(ref(name), answers).entries:
            assert e.expected == pytest.approx(answers[e.name], rel=1e-9, abs=1e-12), (name, e.name)


# ---------------------------------------------------------------- every mistake code


def _sig_prime_of_a(v, name):
    s = _sigmoid(v[name])
    return s * (1 - s)


MISTAKES = {  # code: (network, the entry, how the student gets it wrong, words the message must hold)
    "kink": ("kink", "delta[1][1]", lambda r, v: v["da[1][1]"] * 1.0, ["kink"]),
    "missing_derivative": ("course", "delta[2][1]", -0.0904, ["−0.0904", "0.2364", "∂L/∂a₁⁽²⁾"]),
    "derivative_of_output": ("course", "delta[2][1]", lambda r, v: v["da[2][1]"] * _sig_prime_of_a(v, "a[2][1]"),
                             ["0.6165", "0.2277", "0.2364"]),
    "transposed": ("course", "dW[2][1,2]", lambda r, v: v["dW[2][2,1]"], ["∂L/∂w₂₁⁽²⁾"]),
    "wrong_weight": ("course", "z[2][1]", lambda r, v: 0.3 + 0.2 * v["a[1][1]"] + 0.3 * v["a[1][2]"],
                     ["w₁₂⁽²⁾", "w₂₁⁽²⁾"]),
    "updated_weights_used": ("course", "da[2][1]",
                             lambda r, v: v["delta[3][1]"] * (0.4 - 0.1 * v["delta[3][1]"] * v["a[2][1]"]),
                             ["updated"]),
    "missing_factor_2": ("relu-mse", "dL/dy_hat[1,1]", lambda r, v: r / 2, ["2"]),
    "missing_mean": ("relu-mse", "loss", lambda r, v: 4 * r, ["1/4"]),
    "bias_not_summed": ("relu-mse", "db[1][1]", lambda r, v: v["delta[1][1,1]"], ["sample 1"]),
    "update_sign": ("course", "W_new[3][1,1]", lambda r, v: 0.4 + 0.1 * v["dW[3][1,1]"], ["0.4"]),
    "learning_rate": ("course", "W_new[3][1,1]", lambda r, v: 0.4 - 0.01 * v["dW[3][1,1]"], ["η = 0.01", "0.1"]),
    "missing_bias": ("course", "z[2][1]", lambda r, v: r - 0.3, ["bias 0.3"]),
    "sign": ("course", "dW[3][1,1]", lambda r, v: -r, ["sign"]),
    "rounding": ("course", "a[2][1]", 0.6, ["0.6"]),
    "arithmetic": ("course", "z[2][1]", 0.5123, ["0.5123"]),
}
MORE_MISTAKES = [  # the same codes on other entries and networks
    ("wrong_weight", "two-layer", "da[1][1]", lambda r, v: v["delta[2][1]"] * -0.5 + v["delta[2][2]"] * 0.7,
     ["w₂₁⁽²⁾", "w₁₁⁽²⁾"]),
    ("missing_factor_2", "two-layer", "dL/dy_hat[1]", lambda r, v: r / 2, []),
    ("missing_derivative", "two-layer", "delta[1][3]", lambda r, v: v["da[1][3]"], ["ReLU", "0.296"]),
    ("sign", "two-layer", "delta[1][2]", lambda r, v: -r, []),
    ("transposed", "two-layer-lr", "W_new[2][2,1]", lambda r, v: 0.7 - 0.1 * v["dW[2][1,2]"], ["w₁₂⁽²⁾"]),
    ("update_sign", "relu-mse", "b_new[1][1]", lambda r, v: 0.1 + 0.1 * v["db[1][1]"], []),
    ("learning_rate", "two-layer-lr", "b_new[2][2]", lambda r, v: 0.1 - 1.0 * v["db[2][2]"], ["η = 1"]),
    ("missing_bias", "relu-mse", "z[1][3,1]", lambda r, v: r - 0.1, []),
    ("sign", "relu-mse", "dW[1][2,1]", lambda r, v: -r, []),
    ("bias_not_summed", "relu-mse", "db[1][1]", lambda r, v: v["delta[1][4,1]"], ["sample 4"]),
    ("missing_mean", "relu-mse", "dL/dy_hat[4,1]", lambda r, v: 4 * r, []),
    ("kink", "kink", "delta[1][1]", lambda r, v: v["da[1][1]"], []),
]
FORMULA_CODES = {"scaled": "X.T @ (X @ w - y)", "shape": "2/m * X @ w", "different": "2/m * X.T @ y"}


def _graded_with(net_name, entry, inject, write=float):
    answers, own = student_sheet(NETS[net_name], {entry: inject}, write=write)
    return gl.grade(ref(net_name), answers), answers, own


def _check_one_mistake(code, net_name, entry, inject, words, write=float):
    r, answers, own = _graded_with(net_name, entry, inject, write)
    e = r.entry(entry)
    assert e.status == "wrong", (e.status, e.message)
    assert e.mistake == code, (e.mistake, e.alternatives, e.message)
    assert len(e.alternatives) <= 2 and code not in e.alternatives
    assert e.message.startswith(e.label + ": you wrote ")
    assert digits_text(answers[entry]) in e.message  # the student's number
    assert digits_text(own[entry]) in e.message  # the right number from the student's own values
    for w in words:
        assert w in e.message, (w, e.message)
    assert e.credit == 0.0
    assert e.right == pytest.approx(own[entry], rel=1e-9, abs=1e-12)
    # exactly one entry is wrong; what follows from it is carried (and earns credit by default)
    st = _statuses(r)
    assert st["wrong"] == [entry]
    assert r.first_wrong == entry
    assert set(st) <= {"correct", "carried", "wrong"}
    assert r.score == r.max_score - 1
    return r


CONVENTION_CODES = {  # codes that exist only under a convention; tested in test_grading_review.py
    "old_weights_used": "test_sequential_update_backward_pass_through_old_weights_is_named",
    "frozen_bias_updated": "test_frozen_bias_updated_anyway_is_named",
}


def test_the_mistake_catalogue_is_covered_here():
    assert set(MISTAKES) | set(FORMULA_CODES) | set(CONVENTION_CODES) == set(CODES)
    import grading.test_grading_review as review  # noqa: PLC0415 - the convention codes' tests live there

    assert all(hasattr(review, test) for test in CONVENTION_CODES.values())


@pytest.mark.parametrize("code", list(MISTAKES))
def test_each_mistake_code_is_named_with_the_numbers(code):
    net_name, entry, inject, words = MISTAKES[code]
    _check_one_mistake(code, net_name, entry, inject, words)


@pytest.mark.parametrize("code, net_name, entry, inject, words", MORE_MISTAKES,
                         ids=[f"{m[0]}-{m[1]}-{m[2]}" for m in MORE_MISTAKES])
def test_mistake_codes_on_other_entries_and_networks(code, net_name, entry, inject, words):
    _check_one_mistake(code, net_name, entry, inject, words)


@pytest.mark.parametrize("code", ["missing_derivative", "transposed", "wrong_weight", "sign", "update_sign",
                                  "learning_rate", "missing_bias", "arithmetic"])
def test_mistake_codes_on_a_sheet_rounded_to_4_decimals(code):
    net_name, entry, inject, words = MISTAKES[code]
    _check_one_mistake(code, net_name, entry, inject, [], write=round4)


def test_the_issue_example_missing_derivative():
    """∂L/∂z₁⁽²⁾ written as −0.0904 = ∂L/∂a₁⁽²⁾: the factor σ′(z₁⁽²⁾) = a(1 − a) = 0.2364 is missing."""
    e = gl.grade(ref("course"), {"delta[2][1]": "−0.0904"}).entry("delta[2][1]")
    assert (e.status, e.mistake) == ("wrong", "missing_derivative")
    assert "−0.0904" in e.message and "0.2364" in e.message and "−0.02138" in e.message
    assert "σ′(z₁⁽²⁾)" in e.message


@pytest.mark.parametrize("code", list(FORMULA_CODES))
def test_formula_mistake_codes_of_a_symbolic_exercise(code):
    ex = exercise(kind="symbolic", problem="linear-regression")
    r = gl.grade(ex, {"answer": FORMULA_CODES[code]})
    (e,) = r.entries
    assert (e.status, e.mistake, r.score, r.max_score) == ("wrong", code, 0.0, 1.0)
    assert r.first_wrong == "answer"
    assert "(2/m)Xᵀ(Xw − y)" in e.message  # the derived formula


def test_formula_sign_transposed_and_equivalent_answers():
    ex = exercise(kind="symbolic", problem="linear-regression")
    for answer, status, code in (("2/m * X.T @ (X @ w - y)", "correct", None),
                                 ("2/m * X.T @ X @ w - 2/m * X.T @ y", "correct", None),
                                 ("-2/m * X.T @ (X @ w - y)", "wrong", "sign"),
                                 ("2/m * (X @ w - y).T @ X", "wrong", "transposed")):
        r = gl.grade(ex, {"answer": answer})
        assert (r.entries[0].status, r.entries[0].mistake) == (status, code), answer
        assert r.score == (1.0 if status == "correct" else 0.0)
    assert gl.grade(ex, {"answer": ""}).entries[0].status == "missing"


# ---------------------------------------------------------------- carried entries (error carried forward)


def test_carried_entries_earn_credit_by_default_and_none_without_ecf():
    answers, _ = student_sheet(COURSE, {"z[2][1]": lambda r, v: r - 0.3})  # the bias left out
    on = gl.grade(ref("course"), answers)
    off = gl.grade(ref("course"), answers, ecf=False)
    carried = _statuses(on)["carried"]
    assert "a[2][1]" in carried and "loss" in carried and "W_new[3][1,1]" in carried
    assert len(carried) > 20
    assert on.score == on.max_score - 1
    assert off.score == off.max_score - 1 - len(carried)
    assert [e.status for e in on.entries] == [e.status for e in off.entries]  # the same diagnosis
    assert all(e.credit == 1.0 for e in on.entries if e.status == "carried")
    assert all(e.credit == 0.0 for e in off.entries if e.status == "carried")
    assert on.ecf is True and off.ecf is False
    assert "earns credit" in on.render("text") and "no credit" in off.render("text")
    msg = on.entry("a[2][1]").message
    assert "carried" in msg and digits_text(answers["a[2][1]"]) in msg and "0.6165" in msg


def test_ecf_must_be_a_bool():
    with pytest.raises(ParameterError, match="ecf"):
        gl.grade(ref("course"), {"z[2][1]": 0.4748}, ecf="no")


def test_an_entry_right_only_by_luck_after_a_wrong_one_is_wrong_not_carried():
    # z₁⁽²⁾ wrong, then a₁⁽²⁾ written as the *right* σ(0.4748) although it should follow from the wrong z
    answers, _ = student_sheet(COURSE, {"z[2][1]": 0.5123, "a[2][1]": lambda r, v: _sigmoid(0.474757)})
    r = gl.grade(ref("course"), answers)
    assert r.entry("a[2][1]").status == "correct"  # the right number is always right
    assert r.entry("z[2][1]").status == "wrong"
    assert r.entry("z[3][1]").status == "correct"


def test_two_independent_mistakes_first_wrong_is_the_first_on_the_sheet():
    answers, _ = student_sheet(COURSE, {"dW[3][1,1]": lambda r, v: -r, "z[2][2]": lambda r, v: r - 0.1})
    r = gl.grade(ref("course"), answers)
    assert _statuses(r)["wrong"] == ["z[2][2]", "dW[3][1,1]"]
    assert r.first_wrong == "z[2][2]"
    assert r.entry("dW[3][1,1]").mistake == "sign"
    assert r.entry("z[2][2]").mistake == "missing_bias"
    assert r.score == r.max_score - 2
    assert "first wrong: z₂⁽²⁾" in r.summary()


# ---------------------------------------------------------------- missing and extra entries


def test_missing_entries_score_nothing_and_later_ones_are_graded_from_the_students_work():
    answers, _ = student_sheet(COURSE, {"z[2][1]": lambda r, v: r - 0.3})
    del answers["a[2][1]"]
    answers["z[3][1]"] = ""  # a blank value is an entry left blank
    r = gl.grade(ref("course"), answers)
    for name in ("a[2][1]", "z[3][1]"):
        e = r.entry(name)
        assert (e.status, e.credit, e.given) == ("missing", 0.0, None)
        assert "missing" in e.message and digits_text(e.expected) in e.message
    # a[3][1] follows from the student's (wrong) z₁⁽²⁾ through the blanks: carried, not wrong
    assert r.entry("a[3][1]").status == "carried"
    assert _statuses(r)["wrong"] == ["z[2][1]"]
    assert r.score == r.max_score - 3


def test_an_empty_sheet_is_all_missing():
    r = gl.grade(ref("course"), {})
    assert r.score == 0 and r.max_score == 60
    assert {e.status for e in r.entries} == {"missing"}
    assert r.first_wrong is None
    assert r.counts()["missing"] == 60


def test_unknown_names_are_reported_as_extra():
    answers, _ = student_sheet(COURSE, write=round4)
    answers.update({"foo": 1.0, "z[9][1]": 2.0, "w₁₂⁽²⁾": 0.3, "<script>alert(1)</script>": 3})
    r = gl.grade(ref("course"), answers)
    extra = [e for e in r.entries if e.status == "extra"]
    assert [e.name for e in extra] == ["foo", "z[9][1]", "w₁₂⁽²⁾", "<script>alert(1)</script>"]
    assert all(e.credit == 0.0 and e.given is not None and "not an entry" in e.message for e in extra)
    assert r.score == r.max_score == 60  # extras neither count nor cost
    assert r.first_wrong is None
    assert r.counts()["extra"] == 4
    assert "<script>" not in r.render("html") and "&lt;script&gt;" in r.render("html")


def test_an_extra_name_with_a_blank_value_is_ignored():
    r = gl.grade(ref("course"), {"foo": "", "z[2][1]": 0.4748})
    assert not any(e.status == "extra" for e in r.entries)


# ---------------------------------------------------------------- the report


@pytest.fixture(scope="module")
def mixed_report():
    answers, _ = student_sheet(COURSE, {"delta[2][1]": -0.0904}, write=round4)
    del answers["loss"]
    answers["foo"] = 1.0
    return gl.grade(ref("course"), answers)


def test_report_entries_and_counts(mixed_report):
    r = mixed_report
    c = r.counts()
    assert c["wrong"] == 1 and c["missing"] == 1 and c["extra"] == 1 and c["carried"] > 0
    assert sum(c.values()) == len(r.entries) == 61
    assert r.first_wrong == "delta[2][1]"
    alternatives = r.entry("delta[2][1]").alternatives
    assert isinstance(alternatives, list) and all(a in CODES for a in alternatives)
    with pytest.raises(KeyError):
        r.entry("nope")
    assert not r.all_correct
    assert isinstance(r, GradeReport)


def test_to_dict_is_json_serialisable(mixed_report):
    d = mixed_report.to_dict()
    back = json.loads(json.dumps(d, allow_nan=False))
    assert back["score"] == mixed_report.score and back["max_score"] == 60
    assert back["first_wrong"] == "delta[2][1]"
    assert back["ecf"] is True
    assert len(back["entries"]) == 61
    wrong = next(e for e in back["entries"] if e["name"] == "delta[2][1]")
    assert wrong["status"] == "wrong" and wrong["mistake"] == "missing_derivative" and wrong["given"] == -0.0904
    assert set(wrong) >= {"name", "label", "given", "expected", "status", "mistake", "alternatives", "message"}
    missing = next(e for e in back["entries"] if e["name"] == "loss")
    assert missing["given"] is None and missing["status"] == "missing"


def test_render_text(mixed_report):
    t = mixed_report.render("text")
    assert t.startswith(mixed_report.title)
    assert mixed_report.summary() in t
    assert "Why:" in t and mixed_report.entry("delta[2][1]").message in t
    assert "wrong (missing_derivative)" in t
    assert str(mixed_report) == t


def test_render_markdown(mixed_report):
    md = mixed_report.render("markdown")
    assert md.startswith("## ")
    assert "| ✗ | ∂L/∂z₁⁽²⁾ | `delta[2][1]` | −0.0904 |" in md
    assert "wrong: `missing_derivative`" in md
    assert "### Why" in md
    assert mixed_report._repr_markdown_() == md


def test_render_html(mixed_report):
    page = mixed_report.render("html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<tr class="wrong">' in page and "missing_derivative" in page
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?://", page)
    frag = mixed_report._repr_html_()
    assert "<!DOCTYPE" not in frag and "<table>" in frag and '<tr class="wrong">' in frag


def test_render_json(mixed_report):
    assert json.loads(mixed_report.render("json")) == json.loads(json.dumps(mixed_report.to_dict()))


@pytest.mark.parametrize("fmt", ["pdf", "latex", "", "TEXT"])
def test_render_refuses_an_unknown_format_naming_the_parameter(mixed_report, fmt):
    with pytest.raises(ParameterError, match="'fmt'"):
        mixed_report.render(fmt)


def test_jupyter_display_hooks_never_raise(mixed_report):
    """IPython calls every ``_repr_*_`` it finds; one that raises prints a traceback under the report."""
    for hook in ("_repr_html_", "_repr_markdown_", "_repr_latex_"):
        fn = getattr(mixed_report, hook, None)
        if fn is not None:
            out = fn()
            assert out is None or isinstance(out, str), hook
    assert isinstance(mixed_report._repr_html_(), str) and isinstance(mixed_report._repr_markdown_(), str)


def test_grade_refuses_what_it_cannot_grade():
    with pytest.raises(InputTypeError):
        gl.grade(42, {"z[2][1]": 0.4748})
    with pytest.raises(SheetError):
        gl.grade(ref("course"), 42)
    with pytest.raises(SheetError, match="not a number"):
        gl.grade(ref("course"), {"z[2][1]": "abc"})
    with pytest.raises(SheetError, match="not a number"):
        gl.grade(ref("course"), {"z[2][1]": [0.4748]})


# ---------------------------------------------------------------- sheets from files


@pytest.fixture(scope="module")
def course_answers():
    answers, _ = student_sheet(COURSE, write=round4)
    return answers


def _graded_file(tmp_path, filename, content):
    p = tmp_path / filename
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return gl.grade(ref("course"), str(p))


def _csv_value(v):
    return f"{v:.4f}"


@pytest.mark.parametrize("header", ["name,value\n", "entry,value\n", "Name , Value\n", ""])
def test_csv_sheet_with_or_without_a_header(tmp_path, course_answers, header):
    body = "".join(f'"{k}",{_csv_value(v)}\n' for k, v in course_answers.items())
    r = _graded_file(tmp_path, "s.csv", header + body)
    assert r.score == r.max_score == 60


def test_csv_sheet_with_comments_blank_lines_quoted_and_unquoted_names(tmp_path, course_answers):
    lines = ["# my homework, week 3", "name,value", ""]
    for k, v in course_answers.items():
        lines.append(f"{k},{_csv_value(v)}" if k.startswith("dW") else f'"{k}",{_csv_value(v)}')
        lines.append("   # a comment between rows")
    r = _graded_file(tmp_path, "s.csv", "\r\n".join(lines) + "\r\n")
    assert r.score == r.max_score == 60
    assert r.entry("dW[2][1,2]").status == "correct"  # written dW[2][1,2],-0.0063 without quotes


def test_csv_sheet_of_the_template_shape_with_a_notation_column(tmp_path, course_answers):
    body = "name,value,notation\n" + "".join(f'"{k}",{_csv_value(v)},whatever\n' for k, v in course_answers.items())
    assert _graded_file(tmp_path, "s.csv", body).score == 60


def test_csv_sheet_with_a_byte_order_mark_and_notation_names(tmp_path):
    content = "\ufeffname,value\nz₁⁽²⁾,0.4748\n∂L/∂w₁₂⁽²⁾,\"-0,0063\"\n"
    r = _graded_file(tmp_path, "s.csv", content)
    assert r.entry("z[2][1]").status == "correct"
    assert r.entry("dW[2][1,2]").status == "correct" and r.entry("dW[2][1,2]").given == -0.0063


def test_csv_blank_value_is_missing(tmp_path):
    r = _graded_file(tmp_path, "s.csv", "z[2][1],\nz[2][2],0.3921\nz[2][3],   \n")
    assert r.entry("z[2][1]").status == "missing"
    assert r.entry("z[2][3]").status == "missing"
    assert r.entry("z[2][2]").status == "correct"


def test_json_sheets(tmp_path, course_answers):
    plain = _graded_file(tmp_path, "a.json", json.dumps(course_answers))
    wrapped = _graded_file(tmp_path, "b.json", json.dumps({"student": "Ada", "answers": course_answers}))
    listed = _graded_file(tmp_path, "c.json", json.dumps([{"name": k, "value": v} for k, v in course_answers.items()],
                                                         indent=2))
    texts = _graded_file(tmp_path, "d.json", json.dumps({k: f"{v:.4f}".replace("-", "−")
                                                         for k, v in course_answers.items()}, ensure_ascii=False))
    for r in (plain, wrapped, listed, texts):
        assert r.score == r.max_score == 60


def test_json_blank_and_null_values_are_missing(tmp_path):
    r = _graded_file(tmp_path, "s.json", json.dumps({"z[2][1]": "", "z[2][2]": None, "z[2][3]": 0.4371}))
    assert r.entry("z[2][1]").status == "missing"
    assert r.entry("z[2][2]").status == "missing"
    assert r.entry("z[2][3]").status == "correct"
    r = _graded_file(tmp_path, "t.json", json.dumps([{"name": "z[2][1]"}, {"name": "z[2][3]", "value": 0.4371}]))
    assert r.entry("z[2][1]").status == "missing" and r.entry("z[2][3]").status == "correct"


def test_markdown_table_sheet(tmp_path, course_answers):
    rows = "".join(f"| `{k}` | {_csv_value(v)} |\n" for k, v in course_answers.items())
    content = "# Homework 3\n\nMy answers:\n\n| name | value |\n|:---|---:|\n" + rows + "\nThanks!\n"
    r = _graded_file(tmp_path, "s.md", content)
    assert r.score == r.max_score == 60


def test_markdown_table_with_notation_a_wrong_entry_and_a_blank(tmp_path):
    content = "| entry | value | note |\n|---|---|---|\n| z₁⁽²⁾ | 0.1748 | forgot? |\n| δ₁⁽²⁾ |  | |\n"
    r = _graded_file(tmp_path, "s.md", content)
    assert (r.entry("z[2][1]").status, r.entry("z[2][1]").mistake) == ("wrong", "missing_bias")
    assert r.entry("delta[2][1]").status == "missing"


def _refused(tmp_path, filename, content, *patterns):
    with pytest.raises(SheetError) as info:
        _graded_file(tmp_path, filename, content)
    msg = str(info.value)
    assert filename in msg, msg
    for p in patterns:
        assert re.search(p, msg), (p, msg)
    return msg


def test_hostile_sheet_not_utf8(tmp_path):
    _refused(tmp_path, "latin1.csv", "z[2][1],0.4748\nnaïve,1\n".encode("latin-1"), "UTF-8")


def test_hostile_sheet_nul_bytes(tmp_path):
    _refused(tmp_path, "nul.csv", b"z[2][1],0.4748\x00\n", "NUL")
    _refused(tmp_path, "nul.json", b'{"z[2][1]": 0.4748}\x00', "NUL")


def test_hostile_sheet_larger_than_1_mib(tmp_path):
    _refused(tmp_path, "big.csv", "z[2][1],0.4748\n" + "#" * (1 << 20) + "\n", "bytes")


def test_hostile_sheet_deeply_nested_json(tmp_path):
    _refused(tmp_path, "deep.json", '{"a":' * 200 + "1" + "}" * 200, "nest")
    _refused(tmp_path, "deep2.json", "[" * 100000 + "]" * 100000, "nest")


def test_hostile_sheet_invalid_json(tmp_path):
    _refused(tmp_path, "bad.json", '{"z[2][1]": 0.47,,}', "JSON", r"line 1")
    _refused(tmp_path, "bad2.json", '"just a string"', "expected")


@pytest.mark.parametrize("content, line", [
    ("name,value\nz[2][1],0.4748\nz[2][2],0.3921\nz[2][1],0.4748\n", 4),
    ("z[2][1],0.4748\nz₁⁽²⁾,0.4748\n", 2),  # the same entry in two notations
    ("dW[2][1,2],-0.0063\n\"∂L/∂w₁₂⁽²⁾\",-0.0063\n", 2),
])
def test_hostile_sheet_duplicate_entries_csv(tmp_path, content, line):
    msg = _refused(tmp_path, "dup.csv", content, "twice", f"line {line}")
    assert "line 1" in msg or "line 2" in msg or "line 3" in msg  # where it was first given


def test_hostile_sheet_duplicate_entries_json_and_markdown(tmp_path):
    _refused(tmp_path, "dup.json", '{"z[2][1]": 0.4748, "z[2][1]": 0.48}', "twice")
    _refused(tmp_path, "dup2.json", '{"z[2][1]": 0.4748, "z_1^{(2)}": 0.4748}', "twice")
    _refused(tmp_path, "dup.md", "| n | v |\n|---|---|\n| z[2][1] | 0.47 |\n| z1^(2) | 0.47 |\n", "twice", "line 4")


def test_a_duplicate_is_refused_even_when_one_of_the_two_is_blank(tmp_path):
    _refused(tmp_path, "dup.csv", "z[2][1],\nz[2][1],0.4748\n", "twice", "line 2")


@pytest.mark.parametrize("filename, content, line", [
    ("nan.csv", "z[2][1],0.4748\nz[2][2],abc\n", 2),
    ("nan2.csv", "z[2][1],NaN\n", 1),
    ("inf.csv", "name,value\nz[2][1],inf\n", 2),
    ("two.csv", "z[2][1],0.47 0.48x\n", 1),
    ("nan.md", "| n | v |\n|---|---|\n| z[2][1] | about 0.47 |\n", 3),
])
def test_hostile_sheet_non_numbers_name_the_file_and_line(tmp_path, filename, content, line):
    _refused(tmp_path, filename, content, "not a (finite )?number", f"line {line}")


@pytest.mark.parametrize("content", ['{"z[2][1]": "abc"}', '{"z[2][1]": true}', '{"z[2][1]": NaN}',
                                     '{"z[2][1]": [0.47]}', '{"z[2][1]": {"v": 1}}', '{"z[2][1]": 1e999}'])
def test_hostile_sheet_non_numbers_in_json(tmp_path, content):
    _refused(tmp_path, "s.json", content, "z\\[2\\]\\[1\\]", "not a (finite )?number")


@pytest.mark.parametrize("digits", [400, 5000])
def test_hostile_sheet_json_integer_too_large(tmp_path, digits):
    # 400 digits overflow a float; 5000 digits pass Python's limit on int conversion (a ValueError in json)
    _refused(tmp_path, "huge.json", '{"z[2][1]": 1' + "0" * digits + "}")


def test_a_json_list_sheet_names_the_true_line_of_a_bad_value(tmp_path):
    rows = [{"name": "z[2][1]", "value": 0.4748}, {"name": "z[2][2]", "value": "oops"}]
    text = json.dumps(rows, indent=2)
    true_line = next(k for k, line in enumerate(text.splitlines(), start=1) if "oops" in line)
    msg = _refused(tmp_path, "list.json", text, "oops")
    named = re.findall(r"line (\d+)", msg)
    assert all(int(n) == true_line for n in named), (msg, true_line)


def test_hostile_sheet_too_many_rows(tmp_path):
    _refused(tmp_path, "many.csv", "".join(f"x{k},1\n" for k in range(20_001)), "entries")


def test_sheet_file_that_is_missing_a_folder_or_of_unknown_kind(tmp_path):
    with pytest.raises(SheetError, match="nope.csv: no such sheet file"):
        gl.grade(ref("course"), str(tmp_path / "nope.csv"))
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(SheetError, match="dir.csv: not a regular file"):
        gl.grade(ref("course"), str(tmp_path / "dir.csv"))
    _refused(tmp_path, "s.xlsx", "z[2][1],0.4748\n", "format")


def test_a_path_object_is_accepted(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("z[2][1],0.4748\n", encoding="utf-8")
    assert gl.grade(ref("course"), p).entry("z[2][1]").status == "correct"


# ---------------------------------------------------------------- perceptron hand traces


def trace_sheet(steps, w0, lr, wrong_step=None, wrong_weight=None, rule=None, theta=0.0):
    """A student's hand trace: z, ŷ, y − ŷ and the weights after each step, from their own weights,
    4 decimals; at ``wrong_step`` the update of weight ``wrong_weight`` is ``rule(old, error, x)``."""
    w = [float(x) for x in w0]
    v = {}
    for t, st in enumerate(steps, start=1):
        x = [float(c) for c in st.x]
        z = round(sum(wi * xi for wi, xi in zip(w, x)), 4)
        out = 1.0 if z >= theta else 0.0
        err = float(st.target) - out
        new = [round(wi + lr * err * xi, 4) for wi, xi in zip(w, x)]
        if t == wrong_step:
            new[wrong_weight] = round(rule(w[wrong_weight], err, x[wrong_weight]), 4)
        v[f"z[{t}]"], v[f"y_hat[{t}]"], v[f"error[{t}]"] = z, out, err
        for i, wi in enumerate(new):
            v[f"w[{t}][{i}]"] = wi
        w = new
    return v


def _first_update(steps, need_x=True):
    """(step, weight) of the first step with an error, at a weight whose input is 1 there (not the bias)."""
    for t, st in enumerate(steps, start=1):
        if st.error:
            for i in (1, 2):
                if st.x[i] != 0 or not need_x:
                    return t, i
            return t, 0
    raise AssertionError("no update in the trace")


@pytest.fixture(scope="module")
def or_trace():
    return explain_perceptron("or")


@pytest.fixture(scope="module")
def and_exercise():
    return exercise(kind="perceptron", gate="and", seed=3)


def test_a_correct_perceptron_trace_scores_the_maximum(or_trace, and_exercise):
    for pe, ref_ in ((or_trace, or_trace), (and_exercise.reference, and_exercise)):
        sheet = trace_sheet(pe.steps, pe.model.initial_weights, pe.model.lr)
        r = gl.grade(ref_, sheet)
        assert r.max_score == 6 * len(pe.steps) == len(sheet)
        assert r.score == r.max_score, [e.message for e in r.entries if e.status != "correct"]


def _check_trace(report, sheet, t, i, code):
    wrong = f"w[{t}][{i}]"
    st = _statuses(report)
    assert report.first_wrong == wrong
    assert st["wrong"] == [wrong]
    e = report.entry(wrong)
    assert e.mistake == code, (e.mistake, e.message)
    assert digits_text(sheet[wrong]) in e.message
    names = [e.name for e in report.entries]
    at = names.index(wrong)
    assert all(x.status == "correct" for x in report.entries[:at])
    later = report.entries[at + 1:]
    assert all(x.status in ("correct", "carried") for x in later)
    assert sum(x.status == "carried" for x in later) >= 3  # the steps after it follow from the wrong weight
    assert report.score == report.max_score - 1
    return e


def test_or_trace_with_the_rules_sign_flipped_on_one_weight(or_trace):
    steps = or_trace.steps
    t, i = _first_update(steps)
    sheet = trace_sheet(steps, [0, 0, 0], 0.1, t, i, lambda w, err, x: w - 0.1 * err * x)
    r = gl.grade(or_trace, sheet)
    e = _check_trace(r, sheet, t, i, "update_sign")
    assert "w + η(y − ŷ)x" in e.message


def test_or_trace_with_another_learning_rate_later_in_the_trace(or_trace):
    steps = or_trace.steps
    t0, _ = _first_update(steps)
    t, i = next((t, 0) for t, st in enumerate(steps, start=1) if t > t0 and st.error)
    sheet = trace_sheet(steps, [0, 0, 0], 0.1, t, i, lambda w, err, x: w + 0.5 * err * x)
    r = gl.grade(or_trace, sheet)
    e = _check_trace(r, sheet, t, i, "learning_rate")
    assert "η = 0.5" in e.message


def test_and_trace_with_the_rules_sign_flipped_on_one_weight(and_exercise):
    pe = and_exercise.reference
    t, i = _first_update(pe.steps)
    lr = and_exercise.spec["lr"]
    sheet = trace_sheet(pe.steps, and_exercise.spec["initial_weights"], lr, t, i, lambda w, err, x: w - lr * err * x)
    r = gl.grade(and_exercise, sheet)
    _check_trace(r, sheet, t, i, "update_sign")


def test_and_trace_with_another_learning_rate(and_exercise):
    pe = and_exercise.reference
    t, i = _first_update(pe.steps)
    w0 = and_exercise.spec["initial_weights"]
    sheet = trace_sheet(pe.steps, w0, 0.1, t, i, lambda w, err, x: w + 0.2 * err * x)
    r = gl.grade(and_exercise, sheet)
    e = _check_trace(r, sheet, t, i, "learning_rate")
    assert "η = 0.2" in e.message and "η is 0.1" in e.message


def test_perceptron_trace_names_and_refusals(or_trace):
    sheet = trace_sheet(or_trace.steps, [0, 0, 0], 0.1)
    aliased = {("ŷ" + k[5:] if k.startswith("y_hat") else k): v for k, v in sheet.items()}
    assert gl.grade(or_trace, aliased).score == len(sheet)
    r = gl.grade(or_trace, {"z[1]": 0.0, "z[99]": 1.0, "w[1][3]": 1.0, "dW[2][1,2]": 0.1})
    assert [e.name for e in r.entries if e.status == "extra"] == ["z[99]", "w[1][3]", "dW[2][1,2]"]
    with pytest.raises(SheetError, match="twice"):
        gl.grade(or_trace, {"y_hat[1]": 1, "ŷ[1]": 1})
