"""Public functions over the convolution and pooling rows (re-exported by ``gradlab``)."""

from __future__ import annotations

__all__: list[str] = []
