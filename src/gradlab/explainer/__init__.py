"""The explainer (``gradlab.explainer``; ``gl.explain`` is its main function): every number of a forward pass, backward pass and update, in three views.

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

from .api import explain
from .examples import EXAMPLES, example
from .explanation import NAMES, Explanation
from .graph import GraphExplanation, explain_graph
from .perceptron import PerceptronExplanation, explain_perceptron
from .trace import Conventions


__all__ = ["explain", "explain_graph", "example", "Explanation", "GraphExplanation", "Conventions", "EXAMPLES",
           "NAMES", "explain_perceptron", "PerceptronExplanation"]
