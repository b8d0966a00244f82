"""A worker's models come from the API by their sha256, verified before use, kept up to MODEL_CACHE_BYTES."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from goat.worker.api import WorkerApi
from goat.worker.model_cache import ModelCache, ModelUnavailable
from tests.support.models import depth_model
from tests.support.system import GoatSystem, without_workers


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("model-cache")) as system:
        yield system


def uploaded(system: GoatSystem, path: Path, *, batch: int | str = "N") -> tuple[str, bytes]:
    """A model the API keeps (submitted by the team), with its sha256 and bytes."""
    model = depth_model(path, image_size=system.settings.image_size, batch=batch)
    system.client.submit(model)
    return hashlib.sha256(model.read_bytes()).hexdigest(), model.read_bytes()


def test_a_model_is_fetched_once_then_served_from_the_cache(idle: GoatSystem, tmp_path: Path) -> None:
    sha256, content = uploaded(idle, tmp_path / "model.onnx")
    fetched: list[str] = []
    api = WorkerApi(idle.url, lambda: idle.worker_token, retry_delays=())

    def fetch(digest: str) -> Iterator[bytes]:
        fetched.append(digest)
        return api.model(digest)

    cache = ModelCache(tmp_path / "cache", max_bytes=10**9, fetch=fetch)
    assert cache.path_for(sha256).read_bytes() == content
    assert cache.path_for(sha256).read_bytes() == content
    assert fetched == [sha256]
    with pytest.raises(ModelUnavailable, match="404"):
        cache.path_for("0" * 64)


def test_bytes_that_do_not_match_the_hash_are_never_used(tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "cache", max_bytes=10**9, fetch=lambda _: iter([b"not the model"]))
    with pytest.raises(ModelUnavailable, match="arrived with sha256"):
        cache.path_for("a" * 64)
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_least_recently_used_models_leave_a_full_cache(idle: GoatSystem, tmp_path: Path) -> None:
    models = [uploaded(idle, tmp_path / f"m{i}.onnx", batch=i + 1) for i in range(3)]
    api = WorkerApi(idle.url, lambda: idle.worker_token, retry_delays=())
    cache = ModelCache(tmp_path / "cache", max_bytes=2 * max(len(c) for _, c in models), fetch=api.model)
    first, second, third = (cache.path_for(sha256) for sha256, _ in models)
    assert not first.exists()
    assert second.exists() and third.exists()
