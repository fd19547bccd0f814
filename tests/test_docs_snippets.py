"""The guides under docs/ are self-contained: every ```python block runs as written, in order, as a user would.

Each guide runs in a fresh interpreter (its blocks share one namespace and may build on each other) in a scratch
folder; a traceback points at the guide's own line. The README's blocks are run by tests/test_readme.py.
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)
GUIDES = sorted(p.name for p in DOCS.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))

RUNNER = r"""
import pathlib, re, sys, traceback
path = pathlib.Path(sys.argv[1])
text = path.read_text(encoding="utf-8")
namespace = {"__name__": "__main__"}
for n, match in enumerate(re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M), start=1):
    first = text.count("\n", 0, match.start(1))          # lines before the block's first line
    try:
        exec(compile("\n" * first + match.group(1), str(path), "exec"), namespace)
    except BaseException:
        print(f"BLOCK {n} (line {first + 1}) FAILED", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
print(f"RAN {n} BLOCKS")
"""


# what a guide's blocks leave in the user's folder
WRITES = {
    "pictures.md": ("activations.png", "curves.png", "boundary.png", "fit.png", "picture.png", "net.png", "grads.png",
                    "step.png", "graph.svg", "report.html"),
    "nn.md": ("filters.png", "maps.png", "net.safetensors"),
    "grading.md": ("sheet.csv",),
}


def _blocks(text):
    return BLOCK.findall(text)


def test_the_guides_have_python_blocks():
    assert {"core.md", "nn.md", "training.md", "pictures.md", "explainer.md", "symbolic.md", "grading.md"} <= set(GUIDES)
    assert sum(len(_blocks((DOCS / g).read_text(encoding="utf-8"))) for g in GUIDES) >= 24


@pytest.mark.parametrize("guide", GUIDES)
def test_every_python_block_of_a_guide_runs_in_order(guide, tmp_path):
    for module in ("matplotlib", "safetensors", "sklearn", "starlette", "uvicorn"):
        pytest.importorskip(module, reason="the guides' examples use gradlab[all]")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, "-c", RUNNER, str(DOCS / guide)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{guide}:\n{done.stderr[-4000:]}"
    count = len(_blocks((DOCS / guide).read_text(encoding="utf-8")))
    assert f"RAN {count} BLOCKS" in done.stdout
    for name in WRITES.get(guide, ()):
        assert (tmp_path / name).stat().st_size > 0, f"{guide} did not write {name}"


def test_shell_sessions_and_listings_are_not_marked_python():
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for block in _blocks(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                assert not line.startswith(("$ ", ">>> ", "gradlab ", "pip ")), f"{path.name}: {line!r}"


UNDEFINED = re.compile(r"\b(?:the|its|their) slides\b|\bthe slides'|\bthe homework\b|\bhomework's\b|seed question",
                       flags=re.I)


def test_docs_say_what_their_examples_are_instead_of_naming_a_course_they_do_not_ship():
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            assert not UNDEFINED.search(line), f"{path.name}:{number}: {line.strip()}"


def test_the_readme_says_where_the_built_in_examples_come_from_once():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The built-in examples", 1)[1].split("\n### ", 1)[0]
    for name in ("`course`", "`relu-mse`", "`two-layer`", "`perceptron`"):
        assert name in section
    assert text.count("lecture slides and\nhomework") + text.count("lecture slides and homework") == 1


def test_readme_links_stay_inside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'(?:href|src)="([^"]+)"', text)
    assert targets
    for target in targets:
        assert "://" not in target and not target.startswith(("/", "mailto:")), target
        file = (ROOT / target.split("#", 1)[0]).resolve()
        assert file.is_relative_to(ROOT) and file.exists(), target
