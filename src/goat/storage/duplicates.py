"""Byte-identical models: a team's own earlier submission of them (answered instead of a new evaluation),
and the models several teams submitted (shown to the organiser)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from goat.storage.database import session_scope
from goat.storage.quota import counted
from goat.storage.submissions import FAILED, NewSubmission
from goat.storage.tables import Submission, Team


def earlier_submission(session: Session, new: NewSubmission) -> Submission | None:
    """The team's earlier submission of the same bytes on the same task and test set that the quota
    counts (so not one goat failed: that one is evaluated again), an unfinished or completed one before
    one the model failed, the newest first."""
    if new.team_id is None or new.test_set is None:
        return None
    failed_last = case((Submission.status == FAILED, 1), else_=0)
    return session.scalar(
        select(Submission)
        .where(
            Submission.team_id == new.team_id,
            Submission.task == new.task,
            Submission.test_set == new.test_set,
            Submission.model_sha256 == new.model_sha256,
            counted(),
        )
        .order_by(failed_last, Submission.created_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Copy:
    """One submission of a model, by its team; the organiser reads its error whole."""

    submission_id: str
    team: str
    task: str
    status: str
    error: str | None
    error_detail: str | None


def model_digests(*, limit: int | None, shared_only: bool) -> ScalarSelect[str]:
    """The digests of the models teams submitted (with `shared_only`: more than one team), the `limit`
    most recently submitted, as a subquery."""
    digests = (
        select(Submission.model_sha256)
        .where(Submission.team_id.is_not(None))
        .group_by(Submission.model_sha256)
        .order_by(func.max(Submission.created_at).desc())
        .limit(limit)
    )
    if shared_only:
        digests = digests.having(func.count(func.distinct(Submission.team_id)) > 1)
    return digests.scalar_subquery()


def submitted_models(url: str, *, limit: int, shared_only: bool) -> dict[str, list[Copy]]:
    """Each model (by sha256) teams submitted, or with `shared_only` each that more than one team
    submitted (the `limit` most recently submitted), with every team's submissions of it, oldest first."""
    query = (
        select(Submission, Team.name)
        .join(Team, Team.id == Submission.team_id)
        .where(Submission.model_sha256.in_(model_digests(limit=limit, shared_only=shared_only)))
        .order_by(Submission.created_at)
    )
    copies: dict[str, list[Copy]] = defaultdict(list)
    with session_scope(url) as session:
        for row, team in session.execute(query):
            copy = Copy(row.id, team, row.task, row.status, row.error, row.error_detail)
            copies[row.model_sha256].append(copy)
    return dict(copies)
