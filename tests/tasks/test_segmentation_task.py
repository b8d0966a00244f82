"""task3 as the rest of goat sees it: its interface, how outputs are read, and its test set and scorer."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.base import DatasetParams, UnusableOutput
from goat.tasks.segmentation.scoring import SegmentationScorer
from goat.tasks.segmentation.task import SegmentationTask, segmentation_task
from goat.tasks.settings import TaskSettings

SIZE = 16
TASK3 = segmentation_task("task3", TaskSettings(family="segmentation", image_size=SIZE))


def test_task3_is_ranked_by_miou_and_takes_logits_or_ids() -> None:
    assert isinstance(TASK3, SegmentationTask)
    assert (TASK3.score_metric, TASK3.score_direction, TASK3.columns) == (
        "miou",
        "higher",
        ("pixel_accuracy",),
    )
    assert TASK3.interface.expected_outputs() == "[N, 5, 16, 16] float32 or [N, 16, 16] int64"
    assert TASK3.interface.input.sample_shape == (3, SIZE, SIZE)


def test_logits_are_read_by_argmax_over_the_classes() -> None:
    logits = np.zeros((2, 5, SIZE, SIZE), np.float32)
    logits[0, 3] = 1.0
    logits[1, 1, :4] = 2.0
    ids = TASK3.read_output(logits, batch=2)
    assert ids.shape == (2, SIZE, SIZE)
    assert np.all(ids[0] == 3)
    assert np.all(ids[1, :4] == 1) and np.all(ids[1, 4:] == 0)


def test_class_ids_are_read_as_they_are_and_must_name_a_class() -> None:
    ids = np.full((2, SIZE, SIZE), 4, np.int64)
    assert TASK3.read_output(ids, batch=2) is ids
    ids[1, 0, 0] = 5
    with pytest.raises(UnusableOutput, match=r"^the model returned class ids outside 0\.\.4$"):
        TASK3.read_output(ids, batch=2)


@pytest.mark.parametrize(
    ("output", "found"),
    [
        (np.zeros((2, 4, SIZE, SIZE), np.float32), "[2, 4, 16, 16] (float32)"),
        (np.zeros((2, SIZE, SIZE), np.float32), "[2, 16, 16] (float32)"),
        (np.zeros((2, SIZE, SIZE), np.int32), "[2, 16, 16] (int32)"),
    ],
)
def test_another_output_names_both_shapes_to_the_organiser(output: np.ndarray, found: str) -> None:
    with pytest.raises(UnusableOutput) as raised:
        TASK3.read_output(output, batch=2)
    assert raised.value.detail == (
        f"the model returned an output of shape {found} for an input batch of [2, 3, 16, 16]; "
        "expected [2, 5, 16, 16] float32 or [2, 16, 16] int64"
    )
    assert str(raised.value) == (
        f"the model returned a {output.dtype} output the task does not accept for an input "
        "batch of [2, 3, 16, 16]; expected [2, 5, 16, 16] float32 or [2, 16, 16] int64"
    )


def test_the_generated_test_set_scores_its_own_labels_perfectly(tmp_path: Path) -> None:
    test_set = TASK3.load_test_set(DatasetParams(image_size=SIZE, num_samples=3, cache_dir=tmp_path))
    scorer = TASK3.scorer(test_set)
    assert isinstance(scorer, SegmentationScorer)
    scorer.add(0, test_set.labels.astype(np.int64))
    result = scorer.result()
    assert result["miou"] == result["pixel_accuracy"] == 1.0


def test_a_folder_task_takes_its_classes_from_dataset_toml(tmp_path: Path) -> None:
    (tmp_path / "dataset.toml").write_text('num_classes = 2\nclass_names = ["road", "car"]\n')
    task = segmentation_task(
        "seg", TaskSettings(family="segmentation", dataset_dir=tmp_path, image_size=SIZE)
    )
    assert task.class_names == ("road", "car")
    assert task.interface.expected_outputs() == "[N, 2, 16, 16] float32 or [N, 16, 16] int64"


def test_the_scorer_needs_the_tasks_classes(tmp_path: Path) -> None:
    test_set = TASK3.load_test_set(DatasetParams(image_size=SIZE, num_samples=1, cache_dir=tmp_path))
    renamed = dataclasses.replace(TASK3, class_names=("a", "b", "c", "d", "e"))
    with pytest.raises(ValueError, match=r"restart the API after changing dataset\.toml"):
        renamed.scorer(test_set)
    with pytest.raises(TypeError, match="SegmentationTestSet"):
        TASK3.scorer(object())  # type: ignore[arg-type]
