"""Live state in Redis: an evaluation's progress and each worker's device; short-lived by design.

What must outlive a restart (status, result) is in the SQL database; this is what changes every batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

_PROGRESS = "goat:progress:{}"
_WORKER = "goat:worker:{}"


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


def publish_progress(connection: Redis, submission_id: str, *, done: int, total: int, ttl: int) -> None:
    key = _PROGRESS.format(submission_id)
    with connection.pipeline(transaction=False) as pipe:
        pipe.hset(key, mapping={"done": done, "total": total})
        pipe.expire(key, ttl)
        pipe.execute()


def read_progress(connection: Redis, submission_id: str) -> Progress | None:
    values = connection.hgetall(_PROGRESS.format(submission_id))
    if not values:
        return None
    return Progress(done=int(values[b"done"]), total=int(values[b"total"]))


def publish_worker(connection: Redis, rq_name: str, *, info: dict[str, str], ttl: int) -> None:
    """What RQ does not know about a worker: its goat id, device and execution provider."""
    key = _WORKER.format(rq_name)
    with connection.pipeline(transaction=False) as pipe:
        pipe.hset(key, mapping=info)
        pipe.expire(key, ttl)
        pipe.execute()


def refresh_worker(connection: Redis, rq_name: str, *, ttl: int) -> None:
    connection.expire(_WORKER.format(rq_name), ttl)


def read_workers(connection: Redis, rq_names: list[str]) -> dict[str, dict[str, str]]:
    with connection.pipeline(transaction=False) as pipe:
        for name in rq_names:
            pipe.hgetall(_WORKER.format(name))
        replies = pipe.execute()
    return {
        name: {k.decode(): v.decode() for k, v in reply.items()}
        for name, reply in zip(rq_names, replies, strict=True)
    }
