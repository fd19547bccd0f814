"""scikit-learn estimators over gradlab networks (``gl.sklearn``)."""

from __future__ import annotations
