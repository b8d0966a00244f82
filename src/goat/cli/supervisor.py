"""`goat up`: one foreground process that runs Redis (when none is given), the API and the workers.

Children are separate processes (the same commands a multi-machine deployment runs by hand); one that
dies is restarted, and Ctrl-C or SIGTERM stops them all: workers and API first, Redis last.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial

from goat.core.config import Settings
from goat.core.processes import die_with_parent
from goat.queue.connection import answers, connect, redacted, redis_url, uses_embedded
from goat.queue.server import embedded_server_command

log = logging.getLogger("goat.up")


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)
    given_up: bool = False
    """It exited with EX_CONFIG: it cannot run here (a worker whose GPU is unusable); not restarted."""

    def start(self) -> None:
        # Its own process group, so the terminal's Ctrl-C reaches only the supervisor, which stops the
        # children in order (Redis last); and it dies with the supervisor even if that one is killed.
        self.process = subprocess.Popen(
            self.command, process_group=0, preexec_fn=partial(die_with_parent, signal.SIGTERM)
        )
        self.started_at = time.monotonic()
        log.info("%s started (pid %d)", self.name, self.process.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def goat_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "goat", *args]


def redis_child(settings: Settings) -> Child | None:
    """The embedded server of DATA_DIR (started unless it runs already), unless REDIS_URL or REDIS_HOST name
    a Redis, which must answer. Never whatever answers on a local port: that may be another deployment's."""
    url = redacted(redis_url(settings))
    if uses_embedded(settings):
        if answers(connect(redis_url(settings))):
            log.info("the embedded Redis of this DATA_DIR already runs (%s); using it", url)
            return None
        return Child("redis", embedded_server_command(settings))
    if not answers(connect(redis_url(settings))):
        raise SystemExit(f"Redis at {url} is not answering (or refuses the credentials given); start it")
    log.info("using the Redis server at %s", url)
    return None


class Supervisor:
    def __init__(self, settings: Settings, *, workers: int, shutdown_timeout: float = 30.0) -> None:
        self.settings = settings
        self.shutdown_timeout = shutdown_timeout
        self.redis = redis_child(settings)
        self.services = [Child("api", goat_command("api"))] + [
            Child(f"worker-{i + 1}", goat_command("worker", "--index", str(i), "--of", str(workers)))
            for i in range(workers)
        ]
        self._stopping = False
        self._stop_requested_at = 0.0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        if self.redis:
            self.redis.start()
            self._wait_for_redis()
        for child in self.services:
            child.start()
        log.info(
            "goat is up: http://localhost:%d (API docs at /docs), %d workers",
            self.settings.api_port,
            len(self.services) - 1,
        )
        while not self._stopping:
            self._restart_dead()
            time.sleep(0.5)
        self._stop()

    def _request_stop(self, signum: int, _frame: object) -> None:
        if self._stopping and time.monotonic() - self._stop_requested_at < 1.0:
            return  # the same stop, delivered twice (a wrapper such as timeout(1) forwards it too)
        if self._stopping:
            log.warning("second stop request: killing everything now")
            for child in [*self.services, self.redis]:
                if child and child.alive():
                    child.process.kill()  # type: ignore[union-attr]
            raise SystemExit(1)
        log.info("stopping (signal %d); again to kill at once", signum)
        self._stopping = True
        self._stop_requested_at = time.monotonic()

    def _wait_for_redis(self) -> None:
        connection = connect(redis_url(self.settings))
        deadline = time.monotonic() + 30
        while not answers(connection):
            if not self.redis.alive() or time.monotonic() > deadline:  # type: ignore[union-attr]
                raise SystemExit("the embedded Redis server did not start; see its output above")
            time.sleep(0.1)

    def _restart_dead(self) -> None:
        for child in [self.redis, *self.services]:
            if child is None or child.given_up or child.alive():
                continue
            code = child.process.returncode  # type: ignore[union-attr]
            if code == os.EX_CONFIG:
                log.error("%s cannot run here (exit %d, see its log); not restarting it", child.name, code)
                child.given_up = True
                continue
            if time.monotonic() - child.started_at < 5:
                child.restarts += 1
            delay = min(2 ** min(child.restarts, 5), 30) if child.restarts else 0
            log.error("%s exited with code %s; restarting in %d s", child.name, code, delay)
            time.sleep(delay)
            child.start()
            if child is self.redis:
                self._wait_for_redis()

    def _stop(self) -> None:
        """SIGTERM the services (workers finish or give back their job), wait, kill stragglers, then Redis."""
        self._terminate([c for c in self.services if c.alive()])
        if self.redis and self.redis.alive():
            self._terminate([self.redis])
        log.info("goat stopped")

    def _terminate(self, children: list[Child]) -> None:
        for child in children:
            child.process.terminate()  # type: ignore[union-attr]
        deadline = time.monotonic() + self.shutdown_timeout
        for child in children:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s; killing it", child.name, self.shutdown_timeout)
                child.process.kill()  # type: ignore[union-attr]
                child.process.wait()  # type: ignore[union-attr]
