import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest

from goat.tasks import DatasetParams
from goat.tasks.base import UnusableOutput
from goat.tasks.depth.folder import DatasetError, read_depth, read_rgb
from goat.tasks.depth.masks import EvalRegion
from goat.tasks.depth.metrics import METRICS
from goat.tasks.depth.preprocessing import preprocess
from goat.tasks.depth.task import TASK2, DepthTask, DepthTestSet
from tests.support.depth_files import write_png16


def test_task2_is_relative_depth_ranked_by_delta1() -> None:
    task = TASK2
    assert (task.name, task.output_kind, task.alignment) == ("task2", "disparity", "scale_shift_disparity")
    assert task.metrics == METRICS
    assert (task.score_metric, task.score_direction) == ("delta1", "higher")
    assert task.input_spec.sample_shape == (3, 448, 448)
    assert task.input_spec.mean == (0.485, 0.456, 0.406) and task.input_spec.std == (0.229, 0.224, 0.225)
    assert task.input_spec.resize == "bicubic"
    assert task.columns == ("abs_rel",)


def test_the_image_size_is_a_parameter_of_the_definition() -> None:
    assert TASK2.with_image_size(384).interface.input.sample_shape == (3, 384, 384)
    assert TASK2.input_spec.image_size == 448


@pytest.mark.parametrize("shape", [(2, 16, 16), (2, 1, 16, 16)])
def test_outputs_are_read_as_one_map_per_sample(shape: tuple[int, ...]) -> None:
    output = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    read = TASK2.with_image_size(16).read_output(output, batch=2)
    assert read.shape == (2, 16, 16)
    assert np.array_equal(read.ravel(), output.ravel())


@pytest.mark.parametrize(
    ("output", "found"),
    [
        (np.zeros((2, 15, 16), np.float32), "[2, 15, 16] (float32)"),
        (np.zeros((2, 3, 16, 16), np.float32), "[2, 3, 16, 16] (float32)"),
        (np.zeros((3, 16, 16), np.float32), "[3, 16, 16] (float32)"),
        (np.zeros((2, 16, 16), np.float64), "[2, 16, 16] (float64)"),
    ],
)
def test_an_output_of_another_shape_names_the_expected_and_tells_the_organiser_both(
    output: np.ndarray, found: str
) -> None:
    with pytest.raises(UnusableOutput) as raised:
        TASK2.with_image_size(16).read_output(output, batch=2)
    expected = "expected [2, 16, 16] float32 or [2, 1, 16, 16] float32"
    assert str(raised.value) == (
        f"the model returned a {output.dtype} output the task does not accept for an input "
        f"batch of [2, 3, 16, 16]; {expected}"
    )
    assert raised.value.detail == (
        f"the model returned an output of shape {found} for an input batch of [2, 3, 16, 16]; {expected}"
    )


@pytest.mark.parametrize(("image_size", "num_samples"), [(0, None), (16, 0)])
def test_dataset_params_must_be_positive(image_size: int, num_samples: int | None) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        DatasetParams(image_size=image_size, num_samples=num_samples)


def test_synthetic_test_set_is_preprocessed_model_input_with_exact_depth() -> None:
    test_set = TASK2.load_test_set(DatasetParams(image_size=32, num_samples=3, seed=4))
    assert isinstance(test_set, DepthTestSet) and len(test_set) == 3
    assert test_set.inputs.shape == (3, 3, 32, 32) and test_set.inputs.dtype == np.float32
    assert test_set.inputs.flags.c_contiguous and not test_set.inputs.flags.writeable
    assert test_set.names == ("scene_0000", "scene_0001", "scene_0002")
    assert [d.shape for d in test_set.depths] == [(32, 32)] * 3
    assert test_set.region == EvalRegion(min_depth=1e-3, max_depth=10.0, crop="none")
    # Inputs are ImageNet-normalised [0, 1] values: within (0 - 0.485) / 0.229 .. (1 - 0.406) / 0.225.
    assert test_set.inputs.min() >= -2.2 and test_set.inputs.max() <= 2.7


def test_same_seed_same_data_and_fewer_samples_are_a_prefix() -> None:
    three = TASK2.load_test_set(DatasetParams(image_size=24, num_samples=3, seed=9))
    two = TASK2.load_test_set(DatasetParams(image_size=24, num_samples=2, seed=9))
    other = TASK2.load_test_set(DatasetParams(image_size=24, num_samples=2, seed=10))
    assert np.array_equal(three.inputs[:2], two.inputs)
    assert all(np.array_equal(a, b) for a, b in zip(three.depths, two.depths, strict=False))
    assert not np.array_equal(two.inputs, other.inputs)


def test_unset_num_samples_means_the_task_default_count() -> None:
    assert TASK2.synthetic_samples == 96
    small = dataclasses.replace(TASK2, synthetic_samples=4)
    assert len(small.load_test_set(DatasetParams(image_size=16, num_samples=None))) == 4


def test_the_default_image_size_renders_448_squares() -> None:
    test_set = TASK2.load_test_set(DatasetParams(image_size=TASK2.input_spec.image_size, num_samples=1))
    assert test_set.inputs.shape == (1, 3, 448, 448) and test_set.depths[0].shape == (448, 448)


