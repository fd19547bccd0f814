"""Datasets and batches: ``TensorDataset`` and ``DataLoader`` (seeded shuffling), as torch.utils.data."""

from __future__ import annotations

__all__: list[str] = []
