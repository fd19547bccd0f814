"""The explainer: every number of a forward pass, backward pass and update, in three views.

* :func:`explain` — a layered network on (x, y): an :class:`Explanation` whose
  quantities have stable names (``z[1]``, ``a[2]``, ``delta[3]``, ``dW[2]``,
  ``W_new[1]``, ``dL/dx``) and whose scalar and matrix views render as text,
  Markdown, LaTeX, HTML or JSON.
* :func:`explain_graph` — any gradlab function: the computational graph with
  every node's value, local derivative and gradient.
* :func:`example` — the built-in examples ``course``, ``relu-mse``,
  ``two-layer``, ``perceptron``.
"""

from __future__ import annotations

import sys
import types

from .api import explain
from .examples import EXAMPLES, example
from .explanation import NAMES, Explanation
from .trace import Conventions


def __getattr__(name):
    if name in ("explain_graph", "GraphExplanation"):
        from . import graph

        return getattr(graph, name)
    if name in ("explain_perceptron", "PerceptronExplanation"):
        from . import perceptron

        return getattr(perceptron, name)
    raise AttributeError(f"module 'gradlab.explain' has no attribute {name!r}")


__all__ = ["explain", "explain_graph", "example", "Explanation", "GraphExplanation", "Conventions", "EXAMPLES",
           "NAMES", "explain_perceptron", "PerceptronExplanation"]


class _CallableModule(types.ModuleType):
    """Importing ``gradlab.explain`` makes ``gl.explain`` this module (Python sets the package
    attribute to the submodule); calling it still explains, so ``gl.explain(model, x, y, loss)``
    works whether or not the submodule was imported first."""

    def __call__(self, *args, **kwargs):
        return explain(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
