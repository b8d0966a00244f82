"""One submission from queued to its outcome, on this worker: the use case the queue calls."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

from goat.executors.base import ExecutionFailed, ModelFile
from goat.executors.forked import ForkedExecutor
from goat.queue.live import publish_progress
from goat.storage.submissions import MODEL_FAILURE
from goat.worker.context import WorkerContext
from goat.worker.model_cache import ModelUnavailable

log = logging.getLogger(__name__)

SUPERSEDED = "superseded"


def evaluate_submission(submission_id: str, *, ctx: WorkerContext, connection: Redis) -> str:
    """Runs the evaluation and reports its outcome (ctx.reports); returns how it ended here."""
    settings = ctx.settings
    reports = ctx.reports
    attempt = reports.started(submission_id, worker_id=ctx.worker_id)
    if attempt is None:
        return "skipped"
    loaded = ctx.tasks[attempt.task]

    def on_progress(done: int, total: int) -> None:
        """Best effort: a Redis blip costs a progress update, never the evaluation."""
        try:
            publish_progress(connection, submission_id, done=done, total=total, ttl=settings.result_expiry)
        except RedisError as error:
            log.warning("progress of %s not published: %s", submission_id, error)

    on_progress(0, len(loaded.test_set))
    executor = ForkedExecutor(
        task=loaded.task.definition,
        test_set=loaded.test_set,
        batch_size=loaded.task.batch_size,
        limits=ctx.limits,
        device=ctx.device,
        options=ctx.options,
        preview_set=loaded.preview_set,
        private=loaded.private,
    )
    try:
        path = ctx.models.path_for(attempt.model_sha256)
    except ModelUnavailable as unavailable:
        log.error("submission %s: %s", submission_id, unavailable)
        reason = "its model could not be fetched; queued again"
        return _ended("requeued", reports.requeued(submission_id, reason=reason, attempt=attempt.attempt))
    model = ModelFile(path=path, sha256=attempt.model_sha256, fixed_batch=attempt.fixed_batch)
    try:
        executor.provision(model=model)
        executor.execute(on_progress=on_progress)
        # Stored before the evaluation process is torn down (tens of ms for a large model).
        outputs = executor.collect_results()
        done = reports.completed(submission_id, outputs, worker_id=ctx.worker_id, attempt=attempt.attempt)
        return _ended("completed", done)
    except ExecutionFailed as failure:
        failed = reports.failed(
            submission_id,
            reason=str(failure),
            failure=MODEL_FAILURE,
            detail=failure.detail,
            attempt=attempt.attempt,
        )
        return _ended("failed", failed)
    finally:
        executor.cleanup()


def _ended(how: str, recorded: bool) -> str:
    """SUPERSEDED when the API did not record it: the submission finished meanwhile or another attempt holds
    it (this worker was cut off and replaced)."""
    return how if recorded else SUPERSEDED
