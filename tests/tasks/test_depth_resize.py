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


def four_neighbours(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The protocol's formula as docs/evaluation.md writes it: blend the 4 neighbours of each output pixel."""

    def taps(out_size: int, in_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        source = np.maximum((np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5, 0.0)
        first = np.minimum(np.floor(source).astype(np.intp), in_size - 1)
        return first, np.minimum(first + 1, in_size - 1), source - first

    image = np.asarray(image, dtype=np.float64)
    top, bottom, down = taps(shape[0], image.shape[0])
    left, right, across = taps(shape[1], image.shape[1])
    upper = (1 - across) * image[top][:, left] + across * image[top][:, right]
    lower = (1 - across) * image[bottom][:, left] + across * image[bottom][:, right]
    return (1 - down)[:, None] * upper + down[:, None] * lower


@pytest.mark.parametrize("source", [(32, 32), (7, 9), (1, 3), (48, 20)])
@pytest.mark.parametrize("target", [(32, 32), (60, 80), (45, 50), (5, 40), (40, 5), (32, 50), (70, 32)])
def test_the_separable_resize_is_bit_identical_to_the_four_neighbour_formula(
    source: tuple[int, int], target: tuple[int, int]
) -> None:
    image = np.random.default_rng(1).normal(size=source).astype(np.float32)
    assert np.array_equal(resize_bilinear(image, target), four_neighbours(image, target))


@pytest.mark.parametrize("scratch_size", [0, 10, 10_000])
def test_out_and_scratch_give_the_same_result(scratch_size: int) -> None:
    image = np.random.default_rng(2).random((30, 40))
    for target in [(30, 40), (30, 64), (45, 40), (20, 64), (50, 25)]:
        scratch = [np.full(scratch_size, np.nan) for _ in range(2)] if scratch_size else []
        out = np.full(target, np.nan)
        assert resize_bilinear(image, target, out=out, scratch=scratch) is out
        assert np.array_equal(out, resize_bilinear(image, target))


def test_equal_sizes_copy_rather_than_alias() -> None:
    image = np.zeros((3, 4))
    resize_bilinear(image, (3, 4))[0, 0] = 1.0
    assert image[0, 0] == 0.0
