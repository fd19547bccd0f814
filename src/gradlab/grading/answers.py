"""Reading a student's answers: a mapping, or a sheet file (CSV, JSON or a Markdown table).

Every file is hostile until checked: at most :data:`MAX_SHEET_BYTES`, UTF-8,
at most :data:`MAX_ENTRIES` rows, JSON nesting bounded before it is parsed.
A sheet that cannot be read, repeats an entry, or holds something that is not
a number raises :class:`SheetError` naming the file, the line and the value;
a blank value is an entry left blank (graded as missing).

* CSV: rows ``name,value`` (a header row ``name,value`` is optional; lines
  starting with ``#`` are comments).
* JSON: an object ``{"z[1][1]": 0.3, ...}``, or ``{"answers": {...}}``, or a
  list of ``{"name": ..., "value": ...}``.
* Markdown: a table whose first two columns are the name and the value.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Mapping

from ..core.errors import ParameterError
from .tolerance import parse_number

MAX_SHEET_BYTES = 1 << 20
MAX_ENTRIES = 20_000
MAX_JSON_DEPTH = 8


class SheetError(ParameterError):
    """An answer sheet that cannot be graded: the message names the file, the line and what is wrong."""


def _delimiter(text):
    """',' — or a tab or ';' where a sheet uses them (pasted from a spreadsheet, or a decimal-comma locale).
    Commas inside brackets (dW[2][1,2]) do not count."""
    for line in text.splitlines()[:50]:
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        outside = re.sub(r"\[[^\]]*\]", "", s)
        if "\t" in outside:
            return "\t"
        if ";" in outside:
            return ";"
        return ","
    return ","


_DIGITS = re.compile(r"^\s*[+\-−]?\d+\s*$")


def _rows_csv(text):
    delimiter = _delimiter(text)
    out, width = [], 2
    for n, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        if not cells or all(not c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if not out and width == 2 and [c.strip().lower() for c in cells[:2]] in (["name", "value"], ["entry", "value"]):
            width = max(2, len(cells))
            continue  # the header row
        if cells[0].count("[") > cells[0].count("]"):  # dW[2][1,2] typed without quotes: a name has few commas
            for k in range(1, min(len(cells), 4)):
                name = ",".join(cells[:k + 1])
                if name.count("[") == name.count("]"):
                    cells = [name, *cells[k + 1:]]
                    break
        if delimiter == "," and len(cells) > width and _DIGITS.match(cells[1]) and _DIGITS.match(cells[2]):
            cells = [cells[0], cells[1].strip() + "." + cells[2].strip(), *cells[3:]]  # a decimal comma: -0,5
        if len(cells) > 1 or not cells[0].strip():
            out.append((f"line {n}", cells[0].strip(), cells[1].strip() if len(cells) > 1 else ""))
        else:
            out.append((f"line {n}", cells[0].strip(), ""))
    return out


def _rows_markdown(text):
    out, header_seen = [], False
    for n, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not (s.startswith("|") and s.endswith("|") and len(s) > 1):
            header_seen = False  # a new table starts with its own header row
            continue
        cells = [c.strip().strip("`") for c in s[1:-1].split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            header_seen = True
            continue
        if not header_seen:
            continue  # the header row
        out.append((f"line {n}", cells[0], cells[1] if len(cells) > 1 else ""))
    return out


def _depth(text):
    depth = best = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            esc = (ch == "\\") and not esc
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _rows_json(text, where):
    if _depth(text) > MAX_JSON_DEPTH:
        raise SheetError(f"{where}: the JSON nests deeper than {MAX_JSON_DEPTH} levels; expected an object of "
                         "entry names and numbers")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dup = next((k for k in keys if keys.count(k) > 1), None)
        if dup is not None:
            raise SheetError(f"{where}: entry {dup!r} appears twice")
        return dict(pairs)

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise SheetError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more digits than Python converts
        raise SheetError(f"{where}: not valid JSON for a sheet ({str(exc)[:80]})") from None
    if isinstance(data, dict) and isinstance(data.get("answers"), (dict, list)):
        data = data["answers"]
    if isinstance(data, dict):
        return [(None, str(k), v) for k, v in data.items()]
    if isinstance(data, list) and all(isinstance(r, dict) and "name" in r for r in data):
        return [(f"item {k + 1}", str(r["name"]), r.get("value", "")) for k, r in enumerate(data)]
    raise SheetError(f"{where}: expected an object {{name: value}}, {{\"answers\": {{...}}}} or a list of "
                     "{\"name\": ..., \"value\": ...}")


def read_rows(source):
    """(where, [(location such as 'line 3' or 'item 2', or None; name; raw value)]) from a mapping or a sheet
    file."""
    if isinstance(source, Mapping):
        return "answers", [(None, str(k), v) for k, v in source.items()]
    if not isinstance(source, (str, os.PathLike)):
        raise SheetError(f"grade: answers must be a mapping of entry name to number or the path of a sheet "
                         f"(.csv, .json, .md); got {type(source).__name__}")
    path = os.fspath(source)
    where = os.path.basename(path) or path
    try:
        if not os.path.isfile(path):
            raise SheetError(f"{where}: no such sheet file" if not os.path.exists(path)
                             else f"{where}: not a regular file")
        size = os.path.getsize(path)
        if size > MAX_SHEET_BYTES:
            raise SheetError(f"{where}: {size} bytes is more than an answer sheet may hold ({MAX_SHEET_BYTES})")
        with open(path, "rb") as f:
            data = f.read(MAX_SHEET_BYTES + 1)
    except OSError as exc:
        raise SheetError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    if "\x00" in text:
        raise SheetError(f"{where}: holds NUL bytes; not a text sheet")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".json":
        rows = _rows_json(text, where)
    elif ext in (".md", ".markdown"):
        rows = _rows_markdown(text)
    elif ext in (".csv", ".txt", ""):
        rows = _rows_csv(text)
    else:
        raise SheetError(f"{where}: unknown sheet format {ext!r}; expected .csv, .json or .md")
    return where, rows


def read_answers(source, resolve):
    """({canonical name: (value, decimals, raw)}, [(raw name, raw value)] unknown) from ``source``.

    ``resolve(text)`` maps a written name to a canonical one or None. Blank
    values are left out (missing); duplicates and non-numbers raise SheetError.
    """
    where, rows = read_rows(source)
    if len(rows) > MAX_ENTRIES:
        raise SheetError(f"{where}: {len(rows)} entries is more than a sheet may hold ({MAX_ENTRIES})")
    answers, unknown, seen = {}, [], {}
    for line, name, raw in rows:
        at = f"{where}, {line}" if line is not None else where
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            value = None
        else:
            if isinstance(raw, (list, dict)):
                raise SheetError(f"{at}: the value of {name!r} is not a number")
            try:
                value = parse_number(raw, where=f"{at}: {name!r}")
            except ParameterError as exc:
                raise SheetError(str(exc)) from None
        key = resolve(name)
        if key is None:
            if value is not None:
                unknown.append((name if len(name) <= 80 else name[:77] + "…", value))
            continue
        if key in seen:
            first_name, first_line = seen[key]
            before = first_line if first_line is not None else "earlier"
            same = "" if first_name == name else f" (as {first_name!r})"
            raise SheetError(f"{at}: entry {key} is given twice: here as {name!r} and on {before}{same}")
        seen[key] = (name, line)
        if value is not None:
            answers[key] = (value[0], value[1], str(raw))
    return answers, unknown
