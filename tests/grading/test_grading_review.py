"""Problems found by trying to break ``gl.grade``, ``gradlab grade`` and ``gradlab exercise``: each test fails on
the code it was written against and passes once the problem is fixed. Fast: no test grades more than a few
small sheets."""

from __future__ import annotations

import json
import time
from fractions import Fraction

import numpy as np
import pytest

import gradlab as gl
from gradlab.app.grade import GradeJob, run_grade
from gradlab.core.errors import ParameterError
from gradlab.grading import names as N
from gradlab.grading.answers import SheetError, _rows_csv
from gradlab.grading.exercise import exercise
from gradlab.grading.sheet import Env, sheet_for

W1 = np.array([[.1, .2], [.3, -.4], [.5, .6]])
B1 = np.array([.1, .2, -.3])
W2 = np.array([[.2, -.3, .4]])
B2 = np.array([.1])


def _student(exp, replace=None, decimals=4):
    """A student working every entry from their own written (4-decimal) numbers; ``replace`` {name: fn(env,
    right)} injects one mistake."""
    sheet, env, answers = sheet_for(exp), Env(), {}
    for e in sheet.order:
        v = env.evaluate(e.formula)
        if replace and e.name in replace:
            v = replace[e.name](env, v)
        text = f"{v:.{decimals}f}"
        answers[e.name] = text
        env.values[e.name] = float(text)
    return answers


@pytest.fixture
def ex7(tmp_path):
    ex = exercise("1-2-1", "sigmoid", "mse", seed=7, nice=True)
    ex.write(str(tmp_path / "ex7"))
    return ex, tmp_path / "ex7" / "key.json"


# ---------------------------------------------------------------- wrong answer keys / problems


@pytest.mark.parametrize("gate,seed", [("and", 1), ("and", 3), ("or", 3), ("nand", 34)])
def test_perceptron_exercise_key_follows_exact_hand_arithmetic(gate, seed):
    """With one-decimal weights and η = 0.1 the trace is computed in floats: z = 0.1 + 0.1 − 0.2 comes out as
    −2.8e−17, so the key says ŷ = 0 where the hand computation (z = 0 ≥ θ = 0) says ŷ = 1, and every later step of
    the key differs from what a correct student writes (the problem's "Work through 8 steps (2 epochs)" is then
    wrong too). Fix: make the reference trace exact (round z and the weights, e.g. to 12 decimals, in
    grading/exercise.py _trace / the Perceptron, or compare z ≥ θ − 1e−12)."""
    ex = exercise(kind="perceptron", gate=gate, seed=seed)
    key = ex.answers()
    X, Y = [(0, 0), (0, 1), (1, 0), (1, 1)], {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0]}[gate]
    w = [Fraction(str(v)) for v in ex.spec["initial_weights"]]
    lr = Fraction(str(ex.spec["lr"]))
    t = 1
    while f"z[{t}]" in key:
        k = (t - 1) % 4
        x = (1, *X[k])
        z = sum(wi * xi for wi, xi in zip(w, x))
        yhat = 1 if z >= ex.spec["threshold"] else 0
        assert key[f"y_hat[{t}]"] == yhat, (t, float(z), key[f"z[{t}]"], key[f"y_hat[{t}]"])
        w = [wi + lr * (Y[k] - yhat) * xi for wi, xi in zip(w, x)]
        t += 1


@pytest.mark.parametrize("fmt", ["latex", "html", "markdown"])
def test_perceptron_problem_separates_the_initial_weights(fmt):
    """The perceptron problem writes its starting weights as ``\\mathbf{w} = -0.1 0.1 0.3`` (LaTeX, math mode,
    where spaces vanish) and ``<mn>0.1</mn><mn>0.1</mn><mn>0.3</mn>`` (MathML): both render "w = −0.10.10.3".
    Fix: grading/exercise.py _perceptron_document, put separators (Text(", ") and brackets) between the Num."""
    ex = exercise(kind="perceptron", gate="and", seed=1)
    text = ex.problem(fmt)
    if fmt == "html":
        assert "</mn><mn>" not in text and "</mrow><mn>" not in text, text[text.find("<math"):][:400]
    else:
        line = next(ln for ln in text.splitlines() if "mathbf{w}" in ln)
        assert "0.1 0.1" not in line and "0.1 0.3" not in line, line


