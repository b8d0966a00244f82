"""The evaluation queue: one RQ job per submission, with the job id equal to the submission id.

Jobs are JSON (RQ's JSONSerializer), in every process that reads or writes them: nothing read from Redis is
ever unpickled, so writing to Redis is not running code in goat's processes. Each job names its deployment,
so a worker of another deployment sharing the Redis leaves it alone (queue/trust.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from rq import Queue, Retry
from rq.command import send_stop_job_command
from rq.exceptions import NoSuchJobError
from rq.job import Callback, Job, JobStatus
from rq.serializers import JSONSerializer

from goat.core.config import Settings

__all__ = [
    "QUEUE_NAME",
    "JobPolicy",
    "Queue",
    "enqueue_evaluation",
    "evaluation_queue",
    "fetch_job",
    "queue_position",
    "withdraw",
]

QUEUE_NAME = "evaluation_queue"
EVALUATE = "goat.queue.rq_worker.run_job"
ON_FAILURE = "goat.queue.rq_worker.on_job_failure"
SERIALIZER = JSONSerializer
DEPLOYMENT = "deployment"
"""The job's meta field naming the deployment that queued it."""


def evaluation_queue(connection: Redis) -> Queue:
    return Queue(QUEUE_NAME, connection=connection, serializer=SERIALIZER)


def fetch_job(connection: Redis, submission_id: str) -> Job:
    """The submission's job, read as JSON (NoSuchJobError when there is none)."""
    return Job.fetch(submission_id, connection=connection, serializer=SERIALIZER)


@dataclass(frozen=True, kw_only=True)
class JobPolicy:
    """How every evaluation job is queued, whoever queues it (the upload, or the sweeper again)."""

    timeout: int
    max_attempts: int
    result_expiry: int
    deployment: str

    @classmethod
    def from_settings(cls, settings: Settings, *, deployment: str) -> JobPolicy:
        return cls(
            timeout=settings.job_timeout,
            max_attempts=settings.max_attempts,
            result_expiry=settings.result_expiry,
            deployment=deployment,
        )


def enqueue_evaluation(queue: Queue, submission_id: str, *, policy: JobPolicy) -> Job:
    """Queue one evaluation.

    RQ's timeout is a backstop set above JOB_TIMEOUT: the worker enforces JOB_TIMEOUT itself, with SIGKILL.
    Retries are only for lost workers (RQ's abandoned jobs); every other failure is final and the job
    function records it, so the retry budget counts worker losses alone.
    """
    return queue.enqueue(
        EVALUATE,
        submission_id,
        job_id=submission_id,
        job_timeout=policy.timeout + 30,
        result_ttl=policy.result_expiry,
        failure_ttl=policy.result_expiry,
        retry=Retry(max=policy.max_attempts - 1, enqueue_at_front=True) if policy.max_attempts > 1 else None,
        on_failure=Callback(ON_FAILURE),
        description=f"evaluate {submission_id}",
        meta={DEPLOYMENT: policy.deployment},
    )


def withdraw(queue: Queue, submission_id: str) -> None:
    """Best effort, after the row is cancelled: out of the queue if it waits; if a worker runs it, that
    worker kills its work-horse's process group, the evaluation process with it (RQ's stop command).
    Whatever slips through (a job taken in between) finds its row cancelled and is skipped."""
    try:
        job = fetch_job(queue.connection, submission_id)
    except NoSuchJobError:
        return
    if job.get_status() == JobStatus.STARTED:
        send_stop_job_command(queue.connection, submission_id)
    elif job.get_status() == JobStatus.QUEUED:
        job.cancel()


def queue_position(queue: Queue, submission_id: str) -> int | None:
    """1-based position in the queue, or None once a worker has taken it."""
    position = queue.get_job_position(submission_id)
    return None if position is None else position + 1
