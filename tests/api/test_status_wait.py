"""`GET …/status/{id}?wait=`: a client waits on the server for the next change instead of polling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.models import depth_model
from tests.support.system import GoatSystem

SIZE = 32


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """No workers: a submission stays queued, nothing about it changes."""
    with GoatSystem(tmp_path_factory.mktemp("idle"), workers=0) as running:
        yield running


def status_url(system: GoatSystem, submission_id: str) -> str:
    return f"{system.url}/submit/task2/status/{submission_id}"


def test_a_change_ends_the_wait(system: GoatSystem, tmp_path: Path) -> None:
    """Each answer reports something new (a status, a batch done) until the result, which ends it."""
    model = depth_model(tmp_path / "m.onnx", image_size=SIZE, batch=4)
    accepted = system.client.submit(model)
    seen = [(accepted["status"], None)]
    while seen[-1][0] != "completed":
        current = system.client.status(accepted["submission_id"], wait=60)
        state = (current["status"], current["progress"])
        assert state != seen[-1], f"answered without a change after {seen}"
        seen.append(state)
    assert current["result"]["metrics"]


def test_a_finished_submission_is_answered_at_once(system: GoatSystem, tmp_path: Path) -> None:
    """Waiting up to 60 s for a submission that will never change again would be a hang: a 10 s read
    timeout on the request would fail the test."""
    model = depth_model(tmp_path / "m.onnx", image_size=SIZE, batch=4)
    submission = system.client.wait(system.client.submit(model)["submission_id"], timeout=60)
    response = httpx.get(
        status_url(system, submission["submission_id"]),
        params={"wait": 60},
        headers=system.headers,
        timeout=10,
    )
    assert response.json()["status"] == "completed"


def test_without_a_change_the_wait_ends_with_the_same_state(idle: GoatSystem, tmp_path: Path) -> None:
    accepted = idle.client.submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))
    current = idle.client.status(accepted["submission_id"], wait=0.5)
    assert (current["status"], current["queue_position"]) == ("queued", accepted["queue_position"])


@pytest.mark.parametrize("wait", ["-1", "61", "soon"])
def test_wait_out_of_range_is_refused(idle: GoatSystem, tmp_path: Path, wait: str) -> None:
    accepted = idle.client.submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))
    response = httpx.get(
        status_url(idle, accepted["submission_id"]), params={"wait": wait}, headers=idle.headers
    )
    assert response.status_code == 422
    assert "wait" in response.text
