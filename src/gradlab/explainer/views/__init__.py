"""The views of an explained step: each turns an Explanation into a Document every renderer understands.

:data:`VIEWS` maps a view's name to its ``build(explanation) -> Document``;
``Explanation.view`` and ``render`` look views up here. Adding a view is one
module with a ``build`` function and one :func:`register_view` call.
"""

from __future__ import annotations

from ..graph import graph_of_explanation
from . import matrix, scalar

VIEWS = {}


def register_view(name, build):
    """Make ``build(explanation) -> Document`` the view called ``name``; returns ``build``."""
    if name in VIEWS and VIEWS[name] is not build:
        raise ValueError(f"register_view: a view named {name!r} already exists")
    VIEWS[name] = build
    return build


def _graph(exp):
    return graph_of_explanation(exp).view()


register_view("scalar", scalar.build)
register_view("matrix", matrix.build)
register_view("graph", _graph)
