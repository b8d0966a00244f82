"""`goat redis`, the embedded server alone, as a host serving workers elsewhere runs it: REDIS_BIND adds a
TCP listener, which requires the same password as the socket."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.exceptions import AuthenticationError

from goat.queue.connection import answers, connect, redis_url
from tests.support.processes import GoatProcess, free_port, wait_until
from tests.support.system import explicit_settings


def test_redis_bind_listens_for_other_hosts_with_the_password(tmp_path: Path) -> None:
    port = free_port()
    env = {"DATA_DIR": str(tmp_path / "data"), "REDIS_BIND": "127.0.0.1", "REDIS_PORT": str(port)}
    server = GoatProcess(["redis"], env=env, log=tmp_path / "redis.log").start()
    try:
        local = connect(redis_url(explicit_settings(env)))
        wait_until(lambda: server.running() and answers(local), timeout=20, what="goat redis")
        password = (tmp_path / "data/redis/password").read_text().strip()
        remote = connect(f"redis://:{password}@127.0.0.1:{port}/0")
        remote.set("goat:probe", "1")
        assert local.get("goat:probe") == b"1", "one server, on its socket and on REDIS_BIND"
        with pytest.raises(AuthenticationError):
            connect(f"redis://127.0.0.1:{port}/0").get("goat:probe")
    finally:
        assert server.stop() == 0
