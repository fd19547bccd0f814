"""Text, Markdown and LaTeX outputs equal the reviewed golden files in tests/golden/explain/."""

import pathlib

import pytest
from support import golden as golden_cases

HERE = pathlib.Path(__file__).resolve().parent
GOLDEN = HERE.parent / "golden" / "explain"



@pytest.mark.parametrize("name,args", golden_cases.CASES, ids=[c[0] for c in golden_cases.CASES])
def test_matches_golden(name, args, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    got = golden_cases.produce(args)
    assert got == expected, f"{name} changed; review and regenerate with python tests/support/golden.py"


def test_course_text_reads_like_the_slides():
    text = (GOLDEN / "course_scalar.txt").read_text(encoding="utf-8")
    for line in ["z₁⁽¹⁾ = 0.1 + 0.1 × 2.0 = 0.3",
                 "a₁⁽¹⁾ = σ(0.3) = 0.5744",
                 "z₁⁽²⁾ = 0.3 + 0.2 × 0.5744 + 0.1 × 0.5987 = 0.4748",
                 "∂L/∂w₁₁⁽²⁾ = ∂L/∂z₁⁽²⁾ × a₁⁽¹⁾ = −0.0214 × 0.5744 = −0.0123",
                 "∂L/∂w₂₁⁽²⁾ = ∂L/∂z₁⁽²⁾ × a₂⁽¹⁾ = −0.0214 × 0.5987 = −0.0128",
                 "w₁₁⁽³⁾ ← 0.4 − 0.1 × (−0.1394) = 0.4139",
                 "ŷ = σ(1.2794) = 0.7823",
                 "(4.23% reduction)"]:
        assert line in text, line
