"""The limits a model file must keep, and JSON parsing bounded by them.

Every number here is checked *before* the work it bounds: the header length
field before the header is read, the nesting depth and the number of JSON
items before ``json.loads`` runs (by a scan of the text that skips strings),
the declared parameter sizes before anything is allocated.
"""

from __future__ import annotations

import json

import numpy as np

#: default cap on the size of a model file (``load(..., max_bytes=...)`` changes it)
DEFAULT_MAX_BYTES = 2 * 1024 ** 3
#: the JSON header of the safetensors container
MAX_HEADER_BYTES = 8 * 1024 ** 2
#: nesting of brackets in any JSON text of the file (header, architecture, user metadata)
MAX_JSON_DEPTH = 64
#: brackets, commas and colons in one JSON text: bounds the Python objects json.loads makes
MAX_JSON_ITEMS = 500_000
#: modules in an architecture (every layer, activation and container counts one)
MAX_MODULES = 10_000
#: containers (Sequential, MLP) nested in one another
MAX_NESTING = 16
#: dimensions of one tensor (also: entries of LayerNorm's normalized_shape and Unflatten's unflattened_size)
MAX_NDIM = 8
#: each entry of a convolution's or pooling layer's kernel_size, stride, padding, dilation and output_padding,
#: and of AdaptiveAvgPool2d's output_size: they set the size of what the forward pass allocates (a padded or
#: dilated input, the output), which no parameter in the file bounds
MAX_WINDOW = 1024
#: Flatten's start_dim/end_dim and Unflatten's dim lie in [-MAX_DIM, MAX_DIM) (NumPy arrays have at most 64 axes)
MAX_DIM = 64

_STRUCTURAL = np.zeros(256, dtype=bool)
_STRUCTURAL[[ord(c) for c in "[]{},:"]] = True


class JSONLimitError(ValueError):
    """A JSON text breaks a limit, is not JSON, or repeats a key (the message says which)."""


def _unescaped_quotes(b):
    """Positions of the quotes in UTF-8 bytes ``b`` not escaped by an odd run of backslashes."""
    quotes = np.flatnonzero(b == ord('"'))
    inner = quotes[quotes > 0]
    maybe = inner[b[inner - 1] == ord("\\")]
    if maybe.size == 0:
        return quotes
    slashes = np.flatnonzero(b == ord("\\"))
    starts = slashes[np.r_[True, np.diff(slashes) != 1]]  # where each run of backslashes begins
    run = maybe - starts[np.searchsorted(starts, maybe - 1, side="right") - 1]
    keep = np.ones(quotes.size, dtype=bool)
    keep[np.searchsorted(quotes, maybe[run % 2 == 1])] = False
    return quotes[keep]


def json_size(text) -> tuple:
    """``(depth, items)`` of a JSON text: bracket nesting, and brackets + commas + colons, outside strings.

    Vectorised over the UTF-8 bytes (NumPy), no recursion, memory bounded: the
    quotes, backslashes and structural characters are first counted in C (strings
    included) and a text with more than twice :data:`MAX_JSON_ITEMS` of any is
    refused as too big (``items`` is then that count). For text that is not JSON the
    numbers still bound what ``json.loads`` builds before it fails: it reads
    strings exactly as this scan does up to the first error.
    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    counts = (sum(data.count(c) for c in b"[]{},:"), data.count(b'"'), data.count(b"\\"))
    if max(counts) > 2 * MAX_JSON_ITEMS:
        return 0, max(counts)
    b = np.frombuffer(data, dtype=np.uint8)
    where = np.flatnonzero(_STRUCTURAL[b])
    quotes = _unescaped_quotes(b)
    outside = where[np.searchsorted(quotes, where) % 2 == 0]  # an even number of quotes before: not in a string
    kinds = b[outside]
    steps = (kinds == ord("[")).astype(np.int32) + (kinds == ord("{")) - (kinds == ord("]")) - (kinds == ord("}"))
    depth = int(np.cumsum(steps).max()) if steps.size else 0
    return depth, int(outside.size)


def _no_duplicates(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONLimitError(f"has the key {key!r:.80} twice")
            seen.add(key)
    return out


def check_json_size(text: str) -> None:
    """Raise :class:`JSONLimitError` when ``text`` is nested too deep or has too many items."""
    depth, items = json_size(text)
    if items > MAX_JSON_ITEMS:
        raise JSONLimitError(f"has {items:,} JSON items (brackets, commas, colons or quotes), more than the limit "
                             f"of {MAX_JSON_ITEMS:,}")
    if depth > MAX_JSON_DEPTH:
        raise JSONLimitError(f"is nested {depth} levels deep, more than the limit of {MAX_JSON_DEPTH}")


def loads(text: str):
    """``json.loads`` after :func:`check_json_size`, refusing repeated keys; errors as :class:`JSONLimitError`."""
    check_json_size(text)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except JSONLimitError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; RecursionError cannot happen
        raise JSONLimitError(f"is not valid JSON ({str(exc)[:120]})") from None
