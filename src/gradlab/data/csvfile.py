"""Loading a numeric table from a CSV file, with errors that say where it is wrong."""

from __future__ import annotations

import csv
import numbers
import os

import numpy as np

from ..core.errors import InputTypeError, ParameterError, ShapeError


def _column_label(j, names):
    if names is not None:
        return f"column {j + 1} ({names[j]!r})"
    return f"column {j + 1}"


def _read_rows(path, delimiter):
    """[(line number, [cells])] of the non-blank rows of the file."""
    if not os.path.isfile(path):
        raise ParameterError(f"load_csv: no such file: {path!r}")
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter=delimiter)
        for cells in reader:
            if not cells or all(not c.strip() for c in cells):
                continue
            rows.append((reader.line_num, [c.strip() for c in cells]))
    return rows


def _target_index(target, names, width):
    if isinstance(target, str):
        if names is None:
            raise ParameterError(f"load_csv: target={target!r} names a column but the file has no header "
                                 f"(header=False); give the column's index instead")
        if target not in names:
            raise ParameterError(f"load_csv: no column named {target!r}; the columns are {names}")
        return names.index(target)
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        if not -width <= target < width:
            raise ParameterError(f"load_csv: target column {target} is out of range for {width} columns")
        return int(target) % width
    raise ParameterError(f"load_csv: target must be a column name, a column index or None, got {target!r}")


def _parse_cell(text, path, line, j, names):
    if text == "":
        raise InputTypeError(f"load_csv: {path}: row {line}, {_column_label(j, names)} is empty")
    try:
        return float(text)
    except ValueError:
        raise InputTypeError(f"load_csv: {path}: row {line}, {_column_label(j, names)}: "
                             f"{text!r} is not a number") from None


def _encode_labels(values):
    """String class labels -> int64 indices into their sorted unique values."""
    classes = sorted(set(values))
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[v] for v in values], dtype=np.int64)


def load_csv(path, target=-1, header=True, delimiter=","):
    """Read a numeric table from a CSV file.

    Args:
        path: the file.
        target: the target column — its header name, its index (negative
            counts from the end; -1, the default, is the last column), or None
            to return the whole table as X.
        header: whether the first non-blank row holds column names.
        delimiter: the cell separator.
    Returns:
        ``(X, y)`` with X float64 (N, columns − 1) and y (N,): float64 when
        the target column is numeric, int64 class indices when it holds text
        (labels numbered in sorted order: 'setosa' < 'versicolor' ...).
        With ``target=None``, X (N, columns) alone.
    Raises:
        ShapeError naming the row whose number of cells differs from the
        first row's; InputTypeError naming the row and column of an empty or
        non-numeric feature cell. Rows are numbered as lines of the file,
        from 1.
    """
    path = os.fspath(path)
    rows = _read_rows(path, delimiter)
    names = None
    if header:
        if not rows:
            raise ShapeError(f"load_csv: {path} is empty")
        names = rows[0][1]
        rows = rows[1:]
    if not rows:
        raise ShapeError(f"load_csv: {path} has no data rows")
    width = len(names) if names is not None else len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            what = "the header has" if names is not None else "the first row has"
            raise ShapeError(f"load_csv: {path}: row {line} has {len(cells)} cells but {what} {width}")
    t = None if target is None else _target_index(target, names, width)
    features = [j for j in range(width) if j != t]
    X = np.empty((len(rows), len(features)))
    for i, (line, cells) in enumerate(rows):
        for k, j in enumerate(features):
            X[i, k] = _parse_cell(cells[j], path, line, j, names)
    if t is None:
        return X
    column = [cells[t] for _, cells in rows]
    try:
        y = np.array([float(v) for v in column])
    except ValueError:
        for line, cells in rows:
            if cells[t] == "":
                raise InputTypeError(f"load_csv: {path}: row {line}, {_column_label(t, names)} is empty") from None
        y = _encode_labels(column)
    return X, y
