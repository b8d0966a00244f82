import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from goat.tasks.depth.cache import Allocate, cached_arrays


class Counter:
    """A build that records how often it ran: a cache hit must not run it."""

    def __init__(self, value: float = 1.5) -> None:
        self.runs = 0
        self.value = value

    def __call__(self, allocate: Allocate) -> None:
        self.runs += 1
        allocate("values", (3, 4), np.float32)[...] = self.value
        allocate("names", (2,), "<U5")[:] = ["ab", "cde"]


def test_without_a_cache_dir_arrays_are_built_in_memory() -> None:
    build = Counter()
    arrays = cached_arrays(None, {"k": 1}, build)
    assert build.runs == 1 and not isinstance(arrays["values"], np.memmap)
    assert np.all(arrays["values"] == 1.5)


def test_a_second_load_reads_the_stored_arrays(tmp_path: Path) -> None:
    build = Counter()
    first = cached_arrays(tmp_path, {"k": 1}, build)
    second = cached_arrays(tmp_path, {"k": 1}, build)
    assert build.runs == 1
    assert isinstance(second["values"], np.memmap) and not second["values"].flags.writeable
    assert np.array_equal(first["values"], second["values"])
    assert second["names"].tolist() == ["ab", "cde"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_every_key_field_selects_its_own_entry(tmp_path: Path) -> None:
    cached_arrays(tmp_path, {"k": 1, "size": 8}, Counter(1.0))
    other = cached_arrays(tmp_path, {"k": 1, "size": 9}, Counter(2.0))
    assert np.all(other["values"] == 2.0)
    assert len(list(tmp_path.iterdir())) == 2


def test_a_truncated_entry_is_rebuilt(tmp_path: Path) -> None:
    cached_arrays(tmp_path, {"k": 1}, Counter())
    (npy,) = tmp_path.glob("*/values.npy")
    npy.write_bytes(npy.read_bytes()[:60])
    build = Counter(3.0)
    arrays = cached_arrays(tmp_path, {"k": 1}, build)
    assert build.runs == 1 and np.all(arrays["values"] == 3.0)


def test_an_entry_without_metadata_is_rebuilt(tmp_path: Path) -> None:
    cached_arrays(tmp_path, {"k": 1}, Counter())
    (meta,) = tmp_path.glob("*/meta.json")
    meta.write_text("{")
    build = Counter(4.0)
    assert np.all(cached_arrays(tmp_path, {"k": 1}, build)["values"] == 4.0) and build.runs == 1


_start_together: Any = None


def _wait_for_the_others(barrier: Any) -> None:
    global _start_together
    _start_together = barrier


def _build_once_logged(cache: Path, log: Path) -> float:
    """Runs in a separate process: once all of them are up, builds (slowly, logging each build) unless the
    entry is there."""
    _start_together.wait(timeout=60)

    def build(allocate: Allocate) -> None:
        with log.open("a") as record:
            record.write("built\n")
        time.sleep(0.5)
        allocate("values", (3, 4), np.float32)[...] = 7.0

    return float(cached_arrays(cache, {"k": 1}, build)["values"].sum())


def test_workers_starting_together_build_an_entry_once(tmp_path: Path) -> None:
    log = tmp_path / "builds.log"
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=3, mp_context=spawn, initializer=_wait_for_the_others, initargs=(spawn.Barrier(3),)
    ) as pool:
        totals = list(pool.map(_build_once_logged, [tmp_path / "cache"] * 3, [log] * 3))
    assert totals == [7.0 * 12] * 3
    assert log.read_text() == "built\n"
    assert not list((tmp_path / "cache").glob(".*.tmp"))
