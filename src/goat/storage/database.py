"""The SQL database that keeps submissions and results after every process (Redis included) restarts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from goat.storage.schema import upgrade

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
    """One engine per URL, created once per process tree, its schema upgraded to the newest revision first."""
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite:///"):
            os.makedirs(os.path.dirname(url.removeprefix("sqlite:///")) or ".", exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        upgrade(engine)
        _engines[url] = engine
    return engine


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
