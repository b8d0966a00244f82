"""Which ground-truth pixels are scored: a depth range and the benchmark crops of NYUv2 and KITTI."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Crop = Literal["none", "eigen", "garg"]
CROPS: tuple[str, ...] = get_args(Crop)


@dataclass(frozen=True)
class EvalRegion:
    """Pixels with min_depth < depth < max_depth (strict; so 0, the "no data" value, is never scored) that
    also lie inside `crop`. max_depth is also the cap of the alignment and the clip of predictions."""

    min_depth: float = 1e-3
    max_depth: float = 10.0
    crop: Crop = "none"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min_depth) and math.isfinite(self.max_depth)):
            raise ValueError(
                f"min_depth and max_depth must be finite, got {self.min_depth}, {self.max_depth}"
            )
        if not 0 < self.min_depth < self.max_depth:
            raise ValueError(f"need 0 < min_depth < max_depth, got {self.min_depth} and {self.max_depth}")
        if self.crop not in CROPS:
            raise ValueError(f"crop must be one of {', '.join(CROPS)}; got {self.crop!r}")

    def mask(self, depth: np.ndarray) -> np.ndarray:
        """Boolean (H, W): the pixels of a ground-truth depth map (metres) that count."""
        return self.in_range(depth) & crop_mask(depth.shape, self.crop)

    def in_range(self, depth: np.ndarray) -> np.ndarray:
        """Boolean, depth's shape: min_depth < depth < max_depth, whatever the crop (NaN is out of range)."""
        return (depth > self.min_depth) & (depth < self.max_depth)


def crop_mask(shape: tuple[int, ...], crop: Crop) -> np.ndarray:
    """Boolean (H, W) of the crop's rectangle, crop_window(shape, crop)."""
    inside = np.zeros(shape, dtype=bool)
    inside[crop_window(shape, crop)] = True
    return inside


def crop_window(shape: tuple[int, ...], crop: Crop) -> tuple[slice, slice]:
    """(rows, columns) of the crop's rectangle in an (H, W) image, as slices.

    `eigen` is the NYUv2 rectangle rows 45:471, columns 41:601 of 480 x 640, scaled to H x W with integer
    floors (rows 45H // 480 : 471H // 480, columns 41W // 640 : 601W // 640), so it is exact at 480 x 640.
    `garg` is KITTI's, as the field computes it: rows int(0.40810811 H) : int(0.99189189 H), columns
    int(0.03594771 W) : int(0.96405229 W).
    """
    height, width = shape
    if crop == "none":
        return slice(0, height), slice(0, width)
    if crop == "eigen":
        return slice(45 * height // 480, 471 * height // 480), slice(41 * width // 640, 601 * width // 640)
    if crop == "garg":
        rows = slice(int(0.40810811 * height), int(0.99189189 * height))
        return rows, slice(int(0.03594771 * width), int(0.96405229 * width))
    raise ValueError(f"crop must be one of {', '.join(CROPS)}; got {crop!r}")
