"""The rule tables (one file per family) and the public functions over them.

Importing this package registers every row: after ``import gradlab``,
``gl.PRIMITIVES`` is complete.
"""

from . import activations, conv, decomp, elementwise, linalg, losses, mathfn, nn, reduce, shape  # noqa: F401  (register the rows)
from .api import *  # noqa: F401,F403
from .api import XP  # noqa: F401
from .api_activations import *  # noqa: F401,F403
from .api_conv import *  # noqa: F401,F403
from .api_creation import *  # noqa: F401,F403
from .api_linalg import *  # noqa: F401,F403
from .api_math import *  # noqa: F401,F403
from .api_reduce import *  # noqa: F401,F403
from .api_shape import *  # noqa: F401,F403
