"""Real test sets from a folder: RGB images with their ground-truth depth maps.

Layout (DATASET_DIR)::

    rgb/<name>.png | rgb/<name>.jpg | rgb/<name>.jpeg    8-bit RGB (grayscale, palette and RGBA are converted)
    depth/<name>.png                                     16-bit grayscale; metres = value / depth_scale
    depth/<name>.npy                                     float metres, 2-D
    dataset.toml                                         optional, see FolderConfig

0 is "no data" in either depth format, and NaN or inf in .npy too. Every file in rgb/ needs its depth map
and vice versa; samples are taken in sorted order of name (Python string order). Hidden files are ignored.
Anything malformed raises DatasetError naming the file, while the test set is loaded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from goat.tasks.depth.masks import CROPS, EvalRegion
from goat.tasks.folders import CONFIG_FILE, RGB_SUFFIXES, DatasetError, paired_files, read_rgb, read_toml

__all__ = [
    "CONFIG_FILE",
    "DEPTH_SUFFIXES",
    "PRESETS",
    "RGB_SUFFIXES",
    "DatasetError",
    "FolderConfig",
    "Sample",
    "depth_shape",
    "list_samples",
    "read_config",
    "read_depth",
    "read_rgb",
]

DEPTH_SUFFIXES = (".png", ".npy")


@dataclass(frozen=True)
class FolderConfig:
    """How to read a folder's ground truth: the contents of dataset.toml.

    Keys: depth_scale (PNG value per metre, default 1000), min_depth (1e-3), max_depth (10), crop (none,
    eigen or garg), and preset (a name in PRESETS whose values the other keys then override).
    """

    depth_scale: float = 1000.0
    region: EvalRegion = field(default_factory=EvalRegion)


PRESETS: Mapping[str, FolderConfig] = {
    "nyuv2": FolderConfig(
        depth_scale=1000.0, region=EvalRegion(min_depth=1e-3, max_depth=10.0, crop="eigen")
    ),
    "kitti_eigen": FolderConfig(
        depth_scale=256.0, region=EvalRegion(min_depth=1e-3, max_depth=80.0, crop="garg")
    ),
}
"""NYUv2's 654 test images (depth PNGs in millimetres) and KITTI's Eigen split (the official PNGs, /256)."""


@dataclass(frozen=True)
class Sample:
    name: str
    rgb: Path
    depth: Path


def read_config(folder: Path) -> FolderConfig:
    """The folder's dataset.toml, or the defaults when it has none."""
    path = folder / CONFIG_FILE
    if not path.exists():
        return FolderConfig()
    data = read_toml(path, ("preset", "depth_scale", "min_depth", "max_depth", "crop"))
    preset = data.get("preset")
    if preset is not None and preset not in PRESETS:
        raise DatasetError(f"{path}: preset must be one of {', '.join(PRESETS)}; got {preset!r}")
    base = PRESETS[preset] if preset is not None else FolderConfig()
    depth_scale = _number(data, "depth_scale", base.depth_scale, path)
    if not depth_scale > 0:
        raise DatasetError(f"{path}: depth_scale must be positive, got {depth_scale}")
    crop = data.get("crop", base.region.crop)
    if crop not in CROPS:
        raise DatasetError(f"{path}: crop must be one of {', '.join(CROPS)}; got {crop!r}")
    try:
        region = EvalRegion(
            min_depth=_number(data, "min_depth", base.region.min_depth, path),
            max_depth=_number(data, "max_depth", base.region.max_depth, path),
            crop=crop,
        )
    except ValueError as error:
        raise DatasetError(f"{path}: {error}") from error
    return FolderConfig(depth_scale=depth_scale, region=region)


def _number(data: Mapping[str, object], key: str, default: float, path: Path) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DatasetError(f"{path}: {key} must be a finite number, got {value!r}")
    return float(value)


def list_samples(folder: Path) -> list[Sample]:
    """Every (image, depth map) pair, sorted by name."""
    pairs = paired_files(folder, ("rgb", RGB_SUFFIXES), ("depth", DEPTH_SUFFIXES))
    return [Sample(name, rgb, depth) for name, rgb, depth in pairs]


def depth_shape(path: Path) -> tuple[int, int]:
    """(H, W) of a depth map, read from its header only."""
    try:
        if path.suffix.lower() == ".npy":
            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
        else:
            with Image.open(path) as image:
                shape = (image.height, image.width)
    except (OSError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise DatasetError(f"{path}: cannot read depth map: {error}") from error
    if len(shape) != 2:
        raise DatasetError(f"{path}: expected a 2-D depth map, got shape {shape}")
    return shape


def read_depth(path: Path, depth_scale: float) -> np.ndarray:
    """(H, W) float32 metres, 0 where there is no data."""
    if path.suffix.lower() == ".npy":
        return _read_npy_depth(path)
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            values = np.asarray(image) if mode == "I" or mode.startswith("I;16") else None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DatasetError(f"{path}: cannot read depth map: {error}") from error
    if values is None or values.ndim != 2:
        raise DatasetError(f"{path}: a depth PNG must be 16-bit grayscale, got mode {mode}")
    if values.min() < 0 or values.max() > 65535:
        raise DatasetError(
            f"{path}: a depth PNG must hold 16-bit values, found {values.min()}..{values.max()}"
        )
    return (values / depth_scale).astype(np.float32)


def _read_npy_depth(path: Path) -> np.ndarray:
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise DatasetError(f"{path}: cannot read depth map: {error}") from error
    if values.ndim != 2 or not np.issubdtype(values.dtype, np.floating):
        raise DatasetError(f"{path}: expected a 2-D float array of metres, got {values.dtype} {values.shape}")
    depth = values.astype(np.float32)
    depth[~np.isfinite(depth)] = 0.0
    return depth
