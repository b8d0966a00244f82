"""Fixtures shared by every test folder: real servers, real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresServer, require_server_bindir
from tests.support.system import GoatSystem, NewDatabase


@pytest.fixture(scope="module")
def fresh_database() -> NewDatabase:
    """Where a module's systems keep their records: goat's default, SQLite in each one's DATA_DIR.
    tests/system runs each of its modules on PostgreSQL as well (its conftest)."""
    return dict


@pytest.fixture(scope="module")
def system(fresh_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """Valkey, the API and two workers, as separate processes; stopped when the module's tests end."""
    # A fixed seed: some tests compare the scores of two models, which depends on the test set drawn.
    env = {"DATASET_SEED": "0", **fresh_database()}
    with GoatSystem(tmp_path_factory.mktemp("system"), env=env) as running:
        yield running


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    path = tmp_path / "models"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the whole run; skipped (failed under CI) where none is installed."""
    server = PostgresServer(require_server_bindir())
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """An empty database of this test's own on the shared server."""
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test once per supported database: SQLite in tmp_path, and a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'goat.db'}"
    return request.getfixturevalue("postgres_url")
