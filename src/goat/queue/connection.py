"""The Redis connection every process shares the settings of: reconnects by itself after a Redis restart."""

from __future__ import annotations

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry


def connect(url: str, *, socket_timeout: float | None = 10.0) -> Redis:
    """A client that retries briefly on a dropped connection, then reports the failure to its caller.

    The retries ride over a Redis restart of a second or two; a longer outage surfaces as an error the
    API turns into 503 and the worker into a wait-and-reconnect loop.
    """
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=5.0,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def answers(connection: Redis) -> bool:
    """Whether Redis answers a PING right now."""
    try:
        return bool(connection.ping())
    except (RedisConnectionError, RedisTimeoutError, OSError):
        return False
