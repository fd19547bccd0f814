"""A whole class: every sheet in a folder graded, a Gradescope result per sheet, and a class summary.

``grade_folder(folder, reference)`` grades each sheet (``*.csv``, ``*.json``,
``*.md``; sorted by name) and never stops on a bad one: a sheet that cannot be
read, repeats an entry or holds a non-number is listed with its reason.
:meth:`ClassReport.write` writes, per sheet, ``<sheet>/report.md``,
``<sheet>/report.html`` and ``<sheet>/results.json`` in the Gradescope
autograder format (``tests[]`` with name, score, max_score, output; a
top-level score), and for the class ``summary.md``, ``summary.html`` (a
histogram of mistake codes and the most-missed entries) and ``grades.csv``.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from dataclasses import dataclass

from ..core.errors import GradlabError, ParameterError
from ..core.files import write_atomic
from .api import grade
from .mistakes import BY_CODE, CODES

SHEET_EXTENSIONS = (".csv", ".json", ".md")
MAX_SHEETS = 10_000


def gradescope(report):
    """The Gradescope autograder result (a dict for results.json) of one GradeReport: one test per entry."""
    tests = []
    for e in report.entries:
        if e.status == "extra":
            continue
        out = e.message if e.status != "correct" else f"{e.label}: correct"
        tests.append({"name": f"{e.label} [{e.name}]", "score": e.credit, "max_score": 1.0, "output": out,
                      "status": "passed" if e.credit == 1.0 else "failed"})
    return {"score": report.score, "max_score": report.max_score, "output": report.summary(), "tests": tests}


@dataclass
class SheetResult:
    """One sheet: its file name, its GradeReport or the reason it could not be graded, and ``folder``, the
    name of its report folder (the file's stem made safe, unique within the batch)."""

    file: str
    report: object = None
    error: str | None = None
    folder: str = ""


def _folders(sheets):
    """Give every sheet a report folder of its own: ann.csv and ann.json become ann and ann_2."""
    used = set()
    for s in sheets:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.splitext(s.file)[0]).lstrip(".") or "sheet"
        name, k = base, 1
        while name.lower() in used or name.lower() in ("summary.md", "summary.html", "grades.csv"):
            k += 1
            name = f"{base}_{k}"
        used.add(name.lower())
        s.folder = name
    return sheets


