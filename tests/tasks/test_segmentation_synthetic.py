from pathlib import Path

import numpy as np
import pytest

from goat.tasks.base import DatasetParams
from goat.tasks.depth.render import camera_rays
from goat.tasks.depth.scenes import Box, Material, Scene, Sphere
from goat.tasks.depth.synthetic import render_scene, scene
from goat.tasks.depth.task import TASK2
from goat.tasks.segmentation.dataset import SYNTHETIC_SAMPLES, SegmentationTestSet, load_segmentation_test_set
from goat.tasks.segmentation.synthetic import (
    BACKGROUND,
    BOX,
    CLASS_NAMES,
    FLOOR,
    SPHERE,
    WALL,
    material_classes,
    render_scene_labels,
)

GREY = Material(albedo=(0.5, 0.5, 0.5))


def test_classes_follow_the_renderers_material_numbering() -> None:
    assert CLASS_NAMES == ("background", "floor", "wall", "box", "sphere")
    room = scene(0, 0)
    box, ball = Box(center=(0.0, 0.5, 2.0), half=(0.5, 0.5, 0.5), material=GREY), Sphere((1, 1, 3), 0.3, GREY)
    two_boxes_one_ball = Scene(room.camera, room.room, room.light, boxes=(box, box), spheres=(ball,))
    assert material_classes(two_boxes_one_ball).tolist() == [FLOOR, BACKGROUND, WALL, BOX, BOX, SPHERE]
    assert material_classes(two_boxes_one_ball).dtype == np.uint8


@pytest.mark.parametrize("index", range(6))
def test_labels_agree_with_the_depth_of_the_same_scene(index: int) -> None:
    """Each labelled surface is where the depth puts it: floor at height 0, ceiling at the room's top,
    walls on the room's sides, balls at their radius from a ball's centre."""
    size = 48
    rgb, labels = render_scene_labels(3, index, size)
    depth_rgb, depth = render_scene(3, index, size)
    assert np.array_equal(rgb, depth_rgb)  # the image task2 renders, from the same cast
    assert labels.shape == (size, size) and labels.dtype == np.uint8 and labels.max() <= SPHERE
    room = scene(3, index)
    rays = camera_rays(room.camera, size)
    points = [room.camera.position[k] + depth.astype(np.float64) * rays[k] for k in range(3)]
    x, y, z = points
    tolerance = 1e-4  # depth is rounded to float32
    assert np.allclose(y[labels == FLOOR], 0.0, atol=tolerance)
    assert np.allclose(y[labels == BACKGROUND], room.room.hi[1], atol=tolerance)
    lo, hi = room.room.lo, room.room.hi
    on_wall = np.minimum.reduce([np.abs(x - lo[0]), np.abs(x - hi[0]), np.abs(z - lo[2]), np.abs(z - hi[2])])
    assert np.all(on_wall[labels == WALL] < tolerance)
    from_ball = np.min(
        [
            np.abs(np.sqrt(sum((p - c) ** 2 for p, c in zip(points, ball.center, strict=True))) - ball.radius)
            for ball in room.spheres
        ],
        axis=0,
    )
    assert np.all(from_ball[labels == SPHERE] < tolerance)
    # The camera looks slightly down with a wider field of view than its tilt: the top row sees no floor, the
    # bottom row no ceiling, and the floor lies below the ceiling in the image.
    assert FLOOR not in labels[0] and BACKGROUND not in labels[-1]
    rows = np.arange(size)[:, None].repeat(size, axis=1)
    assert rows[labels == FLOOR].mean() > rows[labels == WALL].mean()
    if (labels == BACKGROUND).any():
        assert rows[labels == BACKGROUND].mean() < rows[labels == WALL].mean()


def test_every_class_occurs_and_boxes_and_balls_are_seen_in_most_rooms() -> None:
    test_set = load_segmentation_test_set(image_size=48, num_samples=12, seed=0)
    counts = np.stack([np.bincount(labels.ravel(), minlength=5) for labels in test_set.labels])
    assert np.all(counts[:, FLOOR] > 0) and np.all(counts[:, WALL] > 0)
    assert (counts[:, BOX] > 0).sum() >= 10 and (counts[:, SPHERE] > 0).sum() >= 6
    assert (counts[:, BACKGROUND] > 0).sum() >= 6
    assert not np.any(test_set.labels == 255)  # every ray hits a surface: nothing to ignore


def test_the_generated_test_set_is_task2s_images_with_labels() -> None:
    test_set = load_segmentation_test_set(image_size=32, num_samples=3, seed=4)
    assert isinstance(test_set, SegmentationTestSet) and len(test_set) == 3
    assert test_set.inputs.shape == (3, 3, 32, 32) and test_set.inputs.dtype == np.float32
    assert test_set.inputs.flags.c_contiguous and not test_set.inputs.flags.writeable
    assert test_set.labels.shape == (3, 32, 32) and test_set.labels.dtype == np.uint8
    assert not test_set.labels.flags.writeable
    assert test_set.names == ("scene_0000", "scene_0001", "scene_0002")
    assert (test_set.num_classes, test_set.class_names) == (5, CLASS_NAMES)
    depth_set = TASK2.load_test_set(DatasetParams(image_size=32, num_samples=3, seed=4))
    assert np.array_equal(test_set.inputs, depth_set.inputs) and test_set.names == depth_set.names
    for index in range(3):
        assert np.array_equal(test_set.labels[index], render_scene_labels(4, index, 32)[1])


def test_same_seed_same_data_and_fewer_samples_are_a_prefix() -> None:
    three = load_segmentation_test_set(image_size=24, num_samples=3, seed=9)
    two = load_segmentation_test_set(image_size=24, num_samples=2, seed=9)
    other = load_segmentation_test_set(image_size=24, num_samples=2, seed=10)
    assert np.array_equal(three.inputs[:2], two.inputs) and np.array_equal(three.labels[:2], two.labels)
    assert not np.array_equal(two.labels, other.labels)


def test_unset_num_samples_means_96_rooms() -> None:
    assert SYNTHETIC_SAMPLES == 96
    assert len(load_segmentation_test_set(image_size=8)) == 96


def test_the_cache_returns_the_same_test_set_memory_mapped(tmp_path: Path) -> None:
    params = {"image_size": 24, "num_samples": 2, "seed": 1, "cache_dir": tmp_path}
    built, loaded = load_segmentation_test_set(**params), load_segmentation_test_set(**params)
    assert isinstance(loaded.inputs, np.memmap) and isinstance(loaded.labels, np.memmap)
    assert np.array_equal(built.inputs, loaded.inputs) and np.array_equal(built.labels, loaded.labels)
    assert built.names == loaded.names and not loaded.labels.flags.writeable
    # task2's entry for the same seed, count and size is another one: its key differs.
    TASK2.load_test_set(DatasetParams(image_size=24, num_samples=2, seed=1, cache_dir=tmp_path))
    assert len(list(tmp_path.iterdir())) == 2
    uncached = load_segmentation_test_set(**{**params, "cache_dir": None})
    assert np.array_equal(uncached.labels, loaded.labels)


@pytest.mark.parametrize(
    ("change", "message"), [({"num_samples": 0}, "num_samples"), ({"seed": -1}, "non-negative")]
)
def test_bad_parameters_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_segmentation_test_set(**{"image_size": 8, "num_samples": 1, **change})
