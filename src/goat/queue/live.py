"""Live state in Redis: an evaluation's progress and each worker's device; short-lived by design.

What must outlive a restart (status, result) is in the SQL database; this is what changes every batch.
Every change of a submission (a status, a batch of progress) is also announced on one pub/sub channel,
so that the API can answer a client waiting for it at once instead of being polled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANGES = "goat:changes"
"""Channel of submission ids, one message per change."""
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
        pipe.publish(CHANGES, submission_id)
        pipe.execute()


def announce(connection: Redis, submission_id: str) -> None:
    """Best effort: the record is already in SQL, and a waiting client reads it at its timeout anyway."""
    try:
        connection.publish(CHANGES, submission_id)
    except RedisError as error:
        log.warning("change of %s not announced: %s", submission_id, error)


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
