"""Large uploads through the streaming receiver: byte for byte, bounded by MAX_FILE_SIZE, timed by stage."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, without_workers

MiB = 1024 * 1024
MAX_FILE_SIZE = 40 * MiB


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("upload"), MAX_FILE_SIZE=str(MAX_FILE_SIZE)) as running:
        yield running


def padded_model(path: Path, *, megabytes: int) -> Path:
    """A valid depth model carrying an unused random initializer: many MiB that must arrive intact."""
    model = onnx.load(depth_model(path, image_size=32))
    weights = np.random.default_rng(7).standard_normal(megabytes * MiB // 4, dtype=np.float32)
    model.graph.initializer.append(onnx.numpy_helper.from_array(weights, "unused"))
    onnx.save(model, path)
    return path


def staging_files(api: GoatSystem) -> list[Path]:
    return list((api.settings.upload_dir / ".incoming").iterdir())


def test_many_pieces_in_flight_arrive_intact(api: GoatSystem, tmp_path: Path) -> None:
    """30 MiB is 30 pieces: more than the receiver keeps in flight, so it waits on the disk in between."""
    model = padded_model(tmp_path / "big.onnx", megabytes=30)
    with model.open("rb") as handle:
        response = httpx.post(
            f"{api.url}/submit/task2", files={"file": ("big.onnx", handle)}, headers=api.headers, timeout=60
        )
    assert response.status_code == 202, response.text
    sent = model.read_bytes()
    expected = hashlib.sha256(sent).hexdigest()
    assert response.json()["model_sha256"] == expected
    stored = api.settings.upload_dir / f"{expected}.onnx"
    assert stored.read_bytes() == sent
    assert staging_files(api) == []


def test_limit_holds_with_pieces_in_flight(api: GoatSystem) -> None:
    """No Content-Length: the limit is found while pieces are still being written, and none is left."""

    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="m.onnx"\r\n\r\n'
        for _ in range(64):
            yield b"\x08" * MiB
        yield b"\r\n--b--\r\n"

    response = httpx.post(
        f"{api.url}/submit/task2",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b", **api.headers},
        timeout=60,
    )
    assert response.status_code == 413
    assert "40 MB" in response.json()["detail"]
    wait_until(lambda: staging_files(api) == [], timeout=10, what="the partial upload to be deleted")


def intake_counts(api: GoatSystem) -> dict[str, float]:
    """How many uploads each intake stage has timed so far."""
    return {
        sample.labels["stage"]: sample.value
        for family in text_string_to_metric_families(httpx.get(f"{api.url}/metrics/").text)
        if family.name == "goat_intake_seconds"
        for sample in family.samples
        if sample.name == "goat_intake_seconds_count"
    }


def test_each_intake_stage_is_timed(api: GoatSystem, tmp_path: Path) -> None:
    """Operators see where intake time goes: receiving, making the file durable, the door checks; each
    stage of this test's own upload is counted once, whatever other tests uploaded before."""
    before = intake_counts(api)
    model = depth_model(tmp_path / "m.onnx", image_size=32, batch=5)
    response = httpx.post(
        f"{api.url}/submit/task2", files={"file": ("m.onnx", model.read_bytes())}, headers=api.headers
    )
    assert response.status_code == 202, response.text
    after = intake_counts(api)
    assert set(after) == {"receive", "sync", "checks"}
    assert {stage: count - before.get(stage, 0) for stage, count in after.items()} == {
        "receive": 1,
        "sync": 1,
        "checks": 1,
    }
