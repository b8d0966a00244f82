"""How a submission's evaluation ends: the one writer of every ending, whoever sees it happen.

The worker's evaluation, the RQ glue (a horse killed, a worker lost) and the API's sweeper all report
here; each ending is one transition of the submission's row, announced to waiting clients.
"""

from __future__ import annotations

import logging
from functools import partial

from redis import Redis

from goat.executors.results import Outputs, Result
from goat.queue.live import announce
from goat.storage.submissions import PLATFORM_FAILURE, Failure, SubmissionStore, as_utc
from goat.storage.tables import Submission

log = logging.getLogger(__name__)


class Outcomes:
    def __init__(self, database_url: str, connection: Redis) -> None:
        self.store = SubmissionStore(database_url, on_change=partial(announce, connection))

    def started(self, submission_id: str, *, worker_id: str) -> Submission | None:
        """The row as this attempt starts it (attempts + 1), or None when it is finished or unknown."""
        if not self.store.mark_running(submission_id, worker_id=worker_id):
            log.warning("submission %s is already finished or unknown; skipped", submission_id)
            return None
        return self.store.get(submission_id)

    def completed(self, row: Submission, outputs: Outputs, *, worker_id: str) -> None:
        """`row` is the one `started` returned, so its started_at is this attempt's."""
        assert row.started_at is not None
        queue_wait = (as_utc(row.started_at) - as_utc(row.created_at)).total_seconds()
        result = Result.of(outputs, worker_id=worker_id, queue_wait_s=queue_wait)
        stored = result.model_dump(mode="json")
        private = None if result.private is None else result.private.score
        if self.store.mark_completed(
            row.id, result=stored, score=result.score, private_score=private, previews=outputs.previews
        ):
            log.info("submission %s completed: score %.4f", row.id, result.score)

    def failed(self, submission_id: str, *, reason: str, failure: Failure, detail: str | None = None) -> None:
        """The model's fault, or one the platform cannot recover from: final. `failure` records which,
        for the quota: the team's model failing counts, goat failing does not. `reason` is the participant's,
        `detail` the organiser's (and the log's) whole text. goat's failure before any evaluation of it
        started (its job lost, refused or taken by another deployment's worker) is no ending: it is queued
        again, and the sweeper gives it a new job."""
        row = self.store.get(submission_id)
        if failure == PLATFORM_FAILURE and row is not None and row.attempts == 0:
            self.requeued(submission_id, reason=f"{reason} before its evaluation started; queued again")
            return
        if self.store.mark_failed(submission_id, error=reason, failure=failure, detail=detail):
            log.warning("submission %s failed (%s): %s", submission_id, failure, detail or reason)

    def requeued(self, submission_id: str, *, reason: str) -> None:
        """Back in the queue (a worker lost or stopped); the reason shows until it runs again."""
        if self.store.mark_requeued(submission_id, reason=reason):
            log.warning("submission %s: %s", submission_id, reason)
