"""Live state in Redis: an evaluation's progress; short-lived by design.

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
