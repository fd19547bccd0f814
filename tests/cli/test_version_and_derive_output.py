"""`gradlab --version`, and `gradlab derive -o FILE --format html|...` writing files as `gradlab explain` does."""

import json
import pathlib
import subprocess
import sys

import gradlab as gl
from gradlab.cli import main

EXPR = ["sum(relu(X @ w))", "--shape", "X=m,n", "--shape", "w=n,1", "--wrt", "w"]
GRADLAB = pathlib.Path(sys.executable).parent / "gradlab"


def test_version_prints_the_package_version_and_exits_0():
    cmd = [str(GRADLAB)] if GRADLAB.exists() else [sys.executable, "-m", "gradlab"]
    done = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"gradlab {gl.__version__}\n"


def test_derive_writes_a_self_contained_html_page(tmp_path, capsys):
    out = tmp_path / "grad.html"
    assert main(["derive", *EXPR, "--steps", "--verify", "-o", str(out), "--format", "html"]) == 0
    assert capsys.readouterr().out == ""  # the result went to the file; stderr says where
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "∂L/∂w" in page and "Xᵀ" in page and "relu" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page  # opens offline
    assert "passed" in page.lower()  # the verification is on the page


def test_derive_output_format_follows_the_suffix_and_matches_stdout(tmp_path, capsys):
    assert main(["derive", *EXPR]) == 0
    printed = capsys.readouterr().out
    text = tmp_path / "grad.txt"
    assert main(["derive", *EXPR, "-o", str(text)]) == 0
    assert text.read_text(encoding="utf-8") == printed
    as_json = tmp_path / "grad.json"
    assert main(["derive", *EXPR, "--output", str(as_json)]) == 0
    assert json.loads(as_json.read_text(encoding="utf-8"))["wrt"] == "w"
    tex = tmp_path / "grad.tex"
    assert main(["derive", *EXPR, "-o", str(tex)]) == 0
    assert "\\frac" in tex.read_text(encoding="utf-8") or "\\partial" in tex.read_text(encoding="utf-8")
    assert f"wrote {tex}" in capsys.readouterr().err


def test_derive_bad_format_or_path_is_one_sentence_with_exit_2(tmp_path, capsys):
    assert main(["derive", *EXPR, "--format", "pdf"]) == 2
    assert "invalid choice: 'pdf'" in capsys.readouterr().err
    assert main(["derive", *EXPR, "-o", str(tmp_path), "--format", "html"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gradlab derive: error: ") and "is a directory" in err and "\n" not in err
