"""The whole system as `goat up` runs it, each part a real process: valkey, the API, N workers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from goat.client import GoatClient
from goat.core.config import Settings
from goat.core.drawn_secrets import with_drawn_secrets
from goat.core.secret_files import read
from goat.core.tokens import new_token
from goat.core.worker_token import worker_token
from tests.support.processes import GoatProcess, RedisServer, api_ready, free_port, wait_until

# Small enough for seconds per evaluation, odd enough to exercise padding (12 samples, batches of 5 or 8).
TEST_ENV = {
    "IMAGE_SIZE": "32",
    "NUM_SAMPLES": "12",
    "BATCH_SIZE": "5",
    "INTRA_OP_THREADS": "1",
    "EXECUTION_PROVIDER": "cpu",
    "JOB_MONITORING_INTERVAL": "1",
    "HEARTBEAT_GRACE": "3",
    "MAINTENANCE_INTERVAL": "3",
    "LOG_LEVEL": "INFO",
    # A module's tests share one team and submit more than a day's quota: unlimited, except where a test
    # sets its own (tests/api/test_quotas.py).
    "SUBMISSIONS_PER_DAY": "0",
    "MAX_UNFINISHED_PER_TEAM": "0",
}


NewDatabase = Callable[[], dict[str, str]]
"""A new, empty database for one system, as the environment that points goat at it (empty: SQLite in the
system's own DATA_DIR)."""

WORKER_KNOBS = (
    "INTRA_OP_THREADS",
    "EXECUTION_PROVIDER",
    "JOB_MONITORING_INTERVAL",
    "HEARTBEAT_GRACE",
    "MAINTENANCE_INTERVAL",
    "LOG_LEVEL",
)
"""The worker's own settings a test sets (how it runs here); what it evaluates comes from the API."""


class _ExplicitSettings(Settings):
    """Settings from the values given alone: no environment variable, no `.env`, no secrets folder."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, **_: Any
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def explicit_settings(env: dict[str, str]) -> Settings:
    """What a goat process started with exactly `env` (and no `.env` in its folder) reads."""
    return _ExplicitSettings(_env_file=None, **env)


class GoatSystem:
    """`client` is a team's (the team TEAM, made at start) and `admin` the organiser's; `team(name)` makes
    another team and returns its client. With `admin_token=False` the API draws the admin token itself."""

    TEAM = "tests"

    def __init__(
        self,
        root: Path,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        admin_token: bool = True,
    ) -> None:
        self.root = root
        self.redis = RedisServer(root / "redis")
        self.port = free_port()
        self.env = {
            **TEST_ENV,
            "DATA_DIR": str(root / "data"),
            "REDIS_URL": self.redis.url,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.port),
            "WORKER_COUNT": str(workers),
            **({"ADMIN_TOKEN": new_token()} if admin_token else {}),
            **(env or {}),
        }
        self.api = GoatProcess(["api"], env=self.env, log=root / "api.log")
        self.workers = [
            GoatProcess(
                ["worker", "--index", str(i), "--of", str(workers)], env=self.env, log=root / f"worker{i}.log"
            )
            for i in range(workers)
        ]
        self._clients: list[GoatClient] = []
        self.admin: GoatClient
        self.client: GoatClient
        self.token = ""
        """The token of `client`'s team, once started."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> Settings:
        """The settings every process of this system reads, for computing expectations in the test, with
        the dataset seed they use (DATASET_SEED, or the one drawn in DATA_DIR)."""
        return with_drawn_secrets(explicit_settings(self.env))

    @property
    def admin_token(self) -> str:
        """ADMIN_TOKEN, or the one the API drew and kept in DATA_DIR/admin-token."""
        return self.env.get("ADMIN_TOKEN") or read(self.settings.admin_token_file)

    @property
    def worker_token(self) -> str:
        """The workers' token (WORKER_TOKEN, or the one drawn in DATA_DIR)."""
        return worker_token(explicit_settings(self.env))

    def remote_worker(
        self,
        data_dir: Path,
        *,
        api_url: str | None = None,
        redis_url: str | None = None,
        launcher: Sequence[str] = (),
    ) -> GoatProcess:
        """A `goat worker` as on another host (not started): the three settings a worker host needs and its
        own DATA_DIR, plus the test's speed knobs; nothing of this system's DATA_DIR or database."""
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            "REDIS_URL": redis_url or self.redis.url,
            "API_URL": api_url or self.url,
            "WORKER_TOKEN": self.worker_token,
            "DATA_DIR": str(data_dir),
            **{name: TEST_ENV[name] for name in WORKER_KNOBS},
        }
        log = self.root / f"worker-{data_dir.name}.log"
        return GoatProcess(["worker"], env=env, log=log, launcher=launcher)

    @property
    def headers(self) -> dict[str, str]:
        """`client`'s team's Authorization header, for requests sent without the client."""
        return bearer(self.token)

    def team(self, name: str) -> GoatClient:
        """A new team's client (the team made by the admin over HTTP); closed when the system stops."""
        return self._client(self.admin.add_team(name)["token"])

    def _client(self, token: str) -> GoatClient:
        client = GoatClient(self.url, token=token, timeout=60)
        self._clients.append(client)
        return client

    def __enter__(self) -> GoatSystem:
        """Started, or stopped again if any part fails to start."""
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.close()

    def start(self) -> GoatSystem:
        self.redis.start()
        self.api.start()
        for worker in self.workers:
            worker.start()
        wait_until(lambda: self.api.running() and api_ready(self.url), timeout=60, what="the API")
        if not self._clients:  # the first start: a restart keeps the teams and their clients
            self.admin = self._client(self.admin_token)
            self.token = self.admin.add_team(self.TEAM)["token"]
            self.client = self._client(self.token)
        wait_until(self._workers_registered, timeout=120, what="the workers to register")
        return self

    def restart_api(self) -> None:
        self.api.stop()
        self.api.start()
        wait_until(lambda: self.api.running() and api_ready(self.url), timeout=60, what="the API again")

    def add_worker(self) -> GoatProcess:
        """One more `goat worker`, started and registered; stopped with the system unless stopped before."""
        index = len(self.workers)
        worker = GoatProcess(
            ["worker", "--index", str(index), "--of", str(index + 1)],
            env=self.env,
            log=self.root / f"worker{index}.log",
        ).start()
        self.workers.append(worker)
        pid = worker.process.pid
        wait_until(
            lambda: worker.running() and pid in {w["pid"] for w in self.admin.queue_status()["workers"]},
            timeout=120,
            what="the added worker to register",
        )
        return worker

    def _workers_registered(self) -> bool:
        assert all(worker.running() for worker in self.workers)
        return self.admin.queue_status()["worker_count"] >= len(self.workers)

    def stop(self) -> None:
        """Workers first, while the API can still take their last reports (else each retries for ~25 s)."""
        for process in [*self.workers, self.api]:
            process.stop()
        self.redis.stop()

    def close(self) -> None:
        """Stopped, and the clients closed."""
        self.stop()
        for client in self._clients:
            client.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.root.glob("*.log")))


def running_worker(system: GoatSystem, submission: str) -> GoatProcess:
    """The live worker process evaluating `submission`, as the queue status names it."""

    def evaluating() -> list[GoatProcess]:
        pids = {
            w["pid"] for w in system.admin.queue_status()["workers"] if w["current_submission"] == submission
        }
        return [w for w in system.workers if w.process.poll() is None and w.process.pid in pids]

    wait_until(lambda: bool(evaluating()), timeout=20, what=f"the worker of {submission}")
    return evaluating()[0]


def without_workers(root: Path, **env: str) -> GoatSystem:
    """The API and valkey, no workers: whatever is accepted stays queued where the test can see it."""
    return GoatSystem(root, workers=0, env=env)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token, for a request sent with httpx directly."""
    return {"Authorization": f"Bearer {token}"}


def status_when(
    client: GoatClient, submission: str, predicate: Callable[[dict], bool], what: str, *, timeout: float
) -> dict:
    """The submission's status once `predicate` holds for it (bounded by `timeout`)."""
    seen: dict = {}

    def check() -> bool:
        seen.update(client.status(submission))
        return predicate(seen)

    wait_until(check, timeout=timeout, what=f"{submission} {what}")
    return seen
