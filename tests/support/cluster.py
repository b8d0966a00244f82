"""A deployment across hosts that share nothing but the network (tests/support/netns.py): host A runs
Redis (the embedded server, on REDIS_BIND), PostgreSQL and the API; each other host joins with a worker
given only what `goat worker-join` on A printed (Redis's URL, the API's URL, the workers' token) and a
DATA_DIR of its own. The test (outside every namespace) reaches A's API through a Unix socket forwarded
inside A. For tests/system/test_cluster.py and benchmarks/cluster.py."""

from __future__ import annotations

import shlex
from pathlib import Path

import httpx

from goat.client import GoatClient
from goat.core.tokens import new_token
from tests.support.netns import HUB, Hosts
from tests.support.postgres import PostgresServer, require_server_bindir
from tests.support.processes import GoatProcess, run_goat, wait_until
from tests.support.system import TEST_ENV, WORKER_KNOBS

API_PORT = "8000"
"""Each host has its own network stack: the usual ports, free in every run."""
DETECTION_S = sum(
    int(TEST_ENV[name]) for name in ("JOB_MONITORING_INTERVAL", "HEARTBEAT_GRACE", "MAINTENANCE_INTERVAL")
)
"""The bound on finding a lost worker (docs/security.md); a margin for start-up is added where awaited."""


class Cluster:
    def __init__(self, root: Path, hosts: Hosts, *, env: dict[str, str] | None = None) -> None:
        """`env`: settings of host A's goat beyond the tests' (TEST_ENV)."""
        self.root = root
        self.hosts = hosts
        self.postgres = PostgresServer(require_server_bindir(), launcher=hosts.exec_prefix(HUB))
        self.env = {
            **TEST_ENV,
            "DATA_DIR": str(root / "a" / "data"),
            "API_HOST": "0.0.0.0",
            "API_PORT": API_PORT,
            "REDIS_BIND": "0.0.0.0",
            "ADMIN_TOKEN": new_token(),
            "MAX_ATTEMPTS": "3",
            **(env or {}),
        }
        self.socket = root / "api.sock"
        self.a = hosts.exec_prefix(HUB)
        self.services: list[GoatProcess] = []
        self.workers: dict[str, GoatProcess] = {}
        self.admin: GoatClient
        self.client: GoatClient

    def start(self) -> Cluster:
        (self.root / "a").mkdir()
        self.postgres.start()
        self.env["DATABASE_URL"] = self.postgres.create_database()
        redis = GoatProcess(["redis"], env=self.env, log=self.root / "a" / "redis.log", launcher=self.a)
        api = GoatProcess(["api"], env=self.env, log=self.root / "a" / "api.log", launcher=self.a)
        forward = GoatProcess(
            [str(self.socket), f"127.0.0.1:{API_PORT}"],
            env={"PYTHONPATH": str(Path(__file__).parents[2])},
            log=self.root / "a" / "forward.log",
            launcher=self.a,
            module="tests.support.forward",
        )
        self.services = [redis.start(), api.start(), forward.start()]
        transport = httpx.HTTPTransport(uds=str(self.socket))
        self.admin = GoatClient(
            "http://host-a", token=self.env["ADMIN_TOKEN"], timeout=60, transport=transport
        )
        wait_until(self._api_answers, timeout=90, what="the API on host A")
        token = self.admin.add_team("tests")["token"]
        self.client = GoatClient("http://host-a", token=token, timeout=60, transport=transport)
        return self

    def _api_answers(self) -> bool:
        assert all(service.running() for service in self.services)
        try:
            return self.admin.health()["status"] == "ok"
        except (httpx.TransportError, OSError):
            return False

    def join_command(self) -> dict[str, str]:
        """What `goat worker-join` on host A prints, as the variables it sets."""
        joined = run_goat("worker-join", "--host", self.hosts.hub_address, cwd=self.root, env=self.env)
        assert joined.returncode == 0, joined.stderr
        *assignments, program, command = shlex.split(joined.stdout)
        assert (program, command) == ("goat", "worker")
        return dict(assignment.split("=", 1) for assignment in assignments)

    def join(self, host: str) -> GoatProcess:
        """A new host on the network, and a worker there given only the printed command's three settings (and
        how fast to notice a loss); registered before this returns."""
        if host not in self.hosts.addresses:
            self.hosts.add(host)
        given = self.join_command()
        assert set(given) == {"REDIS_URL", "API_URL", "WORKER_TOKEN"}
        env = {
            **given,
            "DATA_DIR": str(self.root / host / "data"),
            "WORKER_ID": f"host-{host}",
            **{name: TEST_ENV[name] for name in WORKER_KNOBS},
        }
        (self.root / host).mkdir(exist_ok=True)
        worker = GoatProcess(
            ["worker"], env=env, log=self.root / host / "worker.log", launcher=self.hosts.exec_prefix(host)
        ).start()
        self.workers[host] = worker
        wait_until(
            lambda: worker.running() and f"host-{host}" in self.live_workers(),
            timeout=120,
            what=f"host {host}'s worker",
        )
        return worker

    def live_workers(self) -> dict[str, str | None]:
        """Each live worker's host, and what it runs."""
        return {w["worker_id"]: w["current_submission"] for w in self.admin.queue_status()["workers"]}

    def host_running(self, submission: str) -> str:
        def running() -> str | None:
            status = self.client.status(submission)
            found = [w for w, current in self.live_workers().items() if current == submission]
            return found[0].removeprefix("host-") if found and status["status"] == "running" else None

        wait_until(lambda: running() is not None, timeout=60, what=f"a host to run {submission}")
        host = running()
        assert host is not None
        return host

    def stop(self) -> None:
        for process in [*self.workers.values(), *reversed(self.services)]:
            process.stop()
        self.postgres.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p}\n{p.read_text()[-3000:]}" for p in sorted(self.root.glob("*/*.log")))
