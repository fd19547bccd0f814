"""Entry names of an answer sheet: canonical names, the notation students write them in, and refusals.

``gradlab.grading.names`` promises (module docstring) that ``z₁⁽²⁾``,
``z_1^{(2)}``, ``z1^(2)``, ``∂L/∂w₁₂⁽²⁾``, ``dL/dw12^(2)``, ``δ₁⁽²⁾``,
``delta_1^(2)``, ``∂L/∂x₁``, ``ŷ``, ``L``, ``w₁₂⁽²⁾'``, ``w_new_12^(2)``, the
slides' bias ``w₀₁⁽²⁾`` and ``(sample 3)`` / ``s=3`` after a name all map to
the canonical entry names; anything else is refused (None). The last group
grades the course example with answers written in notation and checks they
are graded as the very same entries as the canonical names.
"""

from __future__ import annotations

import pytest

import gradlab as gl
from gradlab.explainer.examples import example
from gradlab.grading import SheetError
from gradlab.grading import names as N
from gradlab.grading.sheet import sheet_for

COURSE_LAYERS = 3  # the course example is 1–2–3–1: L = 3


@pytest.fixture(scope="module")
def course():
    return example("course")


@pytest.fixture(scope="module")
def relu_mse():
    return example("relu-mse")


@pytest.fixture(scope="module")
def two_layer():
    return example("two-layer")


# ---------------------------------------------------------------- canonical names


@pytest.mark.parametrize("name, parsed", [
    ("z[2][1]", ("z", 2, (1,))),
    ("z[2][3,1]", ("z", 2, (3, 1))),
    ("a[3][1]", ("a", 3, (1,))),
    ("p[1]", ("p", None, (1,))),
    ("loss", ("loss", None, ())),
    ("dL/dy_hat[1]", ("dL/dy_hat", None, (1,))),
    ("dL/dy_hat[2,1]", ("dL/dy_hat", None, (2, 1))),
    ("delta[2][1]", ("delta", 2, (1,))),
    ("da[0][1]", ("da", 0, (1,))),
    ("dW[2][1,2]", ("dW", 2, (1, 2))),
    ("db[2][1]", ("db", 2, (1,))),
    ("db[2]", ("db", 2, ())),
    ("W_new[2][1,2]", ("W_new", 2, (1, 2))),
    ("b_new[2][1]", ("b_new", 2, (1,))),
])
def test_parse_canonical_reads_every_kind_of_the_table(name, parsed):
    assert N.parse_canonical(name) == parsed
    kind, layer, index = parsed
    assert N.canonical(kind, layer, index) == name


@pytest.mark.parametrize("name", ["", "zz[2][1]", "z", "loss[1]", "loss[2][1]", "dW[2][1,2,3]", "z[2][1][3]",
                                  "p[1][2]", "Z[2][1]", "dW 2 1,2", "W[2][1,2]"])
def test_parse_canonical_refuses_what_is_not_a_canonical_name(name):
    assert N.parse_canonical(name) is None


# ---------------------------------------------------------------- notation → canonical (names.resolve)


PROMISED = [
    ("z₁⁽²⁾", "z[2][1]"),
    ("z_1^{(2)}", "z[2][1]"),
    ("z1^(2)", "z[2][1]"),
    ("a₂⁽¹⁾", "a[1][2]"),
    ("∂L/∂w₁₂⁽²⁾", "dW[2][1,2]"),
    ("dL/dw12^(2)", "dW[2][1,2]"),
    ("dL/dw_{12}^{(2)}", "dW[2][1,2]"),
    ("δ₁⁽²⁾", "delta[2][1]"),
    ("delta_1^(2)", "delta[2][1]"),
    ("∂L/∂z₁⁽²⁾", "delta[2][1]"),
    ("∂L/∂a₁⁽²⁾", "da[2][1]"),
    ("∂L/∂x₁", "da[0][1]"),
    ("dL/dx_1", "da[0][1]"),
    ("∂L/∂b₁⁽²⁾", "db[2][1]"),
    ("dL/db1^(2)", "db[2][1]"),
    ("ŷ", "a[3][1]"),
    ("y_hat", "a[3][1]"),
    ("∂L/∂ŷ", "dL/dy_hat[1]"),
    ("L", "loss"),
    ("loss", "loss"),
    ("w₁₂⁽²⁾'", "W_new[2][1,2]"),
    ("w_new_12^(2)", "W_new[2][1,2]"),
    ("b₁⁽²⁾'", "b_new[2][1]"),
    ("b_new_1^(2)", "b_new[2][1]"),
    # the slides' bias: w₀ⱼ is bⱼ (its gradient and its update)
    ("∂L/∂w₀₁⁽²⁾", "db[2][1]"),
    ("dL/dw01^(2)", "db[2][1]"),
    ("w₀₁⁽²⁾'", "b_new[2][1]"),
    ("w_new_01^(2)", "b_new[2][1]"),
]


