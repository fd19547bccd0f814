"""Symbolic exercises: every problem of the bank has a right answer in the deriver's syntax, graded correct."""

import pytest

import gradlab as gl
from gradlab.grading import SheetError
from gradlab.grading.symbolic_problems import PROBLEMS


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_the_bank_answer_in_syntax_is_graded_correct(problem):
    ex = gl.exercise(kind="symbolic", problem=problem)
    report = gl.grade(ex, {"answer": ex.spec["answer_syntax"]})
    assert report.all_correct and report.score == report.max_score == 1.0, report.entries[0].message
    assert ex.spec["answer"] in report.entries[0].message  # the derived formula is quoted


def test_a_half_of_the_gradient_is_named_scaled_with_the_missing_factor():
    ex = gl.exercise(kind="symbolic", problem="relu-mse-w")
    e = gl.grade(ex, {"answer": "1/m * X.T @ H @ (yhat - y)"}).entries[0]
    assert (e.status, e.mistake) == ("wrong", "scaled") and "missing the factor 2" in e.message


def test_the_problem_names_what_the_answer_may_use():
    ex = gl.exercise(kind="symbolic", problem="two-layer-W1")
    text = ex.problem("text")
    assert "H₁ = Diag(𝓗(z₁))" in text and "write ŷ as yhat" in text


def test_a_formula_that_does_not_parse_refuses_the_sheet_naming_it(tmp_path):
    ex = gl.exercise(kind="symbolic", problem="relu-mse-w")
    sheet = tmp_path / "mine.csv"
    sheet.write_text("name,value\nanswer,2/m * X.T @@ H\n", encoding="utf-8")
    with pytest.raises(SheetError, match=r"mine\.csv: the answer '2/m \* X\.T @@ H' cannot be read as a formula"):
        gl.grade(ex, sheet)


def test_the_docs_list_every_mistake_of_the_catalogue_with_its_title():
    import pathlib

    from gradlab.grading.mistakes import CATALOGUE

    page = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "grading.md").read_text(encoding="utf-8")
    for m in CATALOGUE:
        assert f"| `{m.code}` | {m.title} | {m.description} |" in page, m.code


def test_a_network_problem_writes_its_loss_as_the_views_do():
    text = gl.exercise("1-2-1", "sigmoid", "bce", seed=1).problem("text")
    assert "ℓ = −(y ln(ŷ) + (1 − y) ln(1 − ŷ))" in text
