"""Scoring a segmentation model's class maps: one confusion matrix over the whole test set, then mIoU.

Pixels are pooled over all images (the Pascal VOC / Cityscapes / ADE20K convention), so a large image weighs
more than a small one, and the order in which batches arrive cannot change a count.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.batches import checked_batch
from goat.tasks.segmentation.labels import IGNORE, MAX_CLASSES


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) int64 counts: [t, p] is the number of pixels labelled t and predicted p; IGNORE pixels left out.

    labels: uint8 class ids or IGNORE; predictions: integers in [0, num_classes), of the same shape.
    """
    # label * C + prediction in uint16 (at most 255 * 255 + 254 with C <= 255), one bincount. An IGNORE
    # pixel's index, 255 * C + p, is at least C * C: it falls past the matrix, so it needs no mask.
    index = np.multiply(labels, np.uint16(num_classes), dtype=np.uint16)
    index += predictions.astype(np.uint16, copy=False)
    counts = np.bincount(index.ravel(), minlength=(IGNORE + 1) * num_classes)
    return counts[: num_classes * num_classes].reshape(num_classes, num_classes)


def segmentation_metrics(confusion: np.ndarray) -> dict[str, object]:
    """miou, pixel_accuracy, mean_class_accuracy (Python floats) and per-class iou (float or None).

    iou[c] = TP / (TP + FP + FN), None when the class is neither labelled nor predicted; miou is the mean of
    the others. pixel_accuracy = sum(TP) / labelled pixels. mean_class_accuracy is the mean of TP / (TP + FN)
    over the classes that are labelled somewhere.
    """
    confusion = np.asarray(confusion, dtype=np.int64)
    total = int(confusion.sum())
    if total == 0:
        raise ValueError("no labelled pixel has been scored yet")
    tp = np.diagonal(confusion)
    labelled = confusion.sum(axis=1)
    union = labelled + confusion.sum(axis=0) - tp
    seen = union > 0
    iou = tp[seen] / union[seen]
    present = labelled > 0
    per_class = iter(iou.tolist())
    return {
        "miou": float(np.mean(iou)),
        "pixel_accuracy": float(tp.sum() / total),
        "mean_class_accuracy": float(np.mean(tp[present] / labelled[present])),
        "iou": [next(per_class) if is_seen else None for is_seen in seen.tolist()],
    }


class SegmentationScorer:
    """Accumulates the test set's confusion matrix batch by batch; result() gives the metrics so far."""

    def __init__(self, labels: np.ndarray, num_classes: int) -> None:
        """labels: (N, S, S) uint8 class ids below num_classes, or IGNORE."""
        if not 1 <= num_classes <= MAX_CLASSES:
            raise ValueError(f"num_classes must be 1..{MAX_CLASSES}, got {num_classes}")
        labels = np.asarray(labels)
        if labels.dtype != np.uint8 or labels.ndim != 3:
            raise ValueError(f"expected (N, S, S) uint8 labels, got {labels.dtype} {labels.shape}")
        self._labels = labels
        self._num_classes = num_classes
        self._confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
        self._scored = np.zeros(len(labels), dtype=bool)

    @property
    def count(self) -> int:
        """How many images have been scored."""
        return int(self._scored.sum())

    @property
    def confusion(self) -> np.ndarray:
        """A copy of the (C, C) counts so far: [t, p] pixels labelled t and predicted p."""
        return self._confusion.copy()

    def add(self, start: int, predictions: np.ndarray) -> None:
        """Count predictions (B, S, S), integer class ids in [0, C), for samples start..start+B-1."""
        predictions, stop = checked_batch(
            start, predictions, self._scored, kind=np.integer, what="integer class ids"
        )
        if predictions.shape[1:] != self._labels.shape[1:]:
            raise ValueError(
                f"predictions are {predictions.shape[1:]} per image, the labels {self._labels.shape[1:]}"
            )
        low, high = (predictions.min(), predictions.max()) if predictions.size else (0, 0)
        if low < 0 or high >= self._num_classes:
            raise ValueError(
                f"predictions for samples {start}..{stop - 1} hold class ids {low}..{high}, "
                f"outside 0..{self._num_classes - 1}"
            )
        self._confusion += confusion_matrix(self._labels[start:stop], predictions, self._num_classes)
        self._scored[start:stop] = True

    def result(self) -> dict[str, object]:
        """{"miou", "pixel_accuracy", "mean_class_accuracy": float, "iou": [float or None per class]}."""
        return segmentation_metrics(self._confusion)
