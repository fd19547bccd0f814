"""Helpers of the picture tests (they live in gradlab.viz.pixels so tests/cli can use them too)."""

from gradlab.viz.pixels import MIN_STD, assert_real_picture, read_png, rendered_rgb

__all__ = ["MIN_STD", "assert_real_picture", "read_png", "rendered_rgb"]
