"""Reading an exercise back from its answer key (key.json), which is hostile until checked.

The key holds the exercise's full specification; :func:`load_exercise`
checks every field (kinds, sizes, finite numbers within bounds, known
activations, losses and problems) before anything is built, rebuilds the
exercise from the specification, and refuses a key whose stored answers do
not match what the specification gives (an edited key).
"""

from __future__ import annotations

import json
import os

from ..core.errors import GradlabError, ParameterError
from ..ops import catalog
from .answers import _depth
from .exercise import CONVENTION_DEFAULTS, FORMAT, MAX_BATCH, MAX_LAYERS, MAX_WIDTH, PERCEPTRON_EPOCHS, VERSION, Exercise
from .symbolic_problems import PROBLEMS, symbolic_problem

MAX_KEY_BYTES = 1 << 20
MAX_VALUE = 1e6


class ExerciseError(ParameterError):
    """An exercise file that cannot be used: the message names the file and the field."""


def _fail(where, field, what):
    raise ExerciseError(f"{where}: {field}: {what}")


def _number(where, field, v, positive=False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) <= MAX_VALUE:
        _fail(where, field, f"expected a finite number of at most {MAX_VALUE:g} in size; got {str(v)[:40]!r}")
    if positive and v <= 0:
        _fail(where, field, f"expected a number > 0; got {v!r}")
    return float(v)


def _matrix(where, field, v, rows=None, cols=None):
    if not isinstance(v, list) or not v or not all(isinstance(r, list) and r for r in v):
        _fail(where, field, "expected a non-empty list of rows")
    width = len(v[0])
    if any(len(r) != width for r in v):
        _fail(where, field, "rows of different lengths")
    if (rows is not None and len(v) != rows) or (cols is not None and width != cols) or len(v) > MAX_WIDTH \
            or width > MAX_WIDTH:
        _fail(where, field, f"shape {len(v)}×{width} does not fit the network (at most {MAX_WIDTH} wide)")
    return [[_number(where, f"{field}[{i}][{j}]", x) for j, x in enumerate(r)] for i, r in enumerate(v)]


def _check_network(where, spec):
    layers = spec.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        _fail(where, "layers", f"expected a list of 1 to {MAX_LAYERS} layers")
    width = None
    for k, L in enumerate(layers):
        f = f"layers[{k}]"
        if not isinstance(L, dict) or set(L) - {"W", "b", "activation"}:
            _fail(where, f, "expected an object with W, b and activation")
        W = _matrix(where, f + ".W", L.get("W"), cols=width)
        width = len(W)
        b = L.get("b")
        if isinstance(b, (int, float)) and not isinstance(b, bool):
            _number(where, f + ".b", b)  # one bias shared by the layer
        elif b is not None:
            if not isinstance(b, list) or len(b) != width:
                _fail(where, f + ".b", f"expected null, one number or a list of {width} numbers")
            [_number(where, f"{f}.b[{i}]", x) for i, x in enumerate(b)]
        act = L.get("activation")
        if not isinstance(act, str) or act.lower().replace("-", "_") not in catalog.ACTIVATION_KINDS:
            _fail(where, f + ".activation", f"unknown activation {str(act)[:40]!r}")
    loss = spec.get("loss")
    if not isinstance(loss, str) or loss.lower().replace("-", "_") not in catalog.LOSS_KINDS:
        _fail(where, "loss", f"unknown loss {str(loss)[:40]!r}")
    for field in ("x", "y"):
        v = spec.get(field)
        rows = v if isinstance(v, list) and v and isinstance(v[0], list) else [v if isinstance(v, list) else [v]]
        if len(rows) > MAX_BATCH:
            _fail(where, field, f"at most {MAX_BATCH} samples")
        for i, r in enumerate(rows):
            if not isinstance(r, list) or len(r) > MAX_WIDTH:
                _fail(where, field, "expected numbers, a list of numbers or a list of rows")
            [_number(where, f"{field}[{i}]", x) for x in r]
    if spec.get("lr") is not None:
        _number(where, "lr", spec["lr"], positive=True)
    conv = spec.get("conventions", {})
    if not isinstance(conv, dict) or set(conv) - set(CONVENTION_DEFAULTS) or conv.get("reduction", "mean") not in (
            "mean", "sum") or conv.get("update_order", "simultaneous") not in ("simultaneous", "sequential") or any(
            not isinstance(conv.get(k, False), bool) for k in ("half", "shared_bias", "frozen_bias")):
        _fail(where, "conventions", "expected reduction 'mean' or 'sum', update_order 'simultaneous' or "
                                    "'sequential', and half, shared_bias, frozen_bias true or false")
    shared = conv.get("shared_bias", False)
    if any((L.get("b") is not None) and (isinstance(L["b"], list) == shared) for L in layers):
        _fail(where, "conventions.shared_bias", "a shared bias is one number per layer, otherwise a list")


