"""What every task's scorer checks of an incoming batch: its shape and kind, and its place in the test set."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def checked_batch(
    start: int, predictions: npt.ArrayLike, scored: np.ndarray, *, kind: type[np.generic], what: str
) -> tuple[np.ndarray, int]:
    """(predictions as an array, the end of their batch), once checked to be (B, H, W) of a dtype under
    `kind` (described as `what` in the error), to lie inside the test set from sample `start` and to hold no
    sample already scored; `scored` has one flag per sample of the test set."""
    predictions = np.asarray(predictions)
    if predictions.ndim != 3 or not np.issubdtype(predictions.dtype, kind):
        raise ValueError(f"expected {what} of shape (B, H, W), got {predictions.dtype} {predictions.shape}")
    stop = start + predictions.shape[0]
    if start < 0 or stop > len(scored):
        raise ValueError(f"samples {start}..{stop - 1} are outside the test set (0..{len(scored) - 1})")
    if scored[start:stop].any():
        raise ValueError(f"some of samples {start}..{stop - 1} were already scored")
    return predictions, stop
