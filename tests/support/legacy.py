"""A database as goat wrote it before Alembic (main at 8977227): `create_all` of the submissions table as it
was then, frozen here so that it stays the old schema whatever storage/tables.py becomes, plus rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    text,
)

LEGACY = MetaData()

Table(
    "submissions",
    LEGACY,
    Column("id", String(64), primary_key=True),
    Column("task", String(64), nullable=False),
    Column("participant", String(64)),
    Column("status", String(16), nullable=False, index=True),
    Column("model_sha256", String(64), nullable=False),
    Column("model_size_bytes", Integer, nullable=False),
    Column("filename", String(255), nullable=False),
    Column("model_info", JSON, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("worker_id", String(255)),
    Column("error", Text),
    Column("score", Double),
    Column("result", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_submissions_ranking", "task", "status", "score"),
)

FINISHED_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

RESULT: dict[str, Any] = {
    "score": 0.875,
    "metrics": {"abs_rel": 0.125, "delta1": 0.875},
    "performance": {
        "inference_time_s": 0.5,
        "throughput_ips": 24.0,
        "latency_ms_p50": 20.0,
        "latency_ms_p95": 30.0,
        "batch_size": 5,
        "num_samples": 12,
        "provider": "CPUExecutionProvider",
        "device": "cpu",
        "load_time_s": 0.1,
        "transfer_time_s": 0.0,
        "scoring_time_s": 0.01,
        "queue_wait_s": 0.2,
    },
    "worker_id": "old-worker-0",
}


def _row(submission_id: str, status: str, **values: Any) -> dict[str, Any]:
    return {
        "id": submission_id,
        "task": "task2",
        "participant": "before-alembic",
        "status": status,
        "model_sha256": "0" * 64,
        "model_size_bytes": 1234,
        "filename": "old.onnx",
        "model_info": {},
        "attempts": 0,
        "created_at": FINISHED_AT - timedelta(minutes=5),
        **values,
    }


COMPLETED_ROW = _row(
    "sub_1764500000_0dd0c0de",
    "completed",
    participant="before-alembic",
    attempts=1,
    worker_id="old-worker-0",
    score=RESULT["score"],
    result=RESULT,
    started_at=FINISHED_AT - timedelta(minutes=1),
    finished_at=FINISHED_AT,
)
QUEUED_ROW = _row("sub_1764500100_0dd0beef", "queued", participant="still-waiting")


def create_legacy_database(url: str) -> None:
    """The old schema, one completed and one queued submission, and no alembic_version table."""
    engine = create_engine(url)
    try:
        LEGACY.create_all(engine)
        with engine.begin() as connection:
            for row in (COMPLETED_ROW, QUEUED_ROW):
                connection.execute(LEGACY.tables["submissions"].insert(), row)
    finally:
        engine.dispose()


def recorded_revisions(url: str) -> list[str]:
    """The rows of alembic_version, read without goat's engine (which would upgrade the database first)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()
