"""The quota's counting and the team's lock, on SQLite and PostgreSQL: what each ending counts, which
earlier submission is a duplicate, and parallel admissions that cannot overshoot the last slot nor the
queue's length."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from goat.storage.admission import Admitted, Limits, OverQuota, QueueAtLimit, admit
from goat.storage.database import session_scope
from goat.storage.duplicates import earlier_submission
from goat.storage.quota import used_today
from goat.storage.submissions import MODEL_FAILURE, PLATFORM_FAILURE, NewSubmission, SubmissionStore
from goat.storage.tables import Submission
from goat.storage.teams import TeamStore

NOW = datetime(2026, 5, 17, 15, 30, tzinfo=UTC)
UNLIMITED = Limits(per_day=0, unfinished=0)
ANY_LENGTH = 10**6
"""A MAX_QUEUE_LENGTH the tests of the team's limits never reach."""


def a_team(url: str) -> int:
    return TeamStore(url).create(f"team-{uuid.uuid4().hex[:8]}", token_sha256=uuid.uuid4().hex * 2).id


def upload(team_id: int | None, *, sha256: str | None = None, test_set: str = "set-a") -> NewSubmission:
    return NewSubmission(
        id=f"sub_1_{uuid.uuid4().hex[:8]}",
        task="task2",
        participant="p",
        team_id=team_id,
        test_set=test_set,
        model_sha256=sha256 or uuid.uuid4().hex * 2,
        model_size_bytes=1,
        filename="m.onnx",
        model_info={},
    )


def used(url: str, team_id: int) -> int:
    with session_scope(url) as session:
        return used_today(session, team_id=team_id, task="task2", now=NOW, limit=10).used


def test_each_ending_counts_as_documented(database_url: str) -> None:
    store, team = SubmissionStore(database_url), a_team(database_url)
    ended = {
        name: store.create(upload(team)).id for name in ("done", "model", "platform", "legacy", "queued")
    }
    store.mark_completed(ended["done"], result={}, score=1.0)
    store.mark_failed(ended["model"], error="NaN", failure=MODEL_FAILURE)
    store.mark_failed(ended["platform"], error="worker lost 3 times", failure=PLATFORM_FAILURE)
    with session_scope(database_url) as session:  # a failure recorded before revision 0004: no kind
        session.get(Submission, ended["legacy"]).status = "failed"  # type: ignore[union-attr]
    # completed, the model's failure, the legacy failure and the queued one; not goat's failure
    assert used(database_url, team) == 4
    assert used(database_url, a_team(database_url)) == 0


def test_a_platform_failure_is_no_duplicate_and_a_completed_one_is(database_url: str) -> None:
    store, team = SubmissionStore(database_url), a_team(database_url)
    first = store.create(upload(team, sha256="a" * 64))
    store.mark_failed(first.id, error="internal error", failure=PLATFORM_FAILURE)
    with session_scope(database_url) as session:
        assert earlier_submission(session, upload(team, sha256="a" * 64)) is None
    second = store.create(upload(team, sha256="a" * 64))
    store.mark_completed(second.id, result={}, score=1.0)
    with session_scope(database_url) as session:
        assert earlier_submission(session, upload(team, sha256="a" * 64)).id == second.id  # type: ignore[union-attr]
        assert earlier_submission(session, upload(team, sha256="a" * 64, test_set="set-b")) is None
        assert earlier_submission(session, upload(a_team(database_url), sha256="a" * 64)) is None


class Stored:
    """Counts the models admission asks to store."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def once(self) -> None:
        with self._lock:
            self.count += 1


def admit_now(
    url: str, new: NewSubmission, limits: Limits, stored: Stored, *, max_queued: int = ANY_LENGTH
) -> Admitted:
    """admit at NOW, counting the models it stores in `stored`."""
    return admit(url, new, limits=limits, max_queued=max_queued, now=NOW, store_model=stored.once)


def test_a_duplicate_uses_no_slot(database_url: str) -> None:
    team, limits, stored = a_team(database_url), Limits(per_day=1, unfinished=0), Stored()
    first = admit_now(database_url, upload(team, sha256="b" * 64), limits, stored)
    again = admit_now(database_url, upload(team, sha256="b" * 64), limits, stored)
    assert again.duplicate and again.row.id == first.row.id and again.usage.used == 1  # type: ignore[union-attr]
    with pytest.raises(OverQuota, match="1 of 1 submissions today"):
        admit_now(database_url, upload(team), limits, stored)
    assert stored.count == 1, "the model is stored for the new row alone, not for a duplicate or a refusal"


def in_parallel(count: int, admission: Callable[[], Admitted]) -> tuple[list[Admitted], list[Exception]]:
    """`count` admissions released at once: what was admitted, and what was refused."""
    start = threading.Barrier(count)
    admitted: list[Admitted] = []
    refused: list[Exception] = []

    def one() -> None:
        start.wait()
        try:
            admitted.append(admission())
        except (OverQuota, QueueAtLimit) as refusal:
            refused.append(refusal)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return admitted, refused


@pytest.mark.parametrize("limits", [Limits(per_day=3, unfinished=0), Limits(per_day=0, unfinished=3)])
def test_parallel_admissions_take_exactly_the_free_slots(database_url: str, limits: Limits) -> None:
    team, stored = a_team(database_url), Stored()
    admitted, refused = in_parallel(
        8,
        lambda: admit_now(database_url, upload(team), limits, stored),
    )
    assert (len(admitted), len(refused)) == (3, 5)
    assert all(isinstance(refusal, OverQuota) for refusal in refused)
    assert stored.count == 3
    assert used(database_url, team) == 3
    assert admit_now(database_url, upload(team), UNLIMITED, stored).usage is not None


def test_parallel_admissions_of_many_teams_stop_at_the_queue_length(database_url: str) -> None:
    """Eight teams and anonymous uploads at once, three places left in the queue: three are admitted."""
    SubmissionStore(database_url).create(upload(a_team(database_url)))  # one already waiting
    teams = iter([*(a_team(database_url) for _ in range(4)), *([None] * 4)])
    stored = Stored()
    admitted, refused = in_parallel(
        8,
        lambda: admit_now(database_url, upload(next(teams)), UNLIMITED, stored, max_queued=4),
    )
    assert (len(admitted), len(refused)) == (3, 5)
    assert {refusal.waiting for refusal in refused} == {4}  # type: ignore[attr-defined]
    assert stored.count == 3
    assert len(SubmissionStore(database_url).unfinished()) == 4
