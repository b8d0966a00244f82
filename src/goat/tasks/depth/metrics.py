"""The standard monocular-depth metrics, per image, as in the MiDaS, ZoeDepth and Marigold evaluations."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

from goat.tasks.depth.reductions import buffer, dot, total

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
    |ln(p / g)| / ln 10; p / g is also one side of the delta ratio max(g / p, p / g), computed (and compared
    with 1.25^k) exactly as defined. `scratch`, up to three float64 arrays of the inputs' length that may be
    overwritten, saves allocating temporaries.
    """
    p, g = np.ravel(np.asarray(predicted, dtype=np.float64)), np.ravel(np.asarray(target, dtype=np.float64))
    size = p.size
    quotient = np.divide(p, g, out=buffer(scratch, 0, p))
    ratio = np.divide(g, p, out=buffer(scratch, 1, p))
    np.maximum(ratio, quotient, out=ratio)
    below = buffer(scratch, 2, p).view(bool)[:size]
    deltas = [np.count_nonzero(np.less(ratio, t, out=below)) / size for t in _DELTA_THRESHOLDS]
    log_difference = _log(quotient, out=ratio)  # the ratio's buffer is free again
    log_sum, log_squares = total(log_difference), dot(log_difference, log_difference)
    log_absolute = total(np.abs(log_difference, out=log_difference))
    difference = np.subtract(p, g, out=quotient)  # and so is the quotient's
    relative = np.divide(difference, g, out=buffer(scratch, 2, p))
    squares, relative_squares = dot(difference, difference), dot(difference, relative)
    relative_absolute = total(np.abs(relative, out=relative))
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


def _log(x: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """ln x for positive x, as ln(x * 2^k) - ln(2^k) with 2^k putting every x * 2^k below 1/2.

    glibc's log (numpy's float64 log without AVX-512) takes a separate branch for arguments within about 6%
    of 1, and a good prediction's p / g fall on both sides of that edge at random: the mispredicted branches
    make the logarithm half again as slow (1.7 ms instead of 1.1 ms per 448 x 448 image). Scaling by a power
    of two is exact; the result is within a few units in the last place of ln(x * 2^k) (about 1e-15 for
    ratios within 1e4 of 1), and x = 1 still gives exactly 0.
    """
    low, high = float(np.minimum.reduce(x, axis=None)), float(np.maximum.reduce(x, axis=None))
    exponent = -math.frexp(high)[1] - 1
    scale = math.ldexp(1.0, exponent)  # high * scale in [1/4, 1/2)
    if low * scale < 2.0**-1000:  # would come near the subnormals, where scaling rounds: plain log
        return np.log(x, out=out)
    np.log(np.multiply(x, scale, out=out), out=out)
    out -= _log_of_power_of_two(exponent)
    return out


@functools.cache
def _log_of_power_of_two(exponent: int) -> float:
    """ln(2^exponent), by the same numpy routine as the arrays' logarithms (so that ln(1) comes out 0)."""
    return float(np.log(np.full(8, math.ldexp(1.0, exponent)))[0])
