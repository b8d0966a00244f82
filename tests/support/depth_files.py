"""Writing dataset files the way a user would: real PNG, JPEG and .npy files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)


def write_png16(path: Path, values: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values.astype(np.uint16)).save(path)


def write_npy(path: Path, metres: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, metres)


def gradient_rgb(height: int, width: int, offset: int = 0) -> np.ndarray:
    """A smooth, non-constant 8-bit image (JPEG keeps it nearly intact)."""
    rows, cols = np.mgrid[0:height, 0:width]
    return (
        np.stack([rows * 4 + offset, cols * 3 + offset, (rows + cols) * 2], axis=-1)
        .clip(0, 255)
        .astype(np.uint8)
    )
