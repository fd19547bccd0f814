"""Checkers of single architecture fields: each reads one JSON field, checks its type and range, and names it
(``architecture.layers[0].kernel_size``) when it is wrong.

JSON types are taken literally: an int is a JSON integer (``true`` and ``3.0`` are not), a number is a finite
JSON integer or float (not ``NaN``, ``Infinity`` nor a boolean), a word is a JSON string from a fixed list.
"""

from __future__ import annotations

import math

from . import limits


class ArchitectureError(ValueError):
    """The architecture is not one a model file may hold (the message names the field)."""


#: marks a field without a default: it must be present
REQUIRED = object()
_DTYPES = {None: "float64", "float64": "float64", "float32": "float32"}


def keys(cfg, allowed, where):
    """Refuse the fields of ``cfg`` that are not in ``allowed`` (besides 'type')."""
    extra = sorted(set(cfg) - set(allowed) - {"type"})
    if extra:
        raise ArchitectureError(f"{where} has the unexpected field {extra[0]!r:.60}; a {cfg['type']} config has "
                                f"only {sorted(allowed)}")


def _get(cfg, key, where, default):
    if key in cfg:
        return cfg[key]
    if default is REQUIRED:
        raise ArchitectureError(f"{where} needs the field {key!r}")
    return default


def _is_int(value) -> bool:
    return type(value) is int


def integer(cfg, key, where, low=1, high=None, default=REQUIRED, what=None):
    """A JSON int in [low, high] (high None: no upper bound)."""
    value = _get(cfg, key, where, default)
    if not _is_int(value) or value < low or (high is not None and value > high):
        rng = what or (f"≥ {low}" if high is None else f"in [{low}, {high}]")
        raise ArchitectureError(f"{where}.{key} must be a JSON int {rng}, got {value!r:.60}")
    return value


def boolean(cfg, key, where, default=True) -> bool:
    value = _get(cfg, key, where, default)
    if type(value) is not bool:
        raise ArchitectureError(f"{where}.{key} must be true or false, got {value!r:.60}")
    return value


def dtype(cfg, where) -> str:
    value = cfg.get("dtype")
    if not (value is None or isinstance(value, str)) or value not in _DTYPES:
        raise ArchitectureError(f"{where}.dtype must be 'float64' or 'float32', got {value!r:.60}")
    return _DTYPES[value]


def number(cfg, key, where, default=REQUIRED, low=-math.inf, high=math.inf, low_open=False, nullable=False):
    """A finite JSON number in [low, high] ((low, high] with ``low_open``), or null with ``nullable``."""
    value = _get(cfg, key, where, default)
    if value is None and nullable:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        and (value > low if low_open else value >= low) and value <= high
    if not ok:
        bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]" if math.isfinite(high) else \
            f"{'>' if low_open else '≥'} {low:g}"
        span = bounds if not math.isfinite(high) else f"in {bounds}"
        raise ArchitectureError(f"{where}.{key} must be a finite JSON number {span}{' or null' if nullable else ''}, "
                                f"got {value!r:.60}")
    return value


def word(cfg, key, where, words, default=REQUIRED):
    value = _get(cfg, key, where, default)
    if not any(value is w or (isinstance(w, str) and value == w) for w in words):
        raise ArchitectureError(f"{where}.{key} must be {' or '.join(map(_json, words))}, got {value!r:.60}")
    return value


def _json(w):
    return {None: "null", False: "false", True: "true"}.get(w, repr(w)) if not isinstance(w, str) else repr(w)


def sizes(cfg, key, where, n, low=1, default=REQUIRED, high=limits.MAX_WINDOW):
    """An int in [low, high] or a list of ``n`` of them, as a tuple of ``n`` ints."""
    value = _get(cfg, key, where, default)
    items = value if isinstance(value, list) else [value] * n if _is_int(value) else None
    if items is None or len(items) != n or not all(_is_int(v) and low <= v <= high for v in items):
        form = "a pair of them" if n == 2 else f"a list of {n} of them"
        raise ArchitectureError(f"{where}.{key} must be a JSON int in [{low}, {high:,}] or {form}, "
                                f"got {value!r:.60}")
    return tuple(items)


def shape(cfg, key, where, allow_minus_one=False, default=REQUIRED):
    """An int ≥ 1 or a list of 1..MAX_NDIM of them (with ``allow_minus_one``: a list, one entry may be -1)."""
    value = _get(cfg, key, where, default)
    items = value if isinstance(value, list) else None if allow_minus_one else [value]
    entry = "JSON ints ≥ 1" + (" (one may be -1)" if allow_minus_one else "")
    if items is None or not 1 <= len(items) <= limits.MAX_NDIM \
            or not all(_is_int(v) and (v >= 1 or (allow_minus_one and v == -1)) for v in items) \
            or items.count(-1) > 1:
        lead = "" if allow_minus_one else "a JSON int ≥ 1 or "
        raise ArchitectureError(f"{where}.{key} must be {lead}a list of 1 to {limits.MAX_NDIM} {entry}, "
                                f"got {value!r:.60}")
    return tuple(items)
