"""Resizing a prediction to its ground truth's resolution: bilinear with half-pixel centres.

This is torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False), the resize
used by depth evaluations, written out in numpy (float64) so that the protocol can be stated exactly:
output pixel i samples input position (i + 0.5) * in / out - 0.5, clamped to [0, in - 1].
"""

from __future__ import annotations

import numpy as np


def resize_bilinear(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) float64 resampling of a 2-D `image` to `shape` = (H, W); a float64 copy when sizes match."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {image.shape}")
    if image.shape == tuple(shape):
        return image.copy()
    top, bottom, down = _taps(shape[0], image.shape[0])
    left, right, across = _taps(shape[1], image.shape[1])
    rows_top, rows_bottom = image[top], image[bottom]
    upper = (1.0 - across) * rows_top[:, left] + across * rows_top[:, right]
    lower = (1.0 - across) * rows_bottom[:, left] + across * rows_bottom[:, right]
    return (1.0 - down)[:, None] * upper + down[:, None] * lower


def _taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index along one axis: the two input indices it blends and the second one's weight."""
    source = np.maximum((np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0.0)
    first = np.minimum(np.floor(source).astype(np.intp), in_size - 1)
    second = np.minimum(first + 1, in_size - 1)
    return first, second, source - first
