"""The content-addressed model store: staging, the size limit, commit by hash."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from goat.storage.model_files import ModelStore, UploadTooLarge


def test_commit_names_the_model_by_its_hash(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    staged = store.stage(max_bytes=1024)
    for piece in (b"onnx ", b"bytes"):
        staged.reserve(len(piece))
        staged.digest(piece)
        staged.append(piece)
    staged.close()
    path = store.commit(staged)
    assert path == tmp_path / f"{hashlib.sha256(b'onnx bytes').hexdigest()}.onnx"
    assert path.read_bytes() == b"onnx bytes"
    assert list(store.incoming.iterdir()) == []


def test_reserve_refuses_past_the_limit_before_writing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    staged = store.stage(max_bytes=8)
    staged.reserve(8)
    with pytest.raises(UploadTooLarge):
        staged.reserve(1)
    staged.discard()
    assert list(store.incoming.iterdir()) == []


def test_a_synced_upload_commits_without_syncing_again(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    staged = store.stage(max_bytes=16)
    staged.reserve(4)
    staged.digest(b"data")
    staged.append(b"data")
    staged.sync()
    assert store.commit(staged).read_bytes() == b"data"


def test_path_for_accepts_only_a_digest(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a sha256 digest"):
        ModelStore(tmp_path).path_for("../../etc/passwd")


def test_abandoned_staging_files_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    abandoned = store.stage(max_bytes=16)
    abandoned.close()
    two_hours_ago = time.time() - 7200
    os.utime(abandoned.path, (two_hours_ago, two_hours_ago))
    live = store.stage(max_bytes=16)
    assert store.remove_abandoned(older_than_s=3600) == 1
    assert not abandoned.path.exists()
    assert live.path.exists()
    live.discard()
