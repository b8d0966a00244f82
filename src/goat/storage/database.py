"""The SQL database that keeps submissions and results after every process (Redis included) restarts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from goat.storage.tables import Base

_engines: dict[str, Engine] = {}


def _forget_parent_connections() -> None:
    """A forked work-horse keeps its worker's engines but must not use the worker's connections."""
    for engine in _engines.values():
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_parent_connections)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the API read while a worker writes; busy_timeout makes concurrent writers wait, not fail."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine(url: str) -> Engine:
    """One engine per URL, created (and the schema with it) once per process tree."""
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite:///"):
            os.makedirs(os.path.dirname(url.removeprefix("sqlite:///")) or ".", exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _create_schema(engine)
        _engines[url] = engine
    return engine


def _create_schema(engine: Engine, *, attempts: int = 5) -> None:
    """The API and every worker start together on a new database: each creates what is missing, and one
    that loses the race to another's CREATE (an "already exists" error) looks again."""
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(engine)
            return
        except DatabaseError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * (attempt + 1))


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: committed when the block ends, rolled back if it raises."""
    session = sessionmaker(bind=get_engine(url), expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
