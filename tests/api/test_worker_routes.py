"""/worker/…: the workers' token alone opens them; an outcome counts only from the attempt holding the
submission; a rotated token applies at once; `goat worker-join` prints the one command a worker host needs."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from goat.executors.results import Outputs
from goat.storage.submissions import MODEL_FAILURE
from goat.worker.api import WorkerApi
from tests.support.legacy import RESULT
from tests.support.models import depth_model
from tests.support.processes import run_goat
from tests.support.system import GoatSystem, bearer, without_workers

OUTPUTS = Outputs.model_validate(RESULT)
"""An evaluation's outputs (the result's worker_id is not one of them)."""


@pytest.fixture(scope="module")
def idle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """No worker: the tests play the workers over HTTP."""
    with without_workers(tmp_path_factory.mktemp("worker-routes")) as system:
        yield system


@pytest.fixture
def api(idle: GoatSystem) -> WorkerApi:
    return WorkerApi(idle.url, lambda: idle.worker_token, retry_delays=())


@pytest.fixture
def queued(idle: GoatSystem, models_dir: Path) -> str:
    model = depth_model(models_dir / "model.onnx", image_size=idle.settings.image_size)
    return idle.client.submit(model)["submission_id"]


def test_only_the_workers_token_opens_the_worker_routes(idle: GoatSystem) -> None:
    for headers in ({}, idle.headers, bearer(idle.admin_token), bearer("goat_not-a-token")):
        refused = httpx.get(f"{idle.url}/worker/setup", headers=headers)
        assert refused.status_code == 401
        assert "WORKER_TOKEN" in refused.json()["detail"]
        assert httpx.get(f"{idle.url}/worker/datasets/task2", headers=headers).status_code == 401
    setup = httpx.get(f"{idle.url}/worker/setup", headers=bearer(idle.worker_token)).json()
    assert setup["settings"]["dataset_seed"] == idle.settings.dataset_seed
    assert setup["settings"]["split_key"] == idle.settings.split_key.get_secret_value()
    assert setup["datasets"] == {}, "generated test sets: no folder to ship"


@pytest.mark.parametrize("task", ["task2", "task3", "no-such-task"])
def test_a_task_without_a_dataset_folder_has_none_to_fetch(idle: GoatSystem, task: str) -> None:
    answer = httpx.get(f"{idle.url}/worker/datasets/{task}", headers=bearer(idle.worker_token))
    assert answer.status_code == 404
    assert answer.json()["detail"] == f"task {task!r} has no dataset folder here"


def test_an_outcome_counts_only_from_the_attempt_holding_the_submission(
    idle: GoatSystem, api: WorkerApi, queued: str
) -> None:
    first = api.started(queued, worker_id="host-b")
    assert first is not None and first.attempt == 1
    second = api.started(queued, worker_id="host-c")  # host B cut off; the API started it again on C
    assert second is not None and second.attempt == 2

    assert not api.completed(queued, OUTPUTS, worker_id="host-b", attempt=1)
    assert idle.client.status(queued)["status"] == "running"
    assert api.completed(queued, OUTPUTS, worker_id="host-c", attempt=2)
    api.failed(queued, reason="host B's late failure", failure=MODEL_FAILURE, attempt=1)

    final = idle.client.status(queued)
    assert (final["status"], final["result"]["worker_id"]) == ("completed", "host-c")
    assert api.started(queued, worker_id="host-b") is None


def test_worker_join_prints_the_command_and_rotates_the_token(idle: GoatSystem, tmp_path: Path) -> None:
    old = idle.worker_token
    joined = run_goat("worker-join", "--host", "host-a", "--rotate", cwd=tmp_path, env=idle.env, timeout=60)
    assert joined.returncode == 0, joined.stderr
    *assignments, program, command = shlex.split(joined.stdout)
    given = dict(assignment.split("=", 1) for assignment in assignments)
    assert (program, command) == ("goat", "worker")
    assert given["API_URL"] == f"http://host-a:{idle.port}"
    assert given["REDIS_URL"] == idle.redis.url.replace("127.0.0.1", "host-a")
    assert given["WORKER_TOKEN"] == idle.worker_token != old
    assert httpx.get(f"{idle.url}/worker/setup", headers=bearer(old)).status_code == 401
    assert httpx.get(f"{idle.url}/worker/setup", headers=bearer(given["WORKER_TOKEN"])).status_code == 200


def test_a_worker_with_a_wrong_token_takes_no_work_and_says_why(idle: GoatSystem, tmp_path: Path) -> None:
    worker = idle.remote_worker(tmp_path / "data")
    done = run_goat("worker", cwd=tmp_path, env={**worker.env, "WORKER_TOKEN": "goat_not-ours"}, timeout=120)
    assert done.returncode == 78, done.stderr
    assert "refuses this worker's token" in done.stderr
    assert "goat_not-ours" not in done.stderr
