"""A database written before Alembic, opened by this version's real `goat api`: the old results read back
over HTTP, on SQLite (the default DATA_DIR/goat.db, upgraded in place) and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.support.legacy import COMPLETED_ROW, FINISHED_AT, QUEUED_ROW, RESULT, create_legacy_database
from tests.support.system import GoatSystem


def _pointing_at(database_url: str, tmp_path: Path) -> dict[str, str]:
    """SQLite through DATA_DIR alone (as a user's old data folder), PostgreSQL through DATABASE_URL."""
    if database_url.startswith("sqlite:///"):
        assert database_url == f"sqlite:///{tmp_path / 'goat.db'}"
        return {"DATA_DIR": str(tmp_path)}
    return {"DATABASE_URL": database_url}


def test_old_results_read_back_after_the_upgrade(database_url: str, tmp_path: Path) -> None:
    create_legacy_database(database_url)
    env = _pointing_at(database_url, tmp_path)
    with GoatSystem(tmp_path / "system", workers=0, env=env) as system:
        assert system.settings.resolved_database_url == database_url

        completed = system.admin.status(COMPLETED_ROW["id"])  # no team owns a row from before teams
        assert completed["status"] == "completed", system.logs()
        assert completed["result"] == {**RESULT, "previews": 0, "preview_metrics": [], "private": None}, (
            "an old result: no previews, no split"
        )
        assert datetime.fromisoformat(completed["finished_at"]) == FINISHED_AT

        entries = system.client.leaderboard()["entries"]
        assert [(e["submission_id"], e["participant"], e["score"]) for e in entries] == [
            (COMPLETED_ROW["id"], COMPLETED_ROW["participant"], RESULT["score"])
        ]
        assert system.admin.status(QUEUED_ROW["id"])["status"] == "queued"
