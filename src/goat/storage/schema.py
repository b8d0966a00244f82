"""The schema belongs to Alembic: every process that opens the database (the API, each worker) upgrades it
to the newest revision first, one process at a time, so that a DATA_DIR of any earlier version upgrades in
place and processes starting together on a new or old database cannot race each other's DDL."""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision that is the schema goat had before Alembic: an unversioned database is stamped at it.
FIRST_REVISION = "0001_submissions"
# One advisory lock key for goat's schema on PostgreSQL (advisory locks are scoped to one database).
ADVISORY_LOCK_KEY = zlib.crc32(b"goat.storage.schema")


def alembic_config(connection: Connection | None = None) -> Config:
    """The migrations installed with the package (not a folder of the checkout, so an installed goat finds
    them), run on `connection`: env.py takes it from the attributes."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision of the installed migrations: where every start leaves the database."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def lock_path(engine: Engine) -> Path | None:
    """The file beside a SQLite database that its migrating processes lock; None for no file to lock."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{database}.migrate.lock")


def upgrade(engine: Engine) -> None:
    """Stamp a pre-Alembic database at the first revision, then upgrade to head, under the lock."""
    with exclusive(engine) as connection:
        config = alembic_config(connection)
        if _unversioned(connection):
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, "head")


def _unversioned(connection: Connection) -> bool:
    """The submissions table without a recorded revision: made by create_all before Alembic (an empty
    alembic_version table counts as none, as after a SQLite crash between the two)."""
    has_table = inspect(connection).has_table("submissions")
    return has_table and MigrationContext.configure(connection).get_current_revision() is None


@contextmanager
def exclusive(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other goat process migrating the same database holds at once.

    PostgreSQL: a transaction-scoped advisory lock, released by the commit that also commits the DDL (a
    process that waited then reads the committed revision). SQLite: an exclusive flock on a file beside the
    database, held until the migration's transaction has committed; the kernel drops it if the process dies.
    """
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            yield connection
        return
    path = lock_path(engine)
    if path is None:
        with engine.begin() as connection:
            yield connection
        return
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.begin() as connection:
            yield connection
