"""`goat up` as an operator runs it: for the tests of the supervisor and for the benchmarks.

The benchmarks measure what a participant gets, so they run `goat up` (supervisor, API, workers, the
embedded Redis) exactly as `make up` does, in a temporary DATA_DIR on free ports, wait for the API and the
workers to answer, and stop it with SIGTERM at the end. Extra workers, where a benchmark needs them, are
started with `goat worker`, the command a second machine would run. tests/cli/test_up.py tests the
supervisor itself with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import httpx
import psutil

from goat.core.processes import die_with_parent
from goat.core.tokens import new_token
from goat.queue.connection import redis_url
from tests.support.processes import controlled_env, free_port
from tests.support.system import explicit_settings


@dataclass(frozen=True, kw_only=True)
class UpConfig:
    data_dir: Path
    image_size: int
    num_samples: int
    threads: int
    workers: int
    batch_size: int = 8
    provider: str = "cpu"
    ready_workers: int | None = None
    """Idle workers to wait for before the system counts as up (default: `workers`)."""
    extra_env: dict[str, str] = field(default_factory=dict)


class GoatUp:
    """`goat up` in the foreground of a child process; use as a context manager."""

    def __init__(self, config: UpConfig) -> None:
        self.config = config
        self.api_port = free_port()
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.admin_token = new_token()
        """The organiser's token (ADMIN_TOKEN): submits, and sees the workers in the queue status."""
        self.log_path = config.data_dir / "goat-up.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_workers: list[subprocess.Popen[bytes]] = []
        self._log: IO[bytes] | None = None

    def env(self) -> dict[str, str]:
        """The run's settings exactly, and from the caller's environment only what a process needs."""
        env = controlled_env({})
        env.update(
            DATA_DIR=str(self.config.data_dir),
            API_HOST="127.0.0.1",
            API_PORT=str(self.api_port),
            IMAGE_SIZE=str(self.config.image_size),
            NUM_SAMPLES=str(self.config.num_samples),
            BATCH_SIZE=str(self.config.batch_size),
            INTRA_OP_THREADS=str(self.config.threads),
            EXECUTION_PROVIDER=self.config.provider,
            # `goat up --workers 0` falls back to the automatic count; WORKER_COUNT=0 does not.
            WORKER_COUNT=str(self.config.workers),
            ADMIN_TOKEN=self.admin_token,
        )
        env.update(self.config.extra_env)
        return env

    @property
    def redis_url(self) -> str:
        """The Redis every process of this run connects to (the embedded one's socket, unless REDIS_URL)."""
        return redis_url(explicit_settings(self.env()))

    def __enter__(self) -> GoatUp:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self, *, timeout: float = 300.0) -> None:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        command = [sys.executable, "-m", "goat", "up"]
        if self.config.workers:
            command += ["--workers", str(self.config.workers)]
        # cwd is DATA_DIR so that no `.env` of the checkout changes the settings.
        self.process = self._spawn(command)
        try:
            ready = self.config.workers if self.config.ready_workers is None else self.config.ready_workers
            self.wait_ready(workers=ready, timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, *, workers: int, timeout: float = 300.0) -> None:
        """Until GET /health answers and GET /submit/queue/status lists `workers` idle workers."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        with httpx.Client(base_url=self.url, timeout=5.0, headers=headers) as http:
            while True:
                self._check_alive()
                if self._ready(http, workers):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"goat not ready after {timeout:.0f} s; see {self.log_path}")
                time.sleep(0.1)

    def _ready(self, http: httpx.Client, workers: int) -> bool:
        try:
            if http.get("/health").status_code != 200:
                return False
            listed = http.get("/submit/queue/status").json()["workers"]
        except (httpx.HTTPError, ValueError, KeyError):
            return False
        return sum(1 for worker in listed if worker["state"] == "idle") >= workers

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"`goat up` exited; its log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def children(self) -> dict[str, psutil.Process]:
        """The supervisor's live children by role: api, redis, worker-1, ... (from their command lines)."""
        assert self.process is not None
        found: dict[str, psutil.Process] = {}
        for child in psutil.Process(self.process.pid).children():
            try:
                cmdline = child.cmdline()
            except psutil.NoSuchProcess:  # exited (a zombie until the supervisor reaps it)
                continue
            if "api" in cmdline:
                found["api"] = child
            elif "worker" in cmdline:
                found[f"worker-{int(cmdline[cmdline.index('--index') + 1]) + 1}"] = child
            elif any("valkey" in part for part in cmdline):
                found["redis"] = child
        return found

    def api_process(self) -> psutil.Process:
        return self.children()["api"]

    def pids(self) -> list[int]:
        """The supervisor and every worker started apart: their trees are everything goat runs."""
        assert self.process is not None
        return [self.process.pid, *(worker.pid for worker in self.extra_workers)]

    def start_workers(self, count: int) -> None:
        """`goat worker --index i --of count`, as the supervisor or a second machine would run them."""
        for index in range(count):
            command = [sys.executable, "-m", "goat", "worker", "--index", str(index), "--of", str(count)]
            self.extra_workers.append(self._spawn(command))

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        """In DATA_DIR (no `.env` of the checkout applies), logging to the run's log; a benchmark that is
        killed must not leave a goat running on the shared machine, hence SIGTERM when it dies."""
        return subprocess.Popen(
            command,
            cwd=self.config.data_dir,
            env=self.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=partial(die_with_parent, signal.SIGTERM),
        )

    def stop_workers(self) -> None:
        _terminate(self.extra_workers)
        self.extra_workers = []

    def stop(self) -> None:
        """SIGTERM, as an operator's Ctrl-C: the supervisor stops workers and API, then Redis."""
        self.stop_workers()
        if self.process is not None:
            _terminate([self.process], timeout=90.0)
        if self._log is not None:
            self._log.close()
            self._log = None


def _terminate(processes: list[subprocess.Popen[Any]], *, timeout: float = 60.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
