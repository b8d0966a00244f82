"""Quotas over HTTP against the running system: what each ending counts, the 429 and its Retry-After,
the unfinished limit, parallel uploads, and the quota shown on every 202 and on GET /me."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from goat.client import GoatClient, GoatError
from tests.support.hostile import looping_model, nan_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, bearer, running_worker, without_workers

SIZE = 32
PER_DAY = 3


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Three submissions a day per task, no unfinished limit; a lost worker fails its submission at once."""
    env = {"SUBMISSIONS_PER_DAY": str(PER_DAY), "MAX_UNFINISHED_PER_TEAM": "0", "MAX_ATTEMPTS": "1"}
    with GoatSystem(tmp_path_factory.mktemp("quotas"), workers=2, env=env) as system:
        yield system


@pytest.fixture(scope="module")
def queued_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """No workers, so what is accepted stays queued: at most two unfinished per team."""
    with without_workers(tmp_path_factory.mktemp("unfinished"), MAX_UNFINISHED_PER_TEAM="2") as system:
        yield system


def a_team(system: GoatSystem) -> GoatClient:
    return system.team(f"quota-{uuid.uuid4().hex[:8]}")


def a_model(tmp_path: Path) -> Path:
    return depth_model(tmp_path / f"{uuid.uuid4().hex[:8]}.onnx", image_size=SIZE)


def used(team: GoatClient) -> int:
    return team.me()["quota"]["task2"]["used"]


def ended(team: GoatClient, model: Path) -> dict:
    return team.wait(team.submit(model)["submission_id"], timeout=120)


def test_completed_and_model_failures_count_refusals_do_not(limited: GoatSystem, tmp_path: Path) -> None:
    team = a_team(limited)
    not_onnx = tmp_path / "notes.onnx"
    not_onnx.write_bytes(b"not a model")
    with pytest.raises(GoatError) as refused:
        team.submit(not_onnx)
    assert refused.value.status_code == 422 and used(team) == 0
    assert ended(team, a_model(tmp_path))["status"] == "completed"
    assert used(team) == 1
    failed = ended(team, nan_model(tmp_path / "nan.onnx", image_size=SIZE))
    assert failed["status"] == "failed" and "NaN" in failed["error"]
    assert used(team) == 2


def test_a_platform_failure_gives_the_slot_back(limited: GoatSystem, tmp_path: Path) -> None:
    team = a_team(limited)
    slow = looping_model(tmp_path / "slow.onnx", image_size=SIZE, iterations=150_000)
    submission = team.submit(slow)["submission_id"]
    assert used(team) == 1  # a slot is held while it waits or runs
    wait_until(lambda: team.status(submission)["status"] == "running", timeout=60, what="running")
    running_worker(limited, submission).kill()
    final = team.wait(submission, timeout=60)
    assert (final["status"], final["error"]) == ("failed", "worker lost 1 times")
    assert used(team) == 0
    limited.add_worker()


def test_over_the_daily_quota_is_429_with_the_next_slot(limited: GoatSystem, tmp_path: Path) -> None:
    team = a_team(limited)
    accepted = [team.submit(a_model(tmp_path)) for _ in range(PER_DAY)]
    midnight = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    assert [answer["quota"]["used"] for answer in accepted] == [1, 2, 3]
    assert accepted[-1]["quota"] == {
        "used": 3,
        "limit": PER_DAY,
        "resets_at": midnight.isoformat().replace("+00:00", "Z"),
    }
    response = httpx.post(
        f"{limited.url}/submit/task2",
        files={"file": ("m.onnx", a_model(tmp_path).read_bytes())},
        headers=bearer(team.http.headers["Authorization"].removeprefix("Bearer ")),
    )
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 86400
    detail = response.json()["detail"]
    assert f"{PER_DAY} of {PER_DAY} submissions today" in detail and "SUBMISSIONS_PER_DAY" in detail
    assert f"next slot opens at {midnight:%Y-%m-%dT%H:%M:%SZ}" in detail
    mine = team.me()
    assert len(mine["submissions"]) == PER_DAY and mine["quota"]["task2"]["used"] == PER_DAY
    assert mine["quota"]["task3"] == {**mine["quota"]["task2"], "used": 0}


def test_the_organiser_is_not_limited(limited: GoatSystem, tmp_path: Path) -> None:
    answers = [limited.admin.submit(a_model(tmp_path)) for _ in range(PER_DAY + 1)]
    assert all(answer["quota"] is None for answer in answers)
    assert limited.admin.me()["quota"] is None


def test_unfinished_limit_is_429_until_one_ends(queued_only: GoatSystem, tmp_path: Path) -> None:
    team, other = a_team(queued_only), a_team(queued_only)
    for _ in range(2):
        team.submit(a_model(tmp_path))
    with pytest.raises(GoatError) as refused:
        team.submit(a_model(tmp_path))
    assert refused.value.status_code == 429
    assert "2 of your submissions are queued or running, the limit is 2 (MAX_UNFINISHED_PER_TEAM)" in (
        refused.value.detail
    )
    assert other.submit(a_model(tmp_path))["status"] == "queued"  # another team's slots are its own
    assert len(team.me()["submissions"]) == 2


def test_parallel_uploads_do_not_overshoot(queued_only: GoatSystem, tmp_path: Path) -> None:
    team = a_team(queued_only)
    token = team.http.headers["Authorization"].removeprefix("Bearer ")
    models = [a_model(tmp_path).read_bytes() for _ in range(6)]

    def post(model: bytes) -> httpx.Response:
        return httpx.post(
            f"{queued_only.url}/submit/task2",
            files={"file": ("m.onnx", model)},
            headers=bearer(token),
            timeout=60,
        )

    with ThreadPoolExecutor(len(models)) as pool:
        codes = sorted(response.status_code for response in pool.map(post, models))
    assert codes == [202, 202, 429, 429, 429, 429]
    assert len(team.me()["submissions"]) == 2
