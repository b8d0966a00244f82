"""How a submission ends when its evaluation process does not end it itself.

Every path that can leave a submission unfinished lands here: the evaluation process killed (time or
memory limit, crash), the job raising, or the worker lost (RQ's abandoned job). Only a lost worker is
retried.
"""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import Any

from rq.exceptions import AbandonedJobError
from rq.job import Job

from goat.core.config import get_settings
from goat.queue.live import announce
from goat.storage.submissions import SubmissionStore
from goat.worker.limits import Limits

log = logging.getLogger(__name__)


def _store(job: Job) -> SubmissionStore:
    return SubmissionStore(get_settings().resolved_database_url, on_change=partial(announce, job.connection))


def death_reason(status: int, *, killed_for: str | None, limits: Limits) -> str:
    """The participant-facing reason for an evaluation process that did not exit cleanly."""
    if killed_for == "time":
        return limits.time_exceeded()
    if killed_for == "memory":
        return limits.memory_exceeded()
    if os.WIFSIGNALED(status):
        return f"evaluation crashed (signal {os.WTERMSIG(status)})"
    return f"evaluation process exited with code {os.waitstatus_to_exitcode(status)}"


def record_death(job: Job, reason: str) -> None:
    """The model's fault: final, never retried."""
    job.retries_left = 0
    if _store(job).mark_failed(job.id, error=reason):
        log.warning("submission %s failed: %s", job.id, reason)


def record_interrupted(job: Job) -> None:
    """The worker was stopped, not lost: queued again at once, without spending one of MAX_ATTEMPTS.

    RQ retries the job right after this hook and takes one from `retries_left`; this gives it back.
    """
    job.retries_left = (job.retries_left or 0) + 1
    if _store(job).mark_requeued(job.id, reason="the worker was stopped; queued again"):
        log.warning("submission %s: worker stopped mid-evaluation; queued again", job.id)


def on_job_failure(
    job: Job, connection: Any, exc_type: type, exc_value: BaseException, traceback: Any
) -> None:
    """RQ's failure callback: a lost worker requeues (until MAX_ATTEMPTS), anything else fails for good."""
    if exc_type is not AbandonedJobError:
        record_death(job, f"internal error while evaluating: {exc_type.__name__}: {exc_value}")
        return
    lost = get_settings().max_attempts - (job.retries_left or 0)
    if job.retries_left:
        reason = f"worker lost {lost} time{'s' if lost > 1 else ''}; queued again"
        if _store(job).mark_requeued(job.id, reason=reason):
            log.warning("submission %s: %s", job.id, reason)
    elif _store(job).mark_failed(job.id, error=f"worker lost {lost} times"):
        log.error("submission %s failed: worker lost %d times", job.id, lost)
