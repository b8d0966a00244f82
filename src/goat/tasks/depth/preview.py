"""A depth prediction as a picture: near is bright, far is dark.

A public sample's preview shows its ground truth and the prediction after the task's alignment, as
scored, both on the ground truth's scale (its nearness's 2nd to 98th percentiles over a perceptually
ordered colour map: anchors of matplotlib's "magma", interpolated linearly), so that a region drawn in
one colour is at one depth in both; and the sample's own metrics.
"""

from __future__ import annotations

import math

import numpy as np

from goat.tasks.base import SamplePreview
from goat.tasks.depth.alignment import Alignment, OutputKind, aligned_depth
from goat.tasks.depth.masks import EvalRegion
from goat.tasks.depth.scoring import score_image

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


def nearness_picture(
    prediction: np.ndarray, *, larger_is_nearer: bool, scale: tuple[float, float] | None = None
) -> np.ndarray:
    """(S, S, 3) uint8 of an (S, S) disparity (larger is nearer) or depth map; NaN and inf are black.
    `scale`: the nearness drawn darkest and brightest; by default the map's own 2nd and 98th percentiles."""
    values = np.asarray(prediction, dtype=np.float64)
    finite = np.isfinite(values)
    nearness = values if larger_is_nearer else -values
    if not finite.any():
        return np.zeros((*values.shape, 3), dtype=np.uint8)
    low, high = scale if scale is not None else np.percentile(nearness[finite], [2, 98])
    spread = (nearness - low) / (high - low) if high > low else np.zeros_like(nearness)
    level = np.rint(np.clip(np.where(finite, spread, 0.0), 0.0, 1.0) * 255).astype(np.uint8)
    picture = _LUT[level]
    picture[~finite] = 0
    return picture


def sample_preview(
    prediction: np.ndarray,
    truth: np.ndarray,
    region: EvalRegion,
    output_kind: OutputKind,
    alignment: Alignment,
) -> SamplePreview:
    """The ground truth (S, S, metres) and the prediction aligned to it as scoring aligns it, as nearness on
    the ground truth's scale (pixels outside `region` black), with the sample's metrics."""
    valid = region.mask(truth)
    aligned = np.full(truth.shape, np.nan)
    aligned[valid] = aligned_depth(
        prediction[valid], truth[valid], output_kind, alignment, region.min_depth, region.max_depth
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        truth_nearness = np.where(valid, 1.0 / truth, np.nan)
        predicted_nearness = 1.0 / aligned
    low, high = np.percentile(truth_nearness[valid], [2, 98])
    scale = (float(low), float(high))
    metrics = score_image(prediction, truth, region, output_kind, alignment)
    return SamplePreview(
        pictures=(
            nearness_picture(truth_nearness, larger_is_nearer=True, scale=scale),
            nearness_picture(predicted_nearness, larger_is_nearer=True, scale=scale),
        ),
        metrics={name: value if math.isfinite(value) else None for name, value in metrics.items()},
    )
