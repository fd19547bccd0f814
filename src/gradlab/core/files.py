"""Atomic file writes: a temporary file beside the target, then one rename.

A reader (or a crash) never sees half a file: either the old file or the
new one exists. The new file gets the usual permissions (0666 minus the
umask), not the private 0600 of a temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, suffix: str = ".tmp"):
    """Yield a temporary file name beside ``path``; on success rename it over ``path``.

    Parent folders are created. On any exception (KeyboardInterrupt too) the
    temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path, data) -> None:
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically, flushed to disk."""
    with atomic_path(path) as tmp:
        mode = "wb" if isinstance(data, (bytes, bytearray, memoryview)) else "w"
        with open(tmp, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
