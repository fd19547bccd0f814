"""``GradeReport``: the graded sheet, its score, and its renderings (text, Markdown, HTML, JSON)."""

from __future__ import annotations

import html
import json

from ..explainer.document import Displayable
from ..core.errors import ParameterError
from .tolerance import digits_text as num

MARK = {"correct": "✓", "carried": "↪", "wrong": "✗", "missing": "·", "extra": "?"}
FORMATS = ("text", "markdown", "html", "json")


class GradeReport(Displayable):
    """The result of :func:`gradlab.grade`.

    Attributes:
        entries: list of :class:`~gradlab.grading.grader.GradedEntry` in sheet
            order, then the extra (unknown) names given.
        score, max_score: credit earned and the number of entries on the sheet.
        first_wrong: the canonical name of the first wrong entry (sheet order), or None.
        ecf: whether carried entries earn credit.
        title: what was graded.
    """

    def __init__(self, entries, title="Grade", ecf=True, notes=()):
        self.entries = list(entries)
        self.title = title
        self.ecf = ecf
        self.notes = list(notes)
        graded = [e for e in self.entries if e.status != "extra"]
        self.max_score = float(len(graded))
        self.score = float(sum(e.credit for e in graded))
        self.first_wrong = next((e.name for e in graded if e.status == "wrong"), None)

    def _repr_latex_(self):
        return None  # a grade report has no LaTeX form; Jupyter shows the HTML table

    def __repr__(self):
        return f"GradeReport({self.title!r}: {self.summary()})"

    def entry(self, name):
        """The graded entry called ``name`` (canonical)."""
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"grade: no entry {name!r} in this report")

    def counts(self):
        """{status: number of entries}."""
        out = {k: 0 for k in MARK}
        for e in self.entries:
            out[e.status] += 1
        return out

    @property
    def all_correct(self):
        return all(e.status == "correct" for e in self.entries)

    def summary(self):
        c = self.counts()
        parts = [f"{c['correct']} correct"]
        for k in ("carried", "wrong", "missing", "extra"):
            if c[k]:
                parts.append(f"{c[k]} {k}")
        first = next((e for e in self.entries if e.name == self.first_wrong), None)
        tail = f"; first wrong: {first.label}" if first else ""
        return f"Score {self.score:g} / {self.max_score:g} ({', '.join(parts)}){tail}"

    def to_dict(self):
        return {"title": self.title, "score": self.score, "max_score": self.max_score,
                "first_wrong": self.first_wrong, "ecf": self.ecf, "counts": self.counts(), "notes": self.notes,
                "entries": [e.to_dict() for e in self.entries]}

    # ------------------------------------------------------------ rendering

    def render(self, fmt="text", color=False, fragment=False, **_):
        """The report as 'text', 'markdown', 'html' or 'json' (a string)."""
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt not in FORMATS:
            raise ParameterError(f"The 'fmt' parameter of GradeReport.render must be one of {', '.join(FORMATS)}. "
                                 f"Got {fmt!r}.")
        return {"text": self._text, "markdown": self._markdown, "html": self._html}[fmt](fragment=fragment)

    def _rows(self):
        for e in self.entries:
            if e.given is not None:
                given = (e.raw if e.raw is not None else num(e.given)).replace("-", "−")
            else:
                given = e.raw or ""  # a formula, as written
            expected = "" if e.expected is None else num(e.expected)
            yield e, given, expected

    def _text(self, fragment=False):
        lines = [self.title, "═" * len(self.title), self.summary(), ""]
        lines += self.notes
        width = max([len(e.label) for e in self.entries] + [5])
        for e, given, expected in self._rows():
            tag = e.status if e.status != "wrong" else f"wrong ({e.mistake})"
            lines.append(f"  {MARK[e.status]} {e.label:<{width}}  {given:>10}  {expected:>10}  {tag}")
        bad = [e for e in self.entries if e.status in ("wrong", "extra")]
        if bad:
            lines += ["", "Why:"]
            for e in bad:
                more = f" (also possible: {', '.join(e.alternatives)})" if e.alternatives else ""
                lines.append(f"  ✗ {e.message}{more}")
        legend = "✓ correct  ↪ carried (follows from your earlier numbers" + (
            ", earns credit)" if self.ecf else ", no credit)") + "  ✗ wrong  · missing  ? not on the sheet"
        return "\n".join(lines + ["", legend]) + "\n"

    def _markdown(self, fragment=False):
        out = [f"## {self.title}", "", f"**{self.summary()}**", ""]
        out += [f"> {n}" for n in self.notes]
        out += ["| | entry | name | given | right | status |", "|---|---|---|---:|---:|---|"]
        for e, given, expected in self._rows():
            status = e.status if e.status != "wrong" else f"wrong: `{e.mistake}`"
            out.append(f"| {MARK[e.status]} | {e.label} | `{e.name}` | {given} | {expected} | {status} |")
        bad = [e for e in self.entries if e.status in ("wrong", "extra")]
        if bad:
            out += ["", "### Why", ""]
            for e in bad:
                more = f" *(also possible: {', '.join(e.alternatives)})*" if e.alternatives else ""
                out.append(f"- {e.message}{more}")
        return "\n".join(out) + "\n"

    def _html(self, fragment=False):
        esc = html.escape
        colors = {"correct": "#1a7f37", "carried": "#9a6700", "wrong": "#cf222e", "missing": "#57606a",
                  "extra": "#57606a"}
        rows = []
        for e, given, expected in self._rows():
            why = esc(e.message) if e.status in ("wrong", "extra", "carried") else ""
            rows.append(f'<tr class="{e.status}"><td style="color:{colors[e.status]}">{MARK[e.status]}</td>'
                        f"<td>{esc(e.label)}</td><td><code>{esc(e.name)}</code></td><td>{esc(given)}</td>"
                        f"<td>{esc(expected)}</td><td>{esc(e.status)}"
                        f"{' · <code>' + esc(e.mistake) + '</code>' if e.mistake else ''}</td><td>{why}</td></tr>")
        body = (f'<section class="gradlab-grade"><h2>{esc(self.title)}</h2><p><strong>{esc(self.summary())}'
                f"</strong></p>{''.join(f'<p>{esc(n)}</p>' for n in self.notes)}"
                '<table><thead><tr><th></th><th>entry</th><th>name</th><th>given</th><th>right</th>'
                f"<th>status</th><th>why</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")
        if fragment:
            return body
        style = ("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
                 "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}"
                 "td:nth-child(2),td:nth-child(4),td:nth-child(5){white-space:nowrap}"
                 "tr.wrong{background:#ffebe9}tr.carried{background:#fff8c5}")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(self.title)}</title>'
                f"<style>{style}</style></head><body>{body}</body></html>\n")
