"""Alembic's entry point for every command: on the connection goat hands over (goat.storage.schema, which
holds the lock that makes concurrent starts safe), or, from the `alembic` command line, on DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from goat.core.config import get_settings
from goat.storage.tables import Base


def _run(**where: object) -> None:
    """`where` is a connection, or for `alembic upgrade head --sql` (SQL a DBA can review and run by hand) a
    URL with literal_binds. render_as_batch on every dialect: a revision generated against PostgreSQL then
    also runs on SQLite, which cannot ALTER most columns (batch mode copies the table there, and ALTERs in
    place elsewhere)."""
    context.configure(target_metadata=Base.metadata, render_as_batch=True, compare_type=True, **where)
    with context.begin_transaction():
        context.run_migrations()


def _online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection=connection)
        return
    engine = create_engine(get_settings().resolved_database_url)
    try:
        with engine.begin() as own:
            _run(connection=own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run(url=get_settings().resolved_database_url, literal_binds=True)
else:
    _online()
