"""Where a worker finds each task's dataset folder: at the API's path where this host has the same folder
(the API's own host, or a shared mount), else in its copy under DATA_DIR/datasets, fetched from the API
once per version of the dataset (tasks/shipping.py). A host therefore needs no shared folder."""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from goat.tasks.folders import DatasetError
from goat.tasks.shipping import fingerprint, unpack

log = logging.getLogger(__name__)

Fetch = Callable[[str], Iterator[bytes]]
"""Streams a task's dataset folder as a tar (worker/api.py's WorkerApi.dataset)."""


class LocalDatasets:
    def __init__(self, folder: Path, *, fingerprints: Mapping[str, str], fetch: Fetch) -> None:
        """`fingerprints`: the API's, by task; `folder`: where the copies are kept."""
        self.folder = folder
        self.fingerprints = fingerprints
        self.fetch = fetch

    def locate(self, task: str, path: Path) -> Path:
        """The folder this host evaluates `task` on, given the API's path for it."""
        expected = self.fingerprints.get(task)
        if expected is None or _fingerprint_or_none(path) == expected:
            return path
        copy = self.folder / f"{task}-{expected[:16]}"
        if not copy.is_dir():
            started = time.perf_counter()
            unpack(self.fetch(task), copy, expected=expected)
            log.info("task %s: dataset fetched from the API in %.1f s", task, time.perf_counter() - started)
        self._remove_older_copies(task, keep=copy)
        return copy

    def _remove_older_copies(self, task: str, *, keep: Path) -> None:
        """A dataset the API has since changed is never used again."""
        copies = re.compile(rf"{re.escape(task)}-[0-9a-f]{{16}}")
        for older in self.folder.iterdir():
            if older != keep and copies.fullmatch(older.name):
                shutil.rmtree(older, ignore_errors=True)


def _fingerprint_or_none(path: Path) -> str | None:
    try:
        return fingerprint(path)
    except (DatasetError, OSError):
        return None
