"""Writing one section of benchmarks/RESULTS.md: the section that starts with ``## <heading>`` is replaced (or
appended), the rest of the file kept."""

from __future__ import annotations


def section(heading, intro, rows, value_column="measured"):
    """The Markdown of a results section: ``## heading``, the ``intro`` paragraphs, and a table of
    (what, value, target, verdict) ``rows``."""
    lines = [f"## {heading}", ""]
    for paragraph in intro:
        lines += [paragraph, ""]
    lines += [f"| what | {value_column} | target | |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines) + "\n"


def replace_section(path, heading, text):
    """Put ``text`` (which starts with ``## heading``) in place of that section of the Markdown file ``path``."""
    with open(path, encoding="utf-8") as f:
        old = f.read()
    start = old.find(f"## {heading}")
    if start >= 0:
        end = old.find("\n## ", start + 5)
        old = old[:start] + (old[end + 1:] if end >= 0 else "")
    with open(path, "w", encoding="utf-8") as f:
        f.write(old.rstrip("\n") + "\n\n" + text)
