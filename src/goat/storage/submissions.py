"""The submission lifecycle as database transitions; a finished submission is never overwritten."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal, NamedTuple, Protocol

from sqlalchemy import delete, func, or_, select, update

from goat.storage.database import session_scope
from goat.storage.tables import Base, Preview, Submission

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = "queued", "running", "completed", "failed", "cancelled"
UNFINISHED = (QUEUED, RUNNING)
Failure = Literal["model", "platform"]
MODEL_FAILURE: Failure = "model"
"""The model's fault (time or memory limit, NaN, wrong shape, crash): counted against the team's quota."""
PLATFORM_FAILURE: Failure = "platform"
"""goat's fault (worker lost MAX_ATTEMPTS times, internal error, no result recorded): not counted."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite drops the zone on the way back; every stored time is UTC, so put it back."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class NewSubmission:
    id: str
    task: str
    participant: str | None
    model_sha256: str
    model_size_bytes: int
    filename: str
    model_info: dict[str, Any]
    team_id: int | None = None
    """The uploading team; None for an anonymous upload (ALLOW_ANONYMOUS)."""
    test_set: str | None = None
    """The fingerprint of the task's test set (Task.test_set_id)."""
    rerun_of: str | None = None
    """The submission the organiser asked to evaluate again; None for an upload."""


class Waiting(NamedTuple):
    """A queued submission as fair dispatch sees it (queue/dispatch.py)."""

    id: str
    participant: str | None
    attempts: int
    """Above 0: it started before and was queued again after a fault of goat's."""


def new_row(new: NewSubmission) -> Submission:
    """The `queued` row of a new submission, not yet added to a session (each field of `new` is a column)."""
    return Submission(**asdict(new), status=QUEUED, attempts=0, created_at=utcnow())


LOADED_AT_ONCE = 100
"""Best rows read whole per query: a leaderboard's first page in one."""

Entrant = tuple[int | None, str | None]
"""Who a leaderboard ranks: a team (its id), or an anonymous participant (the name given)."""


class Identified(Protocol):
    """A submission row, or the few columns of one that say whose it is."""

    id: str
    team_id: int | None
    participant: str | None


def entrant(row: Identified) -> Entrant:
    """A team's submissions rank as one; an anonymous one with its name, or alone without one."""
    return (row.team_id, None) if row.team_id is not None else (None, row.participant or row.id)


