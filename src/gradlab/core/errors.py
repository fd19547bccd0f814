"""The one error hierarchy of gradlab.

Every error raised for bad user input is a :class:`GradlabError` *and* the
built-in exception it refines, so ``except ValueError`` keeps working::

    GradlabError
    ├── ShapeError        (ValueError)   shapes that do not fit an operation
    ├── ParameterError    (ValueError)   a bad argument value, e.g. lr = -1
    ├── InputTypeError    (TypeError)    strings, objects, wrong kinds of input
    ├── NonFiniteError    (FloatingPointError)  NaN or inf where not allowed
    ├── GraphError        (RuntimeError) misuse of the autodiff graph
    ├── DivergenceError   (FloatingPointError)  training loss became NaN or inf
    ├── ModelFileError    (ValueError)   a model file that cannot be loaded
    ├── ParseError        (ValueError)   a symbolic expression that does not parse
    ├── DerivationError   (ValueError)   a derivative that cannot be formed
    └── MissingExtraError (ImportError)  an optional dependency is not installed

Messages name the operation, the values involved and what was expected,
e.g. ``matmul: (3, 2) @ (3, 1): inner dimensions 2 and 3 differ``.
"""

from __future__ import annotations

import importlib


class GradlabError(Exception):
    """Base class of every error gradlab raises on purpose."""


class ShapeError(GradlabError, ValueError):
    """Operand shapes do not fit an operation."""


class ParameterError(GradlabError, ValueError):
    """A parameter has a value outside what is allowed."""


class InputTypeError(GradlabError, TypeError):
    """An input is of a kind gradlab cannot compute with (a string, an object...)."""


class NonFiniteError(GradlabError, FloatingPointError):
    """A NaN or an infinity appeared where it is not allowed."""


class GraphError(GradlabError, RuntimeError):
    """The automatic-differentiation graph was used in a way it cannot support."""


class DivergenceError(GradlabError, FloatingPointError):
    """Training produced a non-finite loss."""


class ModelFileError(GradlabError, ValueError):
    """A model file is truncated, tampered with, or not a gradlab model."""


class ParseError(GradlabError, ValueError):
    """A symbolic expression could not be parsed."""


class DerivationError(GradlabError, ValueError):
    """A symbolic derivative cannot be formed as asked."""


class MissingExtraError(GradlabError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


def require(module: str, extra: str):
    """Import ``module`` or raise :class:`MissingExtraError` naming ``gradlab[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(
            f"{module} is needed for this feature but is not installed; "
            f"install it with: pip install 'gradlab[{extra}]'"
        ) from exc