def test_the_cache_returns_the_same_test_set_memory_mapped(tmp_path: Path) -> None:
    params = DatasetParams(image_size=24, num_samples=2, seed=1, cache_dir=tmp_path)
    built, loaded = TASK2.load_test_set(params), TASK2.load_test_set(params)
    assert isinstance(loaded.inputs, np.memmap)
    assert np.array_equal(built.inputs, loaded.inputs) and built.names == loaded.names
    assert all(np.array_equal(a, b) for a, b in zip(built.depths, loaded.depths, strict=True))
    uncached = TASK2.load_test_set(dataclasses.replace(params, cache_dir=None))
    assert np.array_equal(uncached.inputs, loaded.inputs)


def test_perfect_predictions_score_perfectly_end_to_end() -> None:
    test_set = TASK2.load_test_set(DatasetParams(image_size=32, num_samples=3))
    scorer = TASK2.scorer(test_set)
    scorer.add(0, np.stack([2.0 / d + 0.1 for d in test_set.depths[:2]]))
    scorer.add(2, np.stack([2.0 / test_set.depths[2] + 0.1]))
    result = scorer.result()
    assert result["delta1"] == 1.0 and result["abs_rel"] < 1e-6


def test_a_folder_test_set_is_read_preprocessed_and_scored(dataset_dir: Path) -> None:
    (dataset_dir / "dataset.toml").write_text('max_depth = 3.0\ncrop = "none"\n')
    test_set = TASK2.load_test_set(DatasetParams(image_size=16, num_samples=None, dataset_dir=dataset_dir))
    assert test_set.names == ("a", "b", "c")
    assert test_set.region == EvalRegion(min_depth=1e-3, max_depth=3.0)
    for index, name in enumerate(["a.png", "b.jpg", "c.png"]):
        expected = preprocess(read_rgb(dataset_dir / "rgb" / name), TASK2.with_image_size(16).input_spec)
        assert np.array_equal(test_set.inputs[index], expected)
    assert np.array_equal(test_set.depths[0], read_depth(dataset_dir / "depth" / "a.png", 1000.0))
    scorer = TASK2.scorer(test_set)
    scorer.add(0, np.ones((3, 16, 16), dtype=np.float32))
    assert 0.0 < scorer.result()["delta1"] <= 1.0


def test_num_samples_takes_the_first_names_and_cannot_exceed_the_folder(dataset_dir: Path) -> None:
    params = DatasetParams(image_size=16, num_samples=2, dataset_dir=dataset_dir)
    assert TASK2.load_test_set(params).names == ("a", "b")
    with pytest.raises(DatasetError, match=r"4 samples requested but .* has 3"):
        TASK2.load_test_set(dataclasses.replace(params, num_samples=4))


def test_a_depth_map_of_another_size_than_its_image_is_named(dataset_dir: Path) -> None:
    write_png16(dataset_dir / "depth" / "c.png", np.full((12, 16), 500))
    with pytest.raises(
        DatasetError, match=re.escape("c.png: depth map is 16x12 but its image c.png is 32x24")
    ):
        TASK2.load_test_set(DatasetParams(image_size=16, num_samples=None, dataset_dir=dataset_dir))


def test_a_depth_map_without_valid_pixels_is_named(dataset_dir: Path) -> None:
    write_png16(dataset_dir / "depth" / "c.png", np.full((24, 32), 20000))  # 20 m, beyond max_depth 10
    with pytest.raises(DatasetError, match=re.escape("c.png: no valid pixel (0.001 < depth < 10.0 m")):
        TASK2.load_test_set(DatasetParams(image_size=16, num_samples=None, dataset_dir=dataset_dir))


def test_an_edited_folder_is_read_again_despite_the_cache(dataset_dir: Path, tmp_path: Path) -> None:
    params = DatasetParams(
        image_size=16, num_samples=None, dataset_dir=dataset_dir, cache_dir=tmp_path / "cache"
    )
    assert np.all(TASK2.load_test_set(params).depths[2][0] == 0.5)
    depth_file = dataset_dir / "depth" / "c.png"
    write_png16(depth_file, np.full((24, 32), 700))
    os.utime(depth_file, ns=(1, 1))  # a distinct modification time even on coarse-clock filesystems
    assert np.all(TASK2.load_test_set(params).depths[2] == 0.7)


def test_the_scorer_needs_a_depth_test_set() -> None:
    with pytest.raises(TypeError, match="DepthTestSet"):
        TASK2.scorer(object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"alignment": "affine"}, "alignment must be one of"),
        ({"output_kind": "normals"}, "output_kind must be one of"),
        ({"metrics": ("delta1", "iou"), "columns": ()}, "unknown metric"),
        ({"columns": ("miou",)}, "column.s. miou are not among its metrics"),
        ({"score_metric": "abs_rel", "score_direction": "higher"}, "abs_rel is better lower"),
        ({"score_metric": "rmse", "metrics": ("delta1",), "columns": ()}, "not one of its metrics"),
    ],
)
def test_inconsistent_definitions_are_rejected(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TASK2, **change)


def test_a_second_task_is_just_another_definition(dataset_dir: Path) -> None:
    metric_depth = DepthTask(
        name="metric",
        title="Metric depth",
        input_spec=TASK2.input_spec,
        output_kind="depth",
        alignment="none",
        metrics=("abs_rel", "rmse"),
        score_metric="abs_rel",
        score_direction="lower",
    )
    test_set = metric_depth.load_test_set(
        DatasetParams(image_size=16, num_samples=1, dataset_dir=dataset_dir)
    )
    scorer = metric_depth.scorer(test_set)
    scorer.add(0, np.full((1, 16, 16), 2.15, dtype=np.float32))
    assert set(scorer.result()) == {"abs_rel", "rmse"}
