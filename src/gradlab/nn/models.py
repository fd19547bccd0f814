"""Named architectures built from gradlab's layers: ``lenet`` (a LeNet-5-style convolutional network).

Each function returns an ordinary :class:`~gradlab.nn.Sequential` of the layers of ``gl.nn`` (so the model
prints, saves, loads and converts to PyTorch as any Sequential does); the same layers in ``torch.nn`` with the
same weights compute the same numbers.
"""

from __future__ import annotations

from ..core.constraints import POSITIVE_INT, SEED, SequenceOf, declare
from ..core.errors import ParameterError
from ..core.seed import as_generator
from .activations import ReLU
from .containers import Sequential
from .conv_layers import Conv2d, Flatten, MaxPool2d
from .layers import DTYPES, Linear

__all__ = ["lenet", "lenet_feature_size"]

TWO_SIZES = SequenceOf(POSITIVE_INT, length=2)


def _after_block(size, kernel_size, padding):
    """Side of a square image after a convolution (stride 1) and a 2×2 max-pool."""
    return (size + 2 * padding - kernel_size + 1) // 2


def lenet_feature_size(image_size, kernel_size=5, padding=None):
    """(padding, side) of LeNet's two blocks for square ``image_size`` images; side is the last pooled map's side.

    ``padding`` None picks 0 (LeNet-5's valid convolutions) when both blocks fit the image, else
    ``kernel_size // 2`` (the convolutions keep the size; only the pools halve it). Returns side 0 when the
    image is too small for the blocks.
    """
    if padding is None:
        side = _after_block(_after_block(image_size, kernel_size, 0), kernel_size, 0)
        padding = 0 if side >= 1 and _after_block(image_size, kernel_size, 0) >= kernel_size else kernel_size // 2
    first = _after_block(image_size, kernel_size, padding)
    if first + 2 * padding < kernel_size or first < 1:
        return padding, 0
    return padding, max(_after_block(first, kernel_size, padding), 0)


@declare(in_channels=POSITIVE_INT, image_size=POSITIVE_INT, classes=POSITIVE_INT, channels=TWO_SIZES,
         hidden=TWO_SIZES, kernel_size=POSITIVE_INT, rng=SEED, dtype=DTYPES)
def lenet(in_channels=1, image_size=28, classes=10, channels=(6, 16), hidden=(120, 84), kernel_size=5,
          padding=None, rng=None, dtype=None) -> Sequential:
    """A LeNet-5-style network for square images: two conv + ReLU + max-pool blocks, then three dense layers.

    ``Sequential(Conv2d(in_channels, c1, k, padding=p), ReLU(), MaxPool2d(2), Conv2d(c1, c2, k, padding=p),
    ReLU(), MaxPool2d(2), Flatten(), Linear(c2·s·s, h1), ReLU(), Linear(h1, h2), ReLU(), Linear(h2, classes))``,
    where s is the side of the last pooled map. With the defaults on 28×28 images this is LeNet-5 with ReLU and
    max-pooling (p = 0, s = 4, 256 features into the dense layers); on images too small for valid convolutions
    (such as the 8×8 digits) the convolutions pad by k // 2, keeping the size, so only the pools halve it
    (8 → 4 → 2, 64 features with the defaults).

    Args:
        in_channels: channels of the input images (1 for grey).
        image_size: side of the square input images, in pixels.
        classes: outputs (the logits; train with ``gl.nn.CrossEntropyLoss``).
        channels: (c1, c2), output channels of the two convolutions.
        hidden: (h1, h2), sizes of the two hidden dense layers.
        kernel_size: side k of the square convolution kernels.
        padding: zero padding p of both convolutions, or None (0 when the image allows it, else k // 2).
        rng: seed or numpy Generator for all the weights (None: gradlab's default generator); the layers are
            initialised in order from one generator, as PyTorch's layers from one seed.
        dtype: 'float64' (default) or 'float32'.

    Returns:
        Sequential mapping x (N, in_channels, image_size, image_size) to logits (N, classes).

    Raises:
        ParameterError when the images are too small for two blocks of this kernel size.
    """
    if padding is not None and (isinstance(padding, bool) or not isinstance(padding, int) or padding < 0):
        raise ParameterError(f"lenet: padding must be an int ≥ 0 or None, got {padding!r}")
    pad, side = lenet_feature_size(int(image_size), int(kernel_size), padding)
    if side < 1:
        raise ParameterError(f"lenet: {image_size}×{image_size} images are too small for two blocks of a "
                             f"{kernel_size}×{kernel_size} convolution with padding {pad} and a 2×2 max-pool; "
                             "use larger images, a smaller kernel_size or more padding")
    gen = as_generator(rng, "lenet")
    (c1, c2), (h1, h2) = (int(c) for c in channels), (int(h) for h in hidden)
    return Sequential(
        Conv2d(in_channels, c1, kernel_size, padding=pad, rng=gen, dtype=dtype), ReLU(), MaxPool2d(2),
        Conv2d(c1, c2, kernel_size, padding=pad, rng=gen, dtype=dtype), ReLU(), MaxPool2d(2),
        Flatten(),
        Linear(c2 * side * side, h1, rng=gen, dtype=dtype), ReLU(),
        Linear(h1, h2, rng=gen, dtype=dtype), ReLU(),
        Linear(h2, classes, rng=gen, dtype=dtype),
    )
