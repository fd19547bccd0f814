"""The README's Python examples run as written (in a scratch folder), and its Quick start has two commands."""

import os
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_has_exactly_two_commands():
    text = README.read_text()
    quick = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [line for line in quick.strip().splitlines() if line.strip()]
    assert len(lines) == 2
    assert "gradlab demo" in lines[0] and "pytest" in lines[1]


def test_python_examples_run(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the README's examples draw pictures (gradlab[plot])")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 4
    namespace = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # the README is ours, not user input
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "∂L/∂X = (2/m)H(ŷ − y)wᵀ" in out and "PASSED" in out
    assert (tmp_path / "moons.safetensors").exists() and (tmp_path / "curves.png").exists()
