"""Public functions over the shape rows (re-exported by ``gradlab``)."""

from __future__ import annotations

__all__: list[str] = []
