"""Fair dispatch: round-robin across teams, FIFO within a team, a submission queued again after goat's fault
first; over HTTP with one worker, a team's burst does not hold up another team's upload."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from goat.queue.connection import connect
from goat.queue.dispatch import ARRANGE, fair_order
from goat.storage.submissions import Waiting
from tests.support.hostile import looping_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem

SIZE = 32
EARLY = datetime(2026, 12, 1, tzinfo=UTC)


def waiting(*entries: tuple[str, str | None, int]) -> list[Waiting]:
    return [Waiting(*entry) for entry in entries]


def test_teams_take_turns_and_the_one_longest_without_a_start_goes_first() -> None:
    queued = waiting(("a1", "A", 0), ("a2", "A", 0), ("a3", "A", 0), ("b1", "B", 0), ("c1", "C", 0))
    starts = {"A": EARLY + timedelta(hours=1), "C": EARLY}
    assert fair_order(queued, starts) == ["b1", "c1", "a1", "a2", "a3"]


def test_ties_go_to_the_oldest_and_a_submission_queued_again_goes_first() -> None:
    queued = waiting(("a1", "A", 0), ("b1", "B", 0), ("a2", "A", 0), ("r1", "B", 2), (("x1", None, 0)))
    assert fair_order(queued, {}) == ["r1", "a1", "b1", "x1", "a2"]


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with GoatSystem(tmp_path_factory.mktemp("dispatch"), workers=1) as running:
        yield running


def test_arranging_keeps_jobs_it_does_not_know_first(one_worker: GoatSystem) -> None:
    """A job added after the order was read, or pushed to the front by an RQ retry, stays ahead: its own
    arrangement follows. An ordered id no longer in the list is not added back."""
    redis = connect(one_worker.redis.url)
    key = "goat:test:arrange"
    try:
        redis.rpush(key, "a1", "late", "b1", "a2")
        assert redis.eval(ARRANGE, 1, key, "b1", "a1", "gone", "a2") == 4
        assert [entry.decode() for entry in redis.lrange(key, 0, -1)] == ["late", "b1", "a1", "a2"]
    finally:
        redis.delete(key)
        redis.close()


def test_a_burst_of_one_team_does_not_hold_up_another(one_worker: GoatSystem, tmp_path: Path) -> None:
    """The issue's example: with one worker, team A uploads four slow models, then team B uploads one; B's
    starts second. A's first runs until it is cancelled, so the order is read while it runs."""
    team_a, team_b = one_worker.team("burst A"), one_worker.team("patient B")
    first = team_a.submit(looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9))
    wait_until(
        lambda: team_a.status(first["submission_id"])["status"] == "running", timeout=60, what="A's first"
    )
    burst = [team_a.submit(depth_model(tmp_path / f"a{i}.onnx", image_size=SIZE)) for i in range(3)]
    late = team_b.submit(depth_model(tmp_path / "b.onnx", image_size=SIZE))

    assert late["queue_position"] == 1
    assert [team_a.status(s["submission_id"])["queue_position"] for s in burst] == [2, 3, 4]

    team_a.cancel(first["submission_id"])
    ended = [team_b.wait(late["submission_id"]), *(team_a.wait(s["submission_id"]) for s in burst)]
    assert [s["status"] for s in ended] == ["completed"] * 4
    starts = [s["started_at"] for s in ended]
    assert starts == sorted(starts), "B's started second (after A's first), then A's three in their order"