def _check_perceptron(where, spec):
    if spec.get("gate") not in ("and", "or", "nand"):
        _fail(where, "gate", f"expected 'and', 'or' or 'nand'; got {str(spec.get('gate'))[:20]!r}")
    _number(where, "lr", spec.get("lr"), positive=True)
    _number(where, "threshold", spec.get("threshold"))
    w = spec.get("initial_weights")
    if not isinstance(w, list) or len(w) != 3:
        _fail(where, "initial_weights", "expected 3 numbers (w₀, w₁, w₂)")
    [_number(where, f"initial_weights[{i}]", x) for i, x in enumerate(w)]
    e = spec.get("max_epochs")
    if isinstance(e, bool) or not isinstance(e, int) or not 1 <= e <= 5 * PERCEPTRON_EPOCHS:
        _fail(where, "max_epochs", f"expected an integer from 1 to {5 * PERCEPTRON_EPOCHS}")


def _check_symbolic(where, spec):
    if spec.get("problem") not in PROBLEMS:
        _fail(where, "problem", f"unknown symbolic problem {str(spec.get('problem'))[:40]!r}; known: "
                                f"{', '.join(PROBLEMS)}")


def load_exercise(path):
    """The :class:`~gradlab.grading.exercise.Exercise` stored in answer key ``path`` (key.json)."""
    where = os.path.basename(os.fspath(path)) or os.fspath(path)
    try:
        if os.path.isdir(path):
            raise ExerciseError(f"{where}: is a folder; give the key.json inside it (e.g. "
                                f"{os.path.join(os.fspath(path), 'key.json')})")
        if not os.path.isfile(path):
            raise ExerciseError(f"{where}: no such exercise file")
        if os.path.getsize(path) > MAX_KEY_BYTES:
            raise ExerciseError(f"{where}: larger than an exercise key may be ({MAX_KEY_BYTES} bytes)")
        with open(path, "rb") as f:
            text = f.read(MAX_KEY_BYTES + 1).decode("utf-8")
    except OSError as exc:
        raise ExerciseError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ExerciseError(f"{where}: not UTF-8 text; an exercise key is the key.json that gradlab exercise "
                            "wrote") from None
    if _depth(text) > 8:
        raise ExerciseError(f"{where}: nested too deeply for an exercise key")
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExerciseError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more digits than Python converts
        raise ExerciseError(f"{where}: not valid JSON for an exercise key ({str(exc)[:80]})") from None
    if not isinstance(spec, dict) or spec.get("format") != FORMAT:
        raise ExerciseError(f"{where}: not a gradlab exercise key (expected \"format\": \"{FORMAT}\"); write one "
                            "with: gradlab exercise")
    if spec.get("version") != VERSION:
        _fail(where, "version", f"this gradlab reads version {VERSION}; got {str(spec.get('version'))[:20]!r}")
    seed = spec.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
        _fail(where, "seed", f"expected an integer ≥ 0; got {str(seed)[:20]!r}")
    kind = spec.get("kind")
    checks = {"network": _check_network, "perceptron": _check_perceptron, "symbolic": _check_symbolic}
    if kind not in checks:
        _fail(where, "kind", f"expected one of {', '.join(checks)}; got {str(kind)[:20]!r}")
    checks[kind](where, spec)
    stored = spec.pop("answers", None)
    spec.pop("title", None)
    if kind == "symbolic":
        spec = symbolic_problem(spec["problem"], spec["seed"])
    try:
        ex = Exercise(spec)
    except GradlabError as exc:
        raise ExerciseError(f"{where}: {exc}") from None
    if isinstance(stored, dict) and kind != "symbolic":
        right = ex.answers()
        bad = [k for k, v in stored.items() if k not in right or not isinstance(v, (int, float))
               or not abs(float(v) - right[k]) <= 1e-9 * max(1.0, abs(right[k]))]
        if bad or len(stored) != len(right):
            raise ExerciseError(f"{where}: the stored answers do not match the problem (first: "
                                f"{(bad or ['a missing entry'])[0]}); the key was edited — write it again with "
                                "gradlab exercise")
    return ex
