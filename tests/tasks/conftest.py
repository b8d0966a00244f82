"""Dataset folders written to tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.support.depth_files import gradient_rgb, write_npy, write_png16, write_rgb


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """Three samples of 24 x 32: a PNG16 in millimetres, a .npy in metres (with NaN, inf and 0), a JPEG image.

    The true depths are: a.png rows of 1.000..3.300 m, b.npy 2.5 m, c.png 0.5 m with one invalid pixel.
    """
    root = tmp_path / "dataset"
    write_rgb(root / "rgb" / "a.png", gradient_rgb(24, 32))
    write_png16(root / "depth" / "a.png", np.repeat(np.arange(1000, 3400, 100)[:, None], 32, axis=1))
    write_rgb(root / "rgb" / "b.jpg", gradient_rgb(24, 32, offset=40))
    b = np.full((24, 32), 2.5, dtype=np.float32)
    b[0, 0], b[0, 1], b[0, 2] = np.nan, np.inf, 0.0
    write_npy(root / "depth" / "b.npy", b)
    write_rgb(root / "rgb" / "c.png", gradient_rgb(24, 32, offset=80))
    c = np.full((24, 32), 500)
    c[5, 5] = 0
    write_png16(root / "depth" / "c.png", c)
    return root


@pytest.fixture
def write_config(dataset_dir: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = dataset_dir / "dataset.toml"
        path.write_text(text)
        return path

    return write
