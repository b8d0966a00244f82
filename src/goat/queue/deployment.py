"""One deployment, one Redis: the deployment's id (from its database) is kept in its Redis, and a goat
process that finds another deployment's id there refuses to start, saying why, instead of sharing a queue
whose jobs the other deployment's database does not know."""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

from goat.core.config import Settings
from goat.queue.connection import connect, redacted, redis_url
from goat.storage.deployment import deployment_id

log = logging.getLogger(__name__)

KEY = "goat:deployment"


class ForeignRedis(RuntimeError):
    """This Redis holds another deployment's queue."""


def claim(connection: Redis, deployment: str) -> None:
    """Marks an unclaimed Redis as this deployment's; raises ForeignRedis when another one holds it."""
    connection.set(KEY, deployment, nx=True)
    owner = connection.get(KEY)
    if owner is not None and owner.decode() != deployment:
        raise ForeignRedis(
            f"this Redis holds the queue of another goat deployment ({owner.decode()}), not of this one "
            f"({deployment}, whose database is the DATABASE_URL in use): give each deployment its own Redis "
            "(the embedded one of its DATA_DIR, or another REDIS_URL), point DATABASE_URL at that "
            "deployment's database, or, if that deployment is gone for good, empty this Redis (FLUSHDB)"
        )


def open_redis(settings: Settings) -> tuple[Redis, str]:
    """The deployment's Redis, claimed (ForeignRedis otherwise), and the deployment's id (from its
    database)."""
    deployment = deployment_id(settings.resolved_database_url)
    return claimed_redis(settings, deployment), deployment


def claimed_redis(settings: Settings, deployment: str) -> Redis:
    """The Redis of `deployment`, claimed (ForeignRedis otherwise). A Redis that does not answer yet is
    claimed later, by the API's sweeper and by each worker's loop (the API answers 503 meanwhile)."""
    url = redis_url(settings)
    connection = connect(url)
    try:
        claim(connection, deployment)
    except ForeignRedis as foreign:
        connection.close()
        raise ForeignRedis(f"Redis at {redacted(url)}: {foreign}") from None
    except RedisError as error:
        log.warning("Redis at %s is not answering (%s); it is claimed once it answers", redacted(url), error)
    return connection