class ClassReport:
    """The graded sheets of a folder (``sheets``: list of :class:`SheetResult`) and the class summary."""

    def __init__(self, sheets, title):
        self.sheets = _folders(sheets)
        self.title = title

    @property
    def graded(self):
        return [s for s in self.sheets if s.report is not None]

    @property
    def bad(self):
        return [s for s in self.sheets if s.report is None]

    def mistake_counts(self):
        """Counter {mistake code: wrong entries with it} over every graded sheet."""
        return Counter(e.mistake for s in self.graded for e in s.report.entries if e.status == "wrong")

    def most_missed(self, n=10):
        """[(entry label, name, wrong or missing count)] — the entries the class got wrong most often."""
        c = Counter((e.label, e.name) for s in self.graded for e in s.report.entries if e.status in ("wrong", "missing"))
        return [(label, name, k) for (label, name), k in c.most_common(n)]

    def scores(self):
        return [s.report.score for s in self.graded]

    # ------------------------------------------------------------ summary

    def summary_lines(self):
        sc = sorted(self.scores())
        out = [f"{len(self.graded)} sheets graded, {len(self.bad)} could not be graded."]
        if sc:
            top = self.graded[0].report.max_score
            mid = sc[len(sc) // 2] if len(sc) % 2 else (sc[len(sc) // 2 - 1] + sc[len(sc) // 2]) / 2
            out.append(f"Scores out of {top:g}: mean {sum(sc) / len(sc):.1f}, median {mid:g}, lowest {sc[0]:g}, "
                       f"highest {sc[-1]:g}; all correct: {sum(1 for s in self.graded if s.report.all_correct)}.")
        return out

    def markdown(self):
        out = [f"# {self.title}", ""] + self.summary_lines() + ["", "## Mistakes", ""]
        counts = self.mistake_counts()
        if counts:
            width = max(counts.values())
            out += ["| mistake | count | |", "|---|---:|---|"]
            for code in CODES:
                if counts.get(code):
                    out.append(f"| `{code}` ({BY_CODE[code].title}) | {counts[code]} | "
                               f"{'█' * max(1, round(20 * counts[code] / width))} |")
        else:
            out.append("No wrong entries.")
        missed = self.most_missed()
        if missed:
            out += ["", "## Most missed entries", "", "| entry | name | wrong or missing |", "|---|---|---:|"]
            out += [f"| {label} | `{name}` | {k} |" for label, name, k in missed]
        out += ["", "## Sheets", "", "| sheet | score | first wrong | mistakes |", "|---|---:|---|---|"]
        for s in self.sheets:
            if s.report is None:
                out.append(f"| {_md(s.file)} | — | could not be graded: {_md(s.error)} | |")
                continue
            r = s.report
            first, codes = _first_wrong_label(r), _mistakes_of(r, "`")
            out.append(f"| [{_md(s.file)}]({s.folder}/report.md) | {r.score:g} / {r.max_score:g} | {first} | "
                       f"{_md(codes)} |")
        return "\n".join(out) + "\n"

    def histogram_svg(self):
        """The mistake codes as an inline SVG bar chart (no script, no external font)."""
        counts = [(c, self.mistake_counts().get(c, 0)) for c in CODES]
        counts = [(c, k) for c, k in counts if k]
        if not counts:
            return "<p>No wrong entries.</p>"
        top, bar_h, left, width = max(k for _, k in counts), 22, 190, 360
        rows = []
        for i, (code, k) in enumerate(counts):
            y = 10 + i * bar_h
            w = max(2, round(width * k / top))
            rows.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="13">{html.escape(code)}'
                        f'</text><rect x="{left}" y="{y + 3}" width="{w}" height="{bar_h - 6}" fill="#cf222e">'
                        f'<title>{html.escape(BY_CODE[code].title)}: {k}</title></rect>'
                        f'<text x="{left + w + 6}" y="{y + 15}" font-size="13">{k}</text>')
        h = 20 + bar_h * len(counts)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{h}" role="img" '
                f'aria-label="mistake codes">{"".join(rows)}</svg>')

    def html(self):
        esc = html.escape
        missed = "".join(f"<tr><td>{esc(label)}</td><td><code>{esc(name)}</code></td><td>{k}</td></tr>"
                         for label, name, k in self.most_missed())
        sheets = []
        for s in self.sheets:
            if s.report is None:
                sheets.append(f"<tr><td>{esc(s.file)}</td><td>—</td><td colspan=2>could not be graded: "
                              f"{esc(s.error)}</td></tr>")
                continue
            r = s.report
            first, codes = _first_wrong_label(r), _mistakes_of(r, "")
            sheets.append(f'<tr><td><a href="{esc(s.folder)}/report.html">{esc(s.file)}</a></td>'
                          f"<td>{r.score:g} / {r.max_score:g}</td><td>{esc(first)}</td><td>{esc(codes)}</td></tr>")
        style = ("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
                 "td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(self.title)}</title>'
                f"<style>{style}</style></head><body><h1>{esc(self.title)}</h1>"
                + "".join(f"<p>{esc(x)}</p>" for x in self.summary_lines())
                + f"<h2>Mistakes</h2>{self.histogram_svg()}<h2>Most missed entries</h2><table><tr><th>entry</th>"
                f"<th>name</th><th>wrong or missing</th></tr>{missed}</table><h2>Sheets</h2><table><tr><th>sheet</th>"
                f"<th>score</th><th>first wrong</th><th>mistakes</th></tr>{''.join(sheets)}</table></body></html>\n")

    def grades_csv(self):
        lines = ["sheet,score,max_score,first_wrong,error"]
        for s in self.sheets:
            if s.report is None:
                lines.append(f"{_cell(s.file)},,,,{_cell(s.error)}")
            else:
                r = s.report
                lines.append(f"{_cell(s.file)},{r.score:g},{r.max_score:g},{_cell(r.first_wrong or '')},")
        return "\n".join(lines) + "\n"

    def write(self, out_dir):
        """Write every sheet's report and Gradescope result and the class summary; returns the paths written."""
        os.makedirs(out_dir, exist_ok=True)
        paths = []
        for s in self.graded:
            folder = os.path.join(out_dir, s.folder)
            os.makedirs(folder, exist_ok=True)
            for name, text in (("report.md", s.report.render("markdown")), ("report.html", s.report.render("html")),
                               ("results.json", json.dumps(gradescope(s.report), indent=1, ensure_ascii=False) + "\n")):
                paths.append(os.path.join(folder, name))
                write_atomic(paths[-1], text, owner="grade")
        for name, text in (("summary.md", self.markdown()), ("summary.html", self.html()),
                           ("grades.csv", self.grades_csv())):
            paths.append(os.path.join(out_dir, name))
            write_atomic(paths[-1], text, owner="grade")
        return paths


def _first_wrong_label(report):
    """The printed label of a report's first wrong entry, or ''."""
    return next((e.label for e in report.entries if e.name == report.first_wrong), "")


def _mistakes_of(report, quote):
    """The codes of a report's wrong entries and the names it gave that are not on the sheet, for a summary row."""
    text = ", ".join(sorted({e.mistake for e in report.entries if e.status == "wrong"}))
    extra = [e.name for e in report.entries if e.status == "extra"]
    if extra:
        text += ("; " if text else "") + "not on the sheet: " + ", ".join(f"{quote}{x}{quote}" for x in extra[:5])
    return text


def _md(text):
    """Text for a Markdown table cell: a '|' would end the cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cell(text):
    text = str(text)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def grade_folder(folder, reference, ecf=True, progress=None):
    """Grade every sheet in ``folder`` against ``reference``; returns a :class:`ClassReport`.

    ``progress(done, total, file)`` is called after each sheet when given.
    """
    if not os.path.isdir(folder):
        raise ParameterError(f"grade: --batch {folder!r} is not a folder of answer sheets")
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(SHEET_EXTENSIONS)
                   and os.path.isfile(os.path.join(folder, f)))
    if not files:
        raise ParameterError(f"grade: no answer sheets (*.csv, *.json, *.md) in {folder!r}")
    if len(files) > MAX_SHEETS:
        raise ParameterError(f"grade: {len(files)} sheets in {folder!r}; at most {MAX_SHEETS} per batch")
    sheets = []
    for k, f in enumerate(files, start=1):
        try:
            sheets.append(SheetResult(f, grade(reference, os.path.join(folder, f), ecf=ecf, title=f"Grade: {f}")))
        except GradlabError as exc:
            sheets.append(SheetResult(f, error=str(exc)))
        except (ValueError, OverflowError, RecursionError, MemoryError) as exc:  # never stop the class on one sheet
            sheets.append(SheetResult(f, error=f"{f}: cannot be graded ({type(exc).__name__}: {str(exc)[:100]})"))
        if progress is not None:
            progress(k, len(files), f)
    return ClassReport(sheets, f"Class summary: {getattr(reference, 'title', 'exercise')}")