# ---------------------------------------------------------------- graded wrongly / refused wrongly


def test_cross_entropy_probability_targets_not_summing_to_one_can_be_graded():
    """gl.explain accepts probability targets for cross-entropy that do not sum to 1 (∂L/∂ŷ = c(p·Σy − y)), but
    the sheet's ∂L/∂ŷ formula is c(p − y), so its self-check refuses to grade the explanation at all:
    "ParameterError: grade: the sheet's formula for dL/dy_hat[1] gives -0.0169…, the explanation -0.0535…".
    Fix: grading/sheet.py _dyhat, for cross_entropy use c * (p * Y[s].sum() − y)."""
    exp = gl.explain([(W1, B1, "identity")], np.array([1., 2.]), np.array([0.2, 0.3, 0.3]), "cross_entropy",
                     lr=0.1)
    report = gl.grade(exp, _student(exp))
    assert report.score == report.max_score, report.summary()


def test_batch_dW_divided_by_m_again_message_does_not_say_the_loss_is_a_sum():
    """Mean reduction, batch of 4: a ∂L/∂W divided by m once more (δ already carries 1/m) is named missing_mean
    with the message "which divides by 4, but the loss is a sum here (nothing to divide by)" — the loss is a
    mean. Fix: grading/sheet.py _dW/_db give the candidate its own facts (divided by m again) and
    mistakes._missing_mean say so; "a sum" only when conv.reduction == 'sum'."""
    X = np.array([[1., 2], [0.5, -1], [2, 0], [1, 1]])
    Y = np.array([[1.], [0], [.5], [-1]])
    exp = gl.explain([(W1, B1, "sigmoid"), (W2, B2, "identity")], X, Y, "mse", lr=0.1)
    answers = _student(exp, {"dW[2][1,1]": lambda env, v: v / 4})
    e = gl.grade(exp, answers).entry("dW[2][1,1]")
    assert e.status == "wrong" and e.mistake == "missing_mean", (e.status, e.mistake)
    assert "sum" not in e.message, e.message


def test_sequential_update_backward_pass_through_old_weights_is_named():
    """update_order='sequential': the backward pass must go through the already-updated W⁽²⁾; a student who uses
    the weights before the update (the simultaneous habit) gets "which none of the usual mistakes explains: an
    arithmetic slip?". Fix: grading/sheet.py _da, under tr.sequential offer the old weights as a candidate (the
    mirror of updated_weights_used)."""
    exp = gl.explain([(W1, B1, "sigmoid"), (W2, B2, "identity")], np.array([1., 2.]), [0.5], "mse", lr=0.1,
                     update_order="sequential")
    answers = _student(exp, {"da[1][1]": lambda env, v: env("delta[2][1]") * W2[0, 0]})
    e = gl.grade(exp, answers).entry("da[1][1]")
    assert e.status == "wrong" and e.mistake == "old_weights_used", e.message
    assert "before the update" in e.message


def test_frozen_bias_updated_anyway_is_named():
    """frozen_bias=True: a student who updates the bias anyway (b − η ∂L/∂b) gets "an arithmetic slip?".
    Fix: grading/sheet.py _b_new, when frozen offer the update b − η g as a named mistake."""
    exp = gl.explain([(W1, B1, "sigmoid"), (W2, B2, "identity")], np.array([1., 2.]), [0.5], "mse", lr=0.1,
                     frozen_bias=True)
    answers = _student(exp, {"b_new[2][1]": lambda env, v: B2[0] - 0.1 * env("db[2][1]")})
    e = gl.grade(exp, answers).entry("b_new[2][1]")
    assert e.status == "wrong" and e.mistake == "frozen_bias_updated", e.message
    assert "frozen" in e.message


