"""The function RQ runs in the work-horse: one submission from queued to completed or failed."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from redis.exceptions import RedisError
from rq import get_current_job

from goat.queue.live import announce, publish_progress
from goat.storage.model_files import ModelStore
from goat.storage.submissions import SubmissionStore, as_utc
from goat.storage.tables import Submission
from goat.worker import context
from goat.worker.evaluation import Evaluation, EvaluationFailed, RunOptions
from goat.worker.runtime import gpu_options

log = logging.getLogger(__name__)


def evaluate_submission(submission_id: str) -> str:
    """Runs the evaluation and stores its outcome; returns the final status for RQ's own record."""
    ctx = context.current()
    settings = ctx.settings
    connection = get_current_job().connection
    store = SubmissionStore(settings.resolved_database_url, on_change=partial(announce, connection))
    if not store.mark_running(submission_id, worker_id=ctx.worker_id):
        log.warning("submission %s is already finished or unknown; skipped", submission_id)
        return "skipped"
    row = store.get(submission_id)
    assert row is not None
    task = ctx.tasks[row.task]
    total = len(task.test_set)

    def on_progress(done: int, total: int) -> None:
        """Best effort: a Redis blip costs a progress update, never the evaluation."""
        try:
            publish_progress(connection, submission_id, done=done, total=total, ttl=settings.result_expiry)
        except RedisError as error:
            log.warning("progress of %s not published: %s", submission_id, error)

    on_progress(0, total)

    evaluation = Evaluation(
        model_path=ModelStore(settings.upload_dir).path_for(row.model_sha256),
        model_sha256=row.model_sha256,
        fixed_batch=row.model_info.get("batch_size"),
        task=task.definition,
        test_set=task.test_set,
        device=ctx.device,
        options=RunOptions(
            threads=ctx.threads,
            batch_size=settings.batch_size,
            gpu=gpu_options(settings),
            score_beside_inference=ctx.device.is_cuda,
        ),
        limits=ctx.limits,
    )
    try:
        evaluation.provision()
        evaluation.execute(on_progress)
        result = evaluation.collect()
    except EvaluationFailed as failure:
        store.mark_failed(submission_id, error=str(failure))
        log.info("submission %s failed: %s", submission_id, failure)
        return "failed"
    else:
        # Stored before the session is released (tens of ms for a large model): the participant waits less.
        _finish(store, row, result, worker_id=ctx.worker_id)
        return "completed"
    finally:
        evaluation.cleanup()


def _finish(store: SubmissionStore, row: Submission, result: dict[str, Any], *, worker_id: str) -> None:
    """`row` was read right after `mark_running`, so its started_at is this attempt's."""
    assert row.started_at is not None
    queue_wait = as_utc(row.started_at) - as_utc(row.created_at)
    result["performance"]["queue_wait_s"] = queue_wait.total_seconds()
    result["worker_id"] = worker_id
    store.mark_completed(row.id, result=result, score=result["score"])
    log.info("submission %s completed: score %.4f", row.id, result["score"])
