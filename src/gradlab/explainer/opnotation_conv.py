"""How the graph view writes the convolution and pooling rows: entries added to ``opnotation.NOTATION``."""

from __future__ import annotations

from .opnotation import NOTATION

NOTATION.update({})
