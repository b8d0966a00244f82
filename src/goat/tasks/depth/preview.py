"""A depth prediction as a picture: near is bright, far is dark, whatever the model's scale.

Relative models have no units, so the picture spreads the prediction's own 2nd to 98th percentiles over a
perceptually ordered colour map (anchors of matplotlib's "magma", interpolated linearly).
"""

from __future__ import annotations

import numpy as np

_MAGMA = np.array(
    [
        [0, 0, 4],
        [28, 16, 68],
        [79, 18, 123],
        [129, 37, 129],
        [181, 54, 122],
        [229, 80, 100],
        [251, 135, 97],
        [254, 194, 135],
        [252, 253, 191],
    ],
    dtype=np.float64,
)
_LUT = np.rint(
    np.stack(
        [
            np.interp(np.linspace(0, len(_MAGMA) - 1, 256), np.arange(len(_MAGMA)), _MAGMA[:, c])
            for c in range(3)
        ],
        axis=-1,
    )
).astype(np.uint8)
"""256 colours along the map: a lookup per pixel instead of three interpolations."""


def nearness_picture(prediction: np.ndarray, *, larger_is_nearer: bool) -> np.ndarray:
    """(S, S, 3) uint8 of an (S, S) disparity (larger is nearer) or depth map; NaN and inf are black."""
    values = np.asarray(prediction, dtype=np.float64)
    finite = np.isfinite(values)
    nearness = values if larger_is_nearer else -values
    if not finite.any():
        return np.zeros((*values.shape, 3), dtype=np.uint8)
    low, high = np.percentile(nearness[finite], [2, 98])
    spread = (nearness - low) / (high - low) if high > low else np.zeros_like(nearness)
    level = np.rint(np.clip(np.where(finite, spread, 0.0), 0.0, 1.0) * 255).astype(np.uint8)
    picture = _LUT[level]
    picture[~finite] = 0
    return picture
