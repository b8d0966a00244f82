"""Uploaded models on disk, named by content hash: a participant's file name is never part of a path."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
import uuid
from pathlib import Path

from goat.core.permissions import PRIVATE_FILE, PRIVATE_FOLDER

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadTooLarge(Exception):
    """The upload passed MAX_FILE_SIZE; the receiver discards what was written so far."""


class StagedUpload:
    """An upload being written under a random name; it becomes a stored model only when `commit`ted.

    Counting, hashing and writing are separate steps so that the receiver can hash one piece in one
    thread while it writes another in a second: each step is called in the order the bytes arrived.
    """

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        self._file = os.fdopen(descriptor, "wb")
        self._synced = False

    def reserve(self, size: int) -> None:
        """Count `size` more bytes before they are written; past MAX_FILE_SIZE the upload is refused."""
        self.size += size
        if self.size > self.max_bytes:
            raise UploadTooLarge

    def digest(self, data: bytes) -> None:
        self._hash.update(data)

    def append(self, data: bytes) -> None:
        self._file.write(data)

    def close(self) -> None:
        self._file.close()

    def sync(self) -> None:
        """Wait until the bytes are on the disk: a submission row must never outlive its model."""
        if not self._synced:
            self._file.close()
            _fsync_path(self.path)
            self._synced = True

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class ModelStore:
    """`UPLOAD_DIR/<sha256>.onnx`; staging files live in `UPLOAD_DIR/.incoming` on the same filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / ".incoming"
        self.incoming.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)

    def stage(self, *, max_bytes: int) -> StagedUpload:
        return StagedUpload(self.incoming / f"{uuid.uuid4().hex}.part", max_bytes=max_bytes)

    def remove_abandoned(self, *, older_than_s: float) -> int:
        """Delete staging files nothing has written to for `older_than_s`: what an API killed mid-upload
        left. An upload in progress, in this API or another sharing UPLOAD_DIR, keeps its file fresh."""
        cutoff = time.time() - older_than_s
        removed = 0
        for path in self.incoming.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def remove_expired(self, sha256: str, *, stored_before: float) -> bool:
        """Delete the model if its file was stored before `stored_before` (a timestamp); False when it is
        gone already or was stored again since (an upload of the same bytes for a new submission).

        It is first moved aside, then its age read: an upload that stores it again before the move leaves
        a new file, which is put back (the same bytes: the name is their hash); one after it stores it
        anew. A move interrupted by a crash leaves a staging file that `remove_abandoned` deletes."""
        aside = self.incoming / f"{uuid.uuid4().hex}.expired.part"
        try:
            os.rename(self.path_for(sha256), aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= stored_before:
            os.replace(aside, self.path_for(sha256))
            return False
        aside.unlink()
        return True

    def commit(self, staged: StagedUpload) -> Path:
        """Atomic, durable rename into place: a reader sees the whole model or none (same bytes, same name),
        and after a crash of the machine the model is there if its submission is."""
        staged.sync()
        target = self.path_for(staged.sha256)
        os.replace(staged.path, target)
        _fsync_path(self.root)
        return target

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / f"{sha256}.onnx"


def _fsync_path(path: Path) -> None:
    """fsync a file or a directory (a directory's fsync makes a rename in it durable)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
