import numpy as np
import pytest

from goat.tasks.depth.alignment import aligned_depth, disparity_to_depth, fit_scale_shift

MIN_DEPTH, MAX_DEPTH = 1e-3, 10.0


@pytest.fixture
def depth() -> np.ndarray:
    return np.random.default_rng(3).uniform(0.5, 9.5, 5000)


def align(prediction: np.ndarray, target: np.ndarray, kind: str, alignment: str) -> np.ndarray:
    return aligned_depth(prediction, target, kind, alignment, MIN_DEPTH, MAX_DEPTH)


def test_least_squares_recovers_an_exact_affine_relation() -> None:
    x = np.array([0.5, 1.0, 2.0, 7.0])
    assert fit_scale_shift(x, 3.0 * x - 2.0) == pytest.approx((3.0, -2.0), rel=1e-12)


def test_least_squares_matches_the_normal_equations() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random(50), rng.random(50)
    design = np.stack([x, np.ones_like(x)], axis=1)
    expected = np.linalg.solve(design.T @ design, design.T @ y)
    assert fit_scale_shift(x, y) == pytest.approx(tuple(expected), rel=1e-9)


@pytest.mark.parametrize("x", [np.full(10, 4.2), np.zeros(10), np.array([3.0])])
def test_a_constant_prediction_is_fitted_by_the_best_constant(x: np.ndarray) -> None:
    y = np.linspace(1.0, 2.0, x.size)
    assert fit_scale_shift(x, y) == (0.0, pytest.approx(float(np.mean(y))))


def test_affine_disparity_scores_perfectly_under_scale_shift_disparity(depth: np.ndarray) -> None:
    prediction = 37.0 / depth + 5.0  # what a relative model outputs: unknown scale and shift of 1 / depth
    assert np.allclose(align(prediction, depth, "disparity", "scale_shift_disparity"), depth, rtol=1e-9)


def test_scaled_depth_scores_perfectly_under_median(depth: np.ndarray) -> None:
    assert np.allclose(align(0.013 * depth, depth, "depth", "median"), depth, rtol=1e-12)


def test_affine_depth_scores_perfectly_under_scale_shift_depth(depth: np.ndarray) -> None:
    assert np.allclose(align(0.5 * depth - 3.0, depth, "depth", "scale_shift_depth"), depth, rtol=1e-9)


def test_none_takes_metric_depth_as_it_is_but_clipped(depth: np.ndarray) -> None:
    prediction = np.array([-1.0, 0.0, 2.0, 50.0])
    assert np.array_equal(
        align(prediction, depth[:4], "depth", "none"), [MIN_DEPTH, MIN_DEPTH, 2.0, MAX_DEPTH]
    )


def test_disparity_is_clamped_to_the_inverse_of_the_depth_cap() -> None:
    # Zero, negative and tiny disparities are "beyond max_depth", never infinite depth.
    assert np.array_equal(
        disparity_to_depth(np.array([-1.0, 0.0, 0.05, 0.1, 2.0]), 10.0), [10, 10, 10, 10, 0.5]
    )


def test_depth_output_converts_to_disparity_for_disparity_alignment(depth: np.ndarray) -> None:
    # A depth model that is off by an affine map of its inverse is still aligned perfectly.
    prediction = 1.0 / (2.0 / depth + 0.25)
    assert np.allclose(align(prediction, depth, "depth", "scale_shift_disparity"), depth, rtol=1e-9)


def test_constant_prediction_under_disparity_alignment_gives_the_harmonic_mean(depth: np.ndarray) -> None:
    aligned = align(np.full(depth.size, 0.7), depth, "disparity", "scale_shift_disparity")
    assert np.allclose(aligned, 1.0 / np.mean(1.0 / depth), rtol=1e-12)


@pytest.mark.parametrize("alignment", ["scale_shift_disparity", "scale_shift_depth", "median", "none"])
@pytest.mark.parametrize("kind", ["disparity", "depth"])
def test_degenerate_predictions_stay_finite_and_in_range(
    kind: str, alignment: str, depth: np.ndarray
) -> None:
    for prediction in (
        np.zeros(depth.size),
        np.full(depth.size, -3.0),
        -1.0 / depth,
        np.full(depth.size, 1e30),
    ):
        aligned = align(prediction, depth, kind, alignment)
        assert np.all(np.isfinite(aligned))
        assert aligned.min() >= MIN_DEPTH and aligned.max() <= MAX_DEPTH


