"""Model files: ``gl.save(model, path)`` and ``gl.load(path)``.

See :mod:`gradlab.io.model_file` for the format.
"""

from __future__ import annotations

from .model_file import FORMAT, FORMAT_VERSION, load, read_metadata, save

__all__ = ["save", "load", "read_metadata", "FORMAT", "FORMAT_VERSION"]
