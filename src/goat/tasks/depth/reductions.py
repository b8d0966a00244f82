"""Sums and scratch buffers shared by alignment and metrics: single-threaded and allocation-free."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def buffer(scratch: Sequence[np.ndarray], index: int, like: np.ndarray) -> np.ndarray:
    """scratch[index] when given (an array like `like`), else a new one."""
    return scratch[index] if index < len(scratch) else np.empty_like(like)


def total(a: np.ndarray) -> float:
    """np.sum(a) (the same pairwise summation), without np.sum's Python-level overhead."""
    return float(np.add.reduce(a, axis=None))


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) of two 1-D arrays in one pass, single-threaded (einsum, not a threaded BLAS)."""
    return float(np.einsum("i,i->", a, b))
