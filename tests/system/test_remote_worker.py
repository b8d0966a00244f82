"""A worker as on another host: given only Redis's URL, the API's URL and the workers' token, with a DATA_DIR
of its own, it evaluates exactly as the API's host would (the same hidden test set, drawn from the API's
secrets), fetches the model from the API into its cache, and reports the result and previews to the API.
What holds on the API's host holds there too: progress, cancel and the time limit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hostile import looping_model
from tests.support.models import depth_model
from tests.support.processes import GoatProcess, wait_until
from tests.support.scoring import assert_scored_as_here
from tests.support.system import GoatSystem, NewDatabase, without_workers

TIME_LIMIT = 8
# Seconds per batch: progress shows after the first, and a cancel comes long before the last.
BATCH_ITERATIONS = 300_000


@pytest.fixture(scope="module")
def alone(fresh_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """The API and Redis, no worker of its own; its test-set secrets drawn into its DATA_DIR."""
    env = {"JOB_TIMEOUT": str(TIME_LIMIT), **fresh_database()}
    with without_workers(tmp_path_factory.mktemp("api-host"), **env) as system:
        yield system


@pytest.fixture(scope="module")
def remote(alone: GoatSystem, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatProcess]:
    worker = alone.remote_worker(tmp_path_factory.mktemp("worker-host") / "data").start()
    try:
        wait_until(
            lambda: worker.running() and alone.admin.queue_status()["worker_count"] == 1,
            timeout=120,
            what="the remote worker to register",
        )
        yield worker
    finally:
        worker.stop()


def test_a_remote_worker_scores_on_the_deployments_test_set(
    alone: GoatSystem, remote: GoatProcess, models_dir: Path
) -> None:
    model = depth_model(models_dir / "model.onnx", image_size=alone.settings.image_size)
    final = alone.client.wait(alone.client.submit(model)["submission_id"], timeout=120)

    assert final["status"] == "completed", (final, alone.logs())
    assert_scored_as_here(alone, model, final["result"]["metrics"])
    assert final["result"]["previews"] == alone.settings.preview_count
    sha256 = hashlib.sha256(model.read_bytes()).hexdigest()
    cached = Path(remote.env["DATA_DIR"]) / "model-cache" / f"{sha256}.onnx"
    assert cached.read_bytes() == model.read_bytes()
    assert not (Path(remote.env["DATA_DIR"]) / "dataset-seed").exists()


def test_a_remote_evaluation_shows_progress_and_stops_when_cancelled(
    alone: GoatSystem, remote: GoatProcess, models_dir: Path
) -> None:
    size = alone.settings.image_size
    slow = looping_model(models_dir / "slow.onnx", image_size=size, iterations=BATCH_ITERATIONS)
    submission = alone.client.submit(slow)["submission_id"]
    wait_until(
        lambda: (alone.client.status(submission)["progress"] or {}).get("done", 0) > 0,
        timeout=60,
        what="progress reported from the remote worker",
    )
    assert alone.client.cancel(submission)["status"] == "cancelled"
    final = alone.client.wait(submission, timeout=60)
    assert (final["status"], final["result"]) == ("cancelled", None)
    wait_until(
        lambda: alone.admin.queue_status()["workers"][0]["state"] == "idle",
        timeout=60,
        what="the remote worker idle again",
    )


def test_the_time_limit_holds_on_a_remote_worker(
    alone: GoatSystem, remote: GoatProcess, models_dir: Path
) -> None:
    size = alone.settings.image_size
    endless = looping_model(models_dir / "endless.onnx", image_size=size, iterations=10**9)
    final = alone.client.wait(alone.client.submit(endless)["submission_id"], timeout=TIME_LIMIT + 120)
    assert (final["status"], final["error"]) == ("failed", f"time limit of {TIME_LIMIT} s exceeded")
