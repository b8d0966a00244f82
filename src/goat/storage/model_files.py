"""Uploaded models on disk, named by content hash: a participant's file name is never part of a path."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadTooLarge(Exception):
    """The upload passed MAX_FILE_SIZE; what was written so far is already deleted."""


class StagedUpload:
    """An upload being written under a random name; it becomes a stored model only when `commit`ted."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._file = open(path, "wb")  # noqa: SIM115 - closed by close()/discard()

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            self.discard()
            raise UploadTooLarge
        self._hash.update(data)
        self._file.write(data)

    def close(self) -> None:
        self._file.close()

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
        self.incoming.mkdir(parents=True, exist_ok=True)

    def stage(self, *, max_bytes: int) -> StagedUpload:
        return StagedUpload(self.incoming / f"{uuid.uuid4().hex}.part", max_bytes=max_bytes)

    def commit(self, staged: StagedUpload) -> Path:
        """Atomic rename into place: a reader sees the whole model or none (same bytes, same name)."""
        staged.close()
        target = self.path_for(staged.sha256)
        os.replace(staged.path, target)
        return target

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / f"{sha256}.onnx"
