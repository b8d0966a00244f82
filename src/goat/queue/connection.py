"""Where Redis is and how to log in: one function every process (API, sweeper, workers, `goat up`, the
change listener) builds its connection from; the connection reconnects by itself after a Redis restart."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from redis import Redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from goat.core.config import Settings
from goat.queue.server import embedded_password, socket_path


def uses_embedded(settings: Settings) -> bool:
    """Neither REDIS_URL nor REDIS_HOST: the embedded server of DATA_DIR."""
    return settings.redis_url is None and settings.redis_host is None


def redis_url(settings: Settings) -> str:
    """REDIS_URL (its credentials, else REDIS_USERNAME/REDIS_PASSWORD), else REDIS_HOST:REDIS_PORT with
    them, else the Unix socket of DATA_DIR's embedded server with its password."""
    if settings.redis_url is not None:
        url = urlsplit(settings.redis_url)
        if url.password is not None or settings.redis_password is None:
            return settings.redis_url
        host = url.netloc.rpartition("@")[2]
        netloc = _credentials(settings, settings.redis_password.get_secret_value()) + host
        return urlunsplit(url._replace(netloc=netloc))
    if settings.redis_host is not None:
        password = settings.redis_password.get_secret_value() if settings.redis_password else None
        return f"redis://{_credentials(settings, password)}{settings.redis_host}:{settings.redis_port}/0"
    return f"unix://{_credentials(settings, embedded_password(settings))}{socket_path(settings)}?db=0"


def _credentials(settings: Settings, password: str | None) -> str:
    if password is None:
        return ""
    return f"{quote(settings.redis_username or '', safe='')}:{quote(password, safe='')}@"


def redacted(url: str) -> str:
    """The URL for a log line: the password replaced."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}:***@{host}"))


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
