"""Cancel over HTTP: a queued submission leaves the queue at once, a running one is stopped, a finished one
is 409, another team's is 404; a cancel before the start gives the quota's slot back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from goat.client import GoatClient, GoatError
from tests.support.hostile import looping_model
from tests.support.models import depth_model
from tests.support.processes import run_goat, wait_until
from tests.support.system import GoatSystem, running_worker

SIZE = 32


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """One worker, and quotas on, so that what a cancel gives back shows."""
    env = {"SUBMISSIONS_PER_DAY": "10", "MAX_UNFINISHED_PER_TEAM": "0"}
    with GoatSystem(tmp_path_factory.mktemp("cancel"), workers=1, env=env) as running:
        yield running


def used(client: GoatClient) -> int:
    return client.me()["quota"]["task2"]["used"]


def test_a_running_submission_is_stopped_and_the_worker_carries_on(
    system: GoatSystem, tmp_path: Path
) -> None:
    team = system.team("cancel-running")
    slow = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    submission = team.submit(slow)["submission_id"]
    wait_until(lambda: team.status(submission)["status"] == "running", timeout=60, what="the evaluation")
    worker = psutil.Process(running_worker(system, submission).process.pid)
    wait_until(lambda: len(worker.children(recursive=True)) == 2, timeout=30, what="the evaluation process")

    cancelled = team.cancel(submission)
    assert (cancelled["status"], cancelled["error"]) == ("cancelled", "cancelled by cancel-running")
    wait_until(lambda: not worker.children(recursive=True), timeout=60, what="the evaluation process killed")
    assert used(team) == 1, "it ran on goat's devices: it counts"

    after = team.wait(team.submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))["submission_id"])
    assert after["status"] == "completed"
    assert team.status(submission)["status"] == "cancelled", "a stopped evaluation records nothing"


def test_a_queued_submission_leaves_the_queue_and_gives_its_slot_back(
    system: GoatSystem, tmp_path: Path
) -> None:
    team = system.team("cancel-queued")
    slow = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    blocker = system.admin.submit(slow)["submission_id"]  # keeps the one worker busy
    waiting = team.submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))["submission_id"]
    assert used(team) == 1

    cancelled = team.cancel(waiting)
    assert cancelled["status"] == "cancelled"
    assert system.admin.queue_status()["queue_length"] == 0
    assert used(team) == 0, "cancelled before it started: not counted"
    with pytest.raises(GoatError) as again:
        team.cancel(waiting)
    assert (again.value.status_code, again.value.detail) == (
        409,
        f"submission {waiting} is already cancelled; nothing to cancel",
    )
    assert system.admin.cancel(blocker)["status"] == "cancelled", "the organiser cancels any submission"


def test_another_teams_submission_is_404_and_the_cli_cancels(system: GoatSystem, tmp_path: Path) -> None:
    token = system.admin.add_team("cancel-owner")["token"]
    stranger = system.team("cancel-stranger")
    slow = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    with GoatClient(system.url, token=token) as owner:
        submission = owner.submit(slow)["submission_id"]
        with pytest.raises(GoatError) as refused:
            stranger.cancel(submission)
        assert refused.value.status_code == 404

        run = run_goat("cancel", submission, "--url", system.url, "--token", token, cwd=tmp_path, env={})
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"{submission} (task2): cancelled" in run.stdout
        assert owner.status(submission)["status"] == "cancelled"
