"""Helpers of the picture tests (they live in tests/support/pixels.py so tests/cli can use them too)."""

from support.pixels import MIN_STD, assert_real_picture, read_png, rendered_rgb

__all__ = ["MIN_STD", "assert_real_picture", "read_png", "rendered_rgb"]
