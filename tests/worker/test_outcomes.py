"""goat's own failure of a submission that no evaluation has started is no ending: it is queued again, never
failed with attempts 0; once an evaluation has started, the platform's failure is final."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from goat.queue.connection import connect
from goat.storage.submissions import FAILED, PLATFORM_FAILURE, QUEUED
from goat.worker.outcomes import Outcomes
from tests.support.processes import RedisServer
from tests.support.rows import NEW


@pytest.fixture
def outcomes(tmp_path: Path) -> Iterator[Outcomes]:
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield Outcomes(f"sqlite:///{tmp_path / 'goat.db'}", connect(server.url))
    finally:
        server.stop()


def submitted(outcomes: Outcomes, submission_id: str) -> str:
    return outcomes.store.create(replace(NEW, id=submission_id)).id


def test_a_platform_failure_before_any_start_queues_it_again(outcomes: Outcomes) -> None:
    never_started = submitted(outcomes, "sub_1_00000001")
    outcomes.failed(never_started, reason="worker lost 3 times", failure=PLATFORM_FAILURE)
    row = outcomes.store.get(never_started)
    assert (row.status, row.attempts) == (QUEUED, 0)
    assert row.error == "worker lost 3 times before its evaluation started; queued again"


def test_a_platform_failure_after_a_start_is_final(outcomes: Outcomes) -> None:
    started = submitted(outcomes, "sub_1_00000002")
    assert outcomes.started(started, worker_id="w") is not None
    outcomes.failed(started, reason="worker lost 3 times", failure=PLATFORM_FAILURE)
    row = outcomes.store.get(started)
    assert (row.status, row.attempts, row.failure) == (FAILED, 1, PLATFORM_FAILURE)
