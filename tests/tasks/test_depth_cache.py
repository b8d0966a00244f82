from pathlib import Path

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


def test_when_another_process_stores_the_entry_first_its_copy_is_kept(tmp_path: Path) -> None:
    def racing_build(allocate: Allocate) -> None:
        cached_arrays(tmp_path, {"k": 1}, Counter(7.0))  # the other worker finishes while this one builds
        allocate("values", (3, 4), np.float32)[...] = 8.0
        allocate("names", (2,), "<U5")[:] = ["x", "y"]

    arrays = cached_arrays(tmp_path, {"k": 1}, racing_build)
    assert np.all(arrays["values"] == 7.0)
    assert len(list(tmp_path.iterdir())) == 1  # the loser's staging directory is gone
