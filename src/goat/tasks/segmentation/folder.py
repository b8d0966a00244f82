"""Real segmentation test sets from a folder: RGB images with their label maps.

Layout (DATASET_DIR)::

    rgb/<name>.png | rgb/<name>.jpg | rgb/<name>.jpeg    8-bit RGB (grayscale, palette and RGBA are converted)
    labels/<name>.png                                    8-bit class ids, 255 = ignore (grayscale or palette)
    dataset.toml                                         required: num_classes and class_names

A palette ("P") label PNG, as Pascal VOC ships them, is read as its palette indices, not its colours. Every
image needs its label map and vice versa; samples are taken in sorted order of name, hidden files ignored.
Anything malformed raises DatasetError naming the file, while the test set is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from goat.tasks.folders import CONFIG_FILE, RGB_SUFFIXES, DatasetError, paired_files, read_toml
from goat.tasks.segmentation.labels import IGNORE, MAX_CLASSES

LABEL_SUFFIXES = (".png",)
LABEL_MODES = ("L", "P")


@dataclass(frozen=True)
class SegmentationConfig:
    """The contents of dataset.toml: num_classes (1..255) and class_names, one distinct name per class."""

    num_classes: int
    class_names: tuple[str, ...]


def read_config(folder: Path) -> SegmentationConfig:
    """The folder's dataset.toml, which a segmentation folder must have."""
    path = folder / CONFIG_FILE
    if not path.is_file():
        raise DatasetError(f"{path}: missing; a segmentation dataset needs num_classes and class_names")
    data = read_toml(path, ("num_classes", "class_names"))
    num_classes = data.get("num_classes")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise DatasetError(f"{path}: num_classes must be an integer, got {num_classes!r}")
    if not 1 <= num_classes <= MAX_CLASSES:
        raise DatasetError(
            f"{path}: num_classes must be 1..{MAX_CLASSES} ({IGNORE} means ignore), got {num_classes}"
        )
    names = data.get("class_names")
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise DatasetError(f"{path}: class_names must be a list of non-empty strings, got {names!r}")
    if len(names) != num_classes:
        raise DatasetError(f"{path}: class_names has {len(names)} names but num_classes is {num_classes}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DatasetError(f"{path}: class_names repeats {', '.join(map(repr, repeated))}")
    return SegmentationConfig(num_classes=num_classes, class_names=tuple(names))


@dataclass(frozen=True)
class Sample:
    name: str
    rgb: Path
    labels: Path


def list_samples(folder: Path) -> list[Sample]:
    """Every (image, label map) pair, sorted by name."""
    pairs = paired_files(folder, ("rgb", RGB_SUFFIXES), ("labels", LABEL_SUFFIXES))
    return [Sample(name, rgb, labels) for name, rgb, labels in pairs]


def read_labels(path: Path, num_classes: int) -> np.ndarray:
    """(H, W) uint8 class ids, each below num_classes or IGNORE."""
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            labels = np.asarray(image, dtype=np.uint8) if mode in LABEL_MODES else None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DatasetError(f"{path}: cannot read label map: {error}") from error
    if labels is None:
        raise DatasetError(
            f"{path}: a label map must be an 8-bit grayscale or palette PNG of class ids, got mode {mode}"
        )
    invalid = (labels >= num_classes) & (labels != IGNORE)
    if invalid.any():
        row, column = np.argwhere(invalid)[0]
        values = ", ".join(str(value) for value in np.unique(labels[invalid]))
        raise DatasetError(
            f"{path}: class id(s) {values} not below num_classes {num_classes} ({IGNORE} = ignore), "
            f"the first at row {row}, column {column}"
        )
    return labels
