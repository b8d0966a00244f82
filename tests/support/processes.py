"""The real servers the tests talk to: the embedded valkey, `goat api` and `goat worker` processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from goat.core.tokens import new_token
from goat.queue.connection import answers, connect
from goat.queue.server import server_command

# What a test's processes take from the caller's environment: how to run at all, never a goat setting.
PASSED_THROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "PYTHONPATH",
    "LD_LIBRARY_PATH",
    "CUDA_VISIBLE_DEVICES",
)


def controlled_env(env: dict[str, str]) -> dict[str, str]:
    """`env` plus the few variables a process needs to start, so a developer's DATABASE_URL, DATASET_DIR
    or any other goat setting in the environment cannot change what a test runs."""
    return {**{name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}, **env}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll a condition (never a bare sleep standing in for one); fail with what was awaited."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class RedisServer:
    """valkey-server on a loopback port with its AOF in `data_dir`, as an external Redis: its password in
    `url`. Stop and start it again to test a restart."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.password = new_token()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = server_command(
            data_dir=self.data_dir, password=self.password, bind="127.0.0.1", port=self.port
        )
        self.process = subprocess.Popen(
            command, cwd=self.data_dir, env=controlled_env({}), stdout=subprocess.DEVNULL
        )
        connection = connect(self.url)
        wait_until(lambda: answers(connection), timeout=20, what="valkey-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


class GoatProcess:
    """`python -m goat <args>` with the test's environment only, in the log's folder (the test's own, where no
    `.env` is); output goes to that log file, kept for failures."""

    def __init__(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        log: Path,
        launcher: Sequence[str] = (),
        module: str = "goat",
    ) -> None:
        """`launcher`: what runs the command (`ip netns exec NS`, which execs it: the pid stays goat's)."""
        self.args = args
        self.env = env
        self.log = log
        self.launcher = tuple(launcher)
        self.module = module
        self.process: subprocess.Popen | None = None

    def again(self) -> GoatProcess:
        """The same command, not started: to replace this one once it has died."""
        return GoatProcess(self.args, env=self.env, log=self.log, launcher=self.launcher, module=self.module)

    def start(self) -> GoatProcess:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [*self.launcher, sys.executable, "-m", self.module, *self.args],
                cwd=self.log.parent,
                env=controlled_env(self.env),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        return self

    def running(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            code = self.process.returncode
            raise RuntimeError(f"{self.module} {' '.join(self.args)} exited with {code}; see {self.log}")
        return self.process is not None

    def stop(self, *, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def api_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def run_goat(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`goat <args>` to its end, as an operator types it, with only `env`'s settings (controlled_env)."""
    return subprocess.run(
        [sys.executable, "-m", "goat", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=controlled_env(env),
    )
