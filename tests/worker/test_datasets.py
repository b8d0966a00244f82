"""A worker's dataset folders: the API's own where this host has the same, else a copy fetched once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goat.tasks.shipping import archive, fingerprint
from goat.worker.datasets import LocalDatasets


class Api:
    """The API's side of the fetch, as its route streams it (tasks/shipping.archive), counting calls."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fetched: list[str] = []

    def fetch(self, task: str) -> Iterator[bytes]:
        self.fetched.append(task)
        return archive(self.folder)


@pytest.fixture
def api_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "api" / "nyu" / "test"
    (folder / "rgb").mkdir(parents=True)
    (folder / "rgb" / "a.png").write_bytes(b"\x89PNG not really")
    return folder


def test_the_api_s_own_folder_is_used_in_place(api_folder: Path, tmp_path: Path) -> None:
    api = Api(api_folder)
    datasets = LocalDatasets(
        tmp_path / "copies", fingerprints={"task2": fingerprint(api_folder)}, fetch=api.fetch
    )
    assert datasets.locate("task2", api_folder) == api_folder
    assert api.fetched == []


def test_a_host_without_the_folder_fetches_it_once(api_folder: Path, tmp_path: Path) -> None:
    api = Api(api_folder)
    fingerprints = {"task2": fingerprint(api_folder)}
    datasets = LocalDatasets(tmp_path / "copies", fingerprints=fingerprints, fetch=api.fetch)
    elsewhere = tmp_path / "not-on-this-host"

    copy = datasets.locate("task2", elsewhere)
    assert copy.parent == tmp_path / "copies"
    assert fingerprint(copy) == fingerprints["task2"]
    assert datasets.locate("task2", elsewhere) == copy
    assert api.fetched == ["task2"], "fetched once, then kept"


def test_a_changed_dataset_is_fetched_again_and_the_old_copy_removed(
    api_folder: Path, tmp_path: Path
) -> None:
    api = Api(api_folder)
    elsewhere = tmp_path / "not-on-this-host"
    first = LocalDatasets(
        tmp_path / "copies", fingerprints={"task2": fingerprint(api_folder)}, fetch=api.fetch
    )
    old = first.locate("task2", elsewhere)
    (api_folder / "rgb" / "b.png").write_bytes(b"a new sample")
    other_task = LocalDatasets(
        tmp_path / "copies", fingerprints={"task2-nyu": fingerprint(api_folder)}, fetch=api.fetch
    )
    kept = other_task.locate("task2-nyu", elsewhere)

    new = LocalDatasets(tmp_path / "copies", fingerprints={"task2": fingerprint(api_folder)}, fetch=api.fetch)
    current = new.locate("task2", elsewhere)
    assert current != old and not old.exists()
    assert kept.exists(), "another task's copy is not this task's old one"
    assert (current / "rgb" / "b.png").read_bytes() == b"a new sample"


def test_a_task_the_api_names_no_folder_for_is_read_where_configured(tmp_path: Path) -> None:
    datasets = LocalDatasets(tmp_path / "copies", fingerprints={}, fetch=Api(tmp_path).fetch)
    assert datasets.locate("task3", tmp_path / "anything") == tmp_path / "anything"
