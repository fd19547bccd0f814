"""The LaTeX --standalone output compiles; the HTML output renders in headless Chromium."""

import shutil

import pytest
from support.browser import chromium_path as _chromium
from support.outputs import assert_html_renders, assert_latex_compiles, produce



LATEX_CASES = [("course",), ("two-layer", "--view", "matrix", "--layout", "numerator"),
               ("relu-mse", "--view", "matrix"), ("course", "--view", "graph"), ("perceptron", "--variant", "xor")]


@pytest.mark.parametrize("args", LATEX_CASES, ids=[" ".join(a) for a in LATEX_CASES])
def test_latex_standalone_structure(args):
    tex = produce(*args, "--format", "latex", "--standalone")
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.isascii(), "pdflatex input must be ASCII"
    assert tex.count(r"\[") == tex.count(r"\]") and tex.count("{") == tex.count("}")
    assert tex.count(r"\begin{bmatrix}") == tex.count(r"\end{bmatrix}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive-latex-base)")
@pytest.mark.parametrize("args", LATEX_CASES[:3], ids=[" ".join(a) for a in LATEX_CASES[:3]])
def test_latex_standalone_compiles(args, tmp_path):
    assert_latex_compiles(args, tmp_path)


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("args", [("course",), ("two-layer", "--view", "matrix")], ids=["course", "two-layer"])
def test_html_renders_in_headless_chromium(args, tmp_path):
    assert_html_renders(args, tmp_path)
