"""The queue and its workers, as an operator or a waiting participant sees them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from redis.exceptions import RedisError
from rq import Worker

from goat.api.schemas import ErrorResponse, Progress, QueueStatus, RunningSubmission, WorkerStatus
from goat.api.services import Services, get_services
from goat.queue.jobs import QUEUE_NAME
from goat.queue.live import read_progress

router = APIRouter(prefix="/submit")
_GOAT_FIELDS = ("goat_worker_id", "device", "provider")


@router.get(
    "/queue/status",
    response_model=QueueStatus,
    responses={503: {"model": ErrorResponse}},
    summary="Queue length, running submissions and every live worker",
)
def queue_status(services: Annotated[Services, Depends(get_services)]) -> QueueStatus:
    try:
        return _snapshot(services)
    except RedisError:
        raise HTTPException(503, "the queue (Redis) is not answering") from None


def _snapshot(services: Services) -> QueueStatus:
    queue = services.queue
    running = []
    # RQ would run its abandoned-job cleanup here (callbacks under SIGALRM): that is the workers' job.
    for job_id in queue.started_job_registry.get_job_ids(cleanup=False):
        live = read_progress(services.redis, job_id)
        running.append(
            RunningSubmission(
                submission_id=job_id, progress=Progress(done=live.done, total=live.total) if live else None
            )
        )
    workers = [_worker(services, worker) for worker in Worker.all(queue=queue)]
    return QueueStatus(
        queue_name=QUEUE_NAME,
        queue_length=queue.count,
        running=running,
        workers=sorted(workers, key=lambda w: w.name),
    )


def _worker(services: Services, worker: Worker) -> WorkerStatus:
    # Worker.all() read RQ's fields of this hash; goat's own (id, device, provider) are read here.
    extra = dict(zip(_GOAT_FIELDS, services.redis.hmget(worker.key, _GOAT_FIELDS), strict=True))
    extra = {name: value.decode() for name, value in extra.items() if value is not None}
    return WorkerStatus(
        name=worker.name,
        worker_id=extra.get("goat_worker_id", worker.name),
        host=worker.hostname,
        pid=worker.pid,
        state=worker.get_state(),
        current_submission=worker.get_current_job_id(),
        device=extra.get("device"),
        provider=extra.get("provider"),
        jobs_done=worker.successful_job_count,
        jobs_failed=worker.failed_job_count,
        last_heartbeat=worker.last_heartbeat,
    )
