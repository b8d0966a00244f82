import math

import numpy as np
import pytest

from goat.tasks.depth.masks import EvalRegion
from goat.tasks.depth.metrics import METRICS, depth_metrics
from goat.tasks.depth.resize import resize_bilinear
from goat.tasks.depth.scoring import DepthScorer, score_image


def ramp(height: int, width: int) -> np.ndarray:
    return np.linspace(1.0, 6.0, height * width, dtype=np.float32).reshape(height, width)


def scorer(
    depths: list[np.ndarray], alignment: str = "scale_shift_disparity", **region: object
) -> DepthScorer:
    return DepthScorer(
        depths, EvalRegion(**region), output_kind="disparity", alignment=alignment, metrics=METRICS
    )


def test_a_perfect_relative_prediction_scores_perfectly() -> None:
    depth = ramp(12, 16)
    s = scorer([depth])
    s.add(0, (4.0 / depth + 1.0)[None])
    result = s.result()
    assert result["abs_rel"] == pytest.approx(0.0, abs=1e-6)
    assert result["delta1"] == 1.0


def test_invalid_pixels_are_excluded() -> None:
    depth = ramp(12, 16)
    depth[0, :] = 0.0  # no data
    depth[1, :] = 50.0  # beyond max_depth
    prediction = 1.0 / np.where(depth > 0, depth, 1.0)
    prediction[:2] = 1e6  # nonsense exactly where there is no valid ground truth
    s = scorer([depth], max_depth=10.0)
    s.add(0, prediction[None].astype(np.float32))
    assert s.result()["abs_rel"] == pytest.approx(0.0, abs=1e-6)


def test_pixels_outside_the_crop_are_excluded() -> None:
    depth = np.full((480, 640), 2.0, dtype=np.float32)
    prediction = np.full((480, 640), 2.0, dtype=np.float32)
    prediction[:45] = 9.0  # rows 0..44 are outside the eigen crop
    cropped = score_image(prediction, depth, EvalRegion(crop="eigen"), "depth", "none")
    uncropped = score_image(prediction, depth, EvalRegion(), "depth", "none")
    assert cropped["abs_rel"] == 0.0
    assert uncropped["abs_rel"] > 0.0


def test_predictions_are_resized_to_the_ground_truth_before_scoring() -> None:
    depth = ramp(24, 32)
    prediction = np.random.default_rng(0).uniform(0.2, 1.0, (12, 8)).astype(np.float32)
    expected = depth_metrics(
        np.clip(resize_bilinear(prediction, (24, 32)), 1e-3, 10.0).ravel(), depth.ravel()
    )
    assert score_image(prediction, depth, EvalRegion(), "depth", "none") == pytest.approx(expected)


def test_metrics_are_averaged_per_image_not_per_pixel() -> None:
    small, large = np.full((4, 4), 2.0, dtype=np.float32), np.full((40, 40), 2.0, dtype=np.float32)
    s = scorer([small, large], alignment="none")
    s.add(0, np.full((1, 4, 4), 1 / 4.0, dtype=np.float32))  # depth 4 vs 2: abs_rel 1
    s.add(1, np.full((1, 40, 40), 1 / 2.0, dtype=np.float32))  # perfect
    assert s.result()["abs_rel"] == pytest.approx(0.5)
    assert s.result()["delta1"] == pytest.approx(0.5)


def test_batches_accumulate_and_result_covers_what_was_added() -> None:
    depths = [ramp(8, 8) for _ in range(5)]
    s = scorer(depths)
    s.add(0, np.stack([1.0 / d for d in depths[:3]]))
    assert s.count == 3
    s.add(3, np.stack([np.ones((8, 8), dtype=np.float32)]))  # constant: the degenerate fit
    s.add(4, (1.0 / depths[4])[None])
    result = s.result()
    assert s.count == 5 and set(result) == set(METRICS)
    assert all(math.isfinite(value) for value in result.values())
    assert 0.6 < result["delta1"] < 1.0


def test_a_constant_prediction_scores_as_the_best_constant() -> None:
    depth = ramp(8, 8)
    s = scorer([depth])
    s.add(0, np.full((1, 8, 8), 3.0, dtype=np.float32))
    harmonic = np.full(depth.size, 1.0 / np.mean(1.0 / depth.astype(np.float64)))
    assert s.result() == pytest.approx(depth_metrics(harmonic, depth.ravel()))


