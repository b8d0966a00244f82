"""Alembic's revisions against the schema goat had before them and the tables of the code, on SQLite and
PostgreSQL: an old database is stamped and upgraded with its rows, a new one created, a current one kept."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, func, select

from goat.storage.deployment import deployment_id
from goat.storage.schema import FIRST_REVISION, alembic_config, head_revision, upgrade
from goat.storage.submissions import COMPLETED, SubmissionStore, as_utc
from goat.storage.tables import Base, Deployment
from tests.support.legacy import (
    COMPLETED_ROW,
    FINISHED_AT,
    LEGACY,
    QUEUED_ROW,
    RESULT,
    create_legacy_database,
    recorded_revisions,
)


def _differences(url: str, metadata: MetaData) -> list[object]:
    """What autogenerate would write to turn the database into `metadata`: nothing when they agree."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_the_first_revision_is_the_schema_before_alembic(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), FIRST_REVISION)
    finally:
        engine.dispose()
    assert _differences(database_url, LEGACY) == []


def test_head_is_the_tables_of_the_code(database_url: str) -> None:
    SubmissionStore(database_url).unfinished()
    assert recorded_revisions(database_url) == [head_revision()]
    assert _differences(database_url, Base.metadata) == []


def test_a_pre_alembic_database_is_stamped_and_upgraded_with_its_rows(database_url: str) -> None:
    create_legacy_database(database_url)
    store = SubmissionStore(database_url)
    completed = store.get(COMPLETED_ROW["id"])
    assert recorded_revisions(database_url) == [head_revision()]
    assert completed is not None
    assert (completed.status, completed.score, completed.result) == (COMPLETED, RESULT["score"], RESULT)
    assert as_utc(completed.finished_at) == FINISHED_AT
    assert [row.id for row in store.ranking("task2", higher_is_better=True, limit=10)] == [
        COMPLETED_ROW["id"]
    ]
    assert [row.id for row in store.unfinished()] == [QUEUED_ROW["id"]]


def test_upgrading_a_current_database_changes_nothing(database_url: str) -> None:
    create_legacy_database(database_url)
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        before = [row.id for row in SubmissionStore(database_url).unfinished()]
        upgrade(engine)
    finally:
        engine.dispose()
    assert recorded_revisions(database_url) == [head_revision()]
    assert [row.id for row in SubmissionStore(database_url).unfinished()] == before == [QUEUED_ROW["id"]]
    assert _differences(database_url, Base.metadata) == []


def test_a_database_names_its_deployment_once_and_for_good(database_url: str) -> None:
    """Revision 0006 draws the id under the migration lock: one row, which no later upgrade changes."""
    create_legacy_database(database_url)
    first = deployment_id(database_url)
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Deployment)) == 1
    finally:
        engine.dispose()
    assert deployment_id(database_url) == first
    assert len(first) == 32
