"""MODEL_RETENTION_DAYS over real storage (SQLite and PostgreSQL, model files on disk): what is removed,
what is kept and why, and that the results stay."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from goat.storage.database import session_scope
from goat.storage.model_files import ModelStore
from goat.storage.retention import ModelRetention
from goat.storage.submissions import MODEL_FAILURE, NewSubmission, SubmissionStore, utcnow
from goat.storage.tables import Submission
from goat.storage.teams import TeamStore

OLD = timedelta(days=3)
"""Beyond the retention of 2 days below."""


def stored(models: ModelStore, content: bytes, *, age: timedelta) -> str:
    """A model file stored `age` ago, as an upload stores it; its sha256."""
    staged = models.stage(max_bytes=1024)
    staged.reserve(len(content))
    staged.digest(content)
    staged.append(content)
    stamp = (utcnow() - age).timestamp()
    os.utime(models.commit(staged), (stamp, stamp))
    return staged.sha256


class Submissions:
    """Rows of real submissions, ended as a worker ends them, then aged."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store = SubmissionStore(url)

    def team(self) -> int:
        return TeamStore(self.url).create(f"t-{uuid.uuid4().hex[:8]}", token_sha256=uuid.uuid4().hex * 2).id

    def queued(self, team: int, sha256: str, *, task: str = "task2") -> str:
        new = NewSubmission(
            id=f"sub_1_{uuid.uuid4().hex[:8]}",
            task=task,
            participant=None,
            team_id=team,
            model_sha256=sha256,
            model_size_bytes=1,
            filename="m.onnx",
            model_info={},
        )
        return self.store.create(new).id

    def add(
        self,
        team: int,
        sha256: str,
        *,
        score: float | None,
        age: timedelta,
        task: str = "task2",
        private: float | None = None,
    ) -> str:
        """Completed with `score` (and `private` on the private part), failed by the model when None;
        finished `age` ago."""
        submission = self.queued(team, sha256, task=task)
        self.store.mark_running(submission, worker_id="w")
        if score is None:
            self.store.mark_failed(submission, error="NaN", failure=MODEL_FAILURE)
        else:
            result = {"score": score}
            self.store.mark_completed(
                submission, result=result, score=score, private_score=private, previews=[b"png"]
            )
        with session_scope(self.url) as session:
            session.execute(
                update(Submission).where(Submission.id == submission).values(finished_at=utcnow() - age)
            )
        return submission


def test_old_models_go_but_each_teams_best_and_every_result_stay(database_url: str, tmp_path: Path) -> None:
    models = ModelStore(tmp_path / "uploads")
    rows = Submissions(database_url)
    a, b, c = rows.team(), rows.team(), rows.team()

    def model(name: str, *, age: timedelta = OLD) -> str:
        return stored(models, name.encode(), age=age)

    gone = {
        "worse": rows.add(a, model("worse"), score=0.5, age=OLD),
        "failed": rows.add(a, model("failed"), score=None, age=OLD),
    }
    kept = {
        "a's best": rows.add(a, model("best"), score=0.9, age=OLD),
        "a's best on the private part": rows.add(a, model("private"), score=0.15, age=OLD, private=0.99),
        "recent": rows.add(a, model("recent", age=timedelta(0)), score=0.4, age=timedelta(hours=1)),
        "b's best, however low": rows.add(b, model("low"), score=0.1, age=OLD),
        "of a task goat no longer has": rows.add(a, model("elsewhere"), score=0.2, age=OLD, task="gone"),
        "stored again since": rows.add(a, model("again", age=timedelta(0)), score=0.3, age=OLD),
    }
    shared = model("shared")
    kept["shared with an unfinished one"] = rows.add(a, shared, score=0.2, age=OLD)
    rows.queued(c, shared)
    retention = ModelRetention(
        store=rows.store, models=models, days=2, higher_is_better={"task2": True, "task3": True}
    )

    removed = retention.run()

    sha256 = {name: rows.store.get(submission).model_sha256 for name, submission in {**gone, **kept}.items()}
    assert sorted(removed) == sorted(sha256[name] for name in gone)
    assert {name for name in sha256 if not models.path_for(sha256[name]).exists()} == set(gone)
    for submission in gone.values():
        row = rows.store.get(submission)
        assert row is not None and row.status in ("completed", "failed")
    assert rows.store.get(gone["worse"]).result == {"score": 0.5}
    assert rows.store.preview(gone["worse"], 0) == b"png"
    assert retention.run() == [], "nothing more to remove"
    assert list(models.incoming.iterdir()) == [], "nothing left aside"
