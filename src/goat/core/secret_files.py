"""Secrets goat draws itself and keeps in DATA_DIR (the admin token, the generated test set's seed).

The API and every worker may start at the same moment on a new DATA_DIR, so the file is created whole or
not at all: written under a temporary name with mode 0600, then hard-linked into place, which fails rather
than overwrites when another process was first. Whoever loses the race reads the winner's value.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

MODE = 0o600


def read_or_create(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The secret kept at `path`, creating it from `make()` if there is none; True when this call made it."""
    with contextlib.suppress(FileNotFoundError):
        return read(path), False
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(staging, path)
            created = True
        except FileExistsError:
            created = False
    finally:
        staging.unlink(missing_ok=True)
    return read(path), created


def read(path: Path) -> str:
    """The secret at `path` (FileNotFoundError when there is none)."""
    return path.read_text().strip()
