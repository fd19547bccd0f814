"""Exercises: the five files (problem in Markdown, LaTeX and HTML, the blank sheet, the key), the same per
seed byte for byte (also across processes), the template and the key agreeing with the sheet, LaTeX that
compiles, and the key read back with every hostile edit refused."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import gradlab as gl
from gradlab.core.errors import ParameterError
from gradlab.grading import sheet_names
from gradlab.grading.exercise import exercise
from gradlab.grading.keyfile import ExerciseError, load_exercise
from gradlab.grading.symbolic_problems import PROBLEMS

FILES = ("problem.md", "problem.tex", "problem.html", "template.csv", "key.json")

VARIANTS = {
    "course-shape-nice": dict(layers="1-2-3-1", activation="sigmoid", loss="bce", seed=3, nice=True),
    "relu-mse-batch": dict(layers="2-3-1", activation="relu", loss="mse", batch=4, seed=1),
    "tanh-softmax-ce": dict(layers="2-3-3", activation="tanh", loss="cross_entropy", seed=2),
    "linear-no-bias": dict(layers="2-2", activation="identity", loss="mse", bias=False, seed=5),
    "logits-batch-no-update": dict(layers="3-2-2", activation="sigmoid", loss="bce_with_logits", seed=7, batch=2,
                                   lr=None),
    "per-layer-activations": dict(layers="2-2-1", activation="relu,sigmoid", loss="bce", seed=4, lr=0.5),
    "sum-half": dict(layers="1-2-1", activation="sigmoid", loss="mse", reduction="sum", half=True, seed=6),
    "perceptron-and": dict(kind="perceptron", gate="and", seed=3),
    "perceptron-or": dict(kind="perceptron", gate="or", seed=2),
    "symbolic-two-layer": dict(kind="symbolic", problem="two-layer-W1"),
    "symbolic-drawn": dict(kind="symbolic", seed=4),
}
NUMERIC = [k for k, v in VARIANTS.items() if v.get("kind") != "symbolic"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """{variant: (Exercise, folder with its five files)}, each exercise made and written once."""
    out = {}
    for name, kw in VARIANTS.items():
        folder = tmp_path_factory.mktemp(name)
        ex = exercise(**kw)
        ex.write(str(folder))
        out[name] = (ex, folder)
    return out


def _template_names(path):
    rows = [r for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) if r and not r[0].startswith("#")]
    assert rows[0] == ["name", "value", "notation"]
    return [r[0] for r in rows[1:]], rows[1:]


# ---------------------------------------------------------------- the exercises


def test_exercise_is_exposed_as_gl_exercise():
    assert gl.exercise is exercise
    assert gl.grading.exercise is exercise


@pytest.mark.parametrize("name", list(VARIANTS))
def test_exercise_writes_the_five_files(made, name):
    ex, folder = made[name]
    assert sorted(os.listdir(folder)) == sorted(FILES)
    for f in FILES:
        assert (folder / f).stat().st_size > 0
        (folder / f).read_text(encoding="utf-8")  # every file is UTF-8 text
    assert ex.title.startswith(f"Exercise {VARIANTS[name].get('seed', 0)}: ")
    assert ex.title in (folder / "problem.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_same_seed_gives_byte_identical_files(made, tmp_path, name):
    _, first = made[name]
    exercise(**VARIANTS[name]).write(str(tmp_path))
    for f in FILES:
        assert (tmp_path / f).read_bytes() == (first / f).read_bytes(), f


def test_the_same_seed_gives_byte_identical_files_in_another_process(made, tmp_path):
    code = ("import sys, gradlab as gl; "
            "gl.exercise('2-3-1', 'relu', 'mse', batch=4, seed=1).write(sys.argv[1]); "
            "gl.exercise(kind='perceptron', gate='and', seed=3).write(sys.argv[1] + '/p')")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env, timeout=120)
    for name, folder in (("relu-mse-batch", tmp_path), ("perceptron-and", tmp_path / "p")):
        for f in FILES:
            assert (folder / f).read_bytes() == (made[name][1] / f).read_bytes(), (name, f)


@pytest.mark.parametrize("kw", [dict(layers="1-2-3-1", activation="sigmoid", loss="bce"),
                                dict(layers="2-3-1", activation="relu", loss="mse", batch=3, nice=True),
                                dict(kind="perceptron", gate="and")])
def test_different_seeds_give_different_exercises(kw):
    keys = {exercise(**kw, seed=s).key() for s in range(4)}
    problems = {exercise(**kw, seed=s).problem("markdown") for s in range(4)}
    assert len(keys) == 4 and len(problems) == 4


@pytest.mark.parametrize("seed", range(6))
def test_nice_weights_have_one_decimal_and_inputs_lie_on_a_half_grid(seed):
    ex = exercise("2-3-2", "sigmoid", "mse", seed=seed, nice=True, batch=2)
    values = []
    for layer in ex.spec["layers"]:
        values += [w for row in layer["W"] for w in row] + list(layer["b"])
    assert values and all(round(v, 1) == v and v != 0 and abs(v) < 1 for v in values)
    assert all((2 * x) == int(2 * x) for row in ex.spec["x"] for x in row)
    problem = ex.problem("markdown")
    for v in values:
        assert f"{v:g}".replace("-", "−") in problem or f"{v:g}" in problem


def test_not_nice_weights_have_two_decimals():
    ex = exercise("2-3-2", "sigmoid", "mse", seed=0)
    values = [w for layer in ex.spec["layers"] for row in layer["W"] for w in row]
    assert all(round(v, 2) == v for v in values) and any(round(v, 1) != v for v in values)


@pytest.mark.parametrize("name", NUMERIC)
def test_the_spec_matches_what_was_asked(made, name):
    ex, _ = made[name]
    kw = VARIANTS[name]
    s = ex.spec
    if ex.kind == "perceptron":
        assert s["gate"] == kw["gate"] and len(s["initial_weights"]) == 3
        assert ex.reference.model.converged_
        return
    widths = [int(w) for w in kw["layers"].split("-")]
    assert [len(L["W"]) for L in s["layers"]] == widths[1:]
    assert [len(L["W"][0]) for L in s["layers"]] == widths[:-1]
    assert s["loss"] == kw["loss"]
    assert s["lr"] == kw.get("lr", 0.1)
    if kw.get("bias", True) is False:
        assert all(L["b"] is None for L in s["layers"])
        assert not any(n.startswith(("db", "b_new")) for n in ex.entry_names())
    acts = [L["activation"] for L in s["layers"]]
    if "," in kw["activation"]:
        assert acts == kw["activation"].split(",")
    else:
        assert acts[:-1] == [kw["activation"]] * (len(acts) - 1)
        assert acts[-1] == ("sigmoid" if kw["loss"] == "bce" else "identity")
    m = kw.get("batch")
    assert (len(s["x"]) == m and len(s["x"][0]) == widths[0]) if m else len(s["x"]) == widths[0]
    if s["lr"] is None:
        assert not any(n.startswith(("W_new", "b_new")) for n in ex.entry_names())


def test_symbolic_exercises(made):
    ex, folder = made["symbolic-two-layer"]
    assert ex.kind == "symbolic" and ex.entry_names() == ["answer"]
    assert ex.spec["wrt"] == "W1" and "W1" in ex.spec["question"]
    assert "W1" in (folder / "problem.md").read_text(encoding="utf-8")
    drawn, _ = made["symbolic-drawn"]
    assert drawn.spec["problem"] in PROBLEMS


def test_exercise_refuses_bad_options():
    for kw in (dict(layers="1"), dict(layers="1-13"), dict(layers="-".join(["2"] * 8)), dict(layers="1-x-1"),
               dict(layers="1-0-1"), dict(activation="swish"), dict(activation="relu,relu"), dict(loss="hinge"),
               dict(batch=33), dict(batch=0), dict(seed=-1), dict(lr=0), dict(lr=-0.1), dict(kind="bogus"),
               dict(kind="perceptron", gate="xor"), dict(kind="symbolic", problem="nope"), dict(nice="yes"),
               dict(reduction="max")):
        with pytest.raises(ParameterError):
            exercise(**kw)


# ---------------------------------------------------------------- the template and the key


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_template_lists_exactly_the_sheet_names(made, name):
    ex, folder = made[name]
    names, rows = _template_names(folder / "template.csv")
    expected = ["answer"] if ex.kind == "symbolic" else sheet_names(ex)
    assert names == expected
    assert names == ex.entry_names()
    assert len(set(names)) == len(names)
    assert all(r[1] == "" for r in rows)  # the value column is blank
    assert all(len(r) == 3 and r[2] for r in rows)  # a notation for every entry


@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_blank_template_grades_as_all_missing(made, name):
    ex, folder = made[name]
    r = gl.grade(ex, str(folder / "template.csv"))
    assert {e.status for e in r.entries} == {"missing"}
    assert r.score == 0 and r.max_score == len(ex.entry_names())


@pytest.mark.parametrize("name", NUMERIC)
def test_the_template_filled_with_the_keys_values_to_4_decimals_scores_the_maximum(made, tmp_path, name):
    ex, folder = made[name]
    answers = json.loads((folder / "key.json").read_text(encoding="utf-8"))["answers"]
    lines = (folder / "template.csv").read_text(encoding="utf-8").splitlines()
    filled = []
    for line in lines:
        row = next(csv.reader([line])) if line else []
        if row and row[0] in answers:
            line = line.replace(",,", f",{answers[row[0]]:.4f},", 1)
        filled.append(line)
    sheet = tmp_path / "filled.csv"
    sheet.write_text("\n".join(filled) + "\n", encoding="utf-8")
    r = gl.grade(ex, str(sheet))
    assert r.score == r.max_score == len(answers), [e.message for e in r.entries if e.status != "correct"]


@pytest.mark.parametrize("name", NUMERIC)
def test_the_keys_answers_are_the_explanations_values(made, name):
    ex, folder = made[name]
    key = json.loads((folder / "key.json").read_text(encoding="utf-8"))
    assert key["format"] == "gradlab-exercise" and key["version"] == 1 and key["title"] == ex.title
    assert list(key["answers"]) == sheet_names(ex)
    assert key["answers"] == ex.answers()


def test_a_symbolic_template_filled_with_a_right_formula_is_right(tmp_path):
    ex = exercise(kind="symbolic", problem="linear-regression")
    ex.write(str(tmp_path))
    text = (tmp_path / "template.csv").read_text(encoding="utf-8").replace("answer,,", 'answer,"2/m * X.T @ (X @ w - y)",')
    (tmp_path / "mine.csv").write_text(text, encoding="utf-8")
    r = gl.grade(load_exercise(str(tmp_path / "key.json")), str(tmp_path / "mine.csv"))
    assert r.score == r.max_score == 1


# ---------------------------------------------------------------- the problem: LaTeX, HTML, Markdown


PDFLATEX = shutil.which("pdflatex") or ("/usr/bin/pdflatex" if os.path.exists("/usr/bin/pdflatex") else None)


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name", ["course-shape-nice", "relu-mse-batch", "tanh-softmax-ce", "linear-no-bias",
                                  "logits-batch-no-update", "perceptron-and", "symbolic-two-layer"])
def test_problem_tex_compiles_with_pdflatex(made, tmp_path, name):
    _, folder = made[name]
    shutil.copy(folder / "problem.tex", tmp_path / "problem.tex")
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "problem.tex"], cwd=tmp_path,
                         capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    log = run.stdout.decode("utf-8", "replace")
    assert run.returncode == 0, log[-3000:]
    assert (tmp_path / "problem.pdf").stat().st_size > 1000
    assert "Missing character" not in (tmp_path / "problem.log").read_text(encoding="latin-1")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_problem_html_is_a_complete_page_without_external_resources(made, name):
    ex, folder = made[name]
    page = (folder / "problem.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert "<html" in page and "</html>" in page and "<head>" in page and "<body" in page and "</body>" in page
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "<script" not in page.lower() or 'src=' not in page.lower()
    assert "<title>" in page


@pytest.mark.parametrize("name", NUMERIC)
def test_the_problem_states_the_numbers_of_the_network(made, name):
    ex, folder = made[name]
    md = (folder / "problem.md").read_text(encoding="utf-8")
    if ex.kind == "perceptron":
        assert ex.spec["gate"].upper() in md
        return
    assert f"η = {ex.spec['lr']:g}" in md if ex.spec["lr"] is not None else "η" not in md
    first_weight = ex.spec["layers"][0]["W"][0][0]
    assert f"{abs(first_weight):g}" in md


# ---------------------------------------------------------------- the key read back (keyfile.load_exercise)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_load_exercise_round_trips(made, name):
    ex, folder = made[name]
    back = load_exercise(str(folder / "key.json"))
    assert back.kind == ex.kind and back.title == ex.title
    assert back.key() == ex.key()
    assert back.template() == ex.template()
    assert back.answers() == ex.answers()
    assert back.problem("markdown") == ex.problem("markdown")


@pytest.fixture(scope="module")
def key_files(made):
    return {name: json.loads((made[name][1] / "key.json").read_text(encoding="utf-8"))
            for name in ("course-shape-nice", "perceptron-and", "symbolic-two-layer", "relu-mse-batch")}


def _write_key(tmp_path, spec=None, raw=None, filename="key.json"):
    p = tmp_path / filename
    if raw is not None:
        p.write_bytes(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    else:
        p.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return p


def _refused(path, *words):
    with pytest.raises(ExerciseError) as info:
        load_exercise(str(path))
    msg = str(info.value)
    assert msg.startswith(path.name + ": "), msg
    for w in words:
        assert w in msg, (w, msg)
    return msg


def _edited(key_files, name, edit):
    spec = copy.deepcopy(key_files[name])
    edit(spec)
    return spec


EDITS = {  # what is changed: (which key, the edit, words the message must hold)
    "a changed answer": ("course-shape-nice", lambda s: s["answers"].__setitem__(
        "delta[2][1]", s["answers"]["delta[2][1]"] + 1e-4), ["delta[2][1]", "edited"]),
    "a changed weight with stale answers": ("course-shape-nice", lambda s: s["layers"][1]["W"][0].__setitem__(
        0, s["layers"][1]["W"][0][0] + 0.1), ["edited"]),
    "a changed target with stale answers": ("course-shape-nice", lambda s: s.__setitem__("y", [1 - s["y"][0]]),
                                            ["edited"]),
    "a changed learning rate with stale answers": ("course-shape-nice", lambda s: s.__setitem__("lr", 0.5),
                                                   ["edited"]),
    "an answer added": ("course-shape-nice", lambda s: s["answers"].__setitem__("z[9][1]", 0.0), ["z[9][1]"]),
    "an answer removed": ("course-shape-nice", lambda s: s["answers"].pop("loss"), ["edited"]),
    "an answer that is text": ("course-shape-nice", lambda s: s["answers"].__setitem__("loss", "0.5"), ["loss"]),
    "another format": ("course-shape-nice", lambda s: s.__setitem__("format", "other"), ["format"]),
    "no format": ("course-shape-nice", lambda s: s.pop("format"), ["format"]),
    "another version": ("course-shape-nice", lambda s: s.__setitem__("version", 2), ["version"]),
    "another kind": ("course-shape-nice", lambda s: s.__setitem__("kind", "bogus"), ["kind"]),
    "a NaN weight": ("course-shape-nice", lambda s: s["layers"][0]["W"][0].__setitem__(0, float("nan")),
                     ["layers[0].W[0][0]"]),
    "an infinite bias": ("course-shape-nice", lambda s: s["layers"][1]["b"].__setitem__(2, float("inf")),
                         ["layers[1].b[2]"]),
    "a huge weight": ("course-shape-nice", lambda s: s["layers"][2]["W"][0].__setitem__(1, 1e300),
                      ["layers[2].W[0][1]"]),
    "a huge input": ("course-shape-nice", lambda s: s.__setitem__("x", [1e9]), ["x"]),
    "a NaN target": ("course-shape-nice", lambda s: s.__setitem__("y", [float("nan")]), ["y"]),
    "a weight that is a bool": ("course-shape-nice", lambda s: s["layers"][0]["W"][1].__setitem__(0, True),
                                ["layers[0].W[1][0]"]),
    "an unknown activation": ("course-shape-nice", lambda s: s["layers"][1].__setitem__("activation", "swish"),
                              ["layers[1].activation", "swish"]),
    "an unknown loss": ("course-shape-nice", lambda s: s.__setitem__("loss", "hinge"), ["loss", "hinge"]),
    "too many layers": ("course-shape-nice", lambda s: s.__setitem__("layers", [s["layers"][1]] * 7), ["layers"]),
    "no layers": ("course-shape-nice", lambda s: s.__setitem__("layers", []), ["layers"]),
    "a layer too wide": ("course-shape-nice", lambda s: s["layers"][0].__setitem__("W", [[0.1]] * 13),
                         ["layers[0].W"]),
    "ragged weights": ("course-shape-nice", lambda s: s["layers"][1].__setitem__("W", [[0.1, 0.2], [0.3]]),
                       ["layers[1].W"]),
    "weights that do not chain": ("course-shape-nice", lambda s: s["layers"][1].__setitem__(
        "W", [[0.1, 0.2, 0.3]] * 3), ["layers[1].W"]),
    "a bias of the wrong length": ("course-shape-nice", lambda s: s["layers"][0].__setitem__("b", [0.1]),
                                   ["layers[0].b"]),
    "an unknown field in a layer": ("course-shape-nice", lambda s: s["layers"][0].__setitem__("gamma", 1),
                                    ["layers[0]"]),
    "a negative learning rate": ("course-shape-nice", lambda s: s.__setitem__("lr", -0.1), ["lr"]),
    "a learning rate as text": ("course-shape-nice", lambda s: s.__setitem__("lr", "0.1"), ["lr"]),
    "unknown conventions": ("course-shape-nice", lambda s: s.__setitem__("conventions", {"reduction": "max"}),
                            ["conventions"]),
    "too large a batch": ("relu-mse-batch", lambda s: s.__setitem__("x", s["x"] * 9), ["x"]),
    "a seed that is not an integer": ("course-shape-nice", lambda s: s.__setitem__("seed", "\\input{x}"), ["seed"]),
    "a perceptron on XOR": ("perceptron-and", lambda s: s.__setitem__("gate", "xor"), ["gate"]),
    "a perceptron with 4 weights": ("perceptron-and", lambda s: s.__setitem__("initial_weights", [0, 0, 0, 0]),
                                    ["initial_weights"]),
    "a perceptron with a NaN weight": ("perceptron-and", lambda s: s["initial_weights"].__setitem__(
        1, float("nan")), ["initial_weights[1]"]),
    "a perceptron trained for ever": ("perceptron-and", lambda s: s.__setitem__("max_epochs", 10 ** 9),
                                      ["max_epochs"]),
    "a perceptron with a zero rate": ("perceptron-and", lambda s: s.__setitem__("lr", 0), ["lr"]),
    "an unknown symbolic problem": ("symbolic-two-layer", lambda s: s.__setitem__("problem", "nope"), ["problem"]),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_load_exercise_refuses_an_edited_or_hostile_key(key_files, tmp_path, what):
    name, edit, words = EDITS[what]
    _refused(_write_key(tmp_path, _edited(key_files, name, edit)), *words)


def test_load_exercise_refuses_hostile_files(tmp_path):
    _refused(_write_key(tmp_path, raw=b'{"format": "gradlab-exercise\xff\xfe"}', filename="latin.json"), "UTF-8")
    _refused(_write_key(tmp_path, raw='{"format": "gradlab-exercise", "pad": "' + "x" * (1 << 20) + '"}',
                        filename="big.json"), "larger")
    _refused(_write_key(tmp_path, raw='{"a":' * 60 + "1" + "}" * 60, filename="deep.json"), "nested")
    _refused(_write_key(tmp_path, raw="[" * 100000 + "]" * 100000, filename="deeper.json"), "nested")
    _refused(_write_key(tmp_path, raw='{"format": ', filename="cut.json"), "JSON")
    _refused(_write_key(tmp_path, raw="", filename="empty.json"), "JSON")
    _refused(_write_key(tmp_path, raw="[1, 2]", filename="list.json"), "format")
    _refused(_write_key(tmp_path, raw=b'{"format": "gradlab-exercise"}\x00', filename="nul.json"))
    with pytest.raises(ExerciseError, match="^none.json: no such exercise file"):
        load_exercise(str(tmp_path / "none.json"))
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(ExerciseError, match="^dir.json: "):
        load_exercise(str(tmp_path / "dir.json"))


@pytest.mark.parametrize("digits", [400, 5000])
def test_load_exercise_refuses_an_integer_too_large(key_files, tmp_path, digits):
    text = json.dumps(key_files["course-shape-nice"])
    assert '"lr": 0.1' in text
    path = _write_key(tmp_path, raw=text.replace('"lr": 0.1', '"lr": 1' + "0" * digits))
    _refused(path)


def test_a_loaded_key_grades_like_the_exercise(made, tmp_path):
    ex, folder = made["relu-mse-batch"]
    back = load_exercise(folder / "key.json")
    answers = {k: round(v, 4) for k, v in ex.answers().items()}
    first = next(iter(answers))
    answers[first] = -answers[first] + 0.5
    a, b = gl.grade(ex, answers), gl.grade(back, answers)
    assert [(e.name, e.status, e.mistake) for e in a.entries] == [(e.name, e.status, e.mistake) for e in b.entries]
    assert a.score == b.score < a.max_score
