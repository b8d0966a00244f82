"""An evaluation process that a SIGKILL does not end (stuck in the kernel, as in a wedged GPU driver,
here frozen by the cgroup freezer): past KILL_GRACE its worker queues the submission again, without
spending more than a lost worker's attempt, and exits broken; `goat up` restarts it, and the new worker
probes its device before it takes the submission again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from goat.client import GoatClient
from tests.support.freezer import frozen, require_freezer
from tests.support.hostile import looping_model
from tests.support.processes import wait_until
from tests.support.system import TEST_ENV, NewDatabase
from tests.support.up import GoatUp, UpConfig

SIZE = int(TEST_ENV["IMAGE_SIZE"])
TIME_LIMIT = 3
KILL_GRACE = 2
BROKEN_EXIT = 75


@pytest.fixture
def up(fresh_database: NewDatabase, tmp_path: Path) -> Iterator[GoatUp]:
    require_freezer()
    env = {**TEST_ENV, "JOB_TIMEOUT": str(TIME_LIMIT), "KILL_GRACE": str(KILL_GRACE), "MAX_ATTEMPTS": "2"}
    env.update(fresh_database())
    config = UpConfig(
        data_dir=tmp_path / "data",
        image_size=SIZE,
        num_samples=int(TEST_ENV["NUM_SAMPLES"]),
        batch_size=int(TEST_ENV["BATCH_SIZE"]),
        threads=1,
        workers=1,
        extra_env=env,
    )
    with GoatUp(config) as running:
        yield running


def evaluation_process(worker: psutil.Process) -> psutil.Process:
    """The worker's grandchild: RQ's work-horse forks it."""
    wait_until(lambda: len(worker.children(recursive=True)) == 2, timeout=30, what="the evaluation process")
    work_horse, evaluation = worker.children(recursive=True)
    assert evaluation.ppid() == work_horse.pid
    return evaluation


def attempts(client: GoatClient, submission: str) -> int:
    return client.status(submission)["attempts"]


def test_a_kill_that_does_not_take_requeues_and_restarts_the_worker(up: GoatUp, tmp_path: Path) -> None:
    model = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    with GoatClient(up.url, token=up.admin_token, timeout=60) as client:
        submission = client.submit(model)["submission_id"]
        wait_until(lambda: client.status(submission)["status"] == "running", timeout=60, what="running")
        worker = up.children()["worker-1"]
        evaluation = evaluation_process(worker)
        with frozen(evaluation.pid):
            # JOB_TIMEOUT kills it, the kill does not take: the submission runs again, on a new worker.
            wait_until(lambda: attempts(client, submission) == 2, timeout=60, what="a second attempt")
            assert evaluation.status() == psutil.STATUS_DISK_SLEEP, "killed, and still there"
            assert up.children()["worker-1"].pid != worker.pid
            final = client.wait(submission, timeout=60)
    log = up.log_path.read_text(errors="replace")
    assert f"submission {submission}: worker broken 1 time; queued again" in log
    assert f"did not die within {KILL_GRACE} s (KILL_GRACE)" in log
    assert f"worker-1 exited with code {BROKEN_EXIT}; restarting" in log
    assert "the device answers again; taking work" in log
    # The second attempt was the model's own: it loops past the time limit, and its kill takes.
    assert (final["status"], final["error"], final["attempts"]) == (
        "failed",
        f"time limit of {TIME_LIMIT} s exceeded",
        2,
    )
