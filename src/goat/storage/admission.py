"""Whether a team's new submission may be queued, decided and recorded in one transaction per team.

The team's row is written first (a no-op update), which takes its lock: on PostgreSQL the row lock, on
SQLite the database's write lock, in both cases before anything is counted. A second upload of the same
team waits there until the first has committed its row, then counts it, so two parallel uploads cannot
both take the last slot. The submissions waiting in the queue (MAX_QUEUE_LENGTH) are counted the same
way, under a lock every upload takes last (PostgreSQL: a transaction-scoped advisory lock; SQLite: the
database's write lock), so parallel uploads of any teams cannot push the queue past its limit.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from goat.storage.database import session_scope
from goat.storage.duplicates import earlier_submission
from goat.storage.quota import Usage, unfinished_of, used_today
from goat.storage.submissions import QUEUED, NewSubmission, new_row
from goat.storage.tables import Submission, Team

UNFINISHED_RETRY_S = 30
_QUEUE_LOCK_KEY = zlib.crc32(b"goat.storage.admission.queue")
"""PostgreSQL's advisory lock of the queue count (the schema's lock has another key)."""
"""Retry-After when MAX_UNFINISHED_PER_TEAM is reached: a slot opens when one of them ends."""


@dataclass(frozen=True)
class Limits:
    """A team's limits; 0 means unlimited."""

    per_day: int
    """SUBMISSIONS_PER_DAY, per task and UTC day."""
    unfinished: int
    """MAX_UNFINISHED_PER_TEAM, queued plus running, every task together."""


class OverQuota(Exception):
    """The team has no slot left; `detail` says which limit, how much is used and when a slot opens."""

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class QueueAtLimit(Exception):
    """MAX_QUEUE_LENGTH submissions are waiting; `waiting` says how many."""

    def __init__(self, waiting: int) -> None:
        super().__init__(f"{waiting} submissions waiting")
        self.waiting = waiting


@dataclass(frozen=True)
class Admitted:
    """The submission's row: the new one, or the team's `duplicate` earlier one of the same bytes; and
    the team's quota of its task after it (None for the organiser and anonymous uploads)."""

    row: Submission
    duplicate: bool
    usage: Usage | None


def admit(
    url: str,
    new: NewSubmission,
    *,
    limits: Limits | None,
    max_queued: int,
    now: datetime,
    store_model: Callable[[], object],
) -> Admitted:
    """Record `new` (queued), answer the team's earlier submission of the same bytes instead, or raise
    OverQuota; `limits` None: not limited (the organiser, anonymous uploads). QueueAtLimit when
    `max_queued` submissions (any team's) are waiting.

    `store_model` puts the model file in place, called only for a new row and before it is written: a row
    never lacks its file, and a refused upload never touches the stored models (which another upload of
    the same bytes may be using)."""
    with session_scope(url) as session:
        if new.team_id is not None:
            _lock_team(session, new.team_id)
            earlier = earlier_submission(session, new)
            if earlier is not None:
                return Admitted(earlier, duplicate=True, usage=_usage(session, new, limits, now))
        if limits is not None and new.team_id is not None:
            _refuse_over_quota(session, new, limits, now)
        _refuse_over_queue_length(session, max_queued)
        store_model()
        row = new_row(new)
        session.add(row)
        session.flush()
        return Admitted(row, duplicate=False, usage=_usage(session, new, limits, now))


def _lock_team(session: Session, team_id: int) -> None:
    """Hold the team's lock until the transaction ends (see the module's docstring)."""
    session.execute(update(Team).where(Team.id == team_id).values(name=Team.name))


def _refuse_over_queue_length(session: Session, max_queued: int) -> None:
    """Count the waiting submissions under the queue's lock, held until the transaction ends (see the
    module's docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _QUEUE_LOCK_KEY})
    else:  # a write takes SQLite's database lock; this one changes nothing
        session.execute(update(Team).where(Team.id.is_(None)).values(name=Team.name))
    waiting = session.scalar(select(func.count()).select_from(Submission).where(Submission.status == QUEUED))
    if waiting is not None and waiting >= max_queued:
        raise QueueAtLimit(waiting)


def _usage(session: Session, new: NewSubmission, limits: Limits | None, now: datetime) -> Usage | None:
    if limits is None or new.team_id is None:
        return None
    return used_today(session, team_id=new.team_id, task=new.task, now=now, limit=limits.per_day)


def _refuse_over_quota(session: Session, new: NewSubmission, limits: Limits, now: datetime) -> None:
    assert new.team_id is not None
    usage = used_today(session, team_id=new.team_id, task=new.task, now=now, limit=limits.per_day)
    if usage.spent:
        wait_s = max(1, int((usage.resets_at - now).total_seconds() + 0.999))
        raise OverQuota(
            f"the daily quota of task {new.task} is used: {usage.used} of {usage.limit} submissions today "
            f"(SUBMISSIONS_PER_DAY, per UTC day); the next slot opens at "
            f"{usage.resets_at:%Y-%m-%dT%H:%M:%SZ} (in {wait_s} s)",
            retry_after_s=wait_s,
        )
    unfinished = unfinished_of(session, team_id=new.team_id)
    if limits.unfinished and unfinished >= limits.unfinished:
        raise OverQuota(
            f"{unfinished} of your submissions are queued or running, the limit is {limits.unfinished} "
            f"(MAX_UNFINISHED_PER_TEAM); the next slot opens when one of them ends: try again in "
            f"{UNFINISHED_RETRY_S} s",
            retry_after_s=UNFINISHED_RETRY_S,
        )
