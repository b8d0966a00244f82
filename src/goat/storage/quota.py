"""What counts against a team's quota, and how much of it is used.

The rule is data: a submission counts while it is in a status of COUNTED_STATUSES, or failed with a kind
of COUNTED_FAILURES. Refused uploads never have a row; a failure of goat's own (PLATFORM_FAILURE) gives its
slot back; a submission cancelled before it started gives it back too (once started, it ran on goat's
devices and counts). A re-run the organiser asked for is goat's too, and never counts. A failure recorded
before revision 0004 has no kind (NULL) and counts as the model's: every such failure was, until then,
charged to the participant, and platform failures were the rare exception.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from goat.storage.database import session_scope
from goat.storage.submissions import CANCELLED, COMPLETED, FAILED, MODEL_FAILURE, QUEUED, RUNNING, UNFINISHED
from goat.storage.tables import Submission

COUNTED_STATUSES = (QUEUED, RUNNING, COMPLETED)
"""Counted whatever happens next: waiting or being evaluated (a slot held until the ending says), scored."""
COUNTED_FAILURES = (MODEL_FAILURE,)
"""Failures the team's model caused; a platform failure is goat's, and not charged."""


def counted() -> ColumnElement[bool]:
    """The SQL condition of a submission that uses a slot of its team's daily quota; a re-run the organiser
    asked for never does."""
    failed_by_model = or_(Submission.failure.is_(None), Submission.failure.in_(COUNTED_FAILURES))
    cancelled_once_started = and_(Submission.status == CANCELLED, Submission.started_at.is_not(None))
    charged = or_(
        Submission.status.in_(COUNTED_STATUSES),
        and_(Submission.status == FAILED, failed_by_model),
        cancelled_once_started,
    )
    return and_(Submission.rerun_of.is_(None), charged)


@dataclass(frozen=True)
class Usage:
    """One team's use of one task's daily quota; `limit` None: unlimited (SUBMISSIONS_PER_DAY=0)."""

    used: int
    limit: int | None
    resets_at: datetime

    @property
    def spent(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC day of `now` (aware): its midnight and the next one, when the quota resets."""
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    return midnight, midnight + timedelta(days=1)


def used_today(session: Session, *, team_id: int, task: str, now: datetime, limit: int) -> Usage:
    """How much of `task`'s daily quota the team has used by `now`; `limit` 0 means unlimited."""
    midnight, next_midnight = day_bounds(now)
    used = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.team_id == team_id, Submission.task == task, Submission.created_at >= midnight)
        .where(counted())
    )
    return Usage(used=used or 0, limit=limit or None, resets_at=next_midnight)


def unfinished_of(session: Session, *, team_id: int) -> int:
    """The team's submissions queued or running, on every task: what MAX_UNFINISHED_PER_TEAM limits."""
    found = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(Submission.team_id == team_id, Submission.status.in_(UNFINISHED))
    )
    return found or 0


def usage_by_task(
    url: str, *, team_id: int, tasks: Iterable[str], now: datetime, limit: int
) -> dict[str, Usage]:
    """The team's use of each task's daily quota (GET /me)."""
    with session_scope(url) as session:
        return {task: used_today(session, team_id=team_id, task=task, now=now, limit=limit) for task in tasks}
