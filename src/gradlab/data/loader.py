"""Datasets and batches: ``TensorDataset`` and ``DataLoader`` (seeded shuffling), as torch.utils.data.

    >>> ds = gl.data.TensorDataset(X, y)                  # X (N, ...), y (N, ...)
    >>> loader = gl.data.DataLoader(ds, batch_size=32, shuffle=True, generator=0)
    >>> for xb, yb in loader: ...                         # xb (B, ...), yb (B, ...), B ≤ 32

Shuffling draws ``generator.permutation(N)`` once per pass (``iter(loader)``), from ``generator``: an int
(a Generator made once, at construction, and continued over the epochs), a ``numpy.random.Generator``
(continued), or None: gradlab's default generator at the time of the pass (``gl.manual_seed(n)`` resets
it). ``gl.fit`` draws its epochs' orders the same way, so ``fit(..., loader)`` trains on the very batches a
hand-written loop over the same loader (and the same generator state) would see.
"""

from __future__ import annotations

import numpy as np

from ..core.constraints import BOOL, POSITIVE_INT, SEED, declare
from ..core.errors import InputTypeError, ParameterError, ShapeError
from ..core.seed import as_generator
from ..core.tensor import Tensor


class TensorDataset:
    """TensorDataset(*arrays): rows of equally long arrays (or Tensors); ``ds[i]`` is the tuple of row i of each.

    Args:
        *arrays: at least one array-like or Tensor, each of shape (N, ...), the same N.
    Attributes:
        tensors: the arrays as given (NumPy arrays or gradlab Tensors).
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ShapeError("TensorDataset: give at least one array of shape (N, ...)")
        items = []
        for k, a in enumerate(arrays):
            if not isinstance(a, Tensor):
                try:
                    a = np.asarray(a)
                except (TypeError, ValueError) as exc:
                    raise InputTypeError(f"TensorDataset: array {k} is not array-like: {exc}") from None
            if a.ndim == 0:
                raise ShapeError(f"TensorDataset: array {k} is a scalar; each array must have shape (N, ...)")
            items.append(a)
        lengths = [len(a) for a in items]
        if len(set(lengths)) > 1:
            raise ShapeError(f"TensorDataset: the arrays have different lengths {lengths} (first dimensions); "
                             "every array must have the same number of rows N")
        self.tensors = tuple(items)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index):
        """The tuple (row ``index`` of each array); an array of indices gives batches (B, ...) of each."""
        return tuple(_take(a, index) for a in self.tensors)

    def __repr__(self):
        return f"TensorDataset({len(self)} rows; shapes {', '.join(str(tuple(a.shape)) for a in self.tensors)})"


def _take(a, index):
    if isinstance(a, Tensor):
        return Tensor.wrap(a.data[index])
    return a[index]


def _stack(rows):
    """A batch from a list of dataset items: tuples stacked field by field, arrays/Tensors/numbers stacked."""
    first = rows[0]
    if isinstance(first, (tuple, list)):
        return tuple(_stack([r[k] for r in rows]) for k in range(len(first)))
    if isinstance(first, Tensor):
        return Tensor.wrap(np.stack([r.data for r in rows]))
    return np.stack([np.asarray(r) for r in rows])


class DataLoader:
    """DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False, generator=None): the dataset in batches.

    Args:
        dataset: a TensorDataset, or any object with ``len()`` and ``dataset[i]`` (items are then stacked:
            tuples field by field, NumPy arrays with ``np.stack``, Tensors into a Tensor).
        batch_size: rows per batch B ≥ 1 (the last batch may be smaller unless ``drop_last``).
        shuffle: a new random order of the rows on every pass (``iter``).
        drop_last: leave out a last batch smaller than ``batch_size``.
        generator: None (gradlab's default generator), an int seed or a ``numpy.random.Generator``.
    Yields:
        For a TensorDataset, a tuple with one (B, ...) batch per array (NumPy arrays, or Tensors for Tensors).
    ``len(loader)``: the number of batches, ⌈N / B⌉ (⌊N / B⌋ with drop_last), as torch.
    """

    @declare(batch_size=POSITIVE_INT, shuffle=BOOL, drop_last=BOOL, generator=SEED)
    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise InputTypeError(f"DataLoader: dataset must have len() and indexing (such as gl.data.TensorDataset), "
                                 f"got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), bool(shuffle), bool(drop_last)
        # an int seed becomes one Generator, continued from pass to pass (as a seeded torch.Generator)
        self.generator = generator if generator is None else as_generator(generator, "DataLoader")

    def rng(self) -> np.random.Generator:
        """The generator the next pass shuffles with."""
        return as_generator(self.generator, "DataLoader")

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self):
        """The row order of a new pass: a fresh permutation when shuffling, else None (0, 1, ..., N − 1)."""
        return self.rng().permutation(len(self.dataset)) if self.shuffle else None

    def __iter__(self):
        n, b = len(self.dataset), self.batch_size
        order = self.order()
        tensor_dataset = isinstance(self.dataset, TensorDataset)
        for k in range(len(self)):
            idx = np.arange(k * b, min(n, (k + 1) * b)) if order is None else order[k * b:(k + 1) * b]
            if tensor_dataset:
                yield self.dataset[idx if order is not None else slice(k * b, (k + 1) * b)]
            else:
                yield _stack([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} rows, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, {len(self)} batches)")


def fit_arguments(loader, y, batch_size, shuffle, seed):
    """``(X, y, batch_size, shuffle, rng, drop_last)`` for ``gl.fit`` given ``loader`` in place of X.

    fit's own y, batch_size, shuffle and seed must be left out (at their defaults); the loader must be over a
    TensorDataset of two arrays (inputs (N, features), targets (N, ...)). ``rng`` is the generator of the
    loader's next pass, so fit's epochs draw the orders the loader itself would.
    """
    if y is not None or batch_size != 32 or shuffle is not True or seed is not None:
        raise ParameterError("fit: with a DataLoader in place of X, the targets, batch size, shuffling and seed come "
                             f"from the loader; leave y, batch_size, shuffle and seed out (got y of type "
                             f"{type(y).__name__}, batch_size={batch_size}, shuffle={shuffle}, seed={seed!r})")
    ds = loader.dataset
    if not (isinstance(ds, TensorDataset) and len(ds.tensors) == 2):
        raise InputTypeError(f"fit: a DataLoader given to fit must be over gl.data.TensorDataset(X, y) (two arrays), "
                             f"got one over {ds!r}")
    return ds.tensors[0], ds.tensors[1], loader.batch_size, loader.shuffle, loader.rng(), loader.drop_last


__all__ = ["TensorDataset", "DataLoader"]
