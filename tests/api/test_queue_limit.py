"""MAX_QUEUE_LENGTH holds under parallel uploads (counted when an upload is admitted, not only before its
body arrives), and a full queue answers 429 with Retry-After, storing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from goat.storage.submissions import SubmissionStore
from tests.support.models import depth_model
from tests.support.system import GoatSystem, bearer

LENGTH = 3


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    env = {"MAX_QUEUE_LENGTH": str(LENGTH), "CHECK_BACKLOG": "8"}
    with GoatSystem(tmp_path_factory.mktemp("queue"), workers=0, env=env) as system:
        yield system


def waiting(system: GoatSystem) -> int:
    return len(SubmissionStore(system.settings.resolved_database_url).unfinished())


def upload(system: GoatSystem, model: Path, token: str) -> httpx.Response:
    return httpx.post(
        f"{system.url}/submit/task2",
        files={"file": (model.name, model.read_bytes())},
        headers=bearer(token),
        timeout=60,
    )


def test_parallel_uploads_do_not_overshoot_the_queue(api: GoatSystem, tmp_path: Path) -> None:
    """Eight teams at once into an empty queue of three places: each passes the early count, three are
    admitted."""
    tokens = [api.admin.add_team(f"rush-{index}")["token"] for index in range(8)]
    models = [depth_model(tmp_path / f"m{index}.onnx", image_size=32) for index in range(8)]
    with ThreadPoolExecutor(8) as senders:
        answers = list(senders.map(lambda pair: upload(api, *pair), zip(models, tokens, strict=True)))
    assert sorted(answer.status_code for answer in answers) == [202] * LENGTH + [429] * (8 - LENGTH)
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert f"the queue is full ({LENGTH} submissions waiting, MAX_QUEUE_LENGTH)" in refused.json()["detail"]
    assert waiting(api) == LENGTH


def test_full_queue_is_429_with_retry_after(api: GoatSystem, tmp_path: Path) -> None:
    for index in range(LENGTH - waiting(api)):
        api.client.submit(depth_model(tmp_path / f"queued{index}.onnx", image_size=32))
    refused = upload(api, depth_model(tmp_path / "m.onnx", image_size=32), api.token)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"].isdigit()
    assert f"queue is full ({LENGTH} submissions waiting" in refused.json()["detail"]
    assert waiting(api) == LENGTH
