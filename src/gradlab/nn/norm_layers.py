"""gradlab.nn: norm_layers (re-exported by ``gradlab.nn``)."""

from __future__ import annotations

__all__: list[str] = []
