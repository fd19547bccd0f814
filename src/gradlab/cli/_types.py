"""Argument types of the commands: each flag's value is checked while the command line is parsed.

An invalid value stops the command before any work with argparse's usage error
(exit status 2) and one sentence naming the flag:
``gradlab train: error: argument --seed: must be an int ≥ 0; got '-1'``.
Limits that protect the machine (sizes, epochs) are stated in ``--help``.
"""

from __future__ import annotations

import argparse
import math

MAX_EPOCHS = 100_000  # training epochs: more cannot finish in a session on a laptop
MAX_SAMPLES = 10_000_000  # generated samples
MAX_PERCEPTRON_EPOCHS = 1_000  # the perceptron picture draws one line per epoch
MAX_LAYER = 100_000  # units in one layer


def _fail(expected, text):
    raise argparse.ArgumentTypeError(f"must be {expected}; got {text!r}")


def int_in(low, high=None):
    """An argparse type: an int in [low, high]."""
    expected = f"an int ≥ {low}" if high is None else f"an int from {low} to {high:,}"

    def parse(text):
        try:
            value = int(str(text).strip(), 10)
        except ValueError:
            _fail(expected, text)
        if value < low or (high is not None and value > high):
            _fail(expected, text)
        return value

    parse.__name__ = "int"
    return parse


def float_in(low=None, high=None, low_open=False, allow_zero=True):
    """An argparse type: a finite float, > low (``low_open``) or ≥ low, and ≤ high."""
    parts = ["a finite number"]
    if low is not None:
        parts.append(f"{'>' if low_open else '≥'} {low:g}")
    if high is not None:
        parts.append(f"≤ {high:g}")
    expected = " ".join(parts[:1]) + (" " + " and ".join(parts[1:]) if len(parts) > 1 else "")

    def parse(text):
        try:
            value = float(str(text).strip())
        except ValueError:
            _fail(expected, text)
        if not math.isfinite(value) or (low is not None and (value <= low if low_open else value < low)) \
                or (high is not None and value > high) or (not allow_zero and value == 0):
            _fail(expected, text)
        return value

    parse.__name__ = "float"
    return parse


SEED = int_in(0)
POSITIVE_FLOAT = float_in(0.0, low_open=True)
FINITE_FLOAT = float_in()


