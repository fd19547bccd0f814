"""``gradlab exercise`` and ``gradlab grade``, run in-process through ``gradlab.cli.main``: the files an
exercise writes, exit statuses (0 all correct, 1 something wrong, 2 usage errors with one line and no
traceback), every output format, --no-ecf, built-in examples, and a class batch with bad sheets in it."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re

import pytest

import gradlab as gl
from gradlab.cli import main
from gradlab.explainer.examples import example
from gradlab.grading.keyfile import load_exercise
from grading.test_grade import Net, student_sheet  # a student working a sheet by hand

FILES = ("problem.md", "problem.tex", "problem.html", "template.csv", "key.json")
EXERCISE_ARGS = ["exercise", "--layers", "1-2-3-1", "--activation", "sigmoid", "--loss", "bce", "--seed", "3",
                 "--nice"]


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``gradlab argv``."""
    capsys.readouterr()
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def assert_usage_error(status, out, err, *words):
    assert status == 2, (status, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gradlab grade: error: "), err
    for w in words:
        assert w in lines[0], (w, err)


@pytest.fixture(scope="module")
def ex_dir(tmp_path_factory):
    """An exercise written by the CLI (the course shape, seed 3, nice)."""
    folder = tmp_path_factory.mktemp("ex")
    assert main(EXERCISE_ARGS + ["--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def key(ex_dir):
    return json.loads((ex_dir / "key.json").read_text(encoding="utf-8"))


def write_sheet(path, answers):
    path.write_text("name,value\n" + "".join(f'"{k}",{v}\n' for k, v in answers.items()), encoding="utf-8")
    return path


def rounded(answers):
    return {k: f"{v:.4f}" for k, v in answers.items()}


@pytest.fixture(scope="module")
def sheets_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("sheets")


@pytest.fixture(scope="module")
def good_sheet(sheets_dir, key):
    return write_sheet(sheets_dir / "good.csv", rounded(key["answers"]))


@pytest.fixture(scope="module")
def wrong_sheet(sheets_dir, key):
    """δ₁⁽²⁾ written as ∂L/∂a₁⁽²⁾ (σ′ left out), everything after it carried on from it, 4 decimals."""
    net = Net([(L["W"], L["b"], L["activation"]) for L in key["layers"]], [key["x"]], [key["y"]], key["loss"],
              lr=key["lr"])
    answers, _ = student_sheet(net, {"delta[2][1]": lambda r, v: v["da[2][1]"]}, write=lambda x: round(x, 4))
    return write_sheet(sheets_dir / "wrong.csv", {k: f"{v:.4f}" for k, v in answers.items()})


# ---------------------------------------------------------------- gradlab exercise


def test_exercise_command_writes_the_five_files(tmp_path, capsys):
    status, out, err = run(capsys, *EXERCISE_ARGS, "--out", tmp_path / "a")
    assert status == 0, err
    assert sorted(os.listdir(tmp_path / "a")) == sorted(FILES)
    assert out.strip().startswith("Exercise 3: ")
    for f in FILES:
        assert f"wrote {tmp_path / 'a' / f}" in err
    # the same options again: byte-identical files
    assert run(capsys, *EXERCISE_ARGS, "--out", tmp_path / "b")[0] == 0
    for f in FILES:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    ex = load_exercise(str(tmp_path / "a" / "key.json"))
    assert ex.spec["seed"] == 3 and ex.spec["nice"] is True
    assert ex.key() == gl.exercise("1-2-3-1", "sigmoid", "bce", seed=3, nice=True).key()


@pytest.mark.parametrize("args, check", [
    (["--layers", "2-3-1", "--activation", "relu", "--loss", "mse", "--batch", "4", "--seed", "1"],
     lambda ex: ex.spec["x"] and len(ex.spec["x"]) == 4),
    (["--layers", "2-2", "--activation", "identity", "--loss", "mse", "--no-bias"],
     lambda ex: all(L["b"] is None for L in ex.spec["layers"])),
    (["--no-update"], lambda ex: ex.spec["lr"] is None and not any("new" in n for n in ex.entry_names())),
    (["--lr", "0.5"], lambda ex: ex.spec["lr"] == 0.5),
    (["--kind", "perceptron", "--gate", "and", "--seed", "5"], lambda ex: ex.kind == "perceptron"
     and ex.spec["gate"] == "and"),
    (["--kind", "symbolic", "--problem", "two-layer-W1"], lambda ex: ex.kind == "symbolic"
     and ex.spec["wrt"] == "W1"),
    (["--layers", "2-3-3", "--activation", "tanh", "--loss", "cross_entropy", "--seed", "2"],
     lambda ex: ex.spec["loss"] == "cross_entropy"),
])
def test_exercise_command_options(tmp_path, capsys, args, check):
    status, out, err = run(capsys, "exercise", *args, "--out", tmp_path)
    assert status == 0, err
    assert sorted(os.listdir(tmp_path)) == sorted(FILES)
    assert check(load_exercise(str(tmp_path / "key.json")))


@pytest.mark.parametrize("args", [["--layers", "1-13"], ["--activation", "swish"], ["--loss", "hinge"],
                                  ["--kind", "symbolic", "--problem", "nope"]])
def test_exercise_command_refuses_bad_options_in_one_line(tmp_path, capsys, args):
    status, out, err = run(capsys, "exercise", *args, "--out", tmp_path)
    assert status == 2
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("gradlab exercise: error: ")
    assert not (tmp_path / "key.json").exists()


@pytest.mark.parametrize("command", ["grade", "exercise"])
def test_help_exits_0(capsys, command):
    status, out, err = run(capsys, command, "--help")
    assert status == 0
    assert out.startswith(f"usage: gradlab {command}")


# ---------------------------------------------------------------- gradlab grade: one sheet


def test_grade_exit_0_when_every_entry_is_correct(capsys, ex_dir, good_sheet):
    status, out, err = run(capsys, "grade", good_sheet, "--exercise", ex_dir / "key.json")
    assert (status, err) == (0, "")
    assert "Score 60 / 60 (60 correct)" in out


def test_grade_exit_1_when_something_is_wrong_and_the_text_names_the_mistake(capsys, ex_dir, wrong_sheet):
    status, out, err = run(capsys, "grade", wrong_sheet, "--exercise", ex_dir / "key.json")
    assert status == 1, err
    assert "Score 59 / 60" in out and "1 wrong" in out and "carried" in out
    assert "first wrong: ∂L/∂z₁⁽²⁾" in out
    assert "wrong (missing_derivative)" in out
    assert "is missing" in out and "σ′(z₁⁽²⁾)" in out


def test_grade_exit_1_when_entries_are_missing(capsys, ex_dir, key, tmp_path):
    answers = rounded(key["answers"])
    del answers["loss"]
    sheet = write_sheet(tmp_path / "s.csv", answers)
    status, out, _ = run(capsys, "grade", sheet, "--exercise", ex_dir / "key.json")
    assert status == 1 and "1 missing" in out
    status, out, _ = run(capsys, "grade", ex_dir / "template.csv", "--exercise", ex_dir / "key.json")
    assert status == 1 and "Score 0 / 60" in out


@pytest.mark.parametrize("fmt, check", [
    ("markdown", lambda t: t.startswith("## ") and "| ✗ | ∂L/∂z₁⁽²⁾ | `delta[2][1]` |" in t),
    ("html", lambda t: t.startswith("<!DOCTYPE html>") and '<tr class="wrong">' in t and "</html>" in t),
    ("json", lambda t: json.loads(t)["first_wrong"] == "delta[2][1]" and json.loads(t)["max_score"] == 60),
    ("text", lambda t: "Why:" in t),
])
def test_grade_formats(capsys, ex_dir, wrong_sheet, fmt, check):
    status, out, err = run(capsys, "grade", wrong_sheet, "--exercise", ex_dir / "key.json", "--format", fmt)
    assert status == 1 and err == ""
    assert check(out), out[:500]


def test_grade_gradescope_format(capsys, ex_dir, wrong_sheet):
    status, out, err = run(capsys, "grade", wrong_sheet, "--exercise", ex_dir / "key.json", "--format",
                           "gradescope")
    assert status == 1
    result = json.loads(out)
    assert result["score"] == 59 and result["max_score"] == 60
    assert len(result["tests"]) == 60
    for t in result["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output"}
        assert isinstance(t["name"], str) and isinstance(t["output"], str) and t["output"]
        assert t["max_score"] == 1 and t["score"] in (0, 1)
    assert sum(t["score"] for t in result["tests"]) == result["score"]
    failed = [t for t in result["tests"] if t["score"] == 0]
    assert len(failed) == 1 and "delta[2][1]" in failed[0]["name"] and "missing" in failed[0]["output"]


def test_grade_no_ecf_lowers_the_score_of_a_sheet_with_carried_entries(capsys, ex_dir, wrong_sheet):
    _, with_ecf, _ = run(capsys, "grade", wrong_sheet, "--exercise", ex_dir / "key.json", "--format", "json")
    status, without, _ = run(capsys, "grade", wrong_sheet, "--exercise", ex_dir / "key.json", "--format", "json",
                             "--no-ecf")
    a, b = json.loads(with_ecf), json.loads(without)
    carried = a["counts"]["carried"]
    assert carried > 0
    assert a["score"] == 59 and b["score"] == 59 - carried
    assert a["ecf"] is True and b["ecf"] is False and status == 1


def test_grade_output_file(capsys, ex_dir, good_sheet, tmp_path):
    target = tmp_path / "report.md"
    status, out, err = run(capsys, "grade", good_sheet, "--exercise", ex_dir / "key.json", "--format", "markdown",
                           "--output", target)
    assert status == 0
    assert "Score 60 / 60" in target.read_text(encoding="utf-8")
    assert "Score 60 / 60" not in out


def _example_sheet(tmp_path, name, variant=None, transform=None):
    ref = example(name, variant)
    from gradlab.grading.api import sheet_of

    sheet, _ = sheet_of(ref)
    answers = {e.name: round(e.expected, 4) for e in sheet.entries}
    if transform:
        transform(answers)
    return write_sheet(tmp_path / f"{name}.csv", answers)


@pytest.mark.parametrize("name, variant", [("course", None), ("relu-mse", None), ("two-layer", None),
                                           ("two-layer", "sigmoid-bce"), ("perceptron", None)])
def test_grade_against_a_built_in_example(capsys, tmp_path, name, variant):
    sheet = _example_sheet(tmp_path, name, variant)
    extra = ["--variant", variant] if variant else []
    status, out, err = run(capsys, "grade", sheet, "--example", name, *extra)
    assert (status, err) == (0, ""), out
    assert " correct)" in out and "wrong" not in out.split("\n")[2]


def test_grade_against_the_course_example_with_a_mistake(capsys, tmp_path):
    sheet = _example_sheet(tmp_path, "course", transform=lambda a: a.__setitem__("dW[3][1,1]", -a["dW[3][1,1]"]))
    status, out, _ = run(capsys, "grade", sheet, "--example", "course", "--format", "json")
    assert status == 1
    d = json.loads(out)
    wrong = [e for e in d["entries"] if e["status"] == "wrong"]
    assert [(e["name"], e["mistake"]) for e in wrong] == [("dW[3][1,1]", "sign")]


def test_grade_a_symbolic_exercise(capsys, tmp_path):
    assert run(capsys, "exercise", "--kind", "symbolic", "--problem", "linear-regression", "--out", tmp_path)[0] == 0
    right = tmp_path / "right.csv"
    right.write_text('name,value\nanswer,"2/m * X.T @ (X @ w - y)"\n', encoding="utf-8")
    scaled = tmp_path / "scaled.csv"
    scaled.write_text('name,value\nanswer,"X.T @ (X @ w - y)"\n', encoding="utf-8")
    assert run(capsys, "grade", right, "--exercise", tmp_path / "key.json")[0] == 0
    status, out, _ = run(capsys, "grade", scaled, "--exercise", tmp_path / "key.json")
    assert status == 1 and "scaled" in out


# ---------------------------------------------------------------- usage errors: exit 2, one line, no traceback


def test_usage_error_no_reference(capsys, good_sheet):
    assert_usage_error(*run(capsys, "grade", good_sheet), "--exercise", "--example")


def test_usage_error_two_references(capsys, ex_dir, good_sheet):
    assert_usage_error(*run(capsys, "grade", good_sheet, "--exercise", ex_dir / "key.json", "--example", "course"),
                       "exactly one")


def test_usage_error_sheet_and_batch_together(capsys, ex_dir, good_sheet):
    assert_usage_error(*run(capsys, "grade", good_sheet, "--batch", ex_dir, "--exercise", ex_dir / "key.json"),
                       "--batch")


def test_usage_error_neither_sheet_nor_batch(capsys, ex_dir):
    assert_usage_error(*run(capsys, "grade", "--exercise", ex_dir / "key.json"), "SHEET")


def test_usage_error_missing_sheet_file(capsys, ex_dir, tmp_path):
    assert_usage_error(*run(capsys, "grade", tmp_path / "nope.csv", "--exercise", ex_dir / "key.json"), "nope.csv")


def test_usage_error_missing_key_file(capsys, good_sheet, tmp_path):
    assert_usage_error(*run(capsys, "grade", good_sheet, "--exercise", tmp_path / "nokey.json"), "nokey.json")


@pytest.mark.parametrize("content, words", [
    ("z[2][1],0.4748\nnaïve,1\n".encode("latin-1"), ["UTF-8"]),
    (b"z[2][1],0.4748\x00\n", ["NUL"]),
    (b"z[2][1],0.4748\nz[2][1],0.4748\n", ["twice", "line 2"]),
    (b"z[2][1],zero point five\n", ["not a number", "line 1"]),
])
def test_usage_error_unreadable_sheet(capsys, ex_dir, tmp_path, content, words):
    sheet = tmp_path / "bad.csv"
    sheet.write_bytes(content)
    assert_usage_error(*run(capsys, "grade", sheet, "--exercise", ex_dir / "key.json"), "bad.csv", *words)


@pytest.mark.parametrize("digits", [400, 5000])
def test_usage_error_json_sheet_with_an_integer_too_large(capsys, ex_dir, tmp_path, digits):
    sheet = tmp_path / "huge.json"
    sheet.write_text('{"z[1][1]": 1' + "0" * digits + "}", encoding="utf-8")
    assert_usage_error(*run(capsys, "grade", sheet, "--exercise", ex_dir / "key.json"), "huge.json")


def test_usage_error_edited_key(capsys, ex_dir, good_sheet, key, tmp_path):
    edited = dict(key, answers={**key["answers"], "loss": key["answers"]["loss"] + 0.1})
    (tmp_path / "key.json").write_text(json.dumps(edited), encoding="utf-8")
    assert_usage_error(*run(capsys, "grade", good_sheet, "--exercise", tmp_path / "key.json"), "key.json", "edited")


def test_usage_error_out_without_batch_and_exercise_with_input(capsys, ex_dir, good_sheet, tmp_path):
    assert_usage_error(*run(capsys, "grade", good_sheet, "--exercise", ex_dir / "key.json", "--out", tmp_path),
                       "--out")
    assert_usage_error(*run(capsys, "grade", good_sheet, "--exercise", ex_dir / "key.json", "--input", "1"),
                       "--input")


def test_usage_error_batch_folder_missing_or_empty(capsys, ex_dir, tmp_path):
    assert_usage_error(*run(capsys, "grade", "--batch", tmp_path / "none", "--exercise", ex_dir / "key.json"),
                       "none")
    (tmp_path / "empty").mkdir()
    assert_usage_error(*run(capsys, "grade", "--batch", tmp_path / "empty", "--exercise", ex_dir / "key.json"),
                       "no answer sheets")


# ---------------------------------------------------------------- gradlab grade --batch


@pytest.fixture(scope="module")
def batch(tmp_path_factory, ex_dir, key, good_sheet, wrong_sheet):
    """A class folder: good, wrong and bad sheets; graded once into OUT. Returns (folder, out, status, stdout)."""
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("graded") / "out"
    good = rounded(key["answers"])
    (folder / "alice.csv").write_bytes(good_sheet.read_bytes())
    (folder / "bob.csv").write_bytes(wrong_sheet.read_bytes())
    (folder / "carol.json").write_text(json.dumps({"answers": good}), encoding="utf-8")
    (folder / "dave.md").write_text("| name | value |\n|---|---|\n" + "".join(f"| `{k}` | {v} |\n"
                                                                         for k, v in good.items()), encoding="utf-8")
    missing_some = dict(good)
    for k in list(missing_some)[:10]:
        del missing_some[k]
    (folder / "erin.csv").write_text("".join(f"{k},{v}\n" for k, v in missing_some.items()), encoding="utf-8")
    unknown = dict(good, **{"zz[1][1]": "0.5", "w₁₂⁽²⁾": "0.3"})
    (folder / "frank.csv").write_text("".join(f'"{k}",{v}\n' for k, v in unknown.items()), encoding="utf-8")
    (folder / "bad_latin1.csv").write_bytes("z[2][1],0.4748\nnaïve,1\n".encode("latin-1"))
    (folder / "bad_dup.csv").write_text("z[1][1],0.4\nz₁⁽¹⁾,0.4\n", encoding="utf-8")
    (folder / "bad_nan.csv").write_text("z[1][1],about 0.4\n", encoding="utf-8")
    (folder / "bad_json.json").write_text('{"z[1][1]": 0.4,', encoding="utf-8")
    (folder / "notes.txt").write_text("not a sheet\n", encoding="utf-8")
    import contextlib

    buf_out, buf_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        status = main(["grade", "--batch", str(folder), "--exercise", str(ex_dir / "key.json"), "--out", str(out)])
    return folder, out, status, buf_out.getvalue(), buf_err.getvalue()


GOOD = ("alice", "bob", "carol", "dave", "erin", "frank")
BAD = ("bad_latin1.csv", "bad_dup.csv", "bad_nan.csv", "bad_json.json")


def test_batch_exit_1_when_some_sheet_was_bad_and_the_bad_ones_are_listed(batch):
    _, _, status, out, err = batch
    assert status == 1, err
    assert "Traceback" not in err + out
    assert "6 sheets graded, 4 could not be graded." in out
    for f in BAD:
        assert f"could not grade {f}: " in out
    assert "could not grade bad_latin1.csv: bad_latin1.csv: not UTF-8" in out
    assert "twice" in out.split("could not grade bad_dup.csv")[1].splitlines()[0]


def test_batch_writes_a_report_and_a_gradescope_result_per_gradable_sheet(batch):
    _, out, _, _, _ = batch
    for stem in GOOD:
        for f in ("report.md", "report.html", "results.json"):
            assert (out / stem / f).is_file(), (stem, f)
        result = json.loads((out / stem / "results.json").read_text(encoding="utf-8"))
        assert isinstance(result["score"], (int, float))
        assert len(result["tests"]) == 60
        assert all(set(t) >= {"name", "score", "max_score", "output"} for t in result["tests"])
        assert (out / stem / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for f in BAD:
        assert not (out / os.path.splitext(f)[0]).exists()
    scores = {s: json.loads((out / s / "results.json").read_text(encoding="utf-8"))["score"] for s in GOOD}
    assert scores == {"alice": 60, "bob": 59, "carol": 60, "dave": 60, "erin": 50, "frank": 60}
    assert "missing_derivative" in (out / "bob" / "report.md").read_text(encoding="utf-8")


def test_batch_summary_markdown_html_and_grades_csv(batch):
    _, out, _, _, _ = batch
    md = (out / "summary.md").read_text(encoding="utf-8")
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "missing_derivative" in md and "## Most missed entries" in md
    for f in BAD:
        assert f in md and f in page
        row = next(line for line in md.splitlines() if line.startswith(f"| {f} |"))
        assert "could not be graded" in row
    assert page.startswith("<!DOCTYPE html>")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "missing_derivative" in svg and "<rect" in svg
    assert 'src="http' not in page and "href=\"http" not in page
    rows = list(csv.DictReader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    by_sheet = {r["sheet"]: r for r in rows}
    assert set(by_sheet) == {"alice.csv", "bob.csv", "carol.json", "dave.md", "erin.csv", "frank.csv", *BAD}
    assert by_sheet["bob.csv"]["score"] == "59" and by_sheet["bob.csv"]["first_wrong"] == "delta[2][1]"
    assert by_sheet["alice.csv"]["score"] == "60" and by_sheet["alice.csv"]["max_score"] == "60"
    for f in BAD:
        assert by_sheet[f]["score"] == "" and by_sheet[f]["error"]


def test_batch_summary_lists_a_sheet_with_unknown_names_with_the_names(batch):
    _, out, _, _, _ = batch
    md = (out / "summary.md").read_text(encoding="utf-8")
    page = (out / "summary.html").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith(("| frank.csv |", "| [frank.csv](")))
    assert "zz[1][1]" in row
    assert "zz[1][1]" in page  # the HTML summary says it too


def test_batch_is_not_stopped_by_a_json_sheet_with_an_integer_too_large(capsys, tmp_path, ex_dir, good_sheet):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.csv").write_bytes(good_sheet.read_bytes())
    (folder / "b_huge.json").write_text('{"z[1][1]": 1' + "0" * 400 + "}", encoding="utf-8")
    (folder / "c.csv").write_bytes(good_sheet.read_bytes())
    status, out, err = run(capsys, "grade", "--batch", folder, "--exercise", ex_dir / "key.json", "--out",
                           tmp_path / "out")
    assert status == 1 and "Traceback" not in err, err[-2000:]
    assert "2 sheets graded, 1 could not be graded." in out
    assert "could not grade b_huge.json: " in out
    assert (tmp_path / "out" / "c" / "results.json").is_file()


def test_batch_exit_0_when_every_sheet_was_gradable(capsys, tmp_path, ex_dir, good_sheet, wrong_sheet):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a.csv").write_bytes(good_sheet.read_bytes())
    (folder / "b.csv").write_bytes(wrong_sheet.read_bytes())
    status, out, err = run(capsys, "grade", "--batch", folder, "--exercise", ex_dir / "key.json", "--out",
                           tmp_path / "out")
    assert status == 0, out + err
    assert "2 sheets graded, 0 could not be graded." in out
    assert (tmp_path / "out" / "summary.html").is_file()


def test_batch_against_a_built_in_example(capsys, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    _example_sheet(folder, "course")
    status, out, err = run(capsys, "grade", "--batch", folder, "--example", "course", "--out", tmp_path / "out")
    assert status == 0, err
    assert json.loads((tmp_path / "out" / "course" / "results.json").read_text(encoding="utf-8"))["score"] == 60


def test_batch_sheets_whose_names_clash_each_get_their_own_report_and_link(capsys, tmp_path):
    """ann.csv and ann.json (or 'ann lee.csv' and 'ann_lee.csv') share a folder name; each must still get
    its own report, and the class summary must link each sheet to its own report."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.csv").write_text("loss,0.2563\n", encoding="utf-8")
    (folder / "ann.json").write_text('{"loss": 0.9}', encoding="utf-8")
    (folder / "ann lee.csv").write_text("loss,0.2563\nz[1][1],0.3\n", encoding="utf-8")
    (folder / "ann_lee.csv").write_text("loss,0.1\n", encoding="utf-8")
    out = tmp_path / "out"
    status, _, err = run(capsys, "grade", "--batch", folder, "--example", "course", "--out", out)
    assert status == 0, err
    page = (out / "summary.html").read_text(encoding="utf-8")
    links = dict((text, href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', page))
    assert set(links) == {"ann.csv", "ann.json", "ann lee.csv", "ann_lee.csv"}
    assert len(set(links.values())) == 4  # four sheets, four reports
    for sheet, href in links.items():
        report = (out / href).read_text(encoding="utf-8")
        assert f"<title>Grade: {html.escape(sheet)}</title>" in report, (sheet, href)
        assert json.loads((out / os.path.dirname(href) / "results.json").read_text(encoding="utf-8"))["tests"]


def test_grade_against_a_saved_model(capsys, tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Sigmoid(), gl.nn.Linear(2, 1))
    gl.save(model, str(tmp_path / "net.safetensors"))
    loaded = gl.load(str(tmp_path / "net.safetensors"))
    ref = gl.explain(loaded, [[1.0, 2.0], [-1.0, 0.5]], [0.5, -0.5], "mse", lr=0.1)
    answers = {n: round(e.expected, 4) for n, e in ((e.name, e) for e in gl.grade(ref, {}).entries)}
    good = write_sheet(tmp_path / "good.csv", answers)
    args = ["--model", tmp_path / "net.safetensors", "--input", "1,2;-1,0.5", "--target", "0.5;-0.5", "--loss", "mse",
            "--lr", "0.1"]
    status, out, err = run(capsys, "grade", good, *args)
    assert (status, err) == (0, ""), out
    answers["loss"] = -answers["loss"]
    status, out, _ = run(capsys, "grade", write_sheet(tmp_path / "bad.csv", answers), *args)
    assert status == 1 and "wrong (sign)" in out
    assert_usage_error(*run(capsys, "grade", good, "--model", tmp_path / "net.safetensors"), "--input")
