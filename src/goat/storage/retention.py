"""MODEL_RETENTION_DAYS: the stored models of submissions finished that many days ago are removed, except
each team's best of each task (by the public score, and by the private one); every row, result and
preview stays.

A model is removed only when every submission of its bytes (several teams, or a team again on another test
set, may share them) finished before the cutoff, none is unfinished (a lost worker's submission is run
again from it), and all are of tasks goat knows (the direction of a disabled task's score, hence its best,
is unknown: its models are kept). Run by the API's sweeper.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select

from goat.storage.database import session_scope
from goat.storage.model_files import ModelStore
from goat.storage.submissions import UNFINISHED, SubmissionStore, utcnow
from goat.storage.tables import Submission

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ModelRetention:
    store: SubmissionStore
    models: ModelStore
    days: int
    higher_is_better: Mapping[str, bool]
    """Each task goat knows, by name: whether a higher score is better (what its best is)."""

    def run(self, *, now: datetime | None = None) -> list[str]:
        """The models (sha256) removed now."""
        cutoff = (now or utcnow()) - timedelta(days=self.days)
        expired = finished_before(self.store.url, cutoff, tasks=list(self.higher_is_better)) - self._bests()
        removed = [
            sha256
            for sha256 in sorted(expired)
            if self.models.remove_expired(sha256, stored_before=cutoff.timestamp())
        ]
        if removed:
            log.info("removed %d models of submissions finished before %s", len(removed), f"{cutoff:%F %T}")
        return removed

    def _bests(self) -> set[str]:
        """By the public score and by the private one (what the leaderboard ranks by once revealed)."""
        return {
            row.model_sha256
            for task, higher in self.higher_is_better.items()
            for by_private in (False, True)
            for row in self.store.best_of_each(task, higher_is_better=higher, by_private=by_private)
            if not by_private or row.private_score is not None
        }


def finished_before(url: str, moment: datetime, *, tasks: list[str]) -> set[str]:
    """Models (sha256) whose every submission finished before `moment`, each of them of one of `tasks`."""
    keeps_it = or_(
        Submission.status.in_(UNFINISHED), Submission.finished_at.is_(None), Submission.task.not_in(tasks)
    )
    query = (
        select(Submission.model_sha256)
        .group_by(Submission.model_sha256)
        .having(func.max(case((keeps_it, 1), else_=0)) == 0, func.max(Submission.finished_at) < moment)
    )
    with session_scope(url) as session:
        return set(session.scalars(query))
