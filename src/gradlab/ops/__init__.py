"""The rule tables (one file per family) and the public functions over them."""

from . import elementwise, linalg, nn, reduce, shape  # noqa: F401  (register the rows)
from .api import *  # noqa: F401,F403
from .api import XP  # noqa: F401
