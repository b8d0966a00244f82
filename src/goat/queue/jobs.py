"""The evaluation queue: one RQ job per submission, with the job id equal to the submission id."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry
from rq.job import Callback, Job

QUEUE_NAME = "evaluation_queue"
EVALUATE = "goat.worker.job.evaluate_submission"
ON_FAILURE = "goat.worker.outcome.on_job_failure"


def evaluation_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection)


def enqueue_evaluation(
    queue: Queue, submission_id: str, *, timeout: int, max_attempts: int, result_expiry: int
) -> Job:
    """Queue one evaluation.

    RQ's timeout is a backstop set above JOB_TIMEOUT: the worker enforces JOB_TIMEOUT itself, with SIGKILL.
    Retries are only for lost workers (RQ's abandoned jobs); every other failure is final and the job
    function records it, so the retry budget counts worker losses alone.
    """
    return queue.enqueue(
        EVALUATE,
        submission_id,
        job_id=submission_id,
        job_timeout=timeout + 30,
        result_ttl=result_expiry,
        failure_ttl=result_expiry,
        retry=Retry(max=max_attempts - 1, enqueue_at_front=True) if max_attempts > 1 else None,
        on_failure=Callback(ON_FAILURE),
        description=f"evaluate {submission_id}",
    )


def queue_position(queue: Queue, submission_id: str) -> int | None:
    """1-based position in the queue, or None once a worker has taken it."""
    position = queue.get_job_position(submission_id)
    return None if position is None else position + 1
