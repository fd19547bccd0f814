"""Text escaping shared by every writer of LaTeX: the ten characters LaTeX treats specially, written once."""

from __future__ import annotations

LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_escape(s: str) -> str:
    """``s`` with LaTeX's special characters escaped, for text mode (``\\text{…}`` or running text)."""
    return "".join(LATEX_SPECIALS.get(ch, ch) for ch in s)
