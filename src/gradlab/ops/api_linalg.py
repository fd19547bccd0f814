"""Public functions over the linalg rows (re-exported by ``gradlab``)."""

from __future__ import annotations

__all__: list[str] = []
