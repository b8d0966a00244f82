"""A folder dataset on a worker host that does not have the folder: the worker fetches it from the API,
checks it, keeps it in its own DATA_DIR and scores on it exactly as the API's host would. The worker runs
in a mount namespace where the organiser's folder is covered by an empty tmpfs (tests/support/elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.shipping import fingerprint
from tests.support.depth_files import gradient_rgb, write_npy, write_rgb
from tests.support.elsewhere import require_mount_namespaces, without
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.scoring import assert_scored_as_here
from tests.support.system import TEST_ENV, GoatSystem, NewDatabase, without_workers


@pytest.fixture(scope="module")
def organiser_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The organiser's disk on the API's host, holding a depth dataset of NUM_SAMPLES samples."""
    folder = tmp_path_factory.mktemp("organiser")
    dataset = folder / "nyu" / "test"
    for index in range(int(TEST_ENV["NUM_SAMPLES"])):
        write_rgb(dataset / "rgb" / f"{index:02d}.png", gradient_rgb(24, 32, offset=7 * index))
        depth = np.linspace(0.5, 4.0, 24 * 32, dtype=np.float32).reshape(24, 32) + 0.1 * index
        write_npy(dataset / "depth" / f"{index:02d}.npy", depth)
    return folder


@pytest.fixture(scope="module")
def api_host(
    organiser_folder: Path, fresh_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GoatSystem]:
    require_mount_namespaces(organiser_folder)
    env = {"DATASET_DIR": str(organiser_folder / "nyu" / "test"), **fresh_database()}
    with without_workers(tmp_path_factory.mktemp("api-host"), **env) as system:
        yield system


def test_a_worker_without_the_folder_fetches_it_and_scores_on_it(
    api_host: GoatSystem, organiser_folder: Path, tmp_path: Path
) -> None:
    worker_data = tmp_path / "worker-host"
    worker = api_host.remote_worker(worker_data, launcher=without(organiser_folder)).start()
    try:
        wait_until(
            lambda: worker.running() and api_host.admin.queue_status()["worker_count"] == 1,
            timeout=120,
            what="the worker to fetch the dataset and register",
        )
        model = depth_model(tmp_path / "m.onnx", image_size=api_host.settings.image_size)
        final = api_host.client.wait(api_host.client.submit(model)["submission_id"], timeout=120)
        assert final["status"] == "completed", (final, api_host.logs())
        assert_scored_as_here(api_host, model, final["result"]["metrics"])
    finally:
        worker.stop()

    dataset = organiser_folder / "nyu" / "test"
    copies = sorted((worker_data / "datasets").iterdir())
    assert [copy.name for copy in copies] == [f"task2-{fingerprint(dataset)[:16]}"]
    assert fingerprint(copies[0]) == fingerprint(dataset)
    assert "task2: dataset fetched from the API" in worker.log.read_text()
