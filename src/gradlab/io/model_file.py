"""Model files in the safetensors format, with the architecture in the metadata.

A file is a safetensors file (an 8-byte little-endian header length, a JSON
header, then the raw tensor bytes): one tensor per entry of ``state_dict()`` —
each parameter and buffer (BatchNorm's running_mean, running_var and the int64
num_batches_tracked) under its dotted name ('0.weight', '1.running_mean') —
and string metadata:

=================  ==========================================================
format             'gradlab-model' — files of any other kind are rejected
format_version     '1'
architecture       JSON of ``model.to_config()``: enough to rebuild the model
sha256             checksum of the names, dtypes, shapes and bytes of every
                   tensor: it catches accidental damage, not forgery (anyone
                   who edits a file can recompute it; it is not a signature)
metadata           JSON of the user's ``metadata`` dict (may be 'null')
gradlab_version    the version that wrote the file
=================  ==========================================================

Loading treats every file as hostile and runs no code (no pickle). Before
anything is allocated the loader checks, in order: that the path is a regular
file (after symlinks) of at most ``max_bytes`` (default 2 GiB); the header
length field (at most 8 MiB); the nesting depth and size of every JSON text
(scanned before ``json.loads``); every header entry (dtype, shape, offsets
covering the data exactly); the architecture field by field (only Sequential,
MLP, Linear, the activations, Conv1d, Conv2d, ConvTranspose2d, MaxPool2d,
AvgPool2d, AdaptiveAvgPool2d, Flatten, Unflatten, BatchNorm1d, BatchNorm2d,
LayerNorm, Dropout, Embedding and Standardize; at most 10,000 modules, 16 nested
containers, kernel sizes, strides, paddings and dilations at most 1,024); and
that the tensors present are exactly the parameters and buffers it declares,
F64 or F32 as declared (I64 for num_batches_tracked). Only then is the model
built (linear time),
filled straight from the file, its checksum compared, and the stored values
that must be in range checked (a Standardize's mean finite, std finite and
> 0). A model saved with ``standardizer=`` (or by ``gradlab train
--standardize``) starts with a ``gl.nn.Standardize`` layer, so ``predict``
takes raw inputs. Limits:
:mod:`gradlab.io.limits`; the full list: ``docs/safety.md``.

Writes are atomic (:mod:`gradlab.core.files`): the bytes go to a temporary
file in the same directory, which then replaces the target with
``os.replace``, so a crash mid-save leaves the previous file whole.
safetensors (the optional extra ``gradlab[io]``) is needed to save.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

import numpy as np

from ..core.constraints import POSITIVE_INT, declare
from ..core.errors import InputTypeError, ModelFileError, ParameterError, require
from ..core.version import __version__
from ..core.files import write_atomic as _write_atomic
from . import architecture as arch
from . import limits
from .container import fail, open_model_file, read_header, string_metadata, tensor_table
from .limits import DEFAULT_MAX_BYTES, JSONLimitError
from ..core.errors import GradlabError
from ..core.graph import no_grad
from ..core.tensor import Tensor
from ..nn.containers import Sequential
from ..nn.module import Module
from ..nn.preprocess import Standardize

FORMAT = "gradlab-model"
FORMAT_VERSION = "1"
_CODES = {"float64": "F64", "float32": "F32", "int64": "I64"}


def checksum(tensors: dict) -> str:
    """sha256 over the sorted names, dtypes, shapes and bytes of ``tensors`` (detects damage, not forgery)."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        arr = np.asarray(tensors[name], order="C")  # not ascontiguousarray: it makes a 0-d array 1-d
        h.update(f"{name}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr)
    return h.hexdigest()


def _version():
    return __version__


def _path_arg(path, owner) -> str:
    try:
        return os.fspath(path)
    except TypeError:
        raise InputTypeError(f"{owner}: the path must be a str or os.PathLike, got {type(path).__name__}") from None


# ------------------------------------------------------------------- saving
def _dump_metadata(metadata) -> str:
    try:
        user = json.dumps(metadata)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InputTypeError(f"save: metadata must be JSON-serialisable (dicts, lists, str, numbers): "
                             f"{str(exc)[:120]}") from None
    try:
        limits.check_json_size(user)
    except JSONLimitError as exc:
        raise ParameterError(f"save: the metadata {exc}, so the file could not be loaded back") from None
    return user


def _plan_to_save(model, config, tensors):
    try:
        plan = arch.plan(config)
    except arch.ArchitectureError as exc:
        raise ParameterError(f"save: this model cannot be stored in a model file: {exc}") from None
    got = [(n, a.shape, a.dtype.name) for n, a in tensors.items()]
    if got != [(n, tuple(s), d) for n, s, d in plan.params]:
        raise ParameterError(f"save: the parameters of this {type(model).__name__} do not match its own "
                             "to_config(), so the file could not be loaded back")
    return plan


def with_standardizer(model, standardizer):
    """``Sequential(Standardize, model)`` for :func:`save`: checked to take the samples the standardizer scales."""
    if isinstance(standardizer, Standardize):
        layer = standardizer
    elif hasattr(standardizer, "mean_") and hasattr(standardizer, "scale_"):  # gl.data's Standardizer (or alike)
        dtype = {np.dtype(np.float32): "float32"}.get(next((p.data.dtype for p in model.parameters()), None))
        try:
            layer = Standardize.from_standardizer(standardizer, dtype=dtype)
        except GradlabError as exc:
            raise ParameterError(f"save: standardizer= cannot be stored: {exc}") from None
    else:
        raise InputTypeError(f"save: standardizer must be a fitted gl.data.Standardizer or a gl.nn.Standardize "
                             f"layer, got {type(standardizer).__name__}")
    first = model
    while isinstance(first, Sequential) and first._module_names:
        first = first.__dict__[first._module_names[0]]
    if isinstance(first, Standardize):
        raise ParameterError("save: the model already starts with a Standardize layer, so standardizer= would "
                             "scale its inputs twice; pass standardizer=None")
    probe = np.zeros((2, *layer.shape), dtype=layer.mean.data.dtype)
    try:
        with model.evaluating(), no_grad():
            model(Tensor(probe))
    except GradlabError as exc:
        raise ParameterError(f"save: the standardizer scales samples of shape {layer.shape} but the model does not "
                             f"take inputs of shape (N, {', '.join(map(str, layer.shape))}) ({str(exc)[:160]})") \
            from None
    return Sequential(layer, model)


def save(model, path, metadata=None, standardizer=None) -> None:
    """Write ``model`` (a Sequential/MLP of the layers :mod:`gradlab.io.architecture` lists) to ``path``.

    Every parameter and buffer is stored (BatchNorm's running statistics included), so the loaded model in
    eval mode computes exactly what the saved one does. The training/eval mode itself is not stored: a loaded
    model is in training mode, as a new one; call ``.eval()`` before predicting with BatchNorm or Dropout.

    With ``standardizer`` (a fitted ``gl.data.Standardizer``, or a ``gl.nn.Standardize`` layer) the file holds
    ``Sequential(Standardize(mean, std), model)``: ``load(path).predict(X_raw)`` equals
    ``model.predict(standardizer.transform(X_raw))``; the in-memory ``model`` is not changed.

    Args:
        model: a gradlab Module whose ``to_config()`` describes it.
        path: the file to write (conventionally ``*.safetensors``); replaced
            atomically (a symlink is followed; see :mod:`gradlab.core.files`).
        metadata: optional JSON-able dict stored with the model (read it back
            with :func:`read_metadata` or ``load(path, return_metadata=True)``).
        standardizer: None, a fitted Standardizer (anything with ``mean_`` and ``scale_``) or a Standardize
            layer: the input scaling to store first.
    Raises:
        InputTypeError: the model cannot describe itself, or metadata is not JSON-able.
        ParameterError: the model or metadata break a limit of the loader, the standardizer is not fitted or
            does not fit the model's input, or ``path`` cannot be written (the message names it and says why).
    """
    st = require("safetensors.numpy", "io")

    if not isinstance(model, Module):
        raise InputTypeError(f"save: expected a gradlab Module, got {type(model).__name__}")
    path = _path_arg(path, "save")
    if standardizer is not None:
        model = with_standardizer(model, standardizer)
    config = model.to_config()
    user = _dump_metadata(metadata)
    tensors = {name: np.asarray(arr, order="C") for name, arr in model.state_dict().items()}
    plan = _plan_to_save(model, config, tensors)
    try:
        arch.check_values(plan, tensors)
    except arch.ArchitectureError as exc:
        raise ParameterError(f"save: this model cannot be stored in a model file: {exc}") from None
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": json.dumps(config),
        "sha256": checksum(tensors),
        "metadata": user,
        "gradlab_version": _version(),
    }
    data = st.save(tensors, metadata=header)
    n = int.from_bytes(data[:8], "little")
    if n > limits.MAX_HEADER_BYTES:
        raise ParameterError(f"save: the file header would be {n:,} bytes, more than the {limits.MAX_HEADER_BYTES:,} "
                             "a model file may have; store less metadata")
    write_atomic(path, data)


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path``: a temporary file beside it, then renamed over it (see :mod:`gradlab.core.files`)."""
    _write_atomic(path, data, owner="save")


# ------------------------------------------------------------------ loading
def _model_metadata(header, path) -> dict:
    meta = string_metadata(header, path)
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"load: {path} is a safetensors file but not a gradlab model "
                             f"(format marker {FORMAT!r} missing)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"load: {path} has gradlab model format version {meta.get('format_version')!r:.40}; "
                             f"this gradlab reads version {FORMAT_VERSION}")
    for key in ("architecture", "sha256"):
        if key not in meta:
            raise fail(path, f"the field {key!r} of the header's __metadata__ is missing")
    return meta


def _user_metadata(meta, path):
    try:
        return limits.loads(meta.get("metadata", "null"))
    except JSONLimitError as exc:
        raise fail(path, f"the stored user metadata (field 'metadata') {exc}") from None


def _plan(meta, path) -> arch.Plan:
    try:
        config = limits.loads(meta["architecture"])
    except JSONLimitError as exc:
        raise fail(path, f"the architecture cannot be rebuilt: its JSON (field 'architecture') {exc}") from None
    try:
        return arch.plan(config)
    except arch.ArchitectureError as exc:
        raise fail(path, f"the architecture cannot be rebuilt: {exc}") from None


def _check_tensors(plan, table, path, data_len):
    """Every declared parameter and buffer is present with its dtype and shape, and nothing else is: before any
    allocation."""
    names = [n for n, _, _ in plan.params]
    missing, extra = sorted(set(names) - set(table)), sorted(set(table) - set(names))
    if missing or extra:
        raise fail(path, f"the tensors disagree with the architecture: missing {missing[:20]}, "
                         f"unexpected {extra[:20]}")
    for name, _, dtype in plan.params:
        code = table[name][0]
        if code not in _CODES.values():
            raise fail(path, f"tensor {name!r} has dtype {code}; a gradlab model stores F64 or F32 only (I64 for "
                             "num_batches_tracked)")
        if code != _CODES[dtype]:
            raise fail(path, f"tensor {name!r} is {code} but the architecture declares {dtype} "
                             f"({_CODES[dtype]}); values are never converted on load")
    declared = plan.nbytes
    if declared > data_len:
        raise fail(path, f"the tensors disagree with the architecture: it declares {declared:,} bytes of "
                         f"parameters but the file holds {data_len:,} (buffers count as parameters here)")
    for name, shape, _ in plan.params:
        if table[name][1] != shape:
            raise fail(path, f"the tensors disagree with the architecture: tensor {name!r} must have shape {shape} "
                             f"as the architecture declares, but the file has {table[name][1]}")


def _build(plan, path):
    """``(model, its named parameters)``, built from the checked plan."""
    try:
        model = arch.build(plan.config)
        return model, arch.check_built(model, plan)
    except (arch.ArchitectureError, ValueError, TypeError, KeyError) as exc:
        raise fail(path, f"the architecture cannot be rebuilt ({str(exc)[:200]})") from None


def _fill(named, f, start, table, path):
    """Read each parameter's and buffer's bytes from the file straight into the model's array."""
    for name, p in named:
        arr = p.data
        if arr.nbytes == 0:
            continue
        f.seek(start + table[name][2])
        if f.readinto(memoryview(arr.reshape(-1)).cast("B")) != arr.nbytes:  # reshape: a view; 0-d made 1-d
            raise fail(path, f"the file is truncated: the data of tensor {name!r} ends early (it changed while "
                             "being read)")
        if sys.byteorder != "little":  # pragma: no cover - safetensors stores little-endian
            arr.byteswap(inplace=True)


