"""The rule tables (one file per family) and the public functions over them.

Importing this package registers every row: after ``import gradlab``,
``gl.PRIMITIVES`` is complete.
"""

from . import elementwise, linalg, losses, nn, reduce, shape  # noqa: F401  (register the rows)
from .api import *  # noqa: F401,F403
from .api import XP  # noqa: F401
