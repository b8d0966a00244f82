"""The models a worker evaluates, fetched from the API by their sha256 and kept on this host.

A model is streamed into a staging file while it is hashed, and takes its place under its hash only when the
hash matches, so the cache never holds a partial or altered model. The cache keeps MODEL_CACHE_BYTES at
most: the models used longest ago go first (a hit refreshes the file's mtime). The workers of one host
share it; each writes its own staging file and the rename is atomic, so two fetching the same model at
once both end with one whole file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)


class ModelUnavailable(RuntimeError):
    """The model could not be fetched whole: the evaluation cannot start here now."""


Fetch = Callable[[str], Iterator[bytes]]
"""Streams the model of a sha256 (worker/api.py's WorkerApi.model)."""


class ModelCache:
    def __init__(self, folder: Path, *, max_bytes: int, fetch: Fetch) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.fetch = fetch

    def path_for(self, sha256: str) -> Path:
        """The model's file here, fetched first unless cached."""
        path = self.folder / f"{sha256}.onnx"
        try:
            os.utime(path)
            return path
        except FileNotFoundError:
            pass
        self.folder.mkdir(parents=True, exist_ok=True)
        staging = self.folder / f".{sha256}.{uuid.uuid4().hex}.part"
        try:
            digest = self._download(sha256, staging)
            if digest != sha256:
                raise ModelUnavailable(f"model {sha256[:12]}… arrived with sha256 {digest[:12]}…; not used")
            os.replace(staging, path)
        finally:
            staging.unlink(missing_ok=True)
        self._evict(keep=path)
        return path

    def _download(self, sha256: str, staging: Path) -> str:
        digest = hashlib.sha256()
        with staging.open("wb") as out:
            for chunk in self.fetch(sha256):
                digest.update(chunk)
                out.write(chunk)
        log.info("fetched model %s… (%d bytes)", sha256[:12], staging.stat().st_size)
        return digest.hexdigest()

    def _evict(self, *, keep: Path) -> None:
        """Oldest first, until the cache fits; never the model just fetched."""
        cached = []
        for entry in self.folder.glob("*.onnx"):
            try:
                cached.append((entry.stat().st_mtime, entry.stat().st_size, entry))
            except FileNotFoundError:
                continue  # evicted meanwhile by another worker of this host
        total = sum(size for _, size, _ in cached)
        for _, size, entry in sorted(cached):
            if total <= self.max_bytes:
                return
            if entry != keep:
                entry.unlink(missing_ok=True)
                total -= size
                log.info("model %s evicted from the cache (MODEL_CACHE_BYTES)", entry.name)
