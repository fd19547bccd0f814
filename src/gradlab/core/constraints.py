"""Constraints as data: what a parameter may be, said once, checked at the entry point.

A constraint has ``accepts(value)``, a ``text`` generated from what it is
(``'an int ≥ 1'``, ``"one of 'mean', 'sum', 'none'"``) and
``invalid_examples()``: values it must refuse (the wrong type, a bool where a
number is asked, NaN and inf, just outside the range, a near-miss word).
A public function or ``__init__`` declares its parameters once::

    @declare(lr=POSITIVE_FLOAT, momentum=NON_NEGATIVE_FLOAT, nesterov=BOOL)
    def __init__(self, params, lr, momentum=0.0, nesterov=False): ...

and each call checks the arguments given before the body runs, with the one
template ``The 'lr' parameter of SGD must be a finite number > 0. Got -1.``
(an ``__init__``'s owner is the class being built, so subclasses are named).
:data:`DECLARED` records every declaration; ``tests/test_constraints.py``
walks it, giving each declared parameter every invalid example (and checks
the defaults once). A range that depends on another parameter is checked in
the body with :func:`check`; a one-off condition raises :func:`refusal`.
Hot paths (Tensor operations, the training step) stay undecorated: a
declared call costs about a microsecond.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import sys
from typing import Callable, NamedTuple

import numpy as np

from .errors import ParameterError

_SHOWN = 200  # characters of a refused value's repr quoted in a message


class Constraint:
    """Base class: ``accepts``, ``text``, ``invalid_examples``; ``error`` is the exception class of a refusal."""

    text = "a valid value"
    error = ParameterError
    _show = None  # a function quoting a refused value, where its repr says little (a path, an object)

    @property
    def words(self) -> list:
        """The alternatives this constraint is made of, for a longer 'a, b or c'."""
        return getattr(self, "_words", None) or [self.text]

    def accepts(self, value) -> bool:
        raise NotImplementedError

    def _candidates(self) -> list:
        return []

    def invalid_examples(self) -> list:
        """Values this constraint refuses (those of its candidates it does refuse, each once)."""
        out, seen = [], set()
        for v in self._candidates():
            key = (type(v), repr(v))
            if key not in seen and not self.accepts(v):
                seen.add(key)
                out.append(v)
        return out

    def show(self, value) -> str:
        """How a refused value is quoted after 'Got'."""
        return self._show(value) if self._show is not None else _quote(value)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.text}>"


def _quote(value) -> str:
    r = repr(value)  # a long one keeps its start and its end (the closing bracket or quote)
    return r if len(r) <= _SHOWN else f"{r[:_SHOWN - 50]} ... {r[-45:]}"


def _num(x) -> str:
    return str(x) if isinstance(x, numbers.Integral) else f"{x:g}"


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


class Interval(Constraint):
    """A real number (an int with ``integer=True``; never a bool) between ``low`` and ``high``.

    Bounds are closed unless ``low_open``/``high_open``; None leaves a side
    unbounded. ``finite=True`` refuses ±inf (NaN is always refused).
    """

    def __init__(self, low=None, high=None, *, integer=False, low_open=False, high_open=False, finite=True, text=None):
        self.low, self.high, self.integer = low, high, integer
        self.low_open, self.high_open, self.finite = low_open, high_open, finite
        self._type = numbers.Integral if integer else numbers.Real
        self._fast = (int,) if integer else (int, float)
        one_sided = low is None or high is None
        noun, nouns = ("an int", "ints") if integer else \
            ("a finite number", "finite numbers") if finite and one_sided else ("a number", "numbers")
        rest = (f" in {'(' if low_open else '['}{_num(low)}, {_num(high)}{')' if high_open else ']'}" if not one_sided
                else f" {'>' if low_open else '≥'} {_num(low)}" if low is not None
                else f" {'<' if high_open else '≤'} {_num(high)}" if high is not None else "")
        self.text = text or noun + rest
        self.plural = None if text else nouns + rest  # 'numbers in [0, 1)', for SequenceOf

    def accepts(self, value) -> bool:
        if type(value) not in self._fast and (_is_bool(value) or not isinstance(value, self._type)):
            return False  # bool is a subclass of int but not in _fast: refused here
        if not self.integer and type(value) is not int:  # a big int would overflow isfinite; every int is finite
            if value != value or (self.finite and not math.isfinite(value)):
                return False
        lo, hi = self.low, self.high
        if lo is not None and (value <= lo if self.low_open else value < lo):
            return False
        if hi is not None and (value >= hi if self.high_open else value > hi):
            return False
        return True

    def _candidates(self):
        out = ["1", None, True, float("nan")]
        if self.integer:
            inside = self.low if self.low is not None else (self.high if self.high is not None else 0)
            out += [float(inside), inside + 0.5]
        else:
            out += [float("inf"), float("-inf")]
        if self.low is not None:
            out += [self.low - 1, self.low]
        if self.high is not None:
            out += [self.high + 1, self.high]
        return out


class Options(Constraint):
    """One of a few values (a vocabulary: reductions, layouts...); compared with their type, so 1 is not True."""

    def __init__(self, *values, text=None):
        self.values = tuple(values)
        self._set = frozenset(values)
        self._types = tuple({type(v) for v in values})
        self._bool = any(type(v) is bool for v in values)
        shown = [repr(v) for v in values]
        self.text = text or (shown[0] if len(shown) == 1 else " or ".join(shown) if len(shown) == 2
                             else "one of " + ", ".join(shown))
        self._words = [text] if text else shown

    def accepts(self, value) -> bool:
        if type(value) is str or value is None:
            return value in self._set
        try:
            hit = value in self._set
        except TypeError:  # unhashable
            return False
        return hit and isinstance(value, self._types) and (self._bool or not _is_bool(value))

    def _candidates(self):
        out = [None, 1, list(self.values[:1])]
        words = [v for v in self.values if isinstance(v, str) and v]
        for k, v in enumerate(words):
            out += [v.upper(), v[:-1], v + "s", " " + v] if k == 0 else [v.upper()]
        return out


class InstanceOf(Constraint):
    """An instance of one of ``types`` (not a bool unless bool is among them)."""

    def __init__(self, *types, text=None, error=ParameterError, show=None):
        self.types, self.error, self._show = types, error, show
        self.text = text or " or ".join(f"an instance of {t.__name__}" for t in types)

    def accepts(self, value) -> bool:
        return isinstance(value, self.types) and (bool in self.types or not _is_bool(value))

    def _candidates(self):
        return [None, 0, 1.5, "text", [], (), True]


class Bool(Constraint):
    """True or False (a NumPy bool too); 1, 'yes' and None are refused."""

    text = "True or False"

    def accepts(self, value) -> bool:
        return value is True or value is False or isinstance(value, np.bool_)

    def _candidates(self):
        return [1, 0, "True", None, 1.0]


class CallableC(Constraint):
    """Something callable; the message quotes the value's type (a function's repr says little)."""

    def __init__(self, text="a callable", error=ParameterError):
        self.text, self.error = text, error

    def accepts(self, value) -> bool:
        return callable(value)

    def show(self, value):
        return f"{type(value).__name__} {_quote(value)}"

    def _candidates(self):
        return [None, 5, "f", [len]]


class AnyOf(Constraint):
    """Accepted when one member accepts: ``AnyOf(NON_NEGATIVE_INT, GENERATOR)``. Text: 'a, b or c'."""

    def __init__(self, *members, text=None, error=ParameterError, show=None):
        self.members, self.error, self._show = members, error, show
        words = [w for m in members for w in m.words]
        self._words = [text] if text else words
        self.text = text or (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1])

    def accepts(self, value) -> bool:
        for m in self.members:
            if m.accepts(value):
                return True
        return False

    def _candidates(self):
        return [v for m in self.members for v in m.invalid_examples()]


def Optional(constraint: Constraint, text=None) -> AnyOf:
    """None or what ``constraint`` accepts: 'None or a finite number > 0'."""
    return AnyOf(Options(None), constraint, text=text, error=constraint.error, show=constraint._show)


class SequenceOf(Constraint):
    """A tuple or list whose items each satisfy ``item`` (``length`` items exactly, or at least ``min_length``)."""

    def __init__(self, item: Constraint, *, length=None, min_length=0, text=None, error=ParameterError):
        self.item, self.length, self.min_length, self.error = item, length, min_length, error
        items = getattr(item, "plural", None) or f"values, each {item.text}"
        if text is None:
            text = (f"a pair of {items}" if length == 2 else f"a list of {length} {items}" if length is not None
                    else f"a non-empty list of {items}" if min_length == 1
                    else f"a list of at least {min_length} {items}" if min_length else f"a list of {items}")
        self.text = text

    def accepts(self, value) -> bool:
        if not isinstance(value, (tuple, list)):
            return False
        n = len(value)
        if (self.length is not None and n != self.length) or n < self.min_length:
            return False
        return all(self.item.accepts(v) for v in value)

    def _candidates(self):
        n = self.length if self.length is not None else max(self.min_length, 1)
        good = next((v for v in (0.5, 1, 2, "a", 0, True) if self.item.accepts(v)), None)
        out = ["ab", None, 1]
        if self.length is not None:
            out.append([good] * (n + 1))
        if self.min_length > 0:
            out.append([good] * (self.min_length - 1))
        if good is not None:
            out += [[b] + [good] * (n - 1) for b in self.item.invalid_examples()[:4]]
        return out


class Satisfies(Constraint):
    """Any condition, said in words: ``Satisfies(lambda p: str(p).endswith('.html'), 'a file name ending in .html',
    invalid=('report.txt',))``."""

    def __init__(self, predicate: Callable, text: str, *, invalid=(), error=ParameterError, show=None):
        self.predicate, self.text, self._invalid, self.error, self._show = predicate, text, list(invalid), error, show

    def accepts(self, value) -> bool:
        try:
            return bool(self.predicate(value))
        except (TypeError, ValueError):
            return False

    def _candidates(self):
        return self._invalid


# ---------------------------------------------------------------- checking


def refusal(owner: str, name: str, value, expected, error=None, note: str = "", shown: str | None = None) -> Exception:
    """The one parameter-error template, as an exception to raise: ``expected`` is a Constraint or its words.

    ``The 'lr' parameter of SGD must be a finite number > 0. Got -1.`` (``note``, a further sentence, follows;
    ``shown`` replaces the value's repr after 'Got').
    """
    if isinstance(expected, Constraint):
        text, error = expected.text, error or expected.error
        shown = expected.show(value) if shown is None else shown
    else:
        text, shown = expected, _quote(value) if shown is None else shown
    return (error or ParameterError)(f"The {name!r} parameter of {owner} must be {text}. Got {shown}."
                                     + (f" {note}" if note else ""))


def check(owner: str, name: str, value, constraint: Constraint):
    """Return ``value`` if ``constraint`` accepts it, else raise its refusal (ParameterError by default)."""
    if not constraint.accepts(value):
        raise refusal(owner, name, value, constraint)
    return value


class Declared(NamedTuple):
    """One declaration: the callable users call, {parameter: constraint} and the owner given (None: derived)."""

    function: Callable
    constraints: dict
    owner: str | None = None


DECLARED: dict = {}  # 'gradlab.optim.sgd.SGD.__init__' -> Declared(...)


def declare(owner=None, /, **constraints):
    """Decorate a function or ``__init__`` so the arguments given for ``constraints`` are checked before its body.

    ``owner`` names it in messages: by default the function's name, the class of
    ``self`` for ``__init__`` (so ``MSELoss``, not ``Loss``), ``Class.method`` for
    other methods. Declaring a parameter the function does not have is an error.
    """

    def wrap(fn):
        params = inspect.signature(fn).parameters
        names = list(params)
        plan = []
        for name, constraint in constraints.items():
            if name not in params or not isinstance(constraint, Constraint):
                raise TypeError(f"declare: {fn.__qualname__} has no parameter {name!r}, or {constraint!r} is not one")
            positional = params[name].kind <= inspect.Parameter.POSITIONAL_OR_KEYWORD  # not keyword-only
            plan.append((name, names.index(name) if positional else sys.maxsize, constraint.accepts, constraint))
        plan = tuple(plan)
        method = "." in fn.__qualname__ and names[:1] == ["self"]

        def owner_of(args):
            if owner is not None:
                return owner
            if method and args:
                cls = type(args[0]).__name__
                return cls if fn.__name__ == "__init__" else f"{cls}.{fn.__name__}"
            return fn.__name__

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            n = len(args)
            for name, pos, accepts, constraint in plan:
                if pos < n:
                    value = args[pos]
                elif name in kwargs:
                    value = kwargs[name]
                else:
                    continue
                if not accepts(value):
                    raise refusal(owner_of(args), name, value, constraint)
            return fn(*args, **kwargs)

        DECLARED[f"{fn.__module__}.{fn.__qualname__}"] = Declared(checked, dict(constraints), owner)
        return checked

    return wrap


# ---------------------------------------------------------------- named once

INT = Interval(integer=True)
POSITIVE_INT = Interval(1, integer=True)
NON_NEGATIVE_INT = Interval(0, integer=True)
FINITE = Interval()
POSITIVE_FLOAT = Interval(0, low_open=True)
NON_NEGATIVE_FLOAT = Interval(0)
PROBABILITY = Interval(0, 1)
FRACTION = Interval(0, 1, high_open=True)  # a share that may be zero: validation_split
OPEN_FRACTION = Interval(0, 1, low_open=True, high_open=True)
PRECISION = Interval(0, 15, integer=True)  # decimals printed
BOOL = Bool()
CALLABLE = CallableC()
STRING = InstanceOf(str, text="a string")
GENERATOR = InstanceOf(np.random.Generator, text="a numpy Generator")
SEED = Optional(AnyOf(NON_NEGATIVE_INT, GENERATOR))  # 'None, an int ≥ 0 or a numpy Generator'

# vocabularies
REDUCTIONS = Options("mean", "sum", "none")  # of a loss module
SCALAR_REDUCTIONS = Options("mean", "sum")  # the reductions that give one number (the explainer's)
LAYOUTS = Options("denominator", "numerator")  # of a derivative: the variable's shape, or its transpose
UPDATE_ORDERS = Options("simultaneous", "sequential")
CHECK_MODES = Options("raise", "flag")  # what the explainer does when its formulas and autodiff disagree
FAN_MODES = Options("fan_in", "fan_out")
GRAD_CHECK_MODES = Options("auto", "full", "adjoint")
MONITOR_MODES = Options("auto", "min", "max")
GRAPH_ENGINES = Options("auto", "dot", "matplotlib")
SCORE_OUTPUTS = Options("auto", "probability", "logit", "label")
DIAGRAM_LABELS = Optional(Options("weights", "gradients", "updates"))
