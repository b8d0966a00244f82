"""The schema on a new database, created by processes that all start at once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from goat.storage.submissions import SubmissionStore


def _open(url: str) -> int:
    """What the API and each worker do at start: open the store, which creates the schema if missing."""
    return len(SubmissionStore(url).unfinished())


def test_processes_starting_together_all_get_the_schema(tmp_path: Path) -> None:
    for round_ in range(10):
        url = f"sqlite:///{tmp_path / f'goat{round_}.db'}"
        with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("fork")) as pool:
            assert list(pool.map(_open, [url] * 8)) == [0] * 8
