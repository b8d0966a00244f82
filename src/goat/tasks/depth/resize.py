"""Resizing a prediction to its ground truth's resolution: bilinear with half-pixel centres.

This is torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False), the resize
used by depth evaluations, written out in numpy (float64) so that the protocol can be stated exactly:
output pixel i samples input position (i + 0.5) * in / out - 0.5, clamped to [0, in - 1].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def resize_bilinear(
    image: np.ndarray,
    shape: tuple[int, int],
    *,
    out: np.ndarray | None = None,
    scratch: Sequence[np.ndarray] = (),
) -> np.ndarray:
    """(H, W) float64 resampling of a 2-D `image` (h, w) to `shape` = (H, W); a float64 copy when sizes match.

    Separable: each input row is interpolated along the width first, then the rows are blended along the
    height. That is the same arithmetic, value for value, as blending the four neighbours of every output
    pixel, with the width pass done on the input's rows only. An axis whose size does not change is the
    identity (weights 1 and 0), so it is skipped.

    The result goes to `out`, a C-contiguous float64 array of `shape`, when given. `scratch`, up to two 1-D
    float64 arrays that may be overwritten, saves allocating the intermediate arrays when they are at least
    h * W and max(h, H) * W long.
    """
    source = np.asarray(image, dtype=np.float64)
    if source.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {source.shape}")
    height, width = shape
    if out is None:
        out = np.empty((height, width))
    columns = source
    if source.shape[1] != width:
        left, right, across = _taps(width, source.shape[1])
        blend_shape = (source.shape[0], width)
        columns = out if source.shape[0] == height else _scratch(scratch, 0, blend_shape)
        np.take(source, left, axis=1, out=columns, mode="clip")  # clip: no buffered copy of out
        columns *= 1.0 - across
        right_values = np.take(source, right, axis=1, out=_scratch(scratch, 1, blend_shape), mode="clip")
        right_values *= across
        columns += right_values
    if source.shape[0] != height:
        top, bottom, down = _taps(height, source.shape[0])
        np.take(columns, top, axis=0, out=out, mode="clip")
        out *= (1.0 - down)[:, None]
        lower = np.take(columns, bottom, axis=0, out=_scratch(scratch, 1, (height, width)), mode="clip")
        lower *= down[:, None]
        out += lower
    elif columns is not out:
        np.copyto(out, columns)
    return out


def _scratch(scratch: Sequence[np.ndarray], index: int, shape: tuple[int, int]) -> np.ndarray:
    """A float64 array of `shape` in scratch[index]'s memory when it is long enough, else a new one."""
    size = shape[0] * shape[1]
    if index < len(scratch) and scratch[index].size >= size:
        return scratch[index][:size].reshape(shape)
    return np.empty(shape)


def _taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output index along one axis: the two input indices it blends and the second one's weight."""
    source = np.maximum((np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0.0)
    first = np.minimum(np.floor(source).astype(np.intp), in_size - 1)
    second = np.minimum(first + 1, in_size - 1)
    return first, second, source - first
