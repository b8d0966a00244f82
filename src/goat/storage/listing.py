"""Every submission as the organiser looks through them: by team, by status, or only models that more
than one team submitted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from goat.storage.database import session_scope
from goat.storage.duplicates import model_digests
from goat.storage.tables import Submission


@dataclass(frozen=True, kw_only=True)
class Filters:
    team_id: int | None = None
    status: str | None = None
    shared_only: bool = False
    """Only submissions of a model that more than one team submitted."""


def submissions_matching(url: str, filters: Filters, *, limit: int) -> list[Submission]:
    """The newest `limit` submissions that pass `filters`."""
    query = select(Submission).order_by(Submission.created_at.desc()).limit(limit)
    if filters.team_id is not None:
        query = query.where(Submission.team_id == filters.team_id)
    if filters.status is not None:
        query = query.where(Submission.status == filters.status)
    if filters.shared_only:
        query = query.where(Submission.model_sha256.in_(model_digests(limit=None, shared_only=True)))
    with session_scope(url) as session:
        return list(session.scalars(query))
