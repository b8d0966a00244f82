"""The API's sweeper recovers what RQ cannot: a submission row whose job is missing from Redis, and a job
stranded between dequeue and start by a worker killed in that instant.

Each test leaves Redis as the failure would (RQ 3.0's keys, changed with redis-py), with no worker
running, so only the API's sweeper can put the submission back in the queue; then a worker evaluates it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from redis import Redis
from rq.job import Callback, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import update

from goat.queue.jobs import EVALUATE, ON_FAILURE, QUEUE_NAME, evaluation_queue, fetch_job
from goat.storage.database import session_scope
from goat.storage.model_files import ModelStore
from goat.storage.submissions import SubmissionStore, utcnow
from goat.storage.tables import Submission
from tests.support.hostile import nan_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.queue import (
    INTERMEDIATE_KEY,
    QUEUE_KEY,
    REQUEUED,
    age_beyond_the_grace,
    api_log,
    evaluated_by_a_new_worker,
    job_key,
    queued,
)
from tests.support.system import GoatSystem


def test_a_row_whose_job_is_missing_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=3)
    submission = unattended.client.submit(model)["submission_id"]
    assert submission in queued(redis, QUEUE_KEY)

    # What the API killed between the row and the job, or Redis's data lost, leaves: the row alone.
    assert redis.lrem(QUEUE_KEY, 0, submission) == 1
    assert redis.delete(job_key(submission)) == 1
    assert not redis.exists(job_key(submission))
    age_beyond_the_grace(unattended, submission)

    wait_until(
        lambda: submission in queued(redis, QUEUE_KEY), timeout=30, what="the sweeper to queue the job again"
    )
    assert fetch_job(redis, submission).get_status() == JobStatus.QUEUED
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
    job = fetch_job(redis, submission)
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
    """A job queued before an upgrade names a function that moved since: the worker runs only goat's
    evaluation function, so it removes the job unrun. The submission is the platform's to finish, not the
    participant's loss: the sweeper gives it a new job."""
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=4)
    submission = unattended.client.submit(model)["submission_id"]
    fetch_job(redis, submission).delete()
    evaluation_queue(redis).enqueue(
        "goat.worker.job.evaluate_submission",
        submission,
        job_id=submission,
        on_failure=Callback(ON_FAILURE),
    )
    age_beyond_the_grace(unattended, submission)

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1
    assert f"submission {submission} had no job in Redis; queued again" in api_log(unattended)
    assert fetch_job(redis, submission).func_name == EVALUATE


def test_a_started_job_without_a_heartbeat_entry_is_queued_again_and_completes(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """Marked started, yet neither queued nor in the started registry (whose entry RQ's cleanup would
    find): nothing but the sweeper can ever end it."""
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=2)
    submission = unattended.client.submit(model)["submission_id"]
    assert redis.lrem(QUEUE_KEY, 0, submission) == 1
    fetch_job(redis, submission).set_status(JobStatus.STARTED)
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


def test_a_job_ended_without_a_result_is_queued_again_never_failed(
    unattended: GoatSystem, redis: Redis, tmp_path: Path
) -> None:
    """What a worker of another deployment that takes the job and skips it as unknown leaves: a job
    finished, a row never started. goat lost it, so it is queued again, never failed with attempts 0."""
    model = depth_model(tmp_path / "m.onnx", image_size=unattended.settings.image_size, batch=5)
    submission = unattended.client.submit(model)["submission_id"]
    assert redis.lrem(QUEUE_KEY, 0, submission) == 1
    fetch_job(redis, submission).set_status(JobStatus.FINISHED)
    age_beyond_the_grace(unattended, submission)

    wait_until(
        lambda: submission in queued(redis, QUEUE_KEY), timeout=30, what="the sweeper to queue it again"
    )
    waiting = unattended.client.status(submission)
    assert (waiting["status"], waiting["attempts"], waiting["error"]) == ("queued", 0, REQUEUED)

    final = evaluated_by_a_new_worker(unattended, submission)
    assert final["status"] == "completed", unattended.logs()
    assert final["attempts"] == 1


def test_the_sweep_removes_old_models_but_the_teams_best_and_keeps_every_result(
    unattended: GoatSystem, tmp_path: Path
) -> None:
    size = unattended.settings.image_size
    best, failed = (
        unattended.client.submit(model)["submission_id"]
        for model in (
            depth_model(tmp_path / "best.onnx", image_size=size),
            nan_model(tmp_path / "nan.onnx", image_size=size),
        )
    )
    worker = unattended.add_worker()
    try:
        assert [unattended.client.wait(s, timeout=120)["status"] for s in (best, failed)] == [
            "completed",
            "failed",
        ]
    finally:
        assert worker.stop() == 0
    store = SubmissionStore(unattended.settings.resolved_database_url)
    models = ModelStore(unattended.settings.upload_dir)
    two_days_ago = utcnow() - timedelta(days=2)
    for submission in (best, failed):  # finished and stored two days ago, instead of the test waiting
        with session_scope(store.url) as session:
            session.execute(
                update(Submission).where(Submission.id == submission).values(finished_at=two_days_ago)
            )
        stamp = two_days_ago.timestamp()
        os.utime(models.path_for(store.get(submission).model_sha256), (stamp, stamp))
    failed_model = models.path_for(store.get(failed).model_sha256)

    wait_until(lambda: not failed_model.exists(), timeout=30, what="the sweep to remove the failed model")
    assert models.path_for(store.get(best).model_sha256).exists(), "the team's best stays"
    assert unattended.client.status(failed)["error"] == "the model's output contains NaN or inf"
    assert unattended.client.status(best)["result"]["score"] > 0
    assert "removed 1 models of submissions finished before" in api_log(unattended)
