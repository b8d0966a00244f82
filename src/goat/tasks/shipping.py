"""A task's dataset folder, shipped from the API to a worker on another host.

A worker host holds only its three settings (Redis, the API's URL, the workers' token), so a folder dataset
(DATASET_DIR, a task's dataset_dir) is not there unless the host mounts it. The API names each folder by a
fingerprint of its files (relative names, sizes, whole-second modification times) and streams it as a tar;
the worker unpacks it beside its other data, checks the fingerprint, and only then moves it into place.
The tar keeps each file's time, so the copy has the API's fingerprint, and a changed dataset has another.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from goat.tasks.folders import DatasetError


class DatasetUnavailable(RuntimeError):
    """The dataset could not be copied whole from the API: the worker cannot evaluate that task here."""


def _files(folder: Path) -> list[tuple[str, Path]]:
    """Every file under `folder` (a link to a file counts as the file), by its relative name, sorted."""
    if not folder.is_dir():
        raise DatasetError(f"dataset folder {folder} does not exist or is not a directory")
    found = [(path.relative_to(folder).as_posix(), path) for path in folder.rglob("*") if path.is_file()]
    return sorted(found)


def fingerprint(folder: Path) -> str:
    """Changes with any file's name, size or time; reads no file's contents, so a large folder costs a stat
    per file."""
    digest = hashlib.sha256()
    for name, path in _files(folder):
        status = path.stat()
        digest.update(json.dumps([name, status.st_size, int(status.st_mtime)]).encode() + b"\n")
    return digest.hexdigest()


class _Sink(io.RawIOBase):
    """What tarfile writes, held until the stream's next chunk is taken."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        chunk, self._chunks = b"".join(self._chunks), []
        return chunk


def archive(folder: Path) -> Iterator[bytes]:
    """The folder as an uncompressed tar, a chunk per file: streamed, never whole in memory."""
    sink = _Sink()
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for name, path in _files(folder):
            status = path.stat()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = status.st_size, int(status.st_mtime), 0o600
            with path.open("rb") as contents:
                tar.addfile(info, contents)
            yield sink.take()
    yield sink.take()


class _Source(io.RawIOBase):
    """The chunks of a download, read as a file."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            next_chunk = next(self._chunks, None)
            if next_chunk is None:
                return 0
            self._pending = next_chunk
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def unpack(chunks: Iterable[bytes], destination: Path, *, expected: str) -> None:
    """The tar of `chunks` as the folder `destination`, which appears only whole and with the `expected`
    fingerprint (another worker of this host may put the same copy there first: it is the same)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(f".{destination.name}.{uuid.uuid4().hex}.part")
    try:
        try:
            with tarfile.open(fileobj=io.BufferedReader(_Source(chunks)), mode="r|") as tar:
                tar.extractall(staging, filter="data")  # nothing outside `staging`, no links, no devices
        except (tarfile.TarError, OSError) as error:
            raise DatasetUnavailable(f"the dataset's archive is unusable: {error}") from None
        found = fingerprint(staging) if staging.is_dir() else "an empty archive"
        if found != expected:
            raise DatasetUnavailable(f"the dataset arrived as {found[:12]}…, not {expected[:12]}…; not used")
        try:
            os.rename(staging, destination)
        except OSError:
            if not destination.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