def test_median_leaves_a_non_positive_median_unscaled(depth: np.ndarray) -> None:
    prediction = np.linspace(-5.0, 1.0, depth.size)
    assert np.array_equal(
        align(prediction, depth, "depth", "median"), np.clip(prediction, MIN_DEPTH, MAX_DEPTH)
    )


def test_unknown_alignment_is_rejected(depth: np.ndarray) -> None:
    with pytest.raises(ValueError, match="alignment must be one of"):
        align(depth, depth, "depth", "affine")


@pytest.mark.parametrize("offset", [0.0, 1.0, -250.0, 1e6])
@pytest.mark.parametrize("spread", [0.5e-9, 0.9e-9, 1.1e-9, 2e-9, 1e-6])
def test_the_degenerate_case_is_decided_by_its_definition(offset: float, spread: float) -> None:
    # std(x) <= 1e-9 * max|x| is degenerate; the fit skips the max|x| pass only when far from that line.
    x = offset + np.tile([-1.0, 1.0], 500) * spread * max(abs(offset), 1.0)
    y = np.linspace(0.0, 1.0, x.size)
    degenerate = np.sqrt(np.sum((x - x.mean()) ** 2) / x.size) <= 1e-9 * np.abs(x).max()
    scale, _ = fit_scale_shift(x, y)
    assert (scale == 0.0) == degenerate


@pytest.mark.parametrize("alignment", ["scale_shift_disparity", "scale_shift_depth", "median", "none"])
@pytest.mark.parametrize("kind", ["disparity", "depth"])
def test_out_and_scratch_change_nothing_but_where_the_result_goes(
    kind: str, alignment: str, depth: np.ndarray
) -> None:
    prediction = np.random.default_rng(4).normal(1.0, 0.5, depth.size)
    before = prediction.copy(), depth.copy()
    expected = align(prediction, depth, kind, alignment)
    out, scratch = np.full(depth.size, np.nan), [np.full(depth.size, np.nan) for _ in range(2)]
    result = aligned_depth(prediction, depth, kind, alignment, MIN_DEPTH, MAX_DEPTH, out=out, scratch=scratch)
    assert result is out and np.array_equal(result, expected)
    assert np.array_equal(prediction, before[0]) and np.array_equal(depth, before[1])


def test_disparity_to_depth_can_work_in_place() -> None:
    disparity = np.array([-1.0, 0.0, 0.05, 0.1, 2.0])
    assert disparity_to_depth(disparity, 10.0, out=disparity) is disparity
    assert np.array_equal(disparity, [10, 10, 10, 10, 0.5])


@pytest.mark.parametrize(("near", "far"), [(1e-3, 10.0), (1e-3, 80.0), (0.5, 49.0)])  # 1 / (1 / 49) != 49
def test_disparity_alignment_is_bit_for_bit_the_clamp_invert_clip_of_the_protocol(
    near: float, far: float
) -> None:
    rng = np.random.default_rng(9)
    # Disparities spread evenly over [1 / far, 1 / near], predicted with additive noise: the fit is about
    # the identity, and the noise takes some aligned disparities beyond 1 / near, some below 1 / far.
    truth = rng.uniform(1.0 / far, 1.0 / near, 4000)
    target = 1.0 / truth
    prediction = truth + rng.normal(0.0, 0.1 * (1.0 / near - 1.0 / far), truth.size)
    scale, shift = fit_scale_shift(prediction, 1.0 / target)
    disparity = scale * prediction + shift
    assert disparity.max() > 1.0 / near and disparity.min() < 1.0 / far
    expected = np.clip(1.0 / np.maximum(disparity, 1.0 / far), near, far)
    aligned = aligned_depth(prediction, target, "disparity", "scale_shift_disparity", near, far)
    assert np.array_equal(aligned, expected)
