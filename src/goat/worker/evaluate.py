"""One submission from queued to its outcome, on this worker: the use case the queue calls."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

from goat.executors.base import ExecutionFailed, ModelFile
from goat.executors.forked import ForkedExecutor
from goat.queue.live import publish_progress
from goat.storage.model_files import ModelStore
from goat.storage.submissions import MODEL_FAILURE
from goat.worker.context import WorkerContext
from goat.worker.outcomes import Outcomes

log = logging.getLogger(__name__)


def evaluate_submission(submission_id: str, *, ctx: WorkerContext, connection: Redis) -> str:
    """Runs the evaluation and records its outcome; returns the final status."""
    settings = ctx.settings
    outcomes = Outcomes(settings.resolved_database_url, connection)
    row = outcomes.started(submission_id, worker_id=ctx.worker_id)
    if row is None:
        return "skipped"
    loaded = ctx.tasks[row.task]

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
    model = ModelFile(
        path=ModelStore(settings.upload_dir).path_for(row.model_sha256),
        sha256=row.model_sha256,
        fixed_batch=row.model_info.get("batch_size"),
    )
    try:
        executor.provision(model=model)
        executor.execute(on_progress=on_progress)
        # Stored before the evaluation process is torn down (tens of ms for a large model).
        outcomes.completed(row, executor.collect_results(), worker_id=ctx.worker_id)
        return "completed"
    except ExecutionFailed as failure:
        outcomes.failed(submission_id, reason=str(failure), failure=MODEL_FAILURE, detail=failure.detail)
        return "failed"
    finally:
        executor.cleanup()