def _read_model(f, size, path):
    header, start = read_header(f, size, path)
    meta = _model_metadata(header, path)
    table = tensor_table(header, path, size - start)
    user = _user_metadata(meta, path)
    plan = _plan(meta, path)
    _check_tensors(plan, table, path, size - start)
    model, named = _build(plan, path)
    _fill(named, f, start, table, path)
    state = {n: p.data for n, p in named}
    if meta["sha256"] != checksum(state):
        raise ModelFileError(f"load: {path} was modified after it was saved: its checksum does not match its tensors")
    try:
        arch.check_values(plan, state)
    except arch.ArchitectureError as exc:
        raise fail(path, f"the stored values cannot be used: {exc}") from None
    return model, user


def read_metadata(path):
    """The user metadata stored by :func:`save` (None if none was given); reads the header only."""
    path = _path_arg(path, "read_metadata")
    with open_model_file(path, None) as (f, size):
        header, start = read_header(f, size, path)
        meta = _model_metadata(header, path)
        tensor_table(header, path, size - start)
        return _user_metadata(meta, path)


@declare(max_bytes=POSITIVE_INT)
def load(path, return_metadata: bool = False, max_bytes: int = DEFAULT_MAX_BYTES):
    """Rebuild the model saved at ``path``; no code from the file runs.

    Returns the Module (float64 unless it was saved as float32), or
    ``(model, metadata)`` with ``return_metadata=True``.

    Args:
        path: a regular file (symlinks are followed); pipes and devices are refused.
        max_bytes: refuse files bigger than this (default 2 GiB).

    Raises:
        ModelFileError: the file is missing, not a regular file, too big,
            truncated, not a gradlab model, breaks a limit, declares fields of
            the wrong type, has tensors that disagree with its architecture
            (names, shapes, dtypes), or fails its checksum.
    """
    path = _path_arg(path, "load")
    with open_model_file(path, int(max_bytes)) as (f, size):
        model, user = _read_model(f, size, path)
    return (model, user) if return_metadata else model
