"""The live workers of the queue, as RQ registers them, with goat's own fields (id, device, provider)."""

from __future__ import annotations

import logging
import socket
from datetime import datetime

import psutil
from pydantic import BaseModel, Field
from redis import Redis
from rq import Queue, Worker

from goat.queue.jobs import SERIALIZER, evaluation_queue

log = logging.getLogger(__name__)

_GOAT_FIELDS = ("goat_worker_id", "device", "provider")


class WorkerStatus(BaseModel):
    """A worker as the queue status page shows it."""

    name: str
    worker_id: str
    host: str | None
    pid: int | None
    state: str = Field(description="idle or busy (or started/suspended, RQ's other states).")
    current_submission: str | None
    device: str | None
    provider: str | None
    jobs_done: int
    jobs_failed: int
    last_heartbeat: datetime | None


def live_workers(queue: Queue) -> list[WorkerStatus]:
    """Every worker registered on the queue, by name."""
    workers = [_info(queue, worker) for worker in Worker.all(queue=queue, serializer=SERIALIZER)]
    return sorted(workers, key=lambda worker: worker.name)


def running_ids(queue: Queue) -> list[str]:
    """Submissions a worker has started; RQ's abandoned-job cleanup is left to the workers and the sweeper."""
    return queue.started_job_registry.get_job_ids(cleanup=False)


def _info(queue: Queue, worker: Worker) -> WorkerStatus:
    # Worker.all() read RQ's fields of this hash; goat's own are read here.
    values = queue.connection.hmget(worker.key, _GOAT_FIELDS)
    extra = {
        name: value.decode() for name, value in zip(_GOAT_FIELDS, values, strict=True) if value is not None
    }
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


def forget_dead_workers(connection: Redis) -> None:
    """Unregister workers of this host whose process is gone (killed, crashed): the queue status shows
    live workers only, instead of ghosts until their registration expires. Other hosts' entries expire."""
    host = socket.gethostname()
    for worker in Worker.all(queue=evaluation_queue(connection), serializer=SERIALIZER):
        if worker.hostname == host and worker.pid and not psutil.pid_exists(worker.pid):
            worker.register_death()
            log.info("forgot worker %s (pid %d is gone)", worker.name, worker.pid)