# ---------------------------------------------------------------- sheet files read wrongly


def _rows_of(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_template_row_with_decimal_comma_is_not_silently_truncated(tmp_path):
    """The docs promise decimal commas; a student filling template.csv (name,value,notation) with -0,5 writes
    ``z[1][1],-0,5,z₁⁽¹⁾``, which is read as −0 and marked wrong ("you wrote 0, which is rounded to a whole
    number"). Fix: grading/answers.py _rows_csv, when a row has one cell more than the header and cells 1–2 are
    digits, join them with '.' (or refuse the row with a clear SheetError)."""
    ex = exercise("1-2-1", "sigmoid", "mse", seed=7, nice=True)
    p = _rows_of(tmp_path, "s.csv", "name,value,notation\nz[1][1],-0,5,z₁⁽¹⁾\nz[1][2],0,5,z₂⁽¹⁾\n")
    try:
        report = gl.grade(ex, str(p))
    except SheetError:
        return  # refused with a reason: fine
    assert report.entry("z[1][1]").status == "correct", report.entry("z[1][1]").message


def test_tab_separated_sheet_is_read_or_refused(tmp_path):
    """A sheet pasted from a spreadsheet is tab-separated: every row is one cell with a blank value, skipped
    silently — the report says "0 correct, 28 missing" and nothing else. Fix: grading/answers.py _rows_csv,
    sniff the delimiter (tab, semicolon) or refuse a sheet whose rows have no value cell."""
    ex = exercise("1-2-1", "sigmoid", "mse", seed=7, nice=True)
    p = _rows_of(tmp_path, "s.csv", "z[1][1]\t-0.5\nz[1][2]\t0.5\n")
    try:
        report = gl.grade(ex, str(p))
    except SheetError:
        return
    assert report.entry("z[1][1]").status == "correct", report.summary()


def test_semicolon_separated_sheet_is_read_or_refused(tmp_path):
    """Spreadsheets in decimal-comma locales save CSV with ';': ``z[1][1];-0,5`` is read as an unknown name
    'z[1][1];-0' with the value 5 ("not an entry of this sheet"), every entry missing. Fix: as above."""
    ex = exercise("1-2-1", "sigmoid", "mse", seed=7, nice=True)
    p = _rows_of(tmp_path, "s.csv", "name;value\nz[1][1];-0,5\nz[1][2];0,5\n")
    try:
        report = gl.grade(ex, str(p))
    except SheetError:
        return
    assert report.entry("z[1][1]").status == "correct", report.summary()


def test_markdown_sheet_with_two_tables_is_read(tmp_path):
    """A Markdown sheet split into sections (forward pass, backward pass), each with its own table, is refused:
    "two.md, line 10: 'quantity': 'my value' is not a number" — the second table's header row is read as data.
    Fix: grading/answers.py _rows_markdown, reset header_seen at every line that is not a table row."""
    ex = exercise("1-2-1", "sigmoid", "mse", seed=7, nice=True)
    p = _rows_of(tmp_path, "two.md", "# Forward\n\n| quantity | my value |\n|---|---|\n| z[1][1] | -0.5 |\n\n"
                                     "# Backward\n\n| quantity | my value |\n|---|---|\n| z[1][2] | 0.5 |\n")
    report = gl.grade(ex, str(p))
    assert report.entry("z[1][1]").status == "correct" and report.entry("z[1][2]").status == "correct"


# ---------------------------------------------------------------- hostile sheets: time


def test_long_entry_name_resolves_in_linear_time():
    """names._SAMPLE ('[,;\\s]+sample…' searched from every position) backtracks quadratically: a 60 KB name of
    ' ;' pairs takes 22 s to grade, a 1 MiB sheet (the limit) about two hours — one hostile sheet stalls a class
    batch. Fix: grading/names.py resolve, refuse names longer than ~200 characters before any regex (or anchor
    _SAMPLE on the last few characters)."""
    name = "z" + " ;" * 6000 + "x"
    t = time.perf_counter()
    assert N.resolve(name, 3, None) is None
    assert time.perf_counter() - t < 0.3


def test_csv_unclosed_bracket_row_is_read_in_linear_time():
    """answers._rows_csv joins cells while the name has an unclosed '[' (dW[2][1,2] unquoted), one cell per
    pass, re-counting the brackets and re-slicing the list each time: quadratic in the cells of a row (40,000
    cells: 1.4 s; a 1 MiB row: minutes). Fix: grading/answers.py _rows_csv, join at most a few cells (a name has
    one comma) or find the closing bracket once."""
    text = "[" * 10 + ",1" * 40000 + "\n"
    t = time.perf_counter()
    _rows_csv(text)
    assert time.perf_counter() - t < 0.3


# ---------------------------------------------------------------- CLI


def test_exercise_key_with_half_or_reduction_is_a_usage_error(ex7, tmp_path):
    """``gradlab grade SHEET --exercise key.json --half --reduction sum`` grades against the key and silently
    ignores --half and --reduction (--input, --target, --loss, --lr and --variant are refused). Fix:
    app/grade.py reference_of, add ("--reduction", job.reduction) and ("--half", job.half or None) to extra."""
    _, key = ex7
    sheet = _rows_of(tmp_path, "s.csv", "z[1][1],-0.5\n")
    with pytest.raises(ParameterError):
        run_grade(GradeJob(sheet=str(sheet), exercise=str(key), half=True))
    with pytest.raises(ParameterError):
        run_grade(GradeJob(sheet=str(sheet), exercise=str(key), reduction="sum"))


def test_gradescope_format_on_an_unreadable_sheet_still_gives_results_json(ex7, tmp_path):
    """The documented autograder line (``--format gradescope > /autograder/results/results.json``) writes
    nothing for a sheet that cannot be read (exit 2, one line on stderr): Gradescope then shows "autograder
    failed" and the student never sees why. Fix: app/grade.py run_grade, with format 'gradescope' catch
    SheetError and return {"score": 0, "output": <reason>, "tests": []} (exit status 1 or 2)."""
    _, key = ex7
    sheet = _rows_of(tmp_path, "dee.csv", "z[1][1],-0.5\nz_1^(1),-0.5\n")
    text, status = run_grade(GradeJob(sheet=str(sheet), exercise=str(key), format="gradescope"))
    data = json.loads(text)
    assert data["score"] == 0 and "twice" in data["output"] and isinstance(data["tests"], list)
    assert status != 0


def test_exercise_key_that_is_a_folder_is_not_called_missing(ex7):
    """``--exercise ex7`` (the folder, not ex7/key.json) says "ex7: no such exercise file" although it exists.
    Fix: grading/keyfile.py load_exercise, say "is a folder; give its key.json" when os.path.isdir."""
    _, key = ex7
    with pytest.raises(ParameterError) as info:
        run_grade(GradeJob(sheet=str(key), exercise=str(key.parent)))
    assert "no such" not in str(info.value), str(info.value)


def test_batch_summary_line_has_no_double_slash(ex7, tmp_path):
    """The docs run ``--out graded/`` and show "wrote 9 files to graded/"; the command prints "graded//".
    Fix: app/grade.py run_grade, os.path.join(out, '') or out.rstrip('/') + '/'."""
    ex, key = ex7
    sub = tmp_path / "submissions"
    sub.mkdir()
    (sub / "ada.csv").write_text("z[1][1],-0.5\n")
    text, _ = run_grade(GradeJob(batch=str(sub), exercise=str(key), out=str(tmp_path / "graded") + "/"))
    assert "//" not in text, text
