"""What every task's dataset folder shares: paired files in subfolders, 8-bit RGB images, a dataset.toml.

A sample is a name with one file in each of two subfolders (rgb/<name>.png and depth/<name>.npy, say);
samples are taken in sorted order of name (Python string order) and hidden files are ignored. Anything
malformed raises DatasetError naming the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from pathlib import Path

import numpy as np
from PIL import Image

RGB_SUFFIXES = (".png", ".jpg", ".jpeg")
CONFIG_FILE = "dataset.toml"

Subfolder = tuple[str, tuple[str, ...]]
"""A subfolder's name and the file suffixes (lower case, with the dot) it may hold."""


class DatasetError(ValueError):
    """A dataset folder that cannot be used as it is; the message names the offending file."""


def read_toml(path: Path, keys: Collection[str]) -> dict[str, object]:
    """The TOML file's table, whose keys must all be among `keys`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DatasetError(f"{path}: cannot read it: {error}") from error
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise DatasetError(f"{path}: unknown key(s) {', '.join(unknown)}")
    return data


def paired_files(folder: Path, first: Subfolder, second: Subfolder) -> list[tuple[str, Path, Path]]:
    """(name, file in the first subfolder, file in the second) for every sample, sorted by name."""
    if not folder.is_dir():
        raise DatasetError(f"dataset folder {folder} does not exist or is not a directory")
    ones = _files_by_name(folder / first[0], first[1])
    others = _files_by_name(folder / second[0], second[1])
    unpaired = sorted(ones.keys() ^ others.keys())
    if unpaired:
        name = unpaired[0]
        orphan, other = (ones[name], second[0]) if name in ones else (others[name], first[0])
        more = f" ({len(unpaired) - 1} more unpaired)" if len(unpaired) > 1 else ""
        raise DatasetError(f"{orphan}: no matching file named {name}.* in {folder / other}{more}")
    if not ones:
        raise DatasetError(f"dataset folder {folder} has no samples in {first[0]}/ and {second[0]}/")
    return [(name, ones[name], others[name]) for name in sorted(ones)]


def _files_by_name(directory: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    if not directory.is_dir():
        raise DatasetError(f"{directory} does not exist or is not a directory")
    files: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in suffixes:
            raise DatasetError(f"{path}: unsupported file type (expected {', '.join(suffixes)})")
        if path.stem in files:
            raise DatasetError(f"{path}: sample {path.stem!r} also has {files[path.stem].name}")
        files[path.stem] = path
    return files


def read_rgb(path: Path) -> np.ndarray:
    """(H, W, 3) uint8; grayscale, palette and RGBA images are converted."""
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            rgb = np.asarray(image.convert("RGB")) if _is_8bit(mode) else None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise DatasetError(f"{path}: cannot read image: {error}") from error
    if rgb is None:
        raise DatasetError(f"{path}: expected an 8-bit RGB image, got mode {mode}")
    return rgb


def _is_8bit(mode: str) -> bool:
    return mode not in ("I", "F") and not mode.startswith("I;")


def file_identity(path: Path) -> tuple[str, int, int]:
    """(name, size, modification time in ns): part of a cache key, so that an edited file is read again."""
    stat = path.stat()
    return path.name, stat.st_size, stat.st_mtime_ns
