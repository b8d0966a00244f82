import numpy as np
import pytest

from goat.tasks.depth.masks import EvalRegion, crop_mask


def test_eigen_crop_is_the_nyu_rectangle_at_480_by_640() -> None:
    expected = np.zeros((480, 640), dtype=bool)
    expected[45:471, 41:601] = True
    assert np.array_equal(crop_mask((480, 640), "eigen"), expected)


def test_eigen_crop_scales_with_the_image() -> None:
    expected = np.zeros((240, 320), dtype=bool)
    expected[22:235, 20:300] = True  # 45/2 -> 22, 471/2 -> 235, 41/2 -> 20, 601/2 -> 300 (floors)
    assert np.array_equal(crop_mask((240, 320), "eigen"), expected)


def test_garg_crop_on_a_kitti_frame() -> None:
    # int(0.40810811 * 375) = 153, int(0.99189189 * 375) = 371, int(0.03594771 * 1242) = 44, ... = 1197
    expected = np.zeros((375, 1242), dtype=bool)
    expected[153:371, 44:1197] = True
    assert np.array_equal(crop_mask((375, 1242), "garg"), expected)


def test_no_crop_keeps_everything() -> None:
    assert crop_mask((3, 5), "none").all()


def test_region_is_strict_at_both_ends_and_drops_unknown_values() -> None:
    region = EvalRegion(min_depth=1.0, max_depth=5.0)
    depth = np.array([[0.0, 1.0, 1.5, 5.0, 4.99, np.nan, np.inf, -2.0]])
    assert region.mask(depth).tolist() == [[False, False, True, False, True, False, False, False]]


def test_region_combines_range_and_crop() -> None:
    depth = np.full((480, 640), 3.0)
    depth[100, 100] = 0.0
    mask = EvalRegion(crop="eigen").mask(depth)
    assert mask.sum() == (471 - 45) * (601 - 41) - 1
    assert not mask[0, 0] and not mask[100, 100] and mask[45, 41]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_depth": 0.0}, "0 < min_depth < max_depth"),
        ({"min_depth": 5.0, "max_depth": 5.0}, "0 < min_depth < max_depth"),
        ({"max_depth": float("inf")}, "finite"),
        ({"crop": "kitti"}, "crop must be one of none, eigen, garg"),
    ],
)
def test_invalid_regions_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EvalRegion(**kwargs)
