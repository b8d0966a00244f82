"""Uploads through the streaming receiver: byte for byte, bounded by MAX_FILE_SIZE (chunked or not), timed by
stage; and the uploads of a deadline rush: stalling or crawling ones ended (408), a bound on how many run
at once (503) and how many of them one team may hold (429), staging files swept while the API runs,
megabytes of names refused at the door."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from goat.storage.submissions import SubmissionStore
from tests.support.hostile import bloated_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, bearer, without_workers
from tests.support.uploads import HandUpload

MiB = 1024 * 1024
MAX_FILE_SIZE = 40 * MiB
IDLE_S = 3
MIN_RATE = 256
AT_ONCE = 3
PER_TEAM = 2

ENV = {
    "MAX_FILE_SIZE": str(MAX_FILE_SIZE),
    "UPLOAD_IDLE_TIMEOUT": str(IDLE_S),
    "UPLOAD_MIN_RATE": str(MIN_RATE),
    "MAX_CONCURRENT_UPLOADS": str(AT_ONCE),
    "MAX_UPLOADS_PER_TEAM": str(PER_TEAM),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("upload"), **ENV) as running:
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


def test_a_chunked_body_is_bounded_as_a_whole(api: GoatSystem, tmp_path: Path) -> None:
    """No Content-Length, and a field the receiver ignores larger than MAX_FILE_SIZE before a small file:
    the body is bounded, not only the file part."""
    model = depth_model(tmp_path / "m.onnx", image_size=32).read_bytes()

    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="padding"\r\n\r\n'
        for _ in range(MAX_FILE_SIZE // MiB + 1):
            yield b"p" * MiB
        yield b'\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="m.onnx"\r\n\r\n'
        yield model + b"\r\n--b--\r\n"

    response = httpx.post(
        f"{api.url}/submit/task2",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b", **api.headers},
        timeout=60,
    )
    assert response.status_code == 413, response.text
    assert "MAX_FILE_SIZE" in response.json()["detail"]
    wait_until(lambda: staging_files(api) == [], timeout=10, what="the partial upload to be deleted")


def test_an_upload_that_stalls_is_ended(api: GoatSystem) -> None:
    upload = HandUpload(api)
    try:
        status, body = upload.answer()
    finally:
        upload.close()
    assert status == 408
    assert body["detail"].startswith(f"the upload sent nothing for {IDLE_S} s (UPLOAD_IDLE_TIMEOUT)")
    wait_until(lambda: staging_files(api) == [], timeout=10, what="the stalled upload's file to be deleted")


def test_an_upload_slower_than_the_minimum_rate_is_ended(api: GoatSystem) -> None:
    """A byte every half second is never idle for long, but far slower than UPLOAD_MIN_RATE on average."""
    upload = HandUpload(api)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and upload.send(b"\x08"):
            time.sleep(0.5)
        status, body = upload.answer()
    finally:
        upload.close()
    assert status == 408
    assert f"slower than {MIN_RATE} bytes/s on average (UPLOAD_MIN_RATE)" in body["detail"]
    wait_until(lambda: staging_files(api) == [], timeout=10, what="the slow upload's file to be deleted")


def new_team(api: GoatSystem, name: str) -> dict[str, str]:
    """A new team's Authorization header."""
    return bearer(api.admin.add_team(name)["token"])


def post_model(api: GoatSystem, model: bytes, *, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{api.url}/submit/task2", files={"file": ("m.onnx", model)}, headers=headers, timeout=30
    )


@contextmanager
def hanging(api: GoatSystem, *teams: tuple[dict[str, str], int]) -> Iterator[None]:
    """For the block, each (team's headers, count) of uploads started and left hanging; then abandoned."""
    held = [HandUpload(api, headers=headers) for headers, count in teams for _ in range(count)]
    try:
        wait_until(lambda: len(staging_files(api)) == len(held), timeout=10, what="the uploads to start")
        yield
    finally:
        for upload in held:
            upload.close()


def test_uploads_beyond_the_bound_are_refused_before_their_body(api: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=32).read_bytes()
    teams = (new_team(api, "holding-1"), PER_TEAM), (new_team(api, "holding-2"), AT_ONCE - PER_TEAM)
    with hanging(api, *teams):
        refused = post_model(api, model, headers=api.headers)
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"].isdigit()
    assert f"{AT_ONCE} uploads are in progress (MAX_CONCURRENT_UPLOADS)" in refused.json()["detail"]
    wait_until(
        lambda: staging_files(api) == [], timeout=20, what="the abandoned uploads' files to be deleted"
    )


def test_a_team_holding_its_share_of_uploads_cannot_take_the_others(api: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=32).read_bytes()
    greedy = new_team(api, "greedy")
    with hanging(api, (greedy, PER_TEAM)):
        refused = post_model(api, model, headers=greedy)
        other = post_model(api, model, headers=api.headers)
    assert refused.status_code == 429, refused.text
    assert refused.headers["Retry-After"].isdigit()
    assert f"your team already has {PER_TEAM} uploads in progress (MAX_UPLOADS_PER_TEAM)" in refused.text
    assert other.status_code in (200, 202), other.text


def test_abandoned_staging_files_are_swept_while_the_api_runs(api: GoatSystem) -> None:
    """What an API killed mid-upload leaves, found by the sweep every MAINTENANCE_INTERVAL, not only at
    the next start; a recent file (an upload in progress, maybe another API's) stays."""
    incoming = api.settings.upload_dir / ".incoming"
    old, recent = incoming / "abandoned.part", incoming / "recent.part"
    old.write_bytes(b"partial")
    recent.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    wait_until(lambda: not old.exists(), timeout=30, what="the sweep to remove the abandoned file")
    assert recent.exists()
    recent.unlink()


def test_megabytes_of_names_are_refused_at_the_door(api: GoatSystem, tmp_path: Path) -> None:
    """A model whose description (model_info, read with its row on every status call) would be megabytes."""
    model = bloated_model(
        tmp_path / "bloated.onnx", image_size=32, name_chars=4 * MiB, domain_chars=MiB, opsets=20_000
    )
    before = {row.id for row in SubmissionStore(api.settings.resolved_database_url).unfinished()}
    response = httpx.post(
        f"{api.url}/submit/task2",
        files={"file": ("bloated.onnx", model.read_bytes())},
        headers=api.headers,
        timeout=60,
    )
    assert response.status_code == 422, response.text[:300]
    assert "at most" in response.json()["detail"]
    assert {row.id for row in SubmissionStore(api.settings.resolved_database_url).unfinished()} == before


def test_an_upload_is_refused_when_the_disk_is_too_full(tmp_path: Path) -> None:
    """UPLOAD_DISK_MARGIN larger than any disk: no upload can start, and none is staged."""
    with without_workers(tmp_path / "full", UPLOAD_DISK_MARGIN=str(2**60)) as full:
        model = depth_model(tmp_path / "m.onnx", image_size=32).read_bytes()
        response = httpx.post(
            f"{full.url}/submit/task2", files={"file": ("m.onnx", model)}, headers=full.headers, timeout=30
        )
        assert response.status_code == 507, response.text
        assert "UPLOAD_DISK_MARGIN" in response.json()["detail"]
        assert staging_files(full) == []
