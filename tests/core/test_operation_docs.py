"""Every public operation is listed in docs/core.md (with its gradient convention) and in the README's core table."""

import importlib
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = ["api", "api_creation", "api_math", "api_activations", "api_reduce", "api_linalg", "api_shape", "api_conv"]


def _public_operations():
    names = set()
    for m in MODULES:
        names |= set(importlib.import_module(f"gradlab.ops.{m}").__all__)
    return sorted(names)


def _listed(text):
    """Every name inside a code span: `gl.tan(x)`, or a space-separated list `sin cos tan`."""
    names = set()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks are examples, not the list
    for span in re.findall(r"`([^`\n]+)`", text):
        names |= set(re.findall(r"(?:gl\.)?\b([A-Za-z_][A-Za-z0-9_]*)", span))
    return names


@pytest.mark.parametrize("doc", ["docs/core.md", "README.md"])
def test_every_public_operation_is_listed(doc):
    text = (ROOT / doc).read_text()
    if doc == "README.md":
        text = text.split("### The core", 1)[1].split("\n## ", 1)[0]
    missing = [n for n in _public_operations() if n not in _listed(text)]
    assert not missing, f"{doc} does not list: {missing}"


def test_the_operations_reference_states_a_gradient_convention_for_every_row():
    text = (ROOT / "docs/core.md").read_text().split("## 8. Operations", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) >= 80
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) >= 3 and cells[2], f"no gradient convention in: {line}"


def test_the_coverage_table_names_what_is_left_out():
    text = (ROOT / "docs/core.md").read_text()
    assert "## 9. Coverage" in text
    coverage = text.split("## 9. Coverage", 1)[1]
    assert "Complex numbers" in coverage and "left out" in coverage
