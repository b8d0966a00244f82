"""Scoring a depth model's outputs against the ground truth, image by image, as batches arrive."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from goat.tasks.batches import checked_batch
from goat.tasks.depth.alignment import Alignment, OutputKind, aligned_depth
from goat.tasks.depth.masks import EvalRegion, crop_window
from goat.tasks.depth.metrics import depth_metrics
from goat.tasks.depth.resize import resize_bilinear


class Workspace:
    """Float64 scratch arrays, reused from image to image by score_image.

    Scoring an image takes about ten arrays as long as its valid pixels. Allocating them afresh for each
    image costs more than the arithmetic: glibc hands large freed blocks back to the system, and every page
    of a new one is a page fault (about 2 us each on a VM, so ~1 ms per 448 x 448 float64 array). Five
    arrays as long as the largest ground truth scored so far (or a resize's intermediate rows) serve them
    all: the resized prediction, the valid pixels' values and the masks are all views of them.
    """

    COUNT = 5

    def __init__(self) -> None:
        self._arrays: tuple[np.ndarray, ...] = ()

    def arrays(self, size: int) -> tuple[np.ndarray, ...]:
        """COUNT distinct float64 arrays of `size` values, contents undefined."""
        if not self._arrays or self._arrays[0].size < size:
            self._arrays = tuple(np.empty(size) for _ in range(self.COUNT))
        return tuple(array[:size] for array in self._arrays)


def score_image(
    prediction: np.ndarray,
    depth: np.ndarray,
    region: EvalRegion,
    output_kind: OutputKind,
    alignment: Alignment,
    *,
    workspace: Workspace | None = None,
) -> dict[str, float]:
    """Metrics of one raw model output (h, w) against its ground truth (H, W): resize, mask, align, clip.

    The valid pixels are taken in row-major order, as depth[region.mask(depth)] would, but from the crop's
    window only, and copied without a gather when all of the window is valid. A prediction already at the
    ground truth's size is not resized (the resize is the identity). `workspace` lends the arrays.
    """
    rows, columns = crop_window(depth.shape, region.crop)
    window = depth[rows, columns]
    prediction = np.asarray(prediction)
    # The resize's intermediate rows are (h, W), longer than the ground truth when h > H.
    size = max(depth.size, prediction.shape[0] * depth.shape[1] if prediction.ndim == 2 else 0)
    predicted, target, metric_depth, spare, other = (workspace or Workspace()).arrays(size)
    if window.size and region.min_depth < window.min() and window.max() < region.max_depth:
        valid, count = None, window.size  # all valid (NaN would fail both tests): no mask needed
    else:
        valid = np.greater(window, region.min_depth, out=_flags(spare, window.shape))
        valid &= np.less(window, region.max_depth, out=_flags(other, window.shape))
        count = int(np.count_nonzero(valid))
        if count == 0:
            raise ValueError("the ground truth has no valid pixel")
    if prediction.shape != depth.shape:  # the resize is the identity otherwise
        resized = metric_depth[: depth.size].reshape(depth.shape)
        prediction = resize_bilinear(prediction, depth.shape, out=resized, scratch=(predicted, target))
    predicted_window = prediction[rows, columns]
    predicted, target, metric_depth = predicted[:count], target[:count], metric_depth[:count]
    if valid is None or count == window.size:
        np.copyto(predicted.reshape(window.shape), predicted_window, casting="unsafe")  # as astype
        np.copyto(target.reshape(window.shape), window)
    else:
        predicted[...] = predicted_window[valid]
        target[...] = window[valid]
    aligned_depth(
        predicted,
        target,
        output_kind,
        alignment,
        region.min_depth,
        region.max_depth,
        out=metric_depth,
        scratch=(spare[:count], other[:count]),
    )
    return depth_metrics(metric_depth, target, scratch=(predicted, spare[:count], other[:count]))


def _flags(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A bool array of `shape` in the memory of a float64 scratch array at least as long."""
    return array.view(bool)[: math.prod(shape)].reshape(shape)


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
        self._workspace = Workspace()

    @property
    def count(self) -> int:
        """How many images have been scored."""
        return int(self._scored.sum())

    def add(self, start: int, predictions: np.ndarray) -> None:
        """Score raw outputs (B, h, w) for samples start..start+B-1; h, w are resized to each ground truth."""
        predictions, stop = checked_batch(
            start, predictions, self._scored, kind=np.number, what="numeric predictions"
        )
        if not _all_finite(predictions):
            raise ValueError(f"predictions for samples {start}..{stop - 1} contain NaN or inf")
        for index, prediction in enumerate(predictions, start=start):
            values = score_image(
                prediction,
                self._depths[index],
                self._region,
                self._output_kind,
                self._alignment,
                workspace=self._workspace,
            )
            self._values[index] = [values[name] for name in self._metrics]
        self._scored[start:stop] = True

    def result(self) -> dict[str, float]:
        """Each metric averaged over the scored images; every image weighs the same, whatever its size."""
        if not self._scored.any():
            raise ValueError("no sample has been scored yet")
        means = self._values[self._scored].mean(axis=0)
        return {name: float(value) for name, value in zip(self._metrics, means, strict=True)}


def _all_finite(array: np.ndarray) -> bool:
    """No NaN or inf: for floats, the min and max are finite (both propagate NaN), without a mask's memory."""
    if array.size == 0:
        return True
    if np.issubdtype(array.dtype, np.floating):
        return bool(np.isfinite(array.min()) and np.isfinite(array.max()))
    return bool(np.isfinite(array).all())
