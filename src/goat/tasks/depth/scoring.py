"""Scoring a depth model's outputs against the ground truth, image by image, as batches arrive."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from goat.tasks.depth.alignment import Alignment, OutputKind, aligned_depth
from goat.tasks.depth.masks import EvalRegion, crop_window
from goat.tasks.depth.metrics import depth_metrics
from goat.tasks.depth.resize import resize_bilinear


def score_image(
    prediction: np.ndarray,
    depth: np.ndarray,
    region: EvalRegion,
    output_kind: OutputKind,
    alignment: Alignment,
) -> dict[str, float]:
    """Metrics of one raw model output (h, w) against its ground truth (H, W): resize, mask, align, clip.

    The valid pixels are gathered in row-major order, as depth[region.mask(depth)] would, but from the
    crop's window only, and without a gather (a plain float64 copy) when every pixel of the window is
    valid. A prediction already at the ground truth's size is not resized (the resize is the identity).
    """
    rows, columns = crop_window(depth.shape, region.crop)
    window = depth[rows, columns]
    valid = region.in_range(window)
    everywhere = bool(valid.all())
    if not everywhere and not valid.any():
        raise ValueError("the ground truth has no valid pixel")
    if prediction.shape != depth.shape:
        prediction = resize_bilinear(prediction, depth.shape)
    predicted_window = prediction[rows, columns]
    if everywhere:
        predicted = _flat_float64(predicted_window)
        target = _flat_float64(window)
    else:
        predicted = predicted_window[valid].astype(np.float64, copy=False)
        target = window[valid].astype(np.float64, copy=False)
    metric_depth = aligned_depth(
        predicted, target, output_kind, alignment, region.min_depth, region.max_depth
    )
    return depth_metrics(metric_depth, target)


def _flat_float64(array: np.ndarray) -> np.ndarray:
    """The array's values, row-major, as a 1-D float64 array (a view when it already is one)."""
    return np.ravel(np.asarray(array, dtype=np.float64))


class DepthScorer:
    """Accumulates per-image metrics; result() is their mean over the images scored so far."""

    def __init__(
        self,
        depths: Sequence[np.ndarray],
        region: EvalRegion,
        *,
        output_kind: OutputKind,
        alignment: Alignment,
        metrics: Sequence[str],
    ) -> None:
        self._depths = depths
        self._region = region
        self._output_kind: OutputKind = output_kind
        self._alignment: Alignment = alignment
        self._metrics = tuple(metrics)
        self._values = np.zeros((len(depths), len(self._metrics)))
        self._scored = np.zeros(len(depths), dtype=bool)

    @property
    def count(self) -> int:
        """How many images have been scored."""
        return int(self._scored.sum())

    def add(self, start: int, predictions: np.ndarray) -> None:
        """Score raw outputs (B, h, w) for samples start..start+B-1; h, w are resized to each ground truth."""
        predictions = np.asarray(predictions)
        if predictions.ndim != 3 or not np.issubdtype(predictions.dtype, np.number):
            shape = f"{predictions.dtype} {predictions.shape}"
            raise ValueError(f"expected numeric predictions of shape (B, H, W), got {shape}")
        stop = start + predictions.shape[0]
        if start < 0 or stop > len(self._depths):
            raise ValueError(
                f"samples {start}..{stop - 1} are outside the test set (0..{len(self._depths) - 1})"
            )
        if self._scored[start:stop].any():
            raise ValueError(f"some of samples {start}..{stop - 1} were already scored")
        if not np.isfinite(predictions).all():
            raise ValueError(f"predictions for samples {start}..{stop - 1} contain NaN or inf")
        for index, prediction in enumerate(predictions, start=start):
            values = score_image(
                prediction, self._depths[index], self._region, self._output_kind, self._alignment
            )
            self._values[index] = [values[name] for name in self._metrics]
        self._scored[start:stop] = True

    def result(self) -> dict[str, float]:
        """Each metric averaged over the scored images; every image weighs the same, whatever its size."""
        if not self._scored.any():
            raise ValueError("no sample has been scored yet")
        means = self._values[self._scored].mean(axis=0)
        return {name: float(value) for name, value in zip(self._metrics, means, strict=True)}
