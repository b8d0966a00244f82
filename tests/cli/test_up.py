"""`goat up`, the supervisor: the embedded Redis of its DATA_DIR (its socket, its password) unless REDIS_URL
names one, never another checkout's; restarts, a clean Ctrl-C."""

from __future__ import annotations

import contextlib
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from redis.exceptions import AuthenticationError

from goat.client import GoatClient
from goat.queue.connection import answers, connect
from goat.queue.deployment import KEY
from tests.support.models import depth_model
from tests.support.processes import RedisServer, wait_until
from tests.support.system import TEST_ENV
from tests.support.up import GoatUp, UpConfig


def config(data_dir: Path, *, workers: int = 1, **env: str) -> UpConfig:
    return UpConfig(
        data_dir=data_dir,
        image_size=int(TEST_ENV["IMAGE_SIZE"]),
        num_samples=int(TEST_ENV["NUM_SAMPLES"]),
        batch_size=int(TEST_ENV["BATCH_SIZE"]),
        threads=1,
        workers=workers,
        extra_env={**TEST_ENV, **env},
    )


def completes(up: GoatUp, model: Path) -> dict:
    with GoatClient(up.url, token=up.admin_token, timeout=60) as client:
        return client.wait(client.submit(model)["submission_id"], timeout=120)


def log(up: GoatUp) -> str:
    return up.log_path.read_text(errors="replace")


def descendant_names(process: psutil.Process) -> list[str]:
    """The names of `process`'s live descendants (one may exit, or linger as a zombie, meanwhile)."""
    names = []
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):  # ZombieProcess included
            names.append(child.name())
    return names


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatUp]:
    """No REDIS_URL or REDIS_HOST: `goat up` runs the embedded valkey of its DATA_DIR."""
    with GoatUp(config(tmp_path_factory.mktemp("up"))) as running:
        yield running


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return depth_model(tmp_path / "m.onnx", image_size=int(TEST_ENV["IMAGE_SIZE"]))


def test_starts_the_embedded_redis_on_its_socket_with_a_password(up: GoatUp, model: Path) -> None:
    redis = up.children()["redis"]
    assert redis.name() == "valkey-server"
    assert not [c for c in redis.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN], "no port"
    folder = up.config.data_dir / "redis"
    password = (folder / "password").read_text().strip()
    assert password not in " ".join(redis.cmdline()), "every user of the host can read a command line"
    assert stat.S_IMODE((folder / "password").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "redis.sock").stat().st_mode) == 0o700
    assert up.redis_url == f"unix://:{password}@{folder / 'redis.sock'}?db=0"
    assert answers(connect(up.redis_url))
    with pytest.raises(AuthenticationError):
        connect(f"unix://{folder / 'redis.sock'}").get(KEY)
    assert completes(up, model)["status"] == "completed", up.log_tail()


def test_another_checkout_runs_its_own_redis_and_never_meets_this_one(
    up: GoatUp, model: Path, tmp_path: Path
) -> None:
    """A second `goat up` (another DATA_DIR) beside the first, with a Redis answering on its REDIS_PORT:
    each runs its own server, and the first's queue and results are untouched."""
    squatter = RedisServer(tmp_path / "squatter").start()
    try:
        with GoatUp(config(tmp_path / "data", workers=0, REDIS_PORT=str(squatter.port))) as second:
            assert "redis" in second.children()
            assert second.redis_url != up.redis_url
            first, other = connect(up.redis_url), connect(second.redis_url)
            assert first.get(KEY) != other.get(KEY), "each deployment its own id, in its own Redis"
            assert completes(up, model)["status"] == "completed", up.log_tail()
        assert not connect(squatter.url).exists(KEY), "the Redis answering on REDIS_PORT was never used"
    finally:
        squatter.stop()


def test_data_dir_is_its_owners_alone(up: GoatUp, model: Path) -> None:
    """After a full evaluation, everything goat keeps (the database, the models, the cached test set with
    its ground truth, Redis's append-only file, the drawn seed) is 0600, every folder 0700."""
    assert completes(up, model)["status"] == "completed", up.log_tail()
    root = up.config.data_dir
    modes = {
        str(path.relative_to(root)): stat.S_IMODE(path.lstat().st_mode)
        for path in [root, *root.rglob("*")]
        if path != up.log_path  # the test's own log of `goat up`
    }
    kinds = {name.split("/")[0] for name in modes}
    assert {"goat.db", "uploads", "cache", "redis", "dataset-seed"} <= kinds, sorted(modes)
    assert any(name.startswith("redis/appendonlydir/") for name in modes), sorted(modes)
    open_to_others = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert open_to_others == {}


def test_a_killed_worker_is_restarted(up: GoatUp, model: Path) -> None:
    killed = up.children()["worker-1"]
    killed.send_signal(signal.SIGKILL)

    def restarted() -> bool:
        worker = up.children().get("worker-1")  # one look: the old one may vanish between two
        return worker is not None and worker.pid != killed.pid

    wait_until(restarted, timeout=60, what="a new worker-1")
    assert "worker-1 exited with code -9; restarting" in log(up)
    assert completes(up, model)["status"] == "completed", up.log_tail()


def test_uses_the_redis_redis_url_names_and_starts_none(tmp_path: Path, model: Path) -> None:
    server = RedisServer(tmp_path / "redis").start()
    try:
        with GoatUp(config(tmp_path / "data", REDIS_URL=server.url)) as running:
            assert "redis" not in running.children()
            assert completes(running, model)["status"] == "completed", running.log_tail()
            assert "valkey-server" not in descendant_names(psutil.Process(running.process.pid))
        assert running.process.returncode == 0
        assert f"using the Redis server at redis://:***@127.0.0.1:{server.port}/0" in log(running)
        assert server.password not in log(running)
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