@pytest.mark.parametrize("text, name", PROMISED)
def test_every_promised_notation_maps_to_its_canonical_name(text, name):
    assert N.resolve(text, COURSE_LAYERS, None) == name


@pytest.mark.parametrize("text, name", [("z[2][1]", "z[2][1]"), ("dW[2][1,2]", "dW[2][1,2]"),
                                        ("  delta[2][1]  ", "delta[2][1]"), ("z[2][1,1]", "z[2][1]")])
def test_canonical_names_resolve_to_themselves(text, name):
    assert N.resolve(text, COURSE_LAYERS, None) == name


@pytest.mark.parametrize("text, name", [
    ("z₁⁽²⁾ (sample 3)", "z[2][3,1]"),
    ("z_1^{(2)} (sample 3)", "z[2][3,1]"),
    ("z1^(2) s=3", "z[2][3,1]"),
    ("z_1^(2), s=3", "z[2][3,1]"),
    ("δ₁⁽²⁾ (sample 4)", "delta[2][4,1]"),
    ("∂L/∂x₂ (sample 2)", "da[0][2,2]"),
    ("ŷ (sample 2)", "a[3][2,1]"),
    ("z[2][1] (sample 2)", "z[2][2,1]"),
    ("z[2][3,1]", "z[2][3,1]"),
])
def test_sample_suffixes_name_the_sample_of_a_batch(text, name):
    assert N.resolve(text, COURSE_LAYERS, 4) == name


@pytest.mark.parametrize("text", ["z₁⁽²⁾", "delta_1^(2)", "ŷ", "∂L/∂x₁"])
def test_a_batch_entry_without_its_sample_is_refused(text):
    # on a batch sheet z₁⁽²⁾ alone is ambiguous: which sample?
    assert N.resolve(text, COURSE_LAYERS, 4) is None


def test_sample_suffix_on_a_single_sample_sheet():
    assert N.resolve("z₁⁽²⁾ (sample 1)", COURSE_LAYERS, None) == "z[2][1]"
    assert N.resolve("z₁⁽²⁾ (sample 2)", COURSE_LAYERS, None) is None
    assert N.resolve("z_1^(2) s=2", COURSE_LAYERS, None) is None


@pytest.mark.parametrize("text", ["L (sample 2)", "dW[2][1,2] (sample 1)", "∂L/∂w₁₂⁽²⁾ s=1", "w₁₂⁽²⁾' (sample 1)"])
def test_a_sample_suffix_on_a_whole_batch_entry_is_refused(text):
    # the loss, the gradients of the weights and the updates are one number for the whole batch
    assert N.resolve(text, COURSE_LAYERS, 4) is None


@pytest.mark.parametrize("text", [
    "", "foo", "z", "z₁", "∂L/∂w₁₂", "w", "x₁", "L_1", "dL/d", "∂L/∂L", "dL/dL", "z₁⁽²⁾⁽³⁾", "zz_1^(2)",
    "z_1^(2)x", "dL/dw123^(2)", "z[2][1,2,3]", "loss[1]", "Δw₁₂⁽²⁾", "dL/dp_1",
    "w₁₂⁽²⁾",  # a given weight, not an entry of the sheet
    "b₁⁽²⁾",  # a given bias
    "z₁⁽²⁾'",  # there is no updated z
    "∂L/∂w₁₂⁽²⁾'",
    "a₁⁽²⁾ = 0.3",
])
def test_nonsense_is_refused(text):
    assert N.resolve(text, COURSE_LAYERS, None) is None
    assert N.resolve(text, COURSE_LAYERS, 4) is None


