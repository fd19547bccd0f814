"""gradlab.nn: losses_more (re-exported by ``gradlab.nn``)."""

from __future__ import annotations

__all__: list[str] = []
