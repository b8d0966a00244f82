"""Alembic's entry point for every command: on the connection goat hands over (goat.storage.schema, which
holds the lock that makes concurrent starts safe), or, from the `alembic` command line, on DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from goat.core.config import get_settings
from goat.storage.tables import Base


def _migrate(connection: Connection) -> None:
    """render_as_batch on every dialect: a revision generated against PostgreSQL then also runs on SQLite,
    which cannot ALTER most columns (batch mode copies the table there, and ALTERs in place elsewhere)."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline() -> None:
    """`alembic upgrade head --sql`: the SQL a DBA can review and run by hand."""
    context.configure(
        url=get_settings().resolved_database_url,
        target_metadata=Base.metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(get_settings().resolved_database_url)
    try:
        with engine.begin() as own:
            _migrate(own)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _offline()
else:
    _online()
