"""The system tests run on each database goat supports: every module once on SQLite and once on a real
PostgreSQL server, each of its systems with an empty database of its own."""

from __future__ import annotations

import pytest

from tests.support.postgres import PostgresServer
from tests.support.system import NewDatabase


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest) -> NewDatabase:
    if request.param == "sqlite":
        return dict
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return lambda: {"DATABASE_URL": server.create_database()}
