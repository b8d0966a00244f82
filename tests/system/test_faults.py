"""Faults lose nothing: lost workers, SIGTERM, a Redis restart and an API restart, with real processes."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from goat.storage.submissions import SubmissionStore
from tests.support.hostile import huge_allocation_model, looping_model, nan_model, shrinking_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem, NewDatabase, running_worker, status_when

SIZE = 32
# About a second per batch on one core: long enough to act while it runs, short enough to finish.
SLOW_ITERATIONS = 150_000
# SHUTDOWN_GRACE is 1 s; the whole test set in one batch of ten times as many iterations (about 10 s on
# one core) leaves far more than the grace to run when SIGTERM comes, which is sent before that batch ends.
GRACE = 1
BEYOND_THE_GRACE_ITERATIONS = 10 * SLOW_ITERATIONS


@pytest.fixture(scope="module")
def faulty(fresh_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with GoatSystem(
        tmp_path_factory.mktemp("faults"),
        workers=2,
        env={
            "MAX_ATTEMPTS": "2",
            "JOB_TIMEOUT": "60",
            "HEARTBEAT_GRACE": "2",
            "MAINTENANCE_INTERVAL": "2",
            "SHUTDOWN_GRACE": str(GRACE),
            **fresh_database(),
        },
    ) as system:
        yield system


@pytest.fixture
def slow_model(tmp_path: Path) -> Path:
    return looping_model(tmp_path / "slow.onnx", image_size=SIZE, iterations=SLOW_ITERATIONS)


@pytest.fixture
def beyond_the_grace(tmp_path: Path, faulty: GoatSystem) -> Path:
    """One batch of every sample (no progress until it ends) that takes ten times the grace or more."""
    samples = faulty.settings.num_samples
    return looping_model(
        tmp_path / "long.onnx", image_size=SIZE, iterations=BEYOND_THE_GRACE_ITERATIONS, batch=samples
    )


def started_not_done(system: GoatSystem, submission: str, attempt: int) -> dict:
    """Running its `attempt`-th time with its single batch still unfinished."""
    return wait_for(
        system,
        submission,
        lambda s: (
            s["status"] == "running" and s["attempts"] == attempt and not (s["progress"] or {}).get("done")
        ),
        f"running (attempt {attempt})",
    )


def wait_for(system: GoatSystem, submission: str, predicate, what: str, timeout: float = 60) -> dict:
    return status_when(system.client, submission, predicate, what, timeout=timeout)


def replace_dead_workers(system: GoatSystem) -> None:
    for index, worker in enumerate(system.workers):
        if worker.process.poll() is not None:
            system.workers[index] = worker.again().start()
    wait_until(
        lambda: len(system.admin.queue_status()["workers"]) >= len(system.workers),
        timeout=60,
        what="replacement workers",
    )


# The tests below share a shape (submit, disturb the worker, wait for the outcome, replace the dead): each
# disturbs it differently and expects another outcome, so each is written out.
def test_lost_worker_is_detected_and_retried_elsewhere(faulty: GoatSystem, slow_model: Path) -> None:
    submission = faulty.client.submit(slow_model)["submission_id"]
    wait_for(faulty, submission, lambda s: s["status"] == "running", "running")
    running_worker(faulty, submission).kill()

    again = wait_for(faulty, submission, lambda s: s["attempts"] == 2, "started again", timeout=30)
    assert again["status"] in ("queued", "running")
    final = faulty.client.wait(submission, timeout=60)
    assert final["status"] == "completed", faulty.logs()
    assert final["attempts"] == 2
    replace_dead_workers(faulty)


def test_worker_lost_max_attempts_times_fails_with_reason(faulty: GoatSystem, slow_model: Path) -> None:
    submission = faulty.client.submit(slow_model)["submission_id"]
    wait_for(faulty, submission, lambda s: s["status"] == "running", "running")
    running_worker(faulty, submission).kill()
    wait_for(faulty, submission, lambda s: s["attempts"] == 2 and s["status"] == "running", "running again")
    running_worker(faulty, submission).kill()

    final = faulty.client.wait(submission, timeout=30)
    assert final["status"] == "failed"
    assert final["error"] == "worker lost 2 times"
    replace_dead_workers(faulty)


def test_sigterm_requeues_what_cannot_finish_in_the_grace(faulty: GoatSystem, beyond_the_grace: Path) -> None:
    """Stopped, not lost: queued again at once, the worker exits cleanly, no attempt is spent."""
    submission = faulty.client.submit(beyond_the_grace)["submission_id"]
    started_not_done(faulty, submission, attempt=1)
    worker = running_worker(faulty, submission)
    os.kill(worker.process.pid, signal.SIGTERM)
    assert worker.process.wait(30) == 0

    final = faulty.client.wait(submission, timeout=60)
    assert final["status"] == "completed", faulty.logs()
    assert final["attempts"] == 2
    replace_dead_workers(faulty)


def test_a_stop_does_not_spend_an_attempt(faulty: GoatSystem, beyond_the_grace: Path) -> None:
    """MAX_ATTEMPTS is 2: had the stop cost one, losing a worker afterwards would fail the submission."""
    submission = faulty.client.submit(beyond_the_grace)["submission_id"]
    started_not_done(faulty, submission, attempt=1)
    os.kill(running_worker(faulty, submission).process.pid, signal.SIGTERM)
    started_not_done(faulty, submission, attempt=2)
    running_worker(faulty, submission).kill()

    lost = wait_for(faulty, submission, lambda s: s["status"] != "running", "requeued", timeout=30)
    assert lost["status"] == "queued"
    assert lost["error"] == "worker lost 1 time; queued again"
    replace_dead_workers(faulty)
    final = faulty.client.wait(submission, timeout=60)
    assert final["status"] == "completed"
    assert final["attempts"] == 3


def test_redis_restart_loses_no_queued_submission(
    faulty: GoatSystem, slow_model: Path, tmp_path: Path
) -> None:
    # Two distinct slow models: the same bytes again would be a duplicate of the first.
    second_slow = looping_model(tmp_path / "slow2.onnx", image_size=SIZE, iterations=SLOW_ITERATIONS)
    submissions = [faulty.client.submit(model)["submission_id"] for model in (slow_model, second_slow)]
    submissions += [
        faulty.client.submit(depth_model(tmp_path / f"m{i}.onnx", image_size=SIZE, batch=i + 1))[
            "submission_id"
        ]
        for i in range(3)
    ]
    store = SubmissionStore(faulty.settings.resolved_database_url)
    faulty.redis.stop()

    rows_before = {row.id for row in store.unfinished()}
    refused = httpx.post(
        f"{faulty.url}/submit/task2",
        files={"file": ("m.onnx", slow_model.read_bytes())},
        headers=faulty.headers,
    )
    assert refused.status_code == 503
    assert "Redis" in refused.json()["detail"]
    assert {row.id for row in store.unfinished()} <= rows_before

    faulty.redis.start()
    for submission in submissions:
        final = faulty.client.wait(submission, timeout=120)
        assert final["status"] == "completed", (submission, final, faulty.logs())
    assert faulty.client.submit_health()["redis"] == "connected"


def test_api_restart_mid_evaluation(faulty: GoatSystem, slow_model: Path) -> None:
    submission = faulty.client.submit(slow_model)["submission_id"]
    wait_for(faulty, submission, lambda s: s["status"] == "running", "running")
    faulty.restart_api()
    final = faulty.client.wait(submission, timeout=60)
    assert final["status"] == "completed"
    assert final["attempts"] == 1


def test_every_accepted_submission_ends_with_a_reason(faulty: GoatSystem, tmp_path: Path) -> None:
    """The invariant: good and hostile models, a worker killed and Redis restarted mid-run."""
    models = [
        depth_model(tmp_path / "good.onnx", image_size=SIZE),
        looping_model(tmp_path / "slow.onnx", image_size=SIZE, iterations=SLOW_ITERATIONS),
        nan_model(tmp_path / "nan.onnx", image_size=SIZE),
        shrinking_model(tmp_path / "shrink.onnx", image_size=SIZE),
        huge_allocation_model(tmp_path / "huge.onnx", image_size=SIZE),
        depth_model(tmp_path / "good8.onnx", image_size=SIZE, batch=8),
        looping_model(tmp_path / "slow2.onnx", image_size=SIZE, iterations=SLOW_ITERATIONS),
    ]
    submissions = [faulty.client.submit(model)["submission_id"] for model in models]
    wait_for(faulty, submissions[1], lambda s: s["status"] == "running", "running")
    running_worker(faulty, submissions[1]).kill()
    faulty.redis.stop()
    faulty.redis.start()
    replace_dead_workers(faulty)

    finals = [faulty.client.wait(submission, timeout=180) for submission in submissions]
    for final in finals:
        assert final["status"] in ("completed", "failed")
        assert final["status"] == "completed" or final["error"], final
    assert [f["status"] for f in finals] == [
        "completed", "completed", "failed", "failed", "failed", "completed", "completed"
    ], faulty.logs()  # fmt: skip


def test_queue_status_forgets_a_killed_worker_once_replaced(faulty: GoatSystem) -> None:
    def pids() -> set[int]:
        return {worker["pid"] for worker in faulty.admin.queue_status()["workers"]}

    killed = faulty.workers[0]
    assert killed.process.pid in pids()
    killed.kill()
    replace_dead_workers(faulty)
    replacement = faulty.workers[0].process.pid
    wait_until(lambda: replacement in pids(), timeout=30, what="the replacement worker")
    assert killed.process.pid not in pids()
