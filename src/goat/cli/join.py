"""`goat worker-join`: the single command that starts a worker on another machine, with the three things a
worker host needs (REDIS_URL with its credentials, API_URL, WORKER_TOKEN) filled in from this host's
settings; loopback addresses are replaced by a name the other machine can reach."""

from __future__ import annotations

import shlex
import socket
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from goat.core.config import Settings
from goat.core.worker_token import worker_token
from goat.queue.connection import redis_url, uses_embedded
from goat.queue.server import embedded_password

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", ""}


def join_command(settings: Settings, *, host: str | None) -> tuple[str, list[str]]:
    """The command, and what may keep it from working (a Redis only this host can reach)."""
    reachable = host or socket.getfqdn()
    warnings = []
    if uses_embedded(settings) and settings.redis_bind is None:
        warnings.append(
            "the embedded Redis listens on its Unix socket only: set REDIS_BIND (and open REDIS_PORT to the "
            "workers' network) so other machines can reach it"
        )
    variables = {
        "REDIS_URL": _reachable(_redis_url(settings), reachable),
        "API_URL": _reachable(settings.resolved_api_url, reachable),
        "WORKER_TOKEN": worker_token(settings),
    }
    assigned = " ".join(f"{name}={shlex.quote(value)}" for name, value in variables.items())
    return f"{assigned} goat worker", warnings


def _redis_url(settings: Settings) -> str:
    """The embedded server over TCP (REDIS_BIND:REDIS_PORT, its password), else the URL this host uses."""
    if not uses_embedded(settings):
        return redis_url(settings)
    tcp = {
        "redis_host": settings.redis_bind or "localhost",
        "redis_password": SecretStr(embedded_password(settings)),
    }
    return redis_url(settings.model_copy(update=tcp))


def _reachable(url: str, host: str) -> str:
    """`url` with a loopback or wildcard host replaced by `host`."""
    parts = urlsplit(url)
    if parts.hostname not in _LOOPBACK:
        return url
    credentials = parts.netloc.rpartition("@")[0]
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{credentials}@{host}{port}" if credentials else f"{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))
