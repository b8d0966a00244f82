"""What the API hands a worker: the deployment's evaluation settings and secrets, its TASKS_FILE as text."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from goat.worker.wire import DeploymentSettings
from tests.support.system import explicit_settings


def test_a_worker_takes_the_deployments_settings_and_tasks_file_over_its_own(tmp_path: Path) -> None:
    tasks = tmp_path / "api" / "tasks.toml"
    tasks.parent.mkdir()
    tasks.write_text('[tasks.extra]\nfamily = "segmentation"\nimage_size = 16\n')
    api = explicit_settings({"DATA_DIR": str(tmp_path / "api"), "TASKS_FILE": str(tasks), "IMAGE_SIZE": "24"})
    api = api.model_copy(update={"dataset_seed": 7, "split_key": SecretStr("k" * 64)})
    worker = explicit_settings({"DATA_DIR": str(tmp_path / "worker"), "IMAGE_SIZE": "448"})

    sent = DeploymentSettings.model_validate_json(DeploymentSettings.of(api).model_dump_json())
    applied = sent.apply(worker)

    assert (applied.image_size, applied.dataset_seed) == (24, 7)
    assert applied.split_key.get_secret_value() == "k" * 64
    assert applied.tasks_file == tmp_path / "worker" / "tasks.toml"
    assert applied.tasks_file.read_text() == tasks.read_text()
    assert applied.data_dir == tmp_path / "worker"