class SubmissionStore:
    """Reads and writes submission rows; every write is one short transaction."""

    def __init__(self, database_url: str, *, on_change: Callable[[str], None] | None = None) -> None:
        """`on_change(submission_id)` is called after each status change is committed."""
        self.url = database_url
        self.on_change = on_change

    def create(self, new: NewSubmission) -> Submission:
        row = new_row(new)
        with session_scope(self.url) as session:
            session.add(row)
        return row

    def get(self, submission_id: str) -> Submission | None:
        with session_scope(self.url) as session:
            return session.get(Submission, submission_id)

    def delete(self, submission_id: str) -> None:
        with session_scope(self.url) as session:
            session.execute(delete(Submission).where(Submission.id == submission_id))

    def mark_running(self, submission_id: str, *, worker_id: str) -> bool:
        """Counts the attempt: a submission run again after a lost worker shows how often it started."""
        return self._transition(
            submission_id,
            status=RUNNING,
            worker_id=worker_id,
            attempts=Submission.attempts + 1,
            started_at=utcnow(),
            error=None,
            error_detail=None,
        )

    def mark_requeued(self, submission_id: str, *, reason: str, attempt: int | None = None) -> bool:
        """A lost worker's submission goes back to the queue; the reason stays visible until it runs again."""
        return self._transition(
            submission_id, attempt=attempt, status=QUEUED, worker_id=None, error=reason, error_detail=None
        )

    def mark_completed(
        self,
        submission_id: str,
        *,
        attempt: int | None = None,
        result: dict[str, Any],
        score: float,
        private_score: float | None = None,
        previews: Sequence[bytes] = (),
    ) -> bool:
        """The result and its previews, in one transaction; `score` is the public part's."""
        pictures = [Preview(submission_id=submission_id, index=i, png=png) for i, png in enumerate(previews)]
        return self._transition(
            submission_id,
            attempt=attempt,
            also=pictures,
            status=COMPLETED,
            result=result,
            score=score,
            private_score=private_score,
            error=None,
            error_detail=None,
            finished_at=utcnow(),
        )

    def mark_cancelled(self, submission_id: str, *, by: str) -> bool:
        """Cancelled, by its team or the organiser; only an unfinished one, so a result already stored
        stands, and a late result of the cancelled evaluation is never recorded."""
        return self._transition(
            submission_id, status=CANCELLED, error=f"cancelled by {by}", finished_at=utcnow()
        )

    def mark_failed(
        self,
        submission_id: str,
        *,
        error: str,
        failure: Failure,
        detail: str | None = None,
        attempt: int | None = None,
    ) -> bool:
        """`failure` says whose fault it was, which decides whether the team's quota counts it; `detail`
        is the organiser's whole text, where it says more than `error`."""
        return self._transition(
            submission_id,
            attempt=attempt,
            status=FAILED,
            error=error,
            error_detail=detail if detail != error else None,
            failure=failure,
            finished_at=utcnow(),
        )

    def _transition(
        self, submission_id: str, *, attempt: int | None = None, also: Sequence[Base] = (), **values: Any
    ) -> bool:
        """Apply only while unfinished, so a late message from a lost worker cannot undo a final state, and,
        given an `attempt`, only while that attempt holds it, so a worker cut off and replaced cannot undo
        its successor's work; the rows in `also` are added with the change, or not at all."""
        held = [] if attempt is None else [Submission.attempts == attempt]
        with session_scope(self.url) as session:
            outcome = session.execute(
                update(Submission)
                .where(Submission.id == submission_id, Submission.status.in_(UNFINISHED), *held)
                .values(**values)
            )
            changed = bool(outcome.rowcount)
            if changed:
                session.add_all(also)
        if changed and self.on_change is not None:
            self.on_change(submission_id)
        return changed

    def ranking(
        self,
        task: str,
        *,
        higher_is_better: bool,
        limit: int,
        unranked_team: int | None = None,
        by_private: bool = False,
    ) -> list[Submission]:
        """Completed submissions by score (the private one `by_private`; those without one last), best first;
        each team (or, without one, each named participant) only with its best; `unranked_team`'s (the
        organiser's) never appear."""
        bests = self.best_of_each(
            task, higher_is_better=higher_is_better, unranked_team=unranked_team, by_private=by_private
        )
        return list(islice(bests, limit))

    def best_of_each(
        self,
        task: str,
        *,
        higher_is_better: bool,
        unranked_team: int | None = None,
        by_private: bool = False,
    ) -> Iterator[Submission]:
        """Each team's (or named participant's) best completed submission of `task`, best first.

        The scan reads three small columns of every completed submission; only the best rows are loaded
        whole (results are JSON), which keeps a leaderboard of a long competition fast."""
        column = Submission.private_score if by_private else Submission.score
        order = (column.desc() if higher_is_better else column.asc()).nulls_last()
        query = (
            select(Submission.id, Submission.team_id, Submission.participant)
            .where(Submission.task == task, Submission.status == COMPLETED)
            .order_by(order, Submission.finished_at)
        )
        if unranked_team is not None:
            query = query.where(or_(Submission.team_id.is_(None), Submission.team_id != unranked_team))
        bests: list[str] = []
        seen: set[Entrant] = set()
        with session_scope(self.url) as session:
            for row in session.execute(query.execution_options(yield_per=500)):
                key = entrant(row)
                if key not in seen:
                    seen.add(key)
                    bests.append(row.id)
        for start in range(0, len(bests), LOADED_AT_ONCE):
            chunk = bests[start : start + LOADED_AT_ONCE]
            with session_scope(self.url) as session:
                rows = {
                    row.id: row for row in session.scalars(select(Submission).where(Submission.id.in_(chunk)))
                }
            yield from (rows[submission_id] for submission_id in chunk)

    def entries(self, task: str) -> dict[Entrant, int]:
        """How many submissions of `task` each entrant made (every status), keyed as `entrant` keys them."""
        query = (
            select(Submission.team_id, Submission.participant, func.count())
            .where(Submission.task == task)
            .group_by(Submission.team_id, Submission.participant)
        )
        counts: dict[Entrant, int] = {}
        with session_scope(self.url) as session:
            for team_id, participant, count in session.execute(query):
                key = (team_id, None) if team_id is not None else (None, participant)
                counts[key] = counts.get(key, 0) + count
        return counts

    def preview(self, submission_id: str, index: int) -> bytes | None:
        with session_scope(self.url) as session:
            found = session.get(Preview, (submission_id, index))
            return None if found is None else found.png

    def waiting(self) -> list[Waiting]:
        """The queued submissions, oldest first."""
        query = (
            select(Submission.id, Submission.participant, Submission.attempts)
            .where(Submission.status == QUEUED)
            .order_by(Submission.created_at, Submission.id)
        )
        with session_scope(self.url) as session:
            return [Waiting(*row) for row in session.execute(query)]

    def latest_starts(self, participants: Collection[str]) -> dict[str, datetime]:
        """When each of them last had an evaluation start; one that never did is absent."""
        query = (
            select(Submission.participant, func.max(Submission.started_at))
            .where(Submission.participant.in_(participants), Submission.started_at.is_not(None))
            .group_by(Submission.participant)
        )
        with session_scope(self.url) as session:
            return {name: as_utc(moment) for name, moment in session.execute(query)}

    def unfinished(self) -> list[Submission]:
        with session_scope(self.url) as session:
            return list(session.scalars(select(Submission).where(Submission.status.in_(UNFINISHED))))
