"""What fair dispatch reads from the store, on SQLite and PostgreSQL: the queued submissions oldest first,
and each participant's latest start."""

from __future__ import annotations

import uuid
from dataclasses import replace

from goat.storage.submissions import SubmissionStore, Waiting, as_utc
from tests.support.rows import NEW


def queued(store: SubmissionStore, participant: str) -> str:
    return store.create(replace(NEW, id=f"sub_1_{uuid.uuid4().hex[:8]}", participant=participant)).id


def test_waiting_oldest_first_and_the_latest_start_of_each(database_url: str) -> None:
    store = SubmissionStore(database_url)
    first, second, third = queued(store, "A"), queued(store, "A"), queued(store, "B")
    never = queued(store, "C")
    assert store.mark_running(first, worker_id="w")
    assert store.mark_running(second, worker_id="w")
    assert store.mark_requeued(first, reason="lost")

    assert store.waiting() == [Waiting(first, "A", 1), Waiting(third, "B", 0), Waiting(never, "C", 0)]
    latest = store.latest_starts({"A", "B", "C"})
    assert set(latest) == {"A"}
    assert latest["A"] == as_utc(store.get(second).started_at)
