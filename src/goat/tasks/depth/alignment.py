"""Turning a model's raw output into metric depth, so relative (up-to-scale) models can be scored.

All functions take the valid pixels only, as 1-D float64 arrays: the prediction `p` (already resized to the
ground truth) and the ground-truth depth `g` (metres, all inside the evaluation range).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np

from goat.tasks.depth.reductions import buffer, dot, total

OutputKind = Literal["disparity", "depth"]
Alignment = Literal["scale_shift_disparity", "scale_shift_depth", "median", "none"]
OUTPUT_KINDS: tuple[str, ...] = get_args(OutputKind)
ALIGNMENTS: tuple[str, ...] = get_args(Alignment)

DEGENERATE_SPREAD = 1e-9
"""A prediction whose standard deviation is at most this fraction of its largest magnitude is constant."""


def aligned_depth(
    prediction: np.ndarray,
    target: np.ndarray,
    output_kind: OutputKind,
    alignment: Alignment,
    min_depth: float,
    max_depth: float,
    *,
    out: np.ndarray | None = None,
    scratch: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """Predicted metric depth at each valid pixel, clipped to [min_depth, max_depth].

    - scale_shift_disparity: least-squares s, t with s * x + t ~ 1 / g, x the prediction as disparity;
      the aligned disparity is clamped to >= 1 / max_depth, then inverted (the MiDaS protocol).
    - scale_shift_depth: least-squares s, t with s * x + t ~ g, x the prediction as depth.
    - median: x * median(g) / median(x), x the prediction as depth; unscaled if median(x) <= 0.
    - none: x, the prediction as depth.

    A prediction of the other kind is converted first: disparity to depth by 1 / max(p, 1 / max_depth) and
    depth to disparity by 1 / clip(p, min_depth, max_depth), so zero or negative values map to the far or
    near limit instead of infinity.

    The inputs are never modified. The result goes to `out` (a new array by default); `scratch`, up to two
    float64 arrays of the prediction's length that may be overwritten, saves allocating temporaries.
    """
    prediction, target = np.asarray(prediction, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if out is None:
        out = np.empty_like(prediction)
    if alignment == "scale_shift_disparity":
        if output_kind == "disparity":
            x = prediction
        else:
            x = np.divide(1.0, np.clip(prediction, min_depth, max_depth, out=out), out=out)
        inverse_target = np.divide(1.0, target, out=buffer(scratch, 0, target))
        scale, shift = fit_scale_shift(x, inverse_target, scratch=buffer(scratch, 1, x))
        disparity = _affine(x, scale, shift, out=out)
        near, far = 1.0 / min_depth, 1.0 / max_depth
        if 1.0 / near == min_depth and 1.0 / far == max_depth:
            # The limits' reciprocals round-trip (they do for 1e-3 and 10, 80): clamping the disparity to
            # [1 / max_depth, 1 / min_depth] and inverting it is then, bit for bit, the inverse of the
            # clamped disparity clipped to [min_depth, max_depth], one pass over the pixels fewer.
            np.clip(disparity, far, near, out=disparity)
            return np.divide(1.0, disparity, out=disparity)
        depth = disparity_to_depth(disparity, max_depth, out=disparity)
    else:
        x = prediction if output_kind == "depth" else disparity_to_depth(prediction, max_depth, out=out)
        if alignment == "scale_shift_depth":
            scale, shift = fit_scale_shift(x, target, scratch=buffer(scratch, 0, x))
            depth = _affine(x, scale, shift, out=out)
        elif alignment == "median":
            reference = float(np.median(x))
            depth = np.multiply(x, float(np.median(target)) / reference, out=out) if reference > 0 else x
        elif alignment == "none":
            depth = x
        else:
            raise ValueError(f"alignment must be one of {', '.join(ALIGNMENTS)}; got {alignment!r}")
    return np.clip(depth, min_depth, max_depth, out=out)


def fit_scale_shift(
    x: np.ndarray, y: np.ndarray, *, scratch: np.ndarray | None = None
) -> tuple[float, float]:
    """(s, t) minimising sum((s * x + t - y)^2), in closed form on centred values.

    When x is (numerically) constant the system is singular and s is undetermined: the fit is then the best
    constant, s = 0 and t = mean(y). Constant means std(x) <= DEGENERATE_SPREAD * max|x|, which includes a
    single pixel and an all-zero prediction. `scratch`, an array like x, holds the centred x if given.
    """
    size = x.size
    x_mean, y_mean = total(x) / size, total(y) / size
    dx = np.subtract(x, x_mean, out=scratch)
    spread = dot(dx, dx)
    # max|x|^2 <= sum(x^2) = spread + size * x_mean^2, so a spread above that bound (with a factor 2 for
    # rounding) is not degenerate, and the pass over x for its largest magnitude is only needed near it.
    bound = 2.0 * size * DEGENERATE_SPREAD**2 * (spread + size * x_mean * x_mean)
    if spread <= bound and spread <= size * (DEGENERATE_SPREAD * _max_magnitude(x)) ** 2:
        return 0.0, y_mean
    # sum(dx * (y - y_mean)) without a centred copy of y: sum(dx) is zero up to rounding.
    scale = (dot(dx, y) - y_mean * total(dx)) / spread
    return scale, y_mean - scale * x_mean


def disparity_to_depth(
    disparity: np.ndarray, max_depth: float, *, out: np.ndarray | None = None
) -> np.ndarray:
    """1 / disparity, with disparity first clamped to >= 1 / max_depth (so depth <= max_depth, never inf).

    Into `out` if given (which may be `disparity` itself), else a new array.
    """
    # clip to [1 / max_depth, inf] is maximum(disparity, 1 / max_depth), and faster than np.maximum with a
    # scalar in numpy 2.4.
    clamped = np.clip(disparity, 1.0 / max_depth, np.inf, out=out)
    return np.divide(1.0, clamped, out=clamped)


def _affine(x: np.ndarray, scale: float, shift: float, *, out: np.ndarray) -> np.ndarray:
    """scale * x + shift into `out` (which may be x itself)."""
    return np.add(np.multiply(x, scale, out=out), shift, out=out)


def _max_magnitude(x: np.ndarray) -> float:
    """max|x|, without an array of the magnitudes."""
    return max(float(np.maximum.reduce(x, axis=None)), -float(np.minimum.reduce(x, axis=None)))
