"""How a submission's evaluation ends: the one writer of every ending, whoever sees it happen.

The API's worker routes (reports of workers on any host), the API's sweeper and RQ's cleanup run there all
report here; each ending is one transition of the submission's row, announced to waiting clients. An
ending that names its attempt applies only while that attempt holds the submission, so a worker cut off
and replaced cannot overwrite its successor's outcome when it comes back.
"""

from __future__ import annotations

import logging
from functools import partial

from redis import Redis

from goat.executors.results import Outputs, Result
from goat.queue.live import announce
from goat.storage.submissions import PLATFORM_FAILURE, Failure, SubmissionStore, as_utc
from goat.worker.wire import Assignment

log = logging.getLogger(__name__)


class Outcomes:
    """The database side of worker/reports.py's Reports."""

    def __init__(self, database_url: str, connection: Redis) -> None:
        self.store = SubmissionStore(database_url, on_change=partial(announce, connection))

    def started(self, submission_id: str, *, worker_id: str) -> Assignment | None:
        """The attempt this starts (attempts + 1), or None when it is finished or unknown."""
        if not self.store.mark_running(submission_id, worker_id=worker_id):
            log.warning("submission %s is already finished or unknown; skipped", submission_id)
            return None
        row = self.store.get(submission_id)
        assert row is not None
        return Assignment(
            submission_id=row.id,
            task=row.task,
            model_sha256=row.model_sha256,
            fixed_batch=row.model_info.get("batch_size"),
            attempt=row.attempts,
        )

    def completed(self, submission_id: str, outputs: Outputs, *, worker_id: str, attempt: int) -> bool:
        row = self.store.get(submission_id)
        if row is None or row.started_at is None or row.attempts != attempt:
            log.warning(
                "submission %s: a result of attempt %d, not the current one; ignored", submission_id, attempt
            )
            return False
        queue_wait = (as_utc(row.started_at) - as_utc(row.created_at)).total_seconds()
        result = Result.of(outputs, worker_id=worker_id, queue_wait_s=queue_wait)
        private = None if result.private is None else result.private.score
        recorded = self.store.mark_completed(
            submission_id,
            attempt=attempt,
            result=result.model_dump(mode="json"),
            score=result.score,
            private_score=private,
            previews=outputs.previews,
        )
        if recorded:
            log.info("submission %s completed: score %.4f", submission_id, result.score)
        return recorded

    def failed(
        self,
        submission_id: str,
        *,
        reason: str,
        failure: Failure,
        detail: str | None = None,
        attempt: int | None = None,
    ) -> bool:
        """The model's fault, or one the platform cannot recover from: final. `failure` records which,
        for the quota: the team's model failing counts, goat failing does not. `reason` is the participant's,
        `detail` the organiser's (and the log's) whole text. goat's failure before any evaluation of it
        started (its job lost, refused or taken by another deployment's worker) is no ending: it is queued
        again, and the sweeper gives it a new job."""
        row = self.store.get(submission_id)
        if failure == PLATFORM_FAILURE and row is not None and row.attempts == 0:
            return self.requeued(
                submission_id, reason=f"{reason} before its evaluation started; queued again"
            )
        recorded = self.store.mark_failed(
            submission_id, error=reason, failure=failure, detail=detail, attempt=attempt
        )
        if recorded:
            log.warning("submission %s failed (%s): %s", submission_id, failure, detail or reason)
        return recorded

    def requeued(self, submission_id: str, *, reason: str, attempt: int | None = None) -> bool:
        """Back in the queue (a worker lost or stopped); the reason shows until it runs again."""
        recorded = self.store.mark_requeued(submission_id, reason=reason, attempt=attempt)
        if recorded:
            log.warning("submission %s: %s", submission_id, reason)
        return recorded

    def knows(self, submission_id: str) -> bool:
        return self.store.get(submission_id) is not None
