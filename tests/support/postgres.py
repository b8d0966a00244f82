"""A real PostgreSQL server for the tests: initdb in a temporary folder, started on a free port, one fresh
database per test, stopped and removed at the end. PostgreSQL refuses to run as root (the tests and CI
do), so as root the server runs as the `postgres` user that Debian's package creates."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import psycopg

from tests.support.processes import free_port, wait_until
from tests.support.unavailable import unavailable

INSTALL_HINT = "sudo apt-get install postgresql"


def server_bindir() -> Path | None:
    """Debian keeps the server binaries off the PATH (/usr/lib/postgresql/N/bin); elsewhere they are on it."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major_version)
    found = candidates[-1] if candidates else shutil.which("pg_ctl")
    if found is None or not Path(found).with_name("initdb").exists():
        return None
    return Path(found).parent


def _major_version(pg_ctl: str) -> int:
    version = Path(pg_ctl).parent.parent.name
    return int(version) if version.isdigit() else 0


def require_server_bindir() -> Path:
    """The binaries, or a skip naming the install command; under CI (CI=true) a missing server fails."""
    bindir = server_bindir()
    if bindir is not None:
        return bindir
    message = f"PostgreSQL server binaries not found (initdb, pg_ctl): {INSTALL_HINT}"
    unavailable(message)


class PostgresServer:
    """One server; `create_database()` hands each test an empty database of its own."""

    def __init__(self, bindir: Path, *, launcher: Sequence[str] = ()) -> None:
        """`launcher`: what runs the server (`ip netns exec NS`: on another host's loopback; the test still
        reaches it through its Unix socket)."""
        self.bindir = bindir
        self.launcher = list(launcher)
        self.port = free_port()
        # Not under pytest's tmp folder: that is private to root, and the server's user must reach its data.
        self.root = Path(tempfile.mkdtemp(prefix="goat-postgres-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        """A server binary, as the postgres user when we are root; its output kept in the server's log."""
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        command = [*self.launcher, *command]
        with (self.root / "commands.log").open("ab") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            "initdb", "-D", str(self.data), "--auth=trust", "--username=postgres", "--no-sync", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "start")
        wait_until(self._answers, timeout=60, what=f"PostgreSQL on port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with psycopg.connect(self._dsn("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _dsn(self, database: str) -> str:
        return f"host={self.root} port={self.port} user=postgres dbname={database}"

    def create_database(self) -> str:
        """A new, empty database; its SQLAlchemy URL (psycopg 3)."""
        name = f"goat_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._dsn("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Fast shutdown (connections still open are closed by the server), then the folder goes."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