@pytest.mark.parametrize("text, name", [
    ("dL/dw_{1,2}^{(2)}", "dW[2][1,2]"),  # LaTeX with the indices separated by a comma
    ("w_new_{1,2}^{(2)}", "W_new[2][1,2]"),
    ("dL/dw_{1,10}^{(2)}", "dW[2][1,10]"),  # a layer of 10 or more neurons needs the comma
    ("∂L/∂w₁,₁₀⁽²⁾", "dW[2][1,10]"),  # as the scalar view prints it
])
def test_indices_separated_by_a_comma(text, name):
    assert N.resolve(text, COURSE_LAYERS, None) == name


# ---------------------------------------------------------------- on a sheet (Sheet.resolve)


@pytest.mark.parametrize("ref", ["course", "relu-mse", "two-layer"])
def test_every_printed_label_resolves_to_its_entry(ref):
    """The report and the template's notation column print each entry's label (``new w₁₁⁽³⁾``,
    ``z₁⁽¹⁾ (sample 2)``, ``∂L/∂ŷ``): a student who copies a label as the name must get that entry."""
    sheet = sheet_for(example(ref, lr=0.1))
    wrong = {e.label: sheet.resolve(e.label) for e in sheet.entries if sheet.resolve(e.label) != e.name}
    assert wrong == {}


def test_a_name_outside_the_network_is_refused_by_the_sheet(course):
    sheet = sheet_for(course)
    for text in ("z[4][1]", "z[2][4]", "z[0][1]", "z[2][0]", "dW[2][3,1]", "dW[4][1,1]", "da[3][1]",
                 "z₄⁽²⁾", "∂L/∂w₃₁⁽²⁾", "p[1]", "z[2][2,1]"):
        assert sheet.resolve(text) is None, text
    assert sheet.resolve("z₃⁽²⁾") == "z[2][3]"
    assert sheet.resolve("∂L/∂w₂₃⁽²⁾") == "dW[2][2,3]"


def test_an_output_without_its_index_only_on_a_network_with_one_output(course, two_layer):
    """``ŷ`` is ŷ₁ on a network with one output; with two outputs it could be either: refused, not read as ŷ₁."""
    assert sheet_for(course).resolve("ŷ") == "a[3][1]"
    assert sheet_for(course).resolve("∂L/∂ŷ") == "dL/dy_hat[1]"
    assert sheet_for(course).resolve("∂L/∂x") == "da[0][1]"  # one input
    assert sheet_for(two_layer).resolve("ŷ") is None
    assert sheet_for(two_layer).resolve("∂L/∂ŷ") is None
    assert sheet_for(two_layer).resolve("∂L/∂x") is None  # two inputs


def test_a_layer_without_a_neuron_index_is_refused_where_it_has_several_neurons(course):
    """``z[2]`` on a layer of three neurons names none of them: refused, not read as z[2][1]."""
    assert sheet_for(course).resolve("z[2]") is None  # three neurons
    assert sheet_for(course).resolve("a[1]") is None  # two neurons
    assert sheet_for(course).resolve("delta[2]") is None


def test_batch_sheet_names(relu_mse):
    sheet = sheet_for(relu_mse)
    assert sheet.resolve("z₁⁽¹⁾ (sample 3)") == "z[1][3,1]"
    assert sheet.resolve("ŷ (sample 2)") == "a[1][2,1]"
    assert sheet.resolve("∂L/∂x₂ s=4") == "da[0][4,2]"
    assert sheet.resolve("delta_1^(1), s=1") == "delta[1][1,1]"
    assert sheet.resolve("dL/dw21^(1)") == "dW[1][2,1]"
    assert sheet.resolve("z₁⁽¹⁾ (sample 5)") is None  # a batch of 4
    assert sheet.resolve("z₁⁽¹⁾") is None  # which sample?


