"""Check my work: grade hand-worked backprop sheets, say why a number is wrong, make exercises.

:func:`grade` grades a student's numbers against an explained step
(``gl.explain``), an exercise or a perceptron trace and returns a
:class:`GradeReport`; :mod:`gradlab.grading.mistakes` is the catalogue of
mistakes it recognises; :mod:`gradlab.grading.names` the entry names.
"""

from .answers import SheetError, read_answers
from .api import grade, sheet_names
from .grader import GradedEntry
from .mistakes import CATALOGUE, CODES
from .report import GradeReport

__all__ = ["grade", "sheet_names", "GradeReport", "GradedEntry", "SheetError", "CATALOGUE", "CODES",
           "read_answers"]
