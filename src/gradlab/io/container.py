"""Reading the safetensors container of a model file, treating every byte as hostile.

A safetensors file is an 8-byte little-endian header length n, n bytes of
JSON header, then the tensor bytes. The header maps each tensor name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets into the data
region) and ``"__metadata__"`` to a dict of strings. Nothing here allocates
more than the file's header (bounded) before the header has been checked.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat

from ..core.errors import ModelFileError
from . import limits
from .limits import JSONLimitError

#: bytes per element of every safetensors dtype (a gradlab model uses F64 and F32 only)
ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4,
            "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1, "C64": 8}
_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


def fail(path, what: str) -> ModelFileError:
    """The one error of the loader: ``load: PATH: WHAT``."""
    return ModelFileError(f"load: {path}: {what}")


def _regular_size(path, max_bytes) -> int:
    """The size of ``path``, refusing what is not a regular file (after symlinks) or too big."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(f"load: no such file: {path}") from None
    except OSError as exc:
        raise fail(path, f"the file cannot be opened ({(exc.strerror or str(exc)).lower()})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFileError(f"load: {path} is a directory, not a model file")
    if not stat.S_ISREG(st.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
        raise fail(path, f"it is {kind}, not a regular file; only regular files are read as model files")
    if max_bytes is not None and st.st_size > max_bytes:
        raise fail(path, f"the file is {st.st_size:,} bytes, more than the limit of {max_bytes:,} "
                         "(pass max_bytes= to load a bigger one)")
    return st.st_size


@contextlib.contextmanager
def open_model_file(path, max_bytes):
    """Yield ``(binary file, size)`` for a regular file of at most ``max_bytes`` bytes (None: any size).

    The type is checked before opening (a named pipe would block, a device
    never ends) and again on the open descriptor (the path may change between).
    """
    _regular_size(path, max_bytes)
    try:
        flags = [getattr(os, f, 0) for f in ("O_NONBLOCK", "O_CLOEXEC", "O_NOCTTY", "O_BINARY")]
        fd = os.open(path, os.O_RDONLY | flags[0] | flags[1] | flags[2] | flags[3])  # a pipe swapped in cannot block
    except OSError as exc:
        raise fail(path, f"the file cannot be opened ({(exc.strerror or str(exc)).lower()})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (max_bytes is not None and st.st_size > max_bytes):
            raise fail(path, "the file changed while it was opened into something that is not a regular file "
                             "within the size limit")
        yield f, st.st_size


def read_exactly(f, n, path, what) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise fail(path, f"the file is truncated: {what} needs {n:,} bytes but only {len(data):,} remain")
    return data


def read_header(f, size, path) -> tuple:
    """``(header dict, start of the data region)``; the length field is checked before the header is read."""
    if size < 8:
        raise fail(path, f"the file is truncated or not a model file: it has {size} bytes, fewer than the 8 of "
                         "a safetensors length field")
    n = int.from_bytes(read_exactly(f, 8, path, "the length field"), "little")
    if n > limits.MAX_HEADER_BYTES:
        raise fail(path, f"the header length field says {n:,} bytes, more than the limit of "
                         f"{limits.MAX_HEADER_BYTES:,} (the file is truncated, damaged or not a model file)")
    if 8 + n > size:
        raise fail(path, f"the file is truncated or not a safetensors file: its header claims {n:,} bytes but "
                         f"the file has {size:,}")
    raw = read_exactly(f, n, path, "the header")
    try:
        header = limits.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise fail(path, "the header is not UTF-8 text, so this is not a safetensors model file") from None
    except JSONLimitError as exc:
        raise fail(path, f"the header {exc}, so this is not a readable safetensors model file") from None
    if not isinstance(header, dict):
        raise fail(path, f"the header is a JSON {type(header).__name__}, not an object, so this is not a "
                         "safetensors model file")
    return header, 8 + n


def _tensor_entry(path, name, info) -> tuple:
    """``(dtype, shape, begin, end)`` of one header entry, every field checked."""
    where = f"the header entry of tensor {name!r:.80}"
    if not isinstance(info, dict) or set(info) != _ENTRY_KEYS:
        raise fail(path, f"{where} must be an object with exactly the keys dtype, shape and data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in ITEMSIZE:
        raise fail(path, f"{where} has dtype {dtype!r:.40}, which is not a safetensors dtype")
    if not (isinstance(shape, list) and len(shape) <= limits.MAX_NDIM
            and all(type(s) is int and s >= 0 for s in shape)):
        raise fail(path, f"{where} has shape {shape!r:.80}; expected a list of at most {limits.MAX_NDIM} ints ≥ 0")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
            and 0 <= offsets[0] <= offsets[1]):
        raise fail(path, f"{where} has data_offsets {offsets!r:.80}; expected [begin, end] with 0 ≤ begin ≤ end")
    nbytes = math.prod(shape) * ITEMSIZE[dtype]
    if nbytes != offsets[1] - offsets[0]:
        raise fail(path, f"{where} has shape {tuple(shape)} of {dtype} ({nbytes:,} bytes) but data_offsets "
                         f"spanning {offsets[1] - offsets[0]:,} bytes")
    return dtype, tuple(shape), offsets[0], offsets[1]


def tensor_table(header, path, data_len) -> dict:
    """{name: (dtype, shape, begin, end)}: entries checked, covering the data region exactly, without overlap."""
    table = {}
    for name, info in header.items():
        if name != "__metadata__":
            table[name] = _tensor_entry(path, name, info)
    end = 0
    for name, (_, _, begin, stop) in sorted(table.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != end:
            raise fail(path, f"the data of tensor {name!r:.80} starts at byte {begin:,} of the data region, "
                             f"not at {end:,} where the previous tensor ends (overlap or gap)")
        end = stop
    if end != data_len:
        kind = "truncated" if end > data_len else "has extra bytes"
        raise fail(path, f"the file is {kind}: the header describes {end:,} bytes of tensor data but the file "
                         f"holds {data_len:,}")
    return table


def string_metadata(header, path) -> dict:
    """The ``__metadata__`` dict of the header: string keys to string values, as safetensors requires."""
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise fail(path, "the header's __metadata__ must be an object of strings")
    return meta
