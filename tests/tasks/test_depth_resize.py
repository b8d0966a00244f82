import numpy as np
import pytest

from goat.tasks.depth.resize import resize_bilinear


def test_equal_sizes_are_the_identity() -> None:
    image = np.random.default_rng(0).random((7, 9)).astype(np.float32)
    resized = resize_bilinear(image, (7, 9))
    assert resized.dtype == np.float64
    assert np.array_equal(resized, image.astype(np.float64))


def test_upsampling_uses_half_pixel_centres_and_clamps_at_the_border() -> None:
    # torch.nn.functional.interpolate([[1, 2], [3, 4]], size=(4, 4), mode="bilinear", align_corners=False)
    expected = np.array(
        [
            [1.00, 1.25, 1.75, 2.00],
            [1.50, 1.75, 2.25, 2.50],
            [2.50, 2.75, 3.25, 3.50],
            [3.00, 3.25, 3.75, 4.00],
        ]
    )
    assert np.allclose(
        resize_bilinear(np.array([[1.0, 2.0], [3.0, 4.0]]), (4, 4)), expected, rtol=0, atol=1e-15
    )


def test_halving_averages_pixel_pairs_without_antialiasing() -> None:
    # Output pixel i samples input position 2i + 0.5: the mean of pixels 2i and 2i + 1, nothing wider.
    image = np.arange(16.0).reshape(4, 4) ** 2
    expected = (image[0::2, 0::2] + image[0::2, 1::2] + image[1::2, 0::2] + image[1::2, 1::2]) / 4
    assert np.allclose(resize_bilinear(image, (2, 2)), expected, rtol=1e-15)


def test_non_uniform_scales_per_axis() -> None:
    # 3 -> 2 columns: positions 0.25 and 1.75; 1 row -> 3 rows: every row is the input row.
    resized = resize_bilinear(np.array([[0.0, 4.0, 8.0]]), (3, 2))
    assert np.allclose(resized, [[1.0, 7.0]] * 3, rtol=0, atol=1e-15)


def test_rejects_anything_but_a_2d_image() -> None:
    with pytest.raises(ValueError, match="2-D"):
        resize_bilinear(np.zeros((2, 3, 3)), (4, 4))
