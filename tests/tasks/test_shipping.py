"""A dataset folder as the API streams it and a worker unpacks it: whole, checked, and nowhere else."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from goat.tasks.shipping import DatasetUnavailable, archive, fingerprint, unpack


def contents(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    (root / "rgb").mkdir(parents=True)
    (root / "depth").mkdir()
    (root / "rgb" / "a.png").write_bytes(os.urandom(70_000))
    (root / "depth" / "a.npy").write_bytes(os.urandom(3_000))
    (root / "dataset.toml").write_text("depth_scale = 1000\n")
    (root / "empty").write_bytes(b"")
    return root


def test_a_folder_arrives_whole_with_the_same_fingerprint(dataset: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copies" / "task2-copy"
    unpack(archive(dataset), copy, expected=fingerprint(dataset))
    assert contents(copy) == contents(dataset)
    assert fingerprint(copy) == fingerprint(dataset)
    assert os.listdir(copy.parent) == ["task2-copy"], "no staging folder left behind"


def test_the_fingerprint_follows_names_sizes_and_times(dataset: Path) -> None:
    before = fingerprint(dataset)
    (dataset / "rgb" / "a.png").rename(dataset / "rgb" / "b.png")
    renamed = fingerprint(dataset)
    (dataset / "dataset.toml").write_text("depth_scale = 256\n")
    resized = fingerprint(dataset)
    os.utime(dataset / "empty", (0, 0))
    assert len({before, renamed, resized, fingerprint(dataset)}) == 4


def test_a_cut_download_leaves_nothing(dataset: Path, tmp_path: Path) -> None:
    whole = b"".join(archive(dataset))
    copy = tmp_path / "copies" / "task2-copy"
    with pytest.raises(DatasetUnavailable, match="unusable"):
        unpack([whole[: len(whole) // 2]], copy, expected=fingerprint(dataset))
    assert os.listdir(copy.parent) == []


def test_another_version_of_the_folder_is_not_used(dataset: Path, tmp_path: Path) -> None:
    expected = fingerprint(dataset)
    (dataset / "empty").write_bytes(b"changed after the fingerprint was given")
    copy = tmp_path / "copies" / "task2-copy"
    with pytest.raises(DatasetUnavailable, match="not used"):
        unpack(archive(dataset), copy, expected=expected)
    assert os.listdir(copy.parent) == []


@pytest.mark.parametrize("name", ["../outside.png", "/etc/goat-outside.png"])
def test_an_archive_cannot_write_outside_its_folder(tmp_path: Path, name: str) -> None:
    hostile = io.BytesIO()
    with tarfile.open(fileobj=hostile, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    copy = tmp_path / "copies" / "task2-copy"
    with pytest.raises(DatasetUnavailable):
        unpack([hostile.getvalue()], copy, expected="anything")
    assert not (tmp_path / "copies" / "outside.png").exists()
    assert not Path("/etc/goat-outside.png").exists()
