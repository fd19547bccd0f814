"""gradlab.nn: utils (re-exported by ``gradlab.nn``)."""

from __future__ import annotations

__all__: list[str] = []
