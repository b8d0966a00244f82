"""Slow door checks cost uploads a 503, never the API its answers: the checks run in a bounded pool of
their own, and a team's run one at a time.

A few hundred bytes of nested functions keep the ONNX checker busy for the whole CHECK_TIMEOUT."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from goat.client import GoatClient
from tests.checks.builders import function_bomb, save
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, bearer, without_workers

CHECK_TIMEOUT = 10
SLOW_UPLOADS = 50

ENV = {
    "CHECK_TIMEOUT": str(CHECK_TIMEOUT),
    "CHECK_WORKERS": "2",
    "CHECK_BACKLOG": "0",
    "MAX_CONCURRENT_UPLOADS": str(SLOW_UPLOADS + 8),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with without_workers(tmp_path_factory.mktemp("checks"), **ENV) as running:
        yield running


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return save(function_bomb(40), tmp_path_factory.mktemp("bomb") / "bomb.onnx").read_bytes()


def token_of(team: GoatClient) -> str:
    return team.http.headers["Authorization"].removeprefix("Bearer ")


def upload(system: GoatSystem, token: str, model: bytes, *, timeout: float = 120) -> httpx.Response:
    return httpx.post(
        f"{system.url}/submit/task2",
        files={"file": ("m.onnx", model)},
        headers=bearer(token),
        timeout=timeout,
    )


def received(system: GoatSystem) -> float:
    """Uploads whose body the API has received so far (the intake's receive stage)."""
    return next(
        sample.value
        for family in text_string_to_metric_families(httpx.get(f"{system.url}/metrics/", timeout=30).text)
        if family.name == "goat_intake_seconds"
        for sample in family.samples
        if sample.name == "goat_intake_seconds_count" and sample.labels["stage"] == "receive"
    )


def test_the_api_answers_while_fifty_slow_checks_are_in_flight(
    api: GoatSystem, bomb: bytes, tmp_path: Path
) -> None:
    queued = api.client.submit(depth_model(tmp_path / "m.onnx", image_size=32))["submission_id"]
    tokens = [token_of(api.team(f"slow-{index}")) for index in range(SLOW_UPLOADS)]
    before = received(api)
    with ThreadPoolExecutor(SLOW_UPLOADS) as senders:
        slow: list[Future[httpx.Response]] = [senders.submit(upload, api, token, bomb) for token in tokens]
        wait_until(lambda: received(api) >= before + SLOW_UPLOADS, timeout=60, what="every slow upload")
        health = httpx.get(f"{api.url}/health", timeout=10)
        status = httpx.get(f"{api.url}/submit/task2/status/{queued}", headers=api.headers, timeout=10)
        board = httpx.get(f"{api.url}/submit/task2/leaderboard", timeout=10)
        queue = httpx.get(f"{api.url}/submit/queue/status", timeout=10)
        still_checking = [answer for answer in slow if not answer.done()]
        answers = [answer.result() for answer in slow]
    assert [health.status_code, status.status_code, board.status_code, queue.status_code] == [200] * 4
    assert status.json()["status"] == "queued"
    assert still_checking, "the checks ended before the API was asked: nothing was shown"
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [422] * 2 + [503] * (SLOW_UPLOADS - 2)  # two checkers, no backlog
    busy = next(answer for answer in answers if answer.status_code == 503)
    assert busy.headers["Retry-After"].isdigit()
    assert "every door checker is busy (2 checks running, CHECK_WORKERS" in busy.json()["detail"]
    slow_check = next(answer for answer in answers if answer.status_code == 422)
    assert slow_check.json()["detail"] == f"checking the model took longer than {CHECK_TIMEOUT} s"


def test_a_team_has_one_check_at_a_time(api: GoatSystem, bomb: bytes, tmp_path: Path) -> None:
    """Two slow uploads of one team hold one checker: another team's upload finds the other free."""
    flooding = token_of(api.team("flooding"))
    before = received(api)
    with ThreadPoolExecutor(2) as senders:
        slow = [senders.submit(upload, api, flooding, bomb) for _ in range(2)]
        wait_until(lambda: received(api) >= before + 2, timeout=60, what="both slow uploads")
        other = upload(
            api, api.token, depth_model(tmp_path / "m.onnx", image_size=32).read_bytes(), timeout=8
        )
        still_checking = [answer for answer in slow if not answer.done()]
        answers = [answer.result() for answer in slow]
    assert other.status_code == 202, other.text
    assert len(still_checking) == 2
    assert [answer.status_code for answer in answers] == [422, 422]
