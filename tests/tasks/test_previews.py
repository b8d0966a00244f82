"""Previews: public images only, and each task's picture of a prediction."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.base import DatasetParams
from goat.tasks.depth.preview import nearness_picture
from goat.tasks.depth.task import TASK2
from goat.tasks.previews import GAP, PUBLIC_SEED, load_preview_set, side_by_side
from goat.tasks.segmentation.palette import colorize
from goat.tasks.segmentation.task import segmentation_task
from goat.tasks.settings import TaskSettings

SIZE = 24


def test_the_public_images_are_not_the_test_sets(tmp_path: Path) -> None:
    spec = TASK2.with_image_size(SIZE).input_spec
    public = load_preview_set(spec, count=2, cache_dir=tmp_path)
    hidden = TASK2.load_test_set(DatasetParams(image_size=SIZE, num_samples=2, seed=0, cache_dir=tmp_path))
    assert public.rgb.shape == (2, SIZE, SIZE, 3) and public.inputs.shape == (2, 3, SIZE, SIZE)
    assert not np.array_equal(public.inputs, hidden.inputs)
    again = load_preview_set(spec, count=2, cache_dir=None)
    assert np.array_equal(again.inputs, public.inputs), "the same public images, cached or not"
    assert PUBLIC_SEED != 0


def test_a_preview_puts_the_image_beside_the_picture() -> None:
    image = np.full((SIZE, SIZE, 3), 7, np.uint8)
    picture = np.full((SIZE, SIZE, 3), 9, np.uint8)
    both = side_by_side(image, picture)
    assert both.shape == (SIZE, 2 * SIZE + GAP, 3)
    assert np.all(both[:, :SIZE] == 7) and np.all(both[:, SIZE + GAP :] == 9)
    assert np.all(both[:, SIZE : SIZE + GAP] == 255)


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


@pytest.mark.parametrize("output_kind", ["disparity", "depth"])
def test_depth_tasks_draw_nearness(output_kind: str) -> None:
    task = dataclasses.replace(TASK2, output_kind=output_kind, alignment="none")
    prediction = np.random.default_rng(0).random((SIZE, SIZE)).astype(np.float32)
    expected = nearness_picture(prediction, larger_is_nearer=output_kind == "disparity")
    assert np.array_equal(task.preview(prediction), expected)


def test_segmentation_draws_colour_coded_classes() -> None:
    task = segmentation_task("task3", TaskSettings(family="segmentation", image_size=SIZE))
    ids = np.random.default_rng(1).integers(0, 5, (SIZE, SIZE))
    assert np.array_equal(task.preview(ids), colorize(ids))
