"""Model files in the safetensors format, with the architecture in the metadata.

A file is a safetensors file (an 8-byte little-endian header length, a JSON
header, then the raw tensor bytes): one tensor per parameter under its dotted
name ('0.weight'), and string metadata:

=================  ==========================================================
format             'gradlab-model' — files of any other kind are rejected
format_version     '1'
architecture       JSON of ``model.to_config()``: enough to rebuild the model
sha256             checksum of the names, dtypes, shapes and bytes of every
                   tensor, so a tampered or damaged file is caught
metadata           JSON of the user's ``metadata`` dict (may be 'null')
gradlab_version    the version that wrote the file
=================  ==========================================================

Loading runs no code (no pickle): JSON is parsed, arrays are read, and the
model is rebuilt with :func:`gradlab.nn.from_config`. Writes are atomic: the
bytes go to a temporary file in the same directory, which then replaces the
target with ``os.replace``, so a crash mid-save leaves the previous file whole.
safetensors is the optional extra ``gradlab[io]``.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from ..core.errors import InputTypeError, ModelFileError, ShapeError, require
from ..core.files import write_atomic as _write_atomic

FORMAT = "gradlab-model"
FORMAT_VERSION = "1"


def checksum(tensors: dict) -> str:
    """sha256 over the sorted names, dtypes, shapes and bytes of ``tensors``."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _version():
    from .. import __version__

    return __version__


def save(model, path, metadata=None) -> None:
    """Write ``model`` (a Sequential/MLP of Linear layers and activations) to ``path``.

    Args:
        model: a gradlab Module whose ``to_config()`` describes it.
        path: the file to write (conventionally ``*.safetensors``); replaced atomically.
        metadata: optional JSON-able dict stored with the model (read it back
            with :func:`read_metadata` or ``load(path, return_metadata=True)``).
    """
    st = require("safetensors.numpy", "io")
    from ..nn.module import Module

    if not isinstance(model, Module):
        raise InputTypeError(f"save: expected a gradlab Module, got {type(model).__name__}")
    config = model.to_config()
    try:
        user = json.dumps(metadata)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"save: metadata must be JSON-serialisable (dicts, lists, str, numbers): {exc}") from None
    tensors = {name: np.ascontiguousarray(arr) for name, arr in model.state_dict().items()}
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": json.dumps(config),
        "sha256": checksum(tensors),
        "metadata": user,
        "gradlab_version": _version(),
    }
    data = st.save(tensors, metadata=header)
    write_atomic(os.fspath(path), data)


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    _write_atomic(path, data)


def _read_header(path, blob):
    """The JSON header of a safetensors blob, checking its length fields."""
    if len(blob) < 8:
        raise ModelFileError(f"load: {path} is truncated or not a model file ({len(blob)} bytes)")
    n = int.from_bytes(blob[:8], "little")
    if 8 + n > len(blob):
        raise ModelFileError(f"load: {path} is truncated or not a safetensors file: its header claims {n} bytes "
                             f"but the file has {len(blob)}")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelFileError(f"load: {path} is not a safetensors model file (its header is not JSON)") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"load: {path} is not a safetensors model file (bad header)")
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            end = max(end, int(info["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError):
            raise ModelFileError(f"load: {path}: the entry for tensor {name!r} is malformed") from None
    if 8 + n + end != len(blob):
        raise ModelFileError(f"load: {path} is truncated or has extra bytes: the header describes "
                             f"{8 + n + end} bytes but the file has {len(blob)}")
    return header


def _metadata_of(path, header):
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"load: {path} is a safetensors file but not a gradlab model "
                             f"(format marker {FORMAT!r} missing)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"load: {path} has gradlab model format version {meta.get('format_version')!r}; "
                             f"this gradlab reads version {FORMAT_VERSION}")
    return meta


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise ModelFileError(f"load: no such file: {path}") from None
    except IsADirectoryError:
        raise ModelFileError(f"load: {path} is a directory, not a model file") from None


def read_metadata(path) -> dict:
    """The user metadata stored by :func:`save` (None if none was given)."""
    path = os.fspath(path)
    meta = _metadata_of(path, _read_header(path, _read(path)))
    try:
        return json.loads(meta.get("metadata", "null"))
    except ValueError:
        raise ModelFileError(f"load: {path}: the stored metadata is not valid JSON") from None


def load(path, return_metadata: bool = False):
    """Rebuild the model saved at ``path``; no code from the file runs.

    Returns the Module (float64 unless it was saved as float32), or
    ``(model, metadata)`` with ``return_metadata=True``.

    Raises:
        ModelFileError: the file is missing, truncated, not a gradlab model,
            tampered with (checksum), or its tensors disagree with its architecture.
    """
    st = require("safetensors.numpy", "io")
    from ..nn.module import from_config

    path = os.fspath(path)
    blob = _read(path)
    header = _read_header(path, blob)
    meta = _metadata_of(path, header)
    try:
        tensors = st.load(blob)
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"load: {path}: the tensor data cannot be read ({exc})") from None
    if meta.get("sha256") != checksum(tensors):
        raise ModelFileError(f"load: {path} was modified after it was saved: its checksum does not match its tensors")
    try:
        config = json.loads(meta["architecture"])
        model = from_config(config)
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"load: {path}: the architecture cannot be rebuilt ({exc})") from None
    expected = {name: p.shape for name, p in model.named_parameters()}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(f"load: {path}: the tensors disagree with the architecture: missing {missing}, "
                             f"unexpected {extra}")
    try:
        model.load_state_dict(tensors)
    except ShapeError as exc:
        raise ModelFileError(f"load: {path}: the tensors disagree with the architecture: {exc}") from None
    if return_metadata:
        return model, json.loads(meta.get("metadata", "null"))
    return model
