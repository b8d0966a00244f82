"""The standard monocular-depth metrics, per image, as in the MiDaS, ZoeDepth and Marigold evaluations."""

from __future__ import annotations

import math
from collections.abc import Sequence

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


SILOG_NOISE = 1e-12
"""SILog's mean(e^2) - mean(e)^2 at or below this fraction of mean(e^2) is rounding noise, counted as 0."""

_DELTA_THRESHOLDS = (1.25, 1.25**2, 1.25**3)
_LN_10 = math.log(10.0)


def depth_metrics(
    predicted: np.ndarray, target: np.ndarray, *, scratch: Sequence[np.ndarray] = ()
) -> dict[str, float]:
    """Every metric of METRICS for one image, from its valid pixels: predicted and true depth, both > 0.

    SILog's variance mean(e^2) - mean(e)^2 is clamped at 0 before the square root: rounding can make it
    a hair negative for a perfect prediction, and the metric must never be NaN. The subtraction cancels
    to rounding noise of about 1e-15 * mean(e^2) when e is constant (a pure scale error, whose true
    variance is 0), so a variance below SILOG_NOISE * mean(e^2) counts as 0 as well.

    One logarithm per pixel: the log error is ln(p / g) (= ln p - ln g), and log10's |log10 g - log10 p| is
    |ln(p / g)| / ln 10; p / g is also one side of the delta ratio max(g / p, p / g). `scratch`, up to three
    float64 arrays of the inputs' length that may be overwritten, saves allocating temporaries.
    """
    p, g = np.ravel(np.asarray(predicted, dtype=np.float64)), np.ravel(np.asarray(target, dtype=np.float64))
    size = p.size
    quotient = np.divide(p, g, out=_buffer(scratch, 0, p))
    ratio = np.divide(g, p, out=_buffer(scratch, 1, p))
    np.maximum(ratio, quotient, out=ratio)
    below = _buffer(scratch, 2, p).view(bool)[:size]
    deltas = [np.count_nonzero(np.less(ratio, t, out=below)) / size for t in _DELTA_THRESHOLDS]
    log_difference = np.log(quotient, out=ratio)  # the ratio's buffer is free again
    log_sum, log_squares = float(np.sum(log_difference)), _dot(log_difference, log_difference)
    log_absolute = float(np.sum(np.abs(log_difference, out=log_difference)))
    difference = np.subtract(p, g, out=quotient)  # and so is the quotient's
    relative = np.divide(difference, g, out=_buffer(scratch, 2, p))
    squares, relative_squares = _dot(difference, difference), _dot(difference, relative)
    relative_absolute = float(np.sum(np.abs(relative, out=relative)))
    variance = log_squares / size - (log_sum / size) ** 2
    if variance <= SILOG_NOISE * (log_squares / size):
        variance = 0.0
    return {
        "abs_rel": relative_absolute / size,
        "sq_rel": relative_squares / size,
        "rmse": math.sqrt(squares / size),
        "rmse_log": math.sqrt(log_squares / size),
        "log10": log_absolute / size / _LN_10,
        "silog": 100.0 * math.sqrt(variance),
        "delta1": deltas[0],
        "delta2": deltas[1],
        "delta3": deltas[2],
    }


def _buffer(scratch: Sequence[np.ndarray], index: int, like: np.ndarray) -> np.ndarray:
    """scratch[index] when given (an array like `like`), else a new one."""
    return scratch[index] if index < len(scratch) else np.empty_like(like)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) of two 1-D arrays in one pass, single-threaded (einsum, not a threaded BLAS)."""
    return float(np.einsum("i,i->", a, b))
