"""Check my work: grade hand-worked backprop sheets, say why a number is wrong, make exercises.

:func:`grade` grades a student's numbers against an explained step
(``gl.explain``), an exercise or a perceptron trace and returns a
:class:`GradeReport`; :mod:`gradlab.grading.mistakes` is the catalogue of
mistakes it recognises; :mod:`gradlab.grading.names` the entry names; :func:`exercise` makes an exercise
with its answer sheet and key, :func:`load_exercise` reads the key back, and
:func:`grade_folder` grades a class.
"""

from .answers import SheetError, read_answers
from .api import grade, sheet_names
from .batch import ClassReport, grade_folder, gradescope
from .exercise import Exercise, exercise
from .keyfile import ExerciseError, load_exercise
from .grader import GradedEntry
from .mistakes import CATALOGUE, CODES
from .report import GradeReport

__all__ = ["grade", "sheet_names", "GradeReport", "GradedEntry", "SheetError", "CATALOGUE", "CODES",
           "read_answers", "exercise", "Exercise", "load_exercise", "ExerciseError", "grade_folder", "ClassReport",
           "gradescope"]
