"""What the queue's tests share: RQ's keys, and what a test does to a system without workers (age a row
past the sweeper's grace, start a worker for one submission)."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from sqlalchemy import update

from goat.queue.jobs import QUEUE_NAME
from goat.storage.database import session_scope
from goat.storage.submissions import utcnow
from goat.storage.tables import Submission
from tests.support.system import GoatSystem

# RQ 3.0's keys (rq/queue.py, rq/intermediate_queue.py, rq/job.py).
QUEUE_KEY = f"rq:queue:{QUEUE_NAME}"
INTERMEDIATE_KEY = f"{QUEUE_KEY}:intermediate"
REQUEUED = "the evaluation ended without recording a result; queued again"


def job_key(submission: str) -> str:
    return f"rq:job:{submission}"


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


def every_log(system: GoatSystem) -> str:
    """The API's and every worker's log, whole (GoatSystem.logs keeps only their ends, for failures)."""
    return "\n".join(path.read_text() for path in sorted(system.root.glob("*.log")))
