"""`goat up`, the supervisor: the embedded Redis only when none answers, restarts, a clean Ctrl-C."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from goat.client import GoatClient
from goat.queue.connection import answers, connect
from tests.support.models import depth_model
from tests.support.processes import RedisServer, free_port, wait_until
from tests.support.system import TEST_ENV
from tests.support.up import GoatUp, UpConfig


def config(data_dir: Path, *, redis_port: int | None = None) -> UpConfig:
    return UpConfig(
        data_dir=data_dir,
        image_size=int(TEST_ENV["IMAGE_SIZE"]),
        num_samples=int(TEST_ENV["NUM_SAMPLES"]),
        batch_size=int(TEST_ENV["BATCH_SIZE"]),
        threads=1,
        workers=1,
        redis_port=redis_port,
        extra_env=TEST_ENV,
    )


def completes(up: GoatUp, model: Path) -> dict:
    with GoatClient(up.url, token=up.admin_token, timeout=60) as client:
        return client.wait(client.submit(model)["submission_id"], timeout=120)


def log(up: GoatUp) -> str:
    return up.log_path.read_text(errors="replace")


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatUp]:
    """Nothing answers on its Redis port: `goat up` runs the embedded valkey."""
    with GoatUp(config(tmp_path_factory.mktemp("up"))) as running:
        yield running


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return depth_model(tmp_path / "m.onnx", image_size=int(TEST_ENV["IMAGE_SIZE"]))


def test_starts_the_embedded_redis_when_none_answers(up: GoatUp, model: Path) -> None:
    redis = up.children()["redis"]
    assert redis.name() == "valkey-server"
    # valkey shows its address as its process title.
    assert redis.cmdline()[0].endswith(f"valkey-server 127.0.0.1:{up.redis_port}")
    assert answers(connect(f"redis://127.0.0.1:{up.redis_port}/0"))
    assert completes(up, model)["status"] == "completed", up.log_tail()


def test_a_killed_worker_is_restarted(up: GoatUp, model: Path) -> None:
    killed = up.children()["worker-1"]
    killed.send_signal(signal.SIGKILL)
    wait_until(
        lambda: "worker-1" in up.children() and up.children()["worker-1"].pid != killed.pid,
        timeout=60,
        what="a new worker-1",
    )
    assert "worker-1 exited with code -9; restarting" in log(up)
    assert completes(up, model)["status"] == "completed", up.log_tail()


def test_uses_a_redis_that_already_answers_and_starts_none(tmp_path: Path, model: Path) -> None:
    server = RedisServer(tmp_path / "redis", port=free_port()).start()
    try:
        with GoatUp(config(tmp_path / "data", redis_port=server.port)) as running:
            assert "redis" not in running.children()
            assert completes(running, model)["status"] == "completed", running.log_tail()
            supervisor = psutil.Process(running.process.pid)
            assert not any("valkey" in " ".join(p.cmdline()) for p in supervisor.children(recursive=True))
        assert running.process.returncode == 0
        assert f"using the Redis server at redis://localhost:{server.port}/0" in log(running)
        assert "redis started" not in log(running)
        assert answers(connect(server.url))
    finally:
        server.stop()


def test_ctrl_c_stops_every_child_and_exits_0(tmp_path: Path) -> None:
    running = GoatUp(config(tmp_path / "data"))
    running.start()
    try:
        supervisor = psutil.Process(running.process.pid)
        descendants = supervisor.children(recursive=True)
        assert {"api", "worker-1", "redis"} <= set(running.children())

        running.process.send_signal(signal.SIGINT)
        assert running.process.wait(90) == 0
    finally:
        running.stop()
    wait_until(lambda: all(gone(p) for p in descendants), timeout=30, what="every child of goat up to exit")
    assert "goat stopped" in log(running)
