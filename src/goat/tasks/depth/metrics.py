"""The standard monocular-depth metrics, per image, as in the MiDaS, ZoeDepth and Marigold evaluations."""

from __future__ import annotations

import numpy as np

METRICS: tuple[str, ...] = (
    "abs_rel",
    "sq_rel",
    "rmse",
    "rmse_log",
    "log10",
    "silog",
    "delta1",
    "delta2",
    "delta3",
)
HIGHER_IS_BETTER = frozenset({"delta1", "delta2", "delta3"})


def depth_metrics(predicted: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Every metric of METRICS for one image, from its valid pixels: predicted and true depth, both > 0.

    SILog's variance mean(e^2) - mean(e)^2 is clamped at 0 before the square root: rounding can make it
    a hair negative for a perfect prediction, and the metric must never be NaN.
    """
    p, g = np.asarray(predicted, dtype=np.float64), np.asarray(target, dtype=np.float64)
    difference = g - p
    log_difference = np.log(p) - np.log(g)
    ratio = np.maximum(g / p, p / g)
    variance = float(np.mean(log_difference**2) - np.mean(log_difference) ** 2)
    return {
        "abs_rel": float(np.mean(np.abs(difference) / g)),
        "sq_rel": float(np.mean(difference**2 / g)),
        "rmse": float(np.sqrt(np.mean(difference**2))),
        "rmse_log": float(np.sqrt(np.mean(log_difference**2))),
        "log10": float(np.mean(np.abs(np.log10(g) - np.log10(p)))),
        "silog": 100.0 * float(np.sqrt(max(variance, 0.0))),
        "delta1": float(np.mean(ratio < 1.25)),
        "delta2": float(np.mean(ratio < 1.25**2)),
        "delta3": float(np.mean(ratio < 1.25**3)),
    }
