"""``gl.grade``: grade a student's numbers against an explained step, an exercise or a perceptron trace."""

from __future__ import annotations

from ..core import constraints as C
from ..core.errors import InputTypeError, ParameterError, ParseError
from ..symbolic import check as symbolic_check
from . import names as N
from .answers import SheetError, read_answers, read_rows
from .grader import GradedEntry, grade_entries
from .perceptron import perceptron_sheet
from .report import GradeReport
from .sheet import sheet_for


def sheet_of(reference):
    """(sheet, title) of what ``grade`` may be given."""
    inner = getattr(reference, "reference", None)  # an Exercise carries its Explanation or trace
    if inner is not None and getattr(reference, "kind", None) != "symbolic":
        return sheet_of(inner)[0], reference.title
    if hasattr(reference, "trace") and hasattr(reference, "names"):
        return sheet_for(reference), reference.title
    if getattr(reference, "steps", None) is not None and hasattr(reference, "model"):
        return perceptron_sheet(reference), reference.title
    raise InputTypeError(f"grade: the reference must be an Explanation (gl.explain(...)), an exercise "
                         f"(gl.exercise(...)) or a perceptron trace; got {type(reference).__name__}")


def sheet_names(reference):
    """The canonical entry names of ``reference``'s answer sheet, in sheet order (what the template lists)."""
    sheet, _ = sheet_of(reference)
    return [e.name for e in sheet.entries]


@C.declare("grade", ecf=C.BOOL)
def grade(reference, answers, *, ecf=True, title=None):
    """Grade a student's hand-worked numbers.

    Args:
        reference: an Explanation (``gl.explain(...)``), an exercise
            (``gl.exercise(...)``) or a perceptron trace
            (``gl.explain_perceptron(...)``).
        answers: a mapping {entry name: number or text}, or the path of a
            sheet: CSV (``name,value``), JSON or a Markdown table. Entry names
            are canonical (``z[2][1]``, ``dW[2][1,2]``; see
            :mod:`gradlab.grading.names` and ``sheet_names(reference)``) or
            the scalar view's notation (``∂L/∂w₁₂⁽²⁾``, ``dL/dw12^(2)``,
            ``z_1^{(2)}``). Blank values count as missing.
        ecf: carried entries (right from the student's own wrong earlier
            numbers) earn credit (default True).
        title: the report's title.

    Returns:
        A :class:`GradeReport`: ``.entries`` (name, given, expected, status,
        mistake, alternatives, message), ``.score``, ``.max_score``,
        ``.first_wrong``, ``.render('text'|'markdown'|'html'|'json')``.

    Raises:
        SheetError: the sheet cannot be read, repeats an entry or holds a non-number.
        InputTypeError: the reference is not something gradlab can grade.
    """
    if getattr(reference, "kind", None) == "symbolic":
        return _grade_formula(reference, answers, ecf, title)
    sheet, ref_title = sheet_of(reference)
    given, unknown = read_answers(answers, sheet.resolve)
    entries = grade_entries(sheet, given, ecf=ecf)
    for raw, (value, decimals) in unknown:
        entries.append(GradedEntry(raw, raw, value, None, "extra", message=(
            f"{raw!r} is not an entry of this sheet; names look like {sheet.example_names()} "
            "(see the template for all of them)")))
    return GradeReport(entries, title=title or f"Grade: {ref_title}", ecf=ecf)


def _grade_formula(ex, answers, ecf, title):
    """A symbolic exercise: the row 'answer' (or ∂L/∂<variable>) holds a formula, graded by symbolic.check."""
    spec = ex.spec
    wrt = spec["wrt"]
    accepted = {"answer", f"dL/d{wrt}", f"∂L/∂{wrt}", f"d L/d {wrt}"}
    where, rows = read_rows(answers)
    found = [(line, raw) for line, name, raw in rows if str(name).strip() in accepted]
    if len(found) > 1:
        raise SheetError(f"{where}: the answer is given {len(found)} times "
                         f"({', '.join(str(line) for line, _ in found)})")
    label = f"∂L/∂{wrt}"
    if not found or not str(found[0][1]).strip():
        entry = GradedEntry("answer", label, None, None, "missing", message=f"{label}: missing — it is "
                            f"{spec['answer']}.")
        return GradeReport([entry], title=title or f"Grade: {ex.title}", ecf=ecf)
    text = str(found[0][1]).strip()
    if len(text) > 2000:
        raise SheetError(f"{where}: the answer is {len(text)} characters long; a formula has at most 2000")
    try:
        verdict = symbolic_check(spec["expression"], wrt, text, shapes=spec["shapes"])
    except (ParseError, ParameterError) as exc:  # not a formula that can be graded: the sheet is refused, as a
        raise SheetError(f"{where}: the answer {text[:60]!r} cannot be read as a formula: {exc}") from None  # non-number
    ok = verdict.verdict == "equivalent"
    entry = GradedEntry("answer", label, None, None, "correct" if ok else "wrong",
                        None if ok else verdict.verdict, [], f"{label}: {verdict.message}", credit=1.0 if ok else 0.0,
                        raw=text)
    return GradeReport([entry], title=title or f"Grade: {ex.title}", ecf=ecf)


__all__ = ["grade", "sheet_names", "GradeReport", "N"]
