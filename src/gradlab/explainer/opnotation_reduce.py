"""How the graph view writes the reduce rows: entries added to :data:`gradlab.explainer.opnotation.NOTATION`."""

from __future__ import annotations

from .opnotation import NOTATION

NOTATION.update({})
