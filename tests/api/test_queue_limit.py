"""A full queue answers 429 with Retry-After, and stores nothing."""

from __future__ import annotations

from pathlib import Path

import httpx

from goat.storage.submissions import SubmissionStore
from tests.support.models import depth_model
from tests.support.system import GoatSystem


def test_full_queue_is_429_with_retry_after(tmp_path: Path) -> None:
    with GoatSystem(tmp_path / "system", workers=0, env={"MAX_QUEUE_LENGTH": "2"}) as system:
        for index in range(2):  # distinct models: the same bytes again would be a duplicate
            system.client.submit(depth_model(tmp_path / f"queued{index}.onnx", image_size=32))
        model = depth_model(tmp_path / "m.onnx", image_size=32)
        refused = httpx.post(
            f"{system.url}/submit/task2",
            files={"file": ("m.onnx", model.read_bytes())},
            headers=system.headers,
        )
        assert refused.status_code == 429
        assert refused.headers["Retry-After"].isdigit()
        assert "queue is full (2 submissions waiting" in refused.json()["detail"]
        assert len(SubmissionStore(system.settings.resolved_database_url).unfinished()) == 2
