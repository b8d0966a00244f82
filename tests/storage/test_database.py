"""Processes starting at the same moment on a new or a pre-Alembic database, SQLite and PostgreSQL: each
upgrades the schema under one lock, so every one of them starts and the revision is recorded once."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, text

from goat.storage.schema import ADVISORY_LOCK_KEY, exclusive, head_revision, lock_path
from goat.storage.submissions import SubmissionStore
from tests.support.legacy import QUEUED_ROW, create_legacy_database, recorded_revisions
from tests.support.processes import wait_until

FORK = multiprocessing.get_context("fork")
STARTERS = 8


def _open(url: str) -> None:
    """What the API and each worker do at start: open the store, which upgrades the schema first."""
    SubmissionStore(url).unfinished()


def _open_together(url: str, barrier: Barrier) -> None:
    """Released with all the others at once, so that their upgrades really overlap."""
    barrier.wait()
    _open(url)


def _start_together(url: str) -> list[int | None]:
    """The exit codes of STARTERS processes that open the database at the same moment."""
    barrier = FORK.Barrier(STARTERS)
    starters = [FORK.Process(target=_open_together, args=(url, barrier)) for _ in range(STARTERS)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    return [starter.exitcode for starter in starters]


def test_processes_starting_together_on_a_new_database(database_url: str) -> None:
    assert _start_together(database_url) == [0] * STARTERS
    assert recorded_revisions(database_url) == [head_revision()]


def test_processes_starting_together_on_a_pre_alembic_database(database_url: str) -> None:
    create_legacy_database(database_url)
    assert _start_together(database_url) == [0] * STARTERS
    assert recorded_revisions(database_url) == [head_revision()]
    assert [row.id for row in SubmissionStore(database_url).unfinished()] == [QUEUED_ROW["id"]]


def _blocked_on_flock(path: Path) -> bool:
    """/proc/locks lists a request still waiting for a lock with "->", by the locked file's inode."""
    inode = f":{os.stat(path).st_ino} "
    return any("->" in line and inode in line for line in Path("/proc/locks").read_text().splitlines())


def _blocked_on_advisory_lock(engine: Engine) -> bool:
    """pg_locks shows a request for goat's advisory lock that is not granted yet."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :key"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as connection:
        return bool(connection.scalar(query, {"key": ADVISORY_LOCK_KEY}))


def test_a_start_waits_while_another_process_migrates(database_url: str) -> None:
    """The proof that upgrades cannot overlap: while the lock is held (as by a process in the middle of its
    upgrade), a starting process waits on that lock and has changed nothing; released, it upgrades. The
    starter is forked before the lock is taken, so that it does not inherit the lock's file descriptor."""
    engine = create_engine(database_url)
    path = lock_path(engine)
    released = FORK.Barrier(2)
    starter = FORK.Process(target=_open_together, args=(database_url, released))
    starter.start()
    try:
        with exclusive(engine) as connection:
            released.wait()
            if path is None:
                wait_until(
                    lambda: _blocked_on_advisory_lock(engine), timeout=60, what="the advisory lock wait"
                )
            else:
                wait_until(lambda: _blocked_on_flock(path), timeout=60, what="the lock file wait")
            assert not inspect(connection).has_table("submissions")
        starter.join()
    finally:
        engine.dispose()
    assert starter.exitcode == 0
    assert recorded_revisions(database_url) == [head_revision()]
