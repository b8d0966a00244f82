"""The whole system on PostgreSQL: the API and two workers share one real server through DATABASE_URL."""

from __future__ import annotations

from pathlib import Path

from goat.storage.schema import head_revision
from tests.support.legacy import recorded_revisions
from tests.support.models import depth_model
from tests.support.system import GoatSystem


def test_a_submission_completes_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with GoatSystem(tmp_path / "system", workers=2, env={"DATABASE_URL": postgres_url}) as system:
        model = depth_model(tmp_path / "m.onnx", image_size=32)
        submitted = system.client.submit(model, name="on-postgres")
        done = system.client.wait(submitted["submission_id"], timeout=120)
        assert done["status"] == "completed", system.logs()

        entries = system.client.leaderboard()["entries"]
        assert [(e["submission_id"], e["score"]) for e in entries] == [
            (submitted["submission_id"], done["result"]["score"])
        ]
    assert recorded_revisions(postgres_url) == [head_revision()]
    assert not (tmp_path / "system" / "data" / "goat.db").exists()
