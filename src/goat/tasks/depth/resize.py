"""Resizing a prediction to its ground truth's resolution: bilinear with half-pixel centres.

This is torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False), the resize
used by depth evaluations, written out in numpy (float64) so that the protocol can be stated exactly:
output pixel i samples input position (i + 0.5) * in / out - 0.5, clamped to [0, in - 1].
"""

from __future__ import annotations

import numpy as np


def resize_bilinear(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) float64 resampling of a 2-D `image` to `shape` = (H, W); a float64 copy when sizes match.

    Separable: each input row is interpolated along the width first, then the rows are blended along the
    height. That is the same arithmetic, value for value, as blending the four neighbours of every output
    pixel, with the width pass done on the input's rows only. An axis whose size does not change is the
    identity (weights 1 and 0), so it is skipped.
    """
    source = np.asarray(image, dtype=np.float64)
    if source.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {source.shape}")
    if source.shape == tuple(shape):
        return source.copy()
    height, width = shape
    image = source
    if image.shape[1] != width:
        left, right, across = _taps(width, image.shape[1])
        image = (1.0 - across) * image[:, left] + across * image[:, right]
    if image.shape[0] != height:
        top, bottom, down = _taps(height, image.shape[0])
        image = (1.0 - down)[:, None] * image[top] + down[:, None] * image[bottom]
    return image


def _taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index along one axis: the two input indices it blends and the second one's weight."""
    source = np.maximum((np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0.0)
    first = np.minimum(np.floor(source).astype(np.intp), in_size - 1)
    second = np.minimum(first + 1, in_size - 1)
    return first, second, source - first
