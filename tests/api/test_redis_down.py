"""While Redis is down the status pages and the leaderboard still answer, from the SQL record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.models import depth_model
from tests.support.system import GoatSystem


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with GoatSystem(tmp_path_factory.mktemp("redis-down"), workers=1) as running:
        yield running


def test_status_and_leaderboard_answer_from_sql_while_redis_is_down(
    one_worker: GoatSystem, tmp_path: Path
) -> None:
    system = one_worker
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size, batch=2)
    done = system.client.wait(system.client.submit(model, name="redis-down-done")["submission_id"])
    assert done["status"] == "completed", system.logs()
    # With its only worker stopped, the next submission stays queued.
    assert system.workers[0].stop() == 0
    another = depth_model(
        tmp_path / "m2.onnx", image_size=system.settings.image_size, batch=2
    )  # not a duplicate
    waiting = system.client.submit(another, name="redis-down-waiting")["submission_id"]
    assert system.client.status(waiting)["queue_position"] >= 1

    system.redis.stop()
    try:
        assert httpx.get(f"{system.url}/submit/health", timeout=30).status_code == 503

        completed = system.client.status(done["submission_id"])
        assert completed["status"] == "completed"
        assert completed["result"] == done["result"]
        assert completed["progress"] == done["progress"]

        queued = system.client.status(waiting)
        assert queued["status"] == "queued"
        assert queued["queue_position"] is None

        entries = system.client.leaderboard()["entries"]
        assert done["submission_id"] in {entry["submission_id"] for entry in entries}
    finally:
        system.redis.start()

    assert system.client.status(waiting)["queue_position"] >= 1
    system.workers[0] = system.workers[0].again().start()
    final = system.client.wait(waiting, timeout=120)
    assert final["status"] == "completed", system.logs()
