"""Crafting safetensors containers by hand, for the tests that feed the loader hostile files."""

import json
import struct


def container(tensors, meta, header_text=None):
    """Safetensors bytes from {name: (dtype code, shape, raw bytes)} and string metadata (or a raw header)."""
    header, offset, blobs = {}, 0, []
    for name, (code, shape, data) in tensors.items():
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header["__metadata__"] = meta
    raw = (json.dumps(header) if header_text is None else header_text).encode()
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)
