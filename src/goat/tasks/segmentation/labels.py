"""Class-id maps: the ignore value and resizing to the model's S x S without inventing classes.

A label map is a 2-D uint8 array of class ids; IGNORE (255) marks pixels that are not scored.
"""

from __future__ import annotations

import numpy as np

IGNORE = 255
"""The label of a pixel that is not scored; class ids are 0..num_classes - 1, so at most 255 classes."""

MAX_CLASSES = IGNORE


def resize_labels(labels: np.ndarray, size: int) -> np.ndarray:
    """(size, size) uint8: nearest-neighbour resampling of an (H, W) uint8 label map, by an exact index map.

    Output row i copies input row (2i + 1) * H // (2 size), the row under the output pixel's centre (i + 0.5)
    * H / size, in integer arithmetic; columns likewise. This is torch's interpolate(mode="nearest-exact")
    and Pillow's NEAREST up to float rounding at exact ties. Every output value is an input value, so 255
    stays 255 and no class id appears that the map does not hold. A map already size x size is copied.
    """
    labels = np.asarray(labels)
    if labels.dtype != np.uint8 or labels.ndim != 2:
        raise ValueError(f"expected an (H, W) uint8 label map, got {labels.dtype} {labels.shape}")
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    rows = _nearest(size, labels.shape[0])
    columns = _nearest(size, labels.shape[1])
    return labels[rows[:, None], columns[None, :]]


def _nearest(out_size: int, in_size: int) -> np.ndarray:
    """For each output index along one axis, the input index whose pixel contains its centre."""
    return (2 * np.arange(out_size, dtype=np.int64) + 1) * in_size // (2 * out_size)