# ---------------------------------------------------------------- graded through gl.grade


NOTATION_OF = {  # canonical name → how a student writes it
    "z[2][1]": "z₁⁽²⁾",
    "z[2][2]": "z_2^{(2)}",
    "z[2][3]": "z3^(2)",
    "a[3][1]": "ŷ",
    "loss": "L",
    "dL/dy_hat[1]": "∂L/∂ŷ",
    "delta[2][1]": "δ₁⁽²⁾",
    "delta[2][2]": "delta_2^(2)",
    "delta[2][3]": "∂L/∂z₃⁽²⁾",
    "da[0][1]": "∂L/∂x₁",
    "dW[2][1,2]": "∂L/∂w₁₂⁽²⁾",
    "dW[2][2,3]": "dL/dw23^(2)",
    "db[2][1]": "∂L/∂w₀₁⁽²⁾",
    "W_new[2][1,2]": "w₁₂⁽²⁾'",
    "W_new[2][2,1]": "w_new_21^(2)",
    "b_new[2][1]": "w₀₁⁽²⁾'",
}


def _right(ref):
    return {e.name: e.expected for e in sheet_for(ref).entries}


def test_answers_in_notation_are_graded_as_the_same_entries(course):
    right = _right(course)
    canonical = {k: round(v, 4) for k, v in right.items()}
    written = {NOTATION_OF.get(k, k): v for k, v in canonical.items()}
    a = gl.grade(course, canonical)
    b = gl.grade(course, written)
    assert a.score == b.score == b.max_score == len(right)
    assert [(e.name, e.status, e.given) for e in a.entries] == [(e.name, e.status, e.given) for e in b.entries]
    assert not any(e.status == "extra" for e in b.entries)


def test_a_wrong_number_in_notation_is_marked_at_its_canonical_entry(course):
    right = _right(course)
    answers = {k: round(v, 4) for k, v in right.items() if k not in NOTATION_OF}
    answers["∂L/∂w₁₂⁽²⁾"] = round(right["dW[2][2,1]"], 4)  # the transposed position's number
    answers["w₁₂⁽²⁾'"] = round(0.3 - 0.1 * right["dW[2][2,1]"], 4)  # carried on from it
    r = gl.grade(course, answers)
    assert r.first_wrong == "dW[2][1,2]"
    assert r.entry("dW[2][1,2]").status == "wrong"
    assert r.entry("dW[2][1,2]").mistake == "transposed"
    assert r.entry("W_new[2][1,2]").status == "carried"
    assert r.entry("delta[2][1]").status == "missing"  # written nowhere: not in answers


def test_the_same_entry_in_two_notations_is_a_duplicate(course):
    with pytest.raises(SheetError, match=r"dW\[2\]\[1,2\]"):
        gl.grade(course, {"dW[2][1,2]": -0.0063, "∂L/∂w₁₂⁽²⁾": -0.0063})
    with pytest.raises(SheetError, match="twice"):
        gl.grade(course, {"z₁⁽²⁾": 0.4748, "z_1^{(2)}": 0.4748})


def test_unknown_notation_is_extra_and_not_graded(course):
    r = gl.grade(course, {"z₁⁽²⁾": 0.4748, "w₁₂⁽²⁾": 0.3, "z₉⁽²⁾": 1.0})
    extra = {e.name for e in r.entries if e.status == "extra"}
    assert extra == {"w₁₂⁽²⁾", "z₉⁽²⁾"}
    assert r.max_score == len(_right(course))
    assert r.entry("z[2][1]").status == "correct"


def test_batch_answers_in_notation(relu_mse):
    right = _right(relu_mse)
    answers = {k: round(v, 4) for k, v in right.items()}
    for s in range(1, 5):
        answers[f"z₁⁽¹⁾ (sample {s})"] = answers.pop(f"z[1][{s},1]")
        answers[f"δ_1^(1), s={s}"] = answers.pop(f"delta[1][{s},1]")
    r = gl.grade(relu_mse, answers)
    assert r.score == r.max_score == len(right)
    assert r.entry("z[1][3,1]").given == round(right["z[1][3,1]"], 4)
