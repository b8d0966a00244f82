"""Results and queued work outlive a restart of every process, Redis included."""

from __future__ import annotations

from pathlib import Path

from tests.support.models import depth_model
from tests.support.system import GoatSystem, NewDatabase


def test_result_and_queued_work_survive_full_restart(fresh_database: NewDatabase, tmp_path: Path) -> None:
    with GoatSystem(tmp_path / "system", workers=1, env=fresh_database()) as system:
        model = depth_model(tmp_path / "m.onnx", image_size=32)
        done = system.client.wait(system.client.submit(model)["submission_id"], timeout=120)
        assert done["status"] == "completed", system.logs()

        for worker in system.workers:
            worker.stop()
        waiting = system.client.submit(depth_model(tmp_path / "m8.onnx", image_size=32, batch=8))
        assert system.client.status(waiting["submission_id"])["status"] == "queued"

        system.stop()
        system.start()

        after = system.client.status(done["submission_id"])
        assert after["status"] == "completed"
        assert after["result"] == done["result"]
        assert after["finished_at"] == done["finished_at"]
        resumed = system.client.wait(waiting["submission_id"], timeout=120)
        assert resumed["status"] == "completed", system.logs()