@pytest.mark.parametrize(
    ("start", "predictions", "message"),
    [
        (0, np.ones((8, 8), dtype=np.float32), "shape \\(B, H, W\\)"),
        (1, np.ones((2, 8, 8), dtype=np.float32), "outside the test set"),
        (-1, np.ones((1, 8, 8), dtype=np.float32), "outside the test set"),
        (0, np.full((1, 8, 8), np.nan, dtype=np.float32), "NaN or inf"),
        (0, np.array([[["a"] * 8] * 8]), "numeric"),
    ],
)
def test_bad_batches_are_rejected(start: int, predictions: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scorer([ramp(8, 8), ramp(8, 8)]).add(start, predictions)


def test_a_sample_cannot_be_scored_twice() -> None:
    s = scorer([ramp(8, 8)])
    s.add(0, np.ones((1, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="already scored"):
        s.add(0, np.ones((1, 8, 8), dtype=np.float32))


def test_result_needs_at_least_one_sample() -> None:
    with pytest.raises(ValueError, match="no sample has been scored"):
        scorer([ramp(8, 8)]).result()


def test_ground_truth_without_valid_pixels_is_an_error_not_nan() -> None:
    with pytest.raises(ValueError, match="no valid pixel"):
        score_image(np.ones((4, 4)), np.zeros((4, 4)), EvalRegion(), "disparity", "scale_shift_disparity")


def reference_score_image(prediction: np.ndarray, depth: np.ndarray, region: EvalRegion) -> dict:
    """resize, mask, align and measure, spelled out with the public building blocks."""
    from goat.tasks.depth.alignment import aligned_depth

    valid = region.mask(depth)
    predicted = resize_bilinear(prediction, depth.shape)[valid]
    target = depth[valid].astype(np.float64)
    aligned = aligned_depth(
        predicted, target, "disparity", "scale_shift_disparity", region.min_depth, region.max_depth
    )
    return depth_metrics(aligned, target)


@pytest.mark.parametrize("crop", ["none", "eigen", "garg"])
def test_images_of_growing_and_shrinking_sizes_share_one_workspace(crop: str) -> None:
    # Sizes in an order that makes the workspace grow, shrink and grow again; predictions taller and
    # shorter than their ground truth (the resize's intermediate rows outgrow the ground truth).
    rng = np.random.default_rng(7)
    shapes = [(20, 30), (48, 64), (12, 40), (75, 124), (48, 64)]
    depths = [rng.uniform(0.0, 12.0, shape).astype(np.float32) for shape in shapes]
    depths[1][:] = rng.uniform(1.0, 9.0, shapes[1])  # every pixel valid: the copy without a gather
    predictions = rng.uniform(0.1, 2.0, (len(shapes), 90, 90)).astype(np.float32)
    region = EvalRegion(crop=crop)
    s = DepthScorer(
        depths, region, output_kind="disparity", alignment="scale_shift_disparity", metrics=METRICS
    )
    for index, prediction in enumerate(predictions):
        s.add(index, prediction[None])
    expected = [reference_score_image(p, d, region) for p, d in zip(predictions, depths, strict=True)]
    means = {name: np.mean([values[name] for values in expected]) for name in METRICS}
    assert s.result() == pytest.approx(means, rel=1e-12)


def test_predictions_at_the_ground_truth_size_score_as_before() -> None:
    rng = np.random.default_rng(8)
    depth = rng.uniform(0.5, 9.0, (30, 40)).astype(np.float32)
    prediction = (2.0 / depth + rng.normal(0.0, 0.05, depth.shape)).astype(np.float32)
    depth[3, 4] = 0.0  # no data: the gather
    values = score_image(prediction, depth, EvalRegion(), "disparity", "scale_shift_disparity")
    assert values == pytest.approx(reference_score_image(prediction, depth, EvalRegion()), rel=1e-12)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_any_non_finite_value_is_rejected_whatever_the_float_type(bad: float, dtype: type) -> None:
    predictions = np.ones((2, 8, 8), dtype=dtype)
    predictions[1, 7, 7] = bad
    with pytest.raises(ValueError, match="NaN or inf"):
        scorer([ramp(8, 8), ramp(8, 8)]).add(0, predictions)


def test_integer_predictions_are_scored() -> None:
    s = scorer([ramp(8, 8)])
    s.add(0, np.arange(64, dtype=np.int32).reshape(1, 8, 8))
    assert all(math.isfinite(value) for value in s.result().values())
