"""When a written number counts as right: the precision the student wrote, within sensible bounds.

A number written with d decimals is right when it lies within half a unit of
its last digit (``0.2364`` ± 0.00005) of the value it should be. Two bounds:

* never looser than 2 significant figures or 4 decimals, whichever is looser
  (``0.6`` for 0.6165 is too coarse; ``0.0006`` for 0.000597 is fine, as the
  slides print 4 decimals);
* never tighter than half a unit in the 4th significant figure, so a
  student who copies many calculator digits of a number computed from
  rounded intermediate values is not punished for them.
"""

from __future__ import annotations

import math
import re

from ..core.errors import ParameterError

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text, where="grade"):
    """(value, decimals written) of a number given as text or as a number.

    Accepts a Unicode minus, a decimal comma (``0,25``) and surrounding spaces;
    refuses anything else (words, NaN, inf) with a ParameterError naming ``where``.
    """
    if isinstance(text, bool):
        raise ParameterError(f"{where}: {text!r} is not a number")
    if isinstance(text, int):
        if abs(text) > 1e300:
            raise ParameterError(f"{where}: an integer of {len(str(abs(text)))} digits is not a finite number here")
        return float(text), 0
    if isinstance(text, float) or type(text).__name__.startswith("float"):
        v = float(text)
        if not math.isfinite(v):
            raise ParameterError(f"{where}: {text!r} is not a finite number")
        return v, decimals_of(repr(v))
    s = str(text).strip().replace("−", "-").replace("–", "-").replace(" ", "")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    if not _NUMBER.match(s):
        raise ParameterError(f"{where}: {str(text)[:40]!r} is not a number")
    v = float(s)
    if not math.isfinite(v):
        raise ParameterError(f"{where}: {str(text)[:40]!r} is not a finite number")
    return v, decimals_of(s)


def decimals_of(s):
    """Decimal places written in ``s`` ('0.20' → 2, '1.5e-3' → 4, '12' → 0)."""
    s = s.lower()
    mant, _, exp = s.partition("e")
    d = len(mant.split(".")[1]) if "." in mant else 0
    if exp:
        d -= int(exp)
    return d


def _magnitude(v):
    return math.floor(math.log10(abs(v))) if v != 0 and math.isfinite(v) else None


def tolerance(value, decimals):
    """Half a unit in the last written digit, bounded as the module says, around ``value`` (the right one)."""
    half_unit = 0.5 * 10.0 ** (-decimals)
    e = _magnitude(value)
    coarsest = max(0.5 * 10.0 ** (e - 1), 5e-5) if e is not None else 5e-5
    finest = 0.5 * 10.0 ** (e - 3) if e is not None else 0.0
    return max(min(half_unit, coarsest), finest)


def round_sig(v, figures):
    """``v`` rounded to ``figures`` significant figures."""
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, figures - 1 - _magnitude(v))


def digits_text(v, figures=4):
    """A number for a message: 4 significant figures, at most 6 decimals, a true minus sign."""
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return "undefined" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    e = _magnitude(v)
    dec = max(0, min(6, figures - 1 - e))
    s = f"{v:.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.replace("-", "−")
