"""The queue and its workers, as an operator or a waiting participant sees them."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from redis.exceptions import RedisError

from goat.api.auth import OPTIONAL_TOKEN, PresentedDep
from goat.api.deps import ServicesDep
from goat.api.schemas import Progress, QueueStatus, RunningSubmission, errors
from goat.api.services import Services
from goat.queue.jobs import QUEUE_NAME
from goat.queue.live import read_progress
from goat.queue.workers import live_workers, running_ids

router = APIRouter(prefix="/submit")


@router.get(
    "/queue/status",
    response_model=QueueStatus,
    responses=errors({401: "A token that is not valid", 503: "Redis is not answering"}),
    summary="Queue length and counts for everyone; running submissions and workers for the organiser",
    openapi_extra=OPTIONAL_TOKEN,
)
def queue_status(services: ServicesDep, caller: PresentedDep) -> QueueStatus:
    try:
        return snapshot(services, details=caller is not None and caller.admin)
    except RedisError:
        raise HTTPException(503, "the queue (Redis) is not answering") from None


def snapshot(services: Services, *, details: bool) -> QueueStatus:
    """Counts for anyone; which submissions run where (hosts, pids, ids) only with `details`: an id is
    never shown to a stranger, nor the machines to a participant."""
    ids = running_ids(services.queue)
    workers = live_workers(services.queue)
    running = []
    for job_id in ids if details else ():
        live = read_progress(services.redis, job_id)
        progress = Progress(done=live.done, total=live.total) if live else None
        running.append(RunningSubmission(submission_id=job_id, progress=progress))
    return QueueStatus(
        queue_name=QUEUE_NAME,
        queue_length=services.queue.count,
        running_count=len(ids),
        worker_count=len(workers),
        running=running,
        workers=workers if details else [],
    )
