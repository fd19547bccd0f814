"""Pixel checks of pictures: read a PNG, tell a real picture from a blank one (used by the tests)."""

from __future__ import annotations

import numpy as np

MIN_STD = 0.05  # standard deviation of the grey levels in [0, 1]; a blank image has 0


def read_png(path) -> np.ndarray:
    """The image as a float array (H, W, 3) of RGB in [0, 1]."""
    from matplotlib.image import imread

    img = imread(str(path))
    if img.dtype != np.float32 and img.dtype != np.float64:
        img = img / 255.0
    return np.asarray(img[..., :3], dtype=np.float64)


def assert_real_picture(path, min_size=(300, 200)):
    """Raise AssertionError unless the PNG at ``path`` is at least ``min_size`` (width, height) pixels and not blank.

    Returns the image (H, W, 3). Used by tests; raises AssertionError (also under ``python -O``).
    """
    img = read_png(path)
    h, w = img.shape[:2]
    if w < min_size[0] or h < min_size[1]:
        raise AssertionError(f"{path}: {w}x{h} is smaller than {min_size}")
    grey = img.mean(axis=2)
    if not grey.std() > MIN_STD:
        raise AssertionError(f"{path}: nearly blank (grey std {grey.std():.4f})")
    # more than a couple of colours: real content, not a flat frame
    if len(np.unique((img * 15).round().reshape(-1, 3), axis=0)) <= 8:
        raise AssertionError(f"{path}: eight colours or fewer: a flat frame, not a picture")
    return img


def rendered_rgb(fig) -> np.ndarray:
    """The figure drawn by Agg as an RGB array (H, W, 3) in [0, 1], same pixels as ``ax.transData``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba(), dtype=np.float64)[..., :3] / 255.0
