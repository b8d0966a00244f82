"""A disk cache of named numpy arrays, so a worker start loads a test set instead of rebuilding it.

An entry is a directory named by a hash of its key (every parameter that shapes the data, plus FORMAT). It is
built under a temporary name, arrays written straight to .npy files, and renamed into place only when
complete: concurrent workers never see half an entry. Builders take turns on a lock of the cache
directory, so workers starting together build an entry once and the others load it.
Arrays are opened with mmap_mode="r", so workers on one machine share the pages and start instantly.
An entry that fails to load (truncated, missing, of the wrong shape) is removed and rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from goat.core.permissions import PRIVATE_FOLDER

FORMAT = 1
"""Part of every key: bump when the layout of entries changes."""

log = logging.getLogger(__name__)

Allocate = Callable[[str, tuple[int, ...], npt.DTypeLike], np.ndarray]
"""allocate(name, shape, dtype) -> a writable array the builder fills; it becomes the entry's array `name`."""

Build = Callable[[Allocate], None]


def cached_arrays(cache_dir: Path | None, key: Mapping[str, object], build: Build) -> dict[str, np.ndarray]:
    """The arrays `build` fills for this key: from the cache when present, else built (and stored if
    `cache_dir` is set). `key` must be JSON-serialisable."""
    if cache_dir is None:
        arrays: dict[str, np.ndarray] = {}
        build(lambda name, shape, dtype: arrays.setdefault(name, np.empty(shape, dtype=dtype)))
        return arrays
    canonical = json.dumps({"format": FORMAT, **key}, sort_keys=True, default=str)
    entry = Path(cache_dir) / hashlib.sha256(canonical.encode()).hexdigest()[:32]
    arrays = _load_if_usable(entry, canonical)
    if arrays is not None:
        return arrays
    with _builder_turn(entry):
        arrays = _load_if_usable(entry, canonical)
        if arrays is not None:
            return arrays
        _store(entry, canonical, build)
    return _load(entry, canonical)


def _load_if_usable(entry: Path, canonical: str) -> dict[str, np.ndarray] | None:
    if not entry.exists():
        return None
    try:
        return _load(entry, canonical)
    except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
        log.warning("cache entry %s is unusable (%s); rebuilding it", entry, error)
        _remove(entry)
        return None


@contextmanager
def _builder_turn(entry: Path) -> Iterator[None]:
    """An exclusive lock on the cache directory itself (no lock file to leave behind), across processes;
    the kernel drops it if its holder dies. Builds are rare, so one at a time per directory is enough."""
    entry.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    directory = os.open(entry.parent, os.O_RDONLY)
    try:
        fcntl.flock(directory, fcntl.LOCK_EX)
        yield
    finally:
        os.close(directory)


def _store(entry: Path, canonical: str, build: Build) -> None:
    entry.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    staging = entry.with_name(f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    staging.mkdir(mode=PRIVATE_FOLDER)
    try:
        files: dict[str, np.memmap] = {}

        def allocate(name: str, shape: tuple[int, ...], dtype: npt.DTypeLike) -> np.ndarray:
            files[name] = np.lib.format.open_memmap(
                staging / f"{name}.npy", mode="w+", dtype=dtype, shape=shape
            )
            return files[name]

        build(allocate)
        for array in files.values():
            array.flush()
        shapes = {name: [list(array.shape), array.dtype.str] for name, array in files.items()}
        (staging / "meta.json").write_text(json.dumps({"key": canonical, "arrays": shapes}))
        try:
            staging.rename(entry)
        except OSError:
            if not entry.exists():
                raise
            log.info("cache entry %s was stored concurrently; keeping that one", entry)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _load(entry: Path, canonical: str) -> dict[str, np.ndarray]:
    meta = json.loads((entry / "meta.json").read_text())
    if meta["key"] != canonical:
        raise ValueError("its key does not match (hash collision or edited entry)")
    arrays = {}
    for name, (shape, dtype) in meta["arrays"].items():
        array = np.load(entry / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        if list(array.shape) != shape or array.dtype.str != dtype:
            raise ValueError(
                f"{name}.npy is {array.dtype.str} {array.shape}, expected {dtype} {tuple(shape)}"
            )
        arrays[name] = array
    return arrays


def _remove(entry: Path) -> None:
    """Move the entry aside first (atomic), so a concurrent reader never sees it half-deleted."""
    trash = entry.with_name(f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex}.trash")
    try:
        entry.rename(trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)
