import math

import numpy as np
import pytest

from goat.tasks.depth.metrics import METRICS, depth_metrics


def test_each_metric_matches_its_hand_computed_value() -> None:
    # g = 1, 2, 4 against a constant 2: errors 1, 0, 2; ratios 2, 1, 2; log errors ln2, 0, -ln2.
    metrics = depth_metrics(np.array([2.0, 2.0, 2.0]), np.array([1.0, 2.0, 4.0]))
    ln2 = math.log(2.0)
    assert metrics == pytest.approx(
        {
            "abs_rel": (1 / 1 + 0 + 2 / 4) / 3,
            "sq_rel": (1 / 1 + 0 + 4 / 4) / 3,
            "rmse": math.sqrt((1 + 0 + 4) / 3),
            "rmse_log": math.sqrt((ln2**2 + 0 + ln2**2) / 3),
            "log10": 2 * math.log10(2.0) / 3,
            "silog": 100 * math.sqrt(2 * ln2**2 / 3 - 0.0**2),
            "delta1": 1 / 3,
            "delta2": 1 / 3,
            "delta3": 1 / 3,
        },
        rel=1e-12,
    )


def test_silog_removes_the_mean_log_error() -> None:
    # e = ln p - ln g = 1 and 3: mean(e^2) = 5, mean(e)^2 = 4, so silog = 100 * sqrt(1).
    metrics = depth_metrics(np.exp(np.array([1.0, 3.0])), np.array([1.0, 1.0]))
    assert metrics["silog"] == pytest.approx(100.0, rel=1e-12)
    assert metrics["rmse_log"] == pytest.approx(math.sqrt(5.0), rel=1e-12)


def test_delta_thresholds_are_strict() -> None:
    # Ratios exactly 1.25, 1.25^2 and 1.25^3 (all exact in binary) fall outside delta1, delta2, delta3.
    g = np.array([1.25, 1.5625, 1.953125, 1.0])
    metrics = depth_metrics(np.ones(4), g)
    assert metrics["delta1"] == 1 / 4
    assert metrics["delta2"] == 2 / 4
    assert metrics["delta3"] == 3 / 4


def test_delta_is_symmetric_in_over_and_under_estimation() -> None:
    under = depth_metrics(np.array([1.0]), np.array([1.3]))
    over = depth_metrics(np.array([1.3]), np.array([1.0]))
    assert under["delta1"] == over["delta1"] == 0.0
    assert under["delta2"] == over["delta2"] == 1.0


def test_a_perfect_prediction_scores_zero_error_and_full_accuracy() -> None:
    g = np.linspace(0.5, 9.5, 1000)
    metrics = depth_metrics(g.copy(), g)
    assert set(metrics) == set(METRICS)
    for name in ("abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog"):
        assert metrics[name] == 0.0
    assert metrics["delta1"] == metrics["delta2"] == metrics["delta3"] == 1.0


def test_silog_is_zero_not_nan_for_a_pure_scale_error() -> None:
    g = np.linspace(0.7, 3.1, 777)
    e = np.log(g * 1.1) - np.log(g)
    assert np.mean(e**2) - np.mean(e) ** 2 < 0  # rounding: the square root of this would be NaN
    metrics = depth_metrics(g * 1.1, g)
    assert metrics["silog"] == 0.0
    assert all(math.isfinite(value) for value in metrics.values())


def test_scratch_arrays_change_nothing_and_the_inputs_stay_intact() -> None:
    rng = np.random.default_rng(5)
    g = rng.uniform(0.5, 9.5, 2000)
    p = g * np.exp(rng.normal(0.0, 0.2, g.size))
    before = p.copy(), g.copy()
    expected = depth_metrics(p, g)
    scratch = [np.full(g.size, np.nan) for _ in range(3)]
    assert depth_metrics(p, g, scratch=scratch) == expected
    assert np.array_equal(p, before[0]) and np.array_equal(g, before[1])


def test_metrics_match_their_textbook_formulas() -> None:
    rng = np.random.default_rng(6)
    g = rng.uniform(0.5, 9.5, 5000)
    p = g * np.exp(rng.normal(0.05, 0.3, g.size))
    e = np.log(p) - np.log(g)
    ratio = np.maximum(g / p, p / g)
    assert depth_metrics(p, g) == pytest.approx(
        {
            "abs_rel": np.mean(np.abs(g - p) / g),
            "sq_rel": np.mean((g - p) ** 2 / g),
            "rmse": np.sqrt(np.mean((g - p) ** 2)),
            "rmse_log": np.sqrt(np.mean(e**2)),
            "log10": np.mean(np.abs(np.log10(g) - np.log10(p))),
            "silog": 100 * np.sqrt(np.mean(e**2) - np.mean(e) ** 2),
            "delta1": np.mean(ratio < 1.25),
            "delta2": np.mean(ratio < 1.25**2),
            "delta3": np.mean(ratio < 1.25**3),
        },
        rel=1e-12,
    )


def test_a_tiny_but_real_log_spread_is_not_rounded_to_zero() -> None:
    # std(e) = 1e-5 against mean(e) = 0.1: a variance of 1e-8 * mean(e^2), far above rounding noise.
    g = np.linspace(0.7, 3.1, 1000)
    p = g * np.exp(0.1 + 1e-5 * np.tile([-1.0, 1.0], 500))
    assert depth_metrics(p, g)["silog"] == pytest.approx(100 * 1e-5, rel=1e-6)
