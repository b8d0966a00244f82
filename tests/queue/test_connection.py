"""Every way of naming Redis and its credentials reaches a real server that requires them (REDIS_PASSWORD with
REDIS_HOST or REDIS_URL, a URL with credentials, an ACL user); without them, or with wrong ones, it refuses;
no log line carries the password."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis.exceptions import AuthenticationError

from goat.queue.connection import connect, redacted, redis_url
from goat.queue.deployment import ForeignRedis, claim
from goat.queue.jobs import evaluation_queue
from tests.support.processes import RedisServer
from tests.support.system import explicit_settings


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    running = RedisServer(tmp_path_factory.mktemp("redis")).start()
    connect(running.url).acl_setuser(
        "goat-worker", enabled=True, passwords=["+acl-secret"], keys=["*"], channels=["*"], commands=["+@all"]
    )
    try:
        yield running
    finally:
        running.stop()


def _address(server: RedisServer) -> str:
    return f"127.0.0.1:{server.port}"


WAYS: dict[str, Callable[[RedisServer], dict[str, str]]] = {
    "REDIS_HOST and REDIS_PASSWORD": lambda server: {
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(server.port),
        "REDIS_PASSWORD": server.password,
    },
    "a URL with the password": lambda server: {"REDIS_URL": server.url},
    "a URL and REDIS_PASSWORD": lambda server: {
        "REDIS_URL": f"redis://{_address(server)}/0",
        "REDIS_PASSWORD": server.password,
    },
    "an ACL user in the URL": lambda server: {
        "REDIS_URL": f"redis://goat-worker:acl-secret@{_address(server)}/0"
    },
    "an ACL user in REDIS_USERNAME": lambda server: {
        "REDIS_URL": f"redis://{_address(server)}/0",
        "REDIS_USERNAME": "goat-worker",
        "REDIS_PASSWORD": "acl-secret",
    },
}


@pytest.mark.parametrize("way", WAYS)
def test_each_way_of_giving_credentials_reaches_the_queue(
    server: RedisServer, way: str, tmp_path: Path
) -> None:
    settings = explicit_settings({"DATA_DIR": str(tmp_path), **WAYS[way](server)})
    connection = connect(redis_url(settings))
    try:
        assert evaluation_queue(connection).count >= 0
        assert "secret" not in redacted(redis_url(settings))
        assert server.password not in redacted(redis_url(settings))
    finally:
        connection.close()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:{port}/0", "redis://:wrong@127.0.0.1:{port}/0"])
def test_without_the_password_redis_refuses(server: RedisServer, url: str) -> None:
    with pytest.raises(AuthenticationError):
        connect(url.format(port=server.port)).get("goat:deployment")


def test_a_redis_belongs_to_the_first_deployment_that_claims_it(server: RedisServer) -> None:
    connection = connect(server.url)
    connection.delete("goat:deployment")
    claim(connection, "first")
    claim(connection, "first")
    with pytest.raises(ForeignRedis, match=r"another goat deployment \(first\), not of this one \(second"):
        claim(connection, "second")
