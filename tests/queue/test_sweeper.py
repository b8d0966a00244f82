"""The API's sweeper recovers what RQ cannot: a submission row whose job is missing from Redis, and a job
stranded between dequeue and start by a worker killed in that instant.

Each test leaves Redis as the failure would (RQ 3.0's keys, changed with redis-py), with no worker
running, so only the API's sweeper can put the submission back in the queue; then a worker evaluates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import update

from goat.queue.connection import connect
from goat.queue.jobs import EVALUATE, QUEUE_NAME
from goat.storage.database import session_scope
from goat.storage.submissions import utcnow
from goat.storage.tables import Submission
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem

# RQ 3.0's keys (rq/queue.py, rq/intermediate_queue.py, rq/job.py).
QUEUE_KEY = f"rq:queue:{QUEUE_NAME}"
INTERMEDIATE_KEY = f"{QUEUE_KEY}:intermediate"
REQUEUED = "the evaluation ended without recording a result; queued again"


def job_key(submission: str) -> str:
    return f"rq:job:{submission}"


@pytest.fixture(scope="module")
def unattended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Valkey and the API, no worker: nobody but the API's sweeper touches the queue."""
    with GoatSystem(tmp_path_factory.mktemp("sweeper"), workers=0) as running:
        yield running


@pytest.fixture
def redis(unattended: GoatSystem) -> Iterator[Redis]:
    connection = connect(unattended.redis.url)
    yield connection
    connection.close()


def queued(redis: Redis, key: str) -> list[str]:
    return [job_id.decode() for job_id in redis.lrange(key, 0, -1)]


def age_beyond_the_grace(system: GoatSystem, submission: str) -> None:
    """The sweeper leaves rows younger than its grace (30 s: they may still be on their way into Redis)
    alone; the row is made an hour old instead of the test waiting that long."""
    with session_scope(system.settings.resolved_database_url) as session:
        session.execute(
            update(Submission)
            .where(Submission.id == submission)
            .values(created_at=utcnow() - timedelta(hours=1))
        )


def evaluated_by_a_new_worker(system: GoatSystem, submission: str) -> dict:
    """Start one worker, wait for the submission's outcome, stop the worker again."""
    worker = system.add_worker()
    try:
        return system.client.wait(submission, timeout=120)
    finally:
        assert worker.stop() == 0


def api_log(system: GoatSystem) -> str:
    return (system.root / "api.log").read_text()


def test_a_row_whose_job_is_missing_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=3)
    submission = unattended.client.submit(model)["submission_id"]
    assert submission in queued(redis, QUEUE_KEY)

    # What the API killed between the row and the job, or Redis's data lost, leaves: the row alone.
    assert redis.lrem(QUEUE_KEY, 0, submission) == 1
    assert redis.delete(job_key(submission)) == 1
    assert not Job.exists(submission, connection=redis)
    age_beyond_the_grace(unattended, submission)

    wait_until(
        lambda: submission in queued(redis, QUEUE_KEY), timeout=30, what="the sweeper to queue the job again"
    )
    assert Job.fetch(submission, connection=redis).get_status() == JobStatus.QUEUED
    assert f"submission {submission} had no job in Redis; queued again" in api_log(unattended)
    assert unattended.client.status(submission)["status"] == "queued"

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1
    assert final["result"]["metrics"]["delta1"] == final["result"]["score"]


def test_a_job_stranded_between_dequeue_and_start_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=6)
    submission = unattended.client.submit(model)["submission_id"]
    age_beyond_the_grace(unattended, submission)

    # A worker's dequeue moves the job id from the queue to RQ's intermediate queue in one step; killed
    # before it marks the job started, it leaves the id there: not waiting, not in the started registry.
    with redis.pipeline(transaction=True) as dequeue:
        dequeue.lrem(QUEUE_KEY, 1, submission)
        dequeue.rpush(INTERMEDIATE_KEY, submission)
        assert dequeue.execute() == [1, 1]
    job = Job.fetch(submission, connection=redis)
    assert job.get_status() == JobStatus.QUEUED
    assert submission not in StartedJobRegistry(QUEUE_NAME, connection=redis).get_job_ids(cleanup=False)

    wait_until(
        lambda: submission in queued(redis, QUEUE_KEY) and submission not in queued(redis, INTERMEDIATE_KEY),
        timeout=30,
        what="the sweeper to queue the stranded job again",
    )
    assert f"submission {submission} was stranded by a lost worker before it started" in api_log(unattended)

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1


def test_a_job_of_an_older_version_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """A job queued before an upgrade names a function that moved since: it fails to import and no
    callback records anything. The submission is the platform's to finish, not the participant's loss."""
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=4)
    submission = unattended.client.submit(model)["submission_id"]
    Job.fetch(submission, connection=redis).delete()
    Queue(QUEUE_NAME, connection=redis).enqueue(
        "goat.worker.job.evaluate_submission", submission, job_id=submission
    )
    age_beyond_the_grace(unattended, submission)

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1
    assert f"submission {submission}: {REQUEUED}" in api_log(unattended)
    assert Job.fetch(submission, connection=redis).func_name == EVALUATE


def test_a_started_job_without_a_heartbeat_entry_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """Marked started, yet neither queued nor in the started registry (whose entry RQ's cleanup would
    find): nothing but the sweeper can ever end it."""
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=2)
    submission = unattended.client.submit(model)["submission_id"]
    assert redis.lrem(QUEUE_KEY, 0, submission) == 1
    Job.fetch(submission, connection=redis).set_status(JobStatus.STARTED)
    assert submission not in StartedJobRegistry(QUEUE_NAME, connection=redis).get_job_ids(cleanup=False)
    age_beyond_the_grace(unattended, submission)

    wait_until(
        lambda: submission in queued(redis, QUEUE_KEY), timeout=30, what="the sweeper to queue it again"
    )
    assert (
        unattended.client.status(submission)["error"] == "its worker was lost without a trace; queued again"
    )

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
