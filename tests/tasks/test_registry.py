"""The tasks a deployment evaluates: task2 from the seed's variables, more from a TOML tasks file."""

from pathlib import Path

import pytest

from goat.core.config import Settings
from goat.tasks import UnknownTaskError, load_registry
from goat.tasks.registry import TasksFileError
from tests.support.system import explicit_settings


def settings(tmp_path: Path, tasks_file: str | None = None, **env: str) -> Settings:
    values = {"DATA_DIR": str(tmp_path / "data"), "DATASET_SEED": "0", **env}
    if tasks_file is not None:
        (tmp_path / "tasks.toml").write_text(tasks_file)
        values["TASKS_FILE"] = str(tmp_path / "tasks.toml")
    return explicit_settings(values)


def test_the_seed_variables_configure_task2(tmp_path: Path) -> None:
    dataset = tmp_path / "nyu"
    registry = load_registry(
        settings(
            tmp_path,
            IMAGE_SIZE="64",
            NUM_SAMPLES="5",
            BATCH_SIZE="3",
            DATASET_SEED="7",
            DATASET_DIR=str(dataset),
        )
    )
    task2 = registry["task2"]
    assert task2.definition.interface.input.sample_shape == (3, 64, 64)
    assert task2.batch_size == 3
    assert (task2.dataset.image_size, task2.dataset.num_samples, task2.dataset.seed) == (64, 5, 7)
    assert task2.dataset.dataset_dir == dataset.resolve()
    assert task2.dataset.cache_dir == tmp_path.resolve() / "data" / "cache"


def test_a_tasks_file_declares_tasks_of_a_family_without_code(tmp_path: Path) -> None:
    registry = load_registry(
        settings(
            tmp_path,
            """
            [tasks.task2-nyu]
            family = "depth"
            title = "Depth on NYUv2"
            dataset_dir = "/data/nyu"
            split = "test"
            image_size = 384
            batch_size = 4
            """,
            IMAGE_SIZE="32",
            NUM_SAMPLES="12",
        )
    )
    nyu = registry["task2-nyu"]
    assert nyu.definition.title == "Depth on NYUv2"
    assert nyu.definition.interface.input.image_size == 384
    assert (nyu.batch_size, nyu.dataset.dataset_dir) == (4, Path("/data/nyu/test"))
    assert nyu.dataset.num_samples == 12, "what the entry leaves out comes from the seed's variables"
    assert registry["task2"].dataset.image_size == 32, "task2 stays as the seed's variables set it"


def test_a_tasks_file_entry_changes_or_disables_a_default_task(tmp_path: Path) -> None:
    registry = load_registry(
        settings(
            tmp_path,
            """
            [tasks.task2]
            family = "depth"
            image_size = 96

            [tasks.task3]
            family = "segmentation"
            enabled = false
            """,
            BATCH_SIZE="2",
        )
    )
    assert list(registry) == ["task2"]
    assert (registry["task2"].dataset.image_size, registry["task2"].batch_size) == (96, 2)


def test_an_unknown_task_is_a_key_error_that_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(KeyError) as error:
        load_registry(settings(tmp_path))["task9"]
    assert isinstance(error.value, UnknownTaskError)
    assert str(error.value) == "unknown task 'task9'; tasks: task2, task3"


def test_task3_is_segmentation_on_the_generated_scenes_with_the_seed_sizes(tmp_path: Path) -> None:
    task3 = load_registry(settings(tmp_path, IMAGE_SIZE="32", NUM_SAMPLES="4", DATASET_DIR="/data/nyu"))[
        "task3"
    ]
    assert task3.definition.score_metric == "miou"
    assert task3.definition.details()["class_names"] == ["background", "floor", "wall", "box", "sphere"]
    assert (task3.dataset.image_size, task3.dataset.num_samples, task3.dataset.dataset_dir) == (32, 4, None)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[tasks.x]\nfamily = 'depth'\nimage_sise = 64\n", r"\[tasks.x\]: image_sise: Extra inputs"),
        ("[tasks.x]\nfamily = 'optical-flow'\n", r"\[tasks.x\]: family: Input should be"),
        ("[tasks.x]\nimage_size = 64\n", r"\[tasks.x\]: family: Field required"),
        ("[tasks.x]\nfamily = 'depth'\nimage_size = 4\n", r"image_size: Input should be greater"),
        ("[tasks.Bad_Name]\nfamily = 'depth'\n", "task name 'Bad_Name' must be"),
        ("[tasks]\nx = 3\n", r"\[tasks.x\] must be a table"),
        ("[task.x]\nfamily = 'depth'\n", r"expected only \[tasks.NAME\] tables"),
        ("[tasks.x\n", "tasks.toml: "),
    ],
)
def test_a_bad_tasks_file_names_the_file_and_the_entry(tmp_path: Path, document: str, message: str) -> None:
    with pytest.raises(TasksFileError, match=message) as raised:
        load_registry(settings(tmp_path, document))
    assert str(tmp_path / "tasks.toml") in str(raised.value)
