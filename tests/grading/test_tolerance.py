"""When a written number counts as right: parsing what a student wrote and the tolerance of its precision.

A number is right within half a unit of its last written digit, never looser
than 2 significant figures or 4 decimals (whichever is looser), never tighter
than half a unit in the 4th significant figure. The last group checks the
rule on the course example's own numbers through ``gl.grade``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError
from gradlab.explainer.examples import example
from gradlab.grading.sheet import sheet_for
from gradlab.grading.tolerance import decimals_of, digits_text, parse_number, round_sig, tolerance


# ---------------------------------------------------------------- parse_number


@pytest.mark.parametrize("text, value, decimals", [
    ("0.25", 0.25, 2),
    ("  0.6165  ", 0.6165, 4),
    ("−0.25", -0.25, 2),  # U+2212, the true minus sign
    ("–0.0904", -0.0904, 4),  # an en dash typed for a minus
    ("-0.0904", -0.0904, 4),
    ("+0.5", 0.5, 1),
    (".5", 0.5, 1),
    ("5.", 5.0, 0),
    ("12", 12.0, 0),
    ("0,25", 0.25, 2),  # a decimal comma
    ("−0,0904", -0.0904, 4),
    ("1.5e-3", 0.0015, 4),
    ("1.5E-3", 0.0015, 4),
    ("6.165e-1", 0.6165, 4),
    ("2e2", 200.0, -2),
    ("1.2e3", 1200.0, -2),
    ("0.000597", 0.000597, 6),
    ("−5.97e-4", -0.000597, 6),
    ("0.20", 0.2, 2),
])
def test_parse_number_reads_what_students_write(text, value, decimals):
    v, d = parse_number(text)
    assert v == pytest.approx(value, rel=1e-15, abs=0)
    assert d == decimals


def test_parse_number_of_numbers():
    assert parse_number(3) == (3.0, 0)
    assert parse_number(0.62) == (0.62, 2)
    assert parse_number(-0.0904) == (-0.0904, 4)
    assert parse_number(np.float64(0.6165)) == (0.6165, 4)
    assert parse_number(1e-05) == (1e-05, 5)
    v, d = parse_number(np.float32(0.5))
    assert (v, d) == (0.5, 1)


@pytest.mark.parametrize("text", ["abc", "zero", "NaN", "nan", "inf", "-inf", "Infinity", "1e999", "-1e999", "",
                                  "   ", "0.2.3", "1,234.5", "1,2,3", "0x10", "1/2", "12%", "e5", "1e", "--1",
                                  "0.5 m", "≈0.5"])
def test_parse_number_refuses_text_that_is_not_a_number(text):
    with pytest.raises(ParameterError, match=r"^sheet\.csv, line 4: 'z\[2\]\[1\]': "):
        parse_number(text, where="sheet.csv, line 4: 'z[2][1]'")


@pytest.mark.parametrize("value", [True, False, float("nan"), float("inf"), -float("inf"), np.nan, np.float64("inf")])
def test_parse_number_refuses_bools_and_non_finite_numbers(value):
    with pytest.raises(ParameterError, match="^grade: "):
        parse_number(value)


@pytest.mark.parametrize("value", [10 ** 400, -(10 ** 309)], ids=["1e400", "-1e309"])
def test_parse_number_refuses_an_integer_too_large_for_a_float(value):
    # a JSON sheet may hold any integer; float() of it overflows
    with pytest.raises(ParameterError, match="^grade: "):
        parse_number(value)


def test_parse_number_quotes_at_most_40_characters_of_the_text():
    with pytest.raises(ParameterError) as info:
        parse_number("x" * 5000, where="w")
    assert len(str(info.value)) < 100


# ---------------------------------------------------------------- decimals_of


@pytest.mark.parametrize("text, decimals", [("0.20", 2), ("1.5e-3", 4), ("12", 0), ("1.2e3", -2), ("0.0006", 4),
                                            ("-0.000597", 6), ("3.", 0), ("2.50E+1", 1), ("1e4", -4)])
def test_decimals_of(text, decimals):
    assert decimals_of(text) == decimals


# ---------------------------------------------------------------- tolerance


@pytest.mark.parametrize("value, decimals, tol", [
    (0.2364, 4, 5e-5),  # half a unit of the last digit
    (0.2364, 3, 5e-4),
    (-0.2364, 2, 5e-3),
    (123.4, 0, 0.5),
    (123.4, 1, 0.05),
    (1234.0, -2, 50.0),  # written 1.2e3
])
def test_tolerance_is_half_a_unit_of_the_last_written_digit(value, decimals, tol):
    assert tolerance(value, decimals) == pytest.approx(tol, rel=1e-12)


@pytest.mark.parametrize("value, decimals, tol", [
    (0.6165, 1, 0.005),  # '0.6' is one significant figure: held to two, 0.6 ± 0.005
    (0.6165, 0, 0.005),
    (-0.0904, 1, 0.0005),
    (12345.0, -4, 500.0),  # '1e4' is held to 2 significant figures
    (0.000597, 4, 5e-5),  # 4 decimals is looser than 2 significant figures here: 4 decimals rule
    (0.000597, 2, 5e-5),  # and fewer decimals than 4 are held to 4
    (0.0, 1, 5e-5),
])
def test_tolerance_is_never_looser_than_2_significant_figures_or_4_decimals(value, decimals, tol):
    assert tolerance(value, decimals) == pytest.approx(tol, rel=1e-12)


@pytest.mark.parametrize("value, decimals, tol", [
    (0.6165, 10, 5e-5),  # calculator digits: never tighter than the 4th significant figure
    (-0.02138, 12, 5e-6),
    (123.456, 6, 0.05),
    (0.000597, 9, 5e-8),
    (2.5, 7, 5e-4),
])
def test_tolerance_is_never_tighter_than_the_4th_significant_figure(value, decimals, tol):
    assert tolerance(value, decimals) == pytest.approx(tol, rel=1e-12)


def test_tolerance_of_zero_is_the_written_precision_up_to_4_decimals():
    assert tolerance(0.0, 6) == pytest.approx(5e-7)
    assert tolerance(0.0, 4) == pytest.approx(5e-5)
    assert tolerance(0.0, 0) == pytest.approx(5e-5)


@pytest.mark.parametrize("value", [0.6165, -0.0904, 0.000597, 3.75, -123.4, 1e-7])
@pytest.mark.parametrize("decimals", range(-2, 12))
def test_tolerance_bounds_hold_for_every_precision(value, decimals):
    t = tolerance(value, decimals)
    e = math.floor(math.log10(abs(value)))
    assert t >= 0.5 * 10.0 ** (e - 3) * (1 - 1e-12)  # never tighter than the 4th significant figure
    assert t <= max(0.5 * 10.0 ** (e - 1), 5e-5) * (1 + 1e-12)  # never looser than 2 s.f. or 4 decimals
    assert t == pytest.approx(max(min(0.5 * 10.0 ** -decimals, max(0.5 * 10.0 ** (e - 1), 5e-5)),
                                  0.5 * 10.0 ** (e - 3)), rel=1e-12)


def test_round_sig_and_digits_text():
    assert round_sig(0.616509, 2) == 0.62
    assert round_sig(-0.000597, 1) == -0.0006
    assert round_sig(1234.5, 2) == 1200
    assert round_sig(0.0, 3) == 0.0
    assert digits_text(-0.0904380288) == "−0.09044"
    assert digits_text(0.236430) == "0.2364"
    assert digits_text(-0.0006002048) == "−0.0006"
    assert digits_text(0.0) == "0"
    assert digits_text(1234.5678) == "1235"


# ---------------------------------------------------------------- the course example's numbers


@pytest.fixture(scope="module")
def course():
    return example("course")


@pytest.fixture(scope="module")
def right(course):
    return {e.name: e.expected for e in sheet_for(course).entries}


def _status(course, answers, name):
    return gl.grade(course, answers).entry(name)


def test_right_values_of_the_course_example(right):
    # the numbers the tests below reason about (the slides' course network)
    assert right["a[2][1]"] == pytest.approx(0.616509, abs=1e-6)
    assert right["da[0][1]"] == pytest.approx(-0.0006002, abs=1e-7)
    assert right["delta[2][1]"] == pytest.approx(-0.0213819, abs=1e-7)


def test_one_significant_figure_is_too_coarse_and_named_rounding(course):
    e = _status(course, {"a[2][1]": "0.6"}, "a[2][1]")
    assert e.status == "wrong"
    assert e.mistake == "rounding"
    assert "0.6" in e.message and "0.6165" in e.message


@pytest.mark.parametrize("written", ["0.62", "0,62", "0.617", "0.6165", "0.61651", "6.165e-1", "0.616509118"])
def test_two_or_more_significant_figures_are_right(course, written):
    assert _status(course, {"a[2][1]": written}, "a[2][1]").status == "correct"


@pytest.mark.parametrize("written", ["0.63", "0.612", "0.6170", "0.6160", "0.61600"])
def test_a_digit_off_at_the_precision_written_is_wrong(course, written):
    assert _status(course, {"a[2][1]": written}, "a[2][1]").status == "wrong"


@pytest.mark.parametrize("written", ["−0.0006", "-0.0006", "−0,0006", "-6e-4", "-0.00060", "-0.0006002"])
def test_four_decimals_of_a_small_number_are_right(course, written):
    assert _status(course, {"da[0][1]": written}, "da[0][1]").status == "correct"


def test_four_decimals_of_minus_0_000597_are_right():
    # the module's own example: −0.0006 for −0.000597
    assert abs(-0.0006 - -0.000597) <= tolerance(-0.000597, decimals_of("-0.0006"))
    assert abs(-0.0005 - -0.000597) > tolerance(-0.000597, decimals_of("-0.0005"))


@pytest.mark.parametrize("written", ["-0.0005", "-0.0007", "0.0006", "-0.001"])
def test_a_wrong_small_number_is_wrong(course, written):
    assert _status(course, {"da[0][1]": written}, "da[0][1]").status == "wrong"


def test_calculator_digits_of_a_value_from_rounded_inputs_are_right(course, right):
    """A student who rounds to 4 decimals as they go and copies every calculator digit of the next
    entry is right, even where those digits differ from the exact value beyond the 4th figure."""
    answers = {k: round(v, 4) for k, v in right.items()}
    da, a = answers["da[2][1]"], answers["a[2][1]"]  # −0.0904 and 0.6165 as written
    delta = da * a * (1 - a)  # −0.02137362…, exact −0.02138187…
    assert abs(delta - right["delta[2][1]"]) > 5e-6  # beyond half a unit of the 4th significant figure
    answers["delta[2][1]"] = f"{delta:.12f}"
    answers["db[2][1]"] = f"{delta:.12f}"  # carried on with the same digits
    r = gl.grade(course, answers)
    assert r.entry("delta[2][1]").status == "correct"
    assert r.entry("db[2][1]").status == "correct"
    assert r.score == r.max_score


def test_calculator_digits_of_a_value_from_one_rounded_input(course, right):
    z = round(right["z[2][1]"], 4)  # 0.4748
    a = 1 / (1 + math.exp(-z))  # 0.61651924…
    e = _status(course, {"z[2][1]": z, "a[2][1]": repr(a)}, "a[2][1]")
    assert e.status == "correct"


def test_a_whole_sheet_rounded_to_4_decimals_and_to_3_significant_figures_is_right(course, right):
    for answers in ({k: round(v, 4) for k, v in right.items()},
                    {k: f"{v:.3g}" for k, v in right.items()},
                    {k: f"{v:.10g}" for k, v in right.items()}):
        r = gl.grade(course, answers)
        assert r.score == r.max_score, [e.message for e in r.entries if e.status != "correct"]
