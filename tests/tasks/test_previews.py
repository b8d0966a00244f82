"""Previews: public images only, with their ground truth, and each task's pictures of a prediction beside
it on one scale, with the sample's own metrics."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.base import DatasetParams
from goat.tasks.depth.preview import nearness_picture
from goat.tasks.depth.scoring import score_image
from goat.tasks.depth.task import TASK2
from goat.tasks.previews import GAP, PUBLIC_SEED, load_preview_set, side_by_side
from goat.tasks.segmentation.palette import colorize
from goat.tasks.segmentation.task import segmentation_task
from goat.tasks.settings import TaskSettings

SIZE = 24


def test_the_public_images_are_not_the_test_sets(tmp_path: Path) -> None:
    task = TASK2.with_image_size(SIZE)
    public = load_preview_set(task, count=2, cache_dir=tmp_path)
    hidden = TASK2.load_test_set(DatasetParams(image_size=SIZE, num_samples=2, seed=0, cache_dir=tmp_path))
    assert public.rgb.shape == (2, SIZE, SIZE, 3) and public.inputs.shape == (2, 3, SIZE, SIZE)
    assert public.truth.shape == (2, SIZE, SIZE) and np.all(public.truth > 0), "depth in metres"
    assert not np.array_equal(public.inputs, hidden.inputs)
    again = load_preview_set(task, count=2, cache_dir=None)
    assert np.array_equal(again.inputs, public.inputs), "the same public images, cached or not"
    assert PUBLIC_SEED != 0


def test_a_preview_puts_the_image_beside_the_pictures() -> None:
    image = np.full((SIZE, SIZE, 3), 7, np.uint8)
    truth, picture = np.full((SIZE, SIZE, 3), 8, np.uint8), np.full((SIZE, SIZE, 3), 9, np.uint8)
    row = side_by_side(image, truth, picture)
    assert row.shape == (SIZE, 3 * SIZE + 2 * GAP, 3)
    second = SIZE + GAP
    assert np.all(row[:, :SIZE] == 7) and np.all(row[:, second : second + SIZE] == 8)
    assert np.all(row[:, 2 * second :] == 9)
    assert np.all(row[:, SIZE:second] == 255) and np.all(row[:, second + SIZE : 2 * second] == 255)


def test_nearer_is_brighter_whatever_the_scale() -> None:
    disparity = np.tile(np.linspace(0.0, 1000.0, SIZE), (SIZE, 1))
    picture = nearness_picture(disparity, larger_is_nearer=True)
    brightness = picture.astype(int).sum(axis=-1)[0]
    assert np.all(np.diff(brightness) >= 0) and brightness[-1] > brightness[0]
    as_depth = nearness_picture(disparity, larger_is_nearer=False)
    assert np.array_equal(as_depth[:, ::-1], picture)
    assert np.array_equal(picture, nearness_picture(disparity * 1e-3 + 5, larger_is_nearer=True))


def test_nan_and_constant_predictions_still_make_a_picture() -> None:
    values = np.ones((SIZE, SIZE))
    values[0, 0] = np.nan
    picture = nearness_picture(values, larger_is_nearer=True)
    assert picture.shape == (SIZE, SIZE, 3) and picture.dtype == np.uint8
    assert np.all(picture[0, 0] == 0)
    assert np.all(nearness_picture(np.full((2, 2), np.inf), larger_is_nearer=True) == 0)


@pytest.mark.parametrize(
    ("output_kind", "alignment"), [("disparity", "scale_shift_disparity"), ("depth", "none")]
)
def test_an_exact_prediction_looks_like_the_ground_truth_after_alignment(
    output_kind: str, alignment: str
) -> None:
    task = dataclasses.replace(TASK2.with_image_size(SIZE), output_kind=output_kind, alignment=alignment)
    truth = load_preview_set(task, count=1, cache_dir=None).truth[0]
    # A relative model: right up to the scale and shift the alignment fits (none: exact metres).
    prediction = 3.0 / truth + 0.5 if output_kind == "disparity" else truth.copy()
    sample = task.preview(prediction.astype(np.float32), truth)
    ground, predicted = sample.pictures
    assert ground.shape == predicted.shape == (SIZE, SIZE, 3)
    assert np.array_equal(ground, predicted), "one colour scale: the same depth, the same colour"
    assert sample.metrics["abs_rel"] == pytest.approx(0.0, abs=1e-6)
    assert sample.metrics["delta1"] == 1.0


def test_a_wrong_prediction_is_drawn_on_the_ground_truth_s_scale() -> None:
    task = TASK2.with_image_size(SIZE)
    truth = load_preview_set(task, count=1, cache_dir=None).truth[0]
    flat = np.ones((SIZE, SIZE), np.float32) + np.random.default_rng(0).random((SIZE, SIZE)) * 1e-3
    sample = task.preview(flat, truth)
    ground, predicted = sample.pictures
    assert np.array_equal(ground, nearness_picture(1.0 / truth, larger_is_nearer=True)), "its own scale"
    assert predicted.astype(int).std() < ground.astype(int).std(), "near-constant, so near one colour"
    scored = score_image(flat, truth, task.synthetic_region, task.output_kind, task.alignment)
    assert sample.metrics == scored and sample.metrics["abs_rel"] > 0.05, "as the test set is scored"


def test_segmentation_draws_labels_and_classes_in_the_palette_s_colours() -> None:
    task = segmentation_task("task3", TaskSettings(family="segmentation", image_size=SIZE))
    truth = load_preview_set(task, count=1, cache_dir=None).truth[0]
    ids = np.random.default_rng(1).integers(0, 5, (SIZE, SIZE))
    sample = task.preview(ids, truth)
    assert np.array_equal(sample.pictures[0], colorize(truth))
    assert np.array_equal(sample.pictures[1], colorize(ids))
    assert sample.metrics["pixel_accuracy"] == pytest.approx(float(np.mean(ids == truth)))
