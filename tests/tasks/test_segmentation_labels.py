import io

import numpy as np
import pytest
from PIL import Image

from goat.tasks.previews import encode_png
from goat.tasks.segmentation.labels import IGNORE, resize_labels
from goat.tasks.segmentation.palette import PALETTE, colorize


def test_shrinking_takes_the_pixel_under_each_output_centre() -> None:
    labels = np.arange(16, dtype=np.uint8).reshape(4, 4)
    # Output centres 0.5 and 1.5 read input positions 1.0 and 3.0: rows and columns 1 and 3.
    assert resize_labels(labels, 2).tolist() == [[5, 7], [13, 15]]


def test_enlarging_repeats_pixels() -> None:
    labels = np.array([[1, 2], [3, IGNORE]], dtype=np.uint8)
    assert resize_labels(labels, 4).tolist() == [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 255, 255],
        [3, 3, 255, 255],
    ]


def test_a_map_at_the_size_is_unchanged() -> None:
    labels = np.random.default_rng(0).integers(0, 256, (9, 9), dtype=np.uint8)
    assert np.array_equal(resize_labels(labels, 9), labels)


@pytest.mark.parametrize(
    ("height", "width", "size"), [(37, 53, 16), (10, 7, 33), (480, 640, 448), (5, 300, 64)]
)
def test_resizing_keeps_only_ids_the_map_holds_and_keeps_ignore(height: int, width: int, size: int) -> None:
    rng = np.random.default_rng(height * width)
    ids = np.array([0, 3, 7, IGNORE], dtype=np.uint8)
    labels = ids[rng.integers(0, 4, (height, width))]
    resized = resize_labels(labels, size)
    assert resized.shape == (size, size) and resized.dtype == np.uint8
    assert set(np.unique(resized).tolist()) <= {0, 3, 7, IGNORE}
    # Each output pixel is a copy of one input pixel: the index map, checked against the float formula.
    rows = np.floor((np.arange(size) + 0.5) * height / size).astype(int)
    columns = np.floor((np.arange(size) + 0.5) * width / size).astype(int)
    assert np.array_equal(resized, labels[np.ix_(rows, columns)])


def test_resizing_rejects_what_is_not_a_uint8_map() -> None:
    with pytest.raises(ValueError, match="uint8 label map"):
        resize_labels(np.zeros((4, 4), dtype=np.int64), 2)
    with pytest.raises(ValueError, match="uint8 label map"):
        resize_labels(np.zeros((4, 4, 1), dtype=np.uint8), 2)


def test_the_palette_gives_every_class_its_own_colour_and_none_is_black() -> None:
    assert PALETTE.shape == (255, 3) and PALETTE.dtype == np.uint8
    assert len({tuple(colour) for colour in PALETTE.tolist()}) == 255
    assert not np.any(np.all(PALETTE == 0, axis=1))
    assert not PALETTE.flags.writeable
    # The first five (the generated rooms' classes) are far apart, not shades of one colour.
    first = PALETTE[:5].astype(int)
    assert min(np.abs(a - b).sum() for i, a in enumerate(first) for b in first[i + 1 :]) >= 128


def test_colorize_maps_ids_to_palette_colours_and_ignore_to_black() -> None:
    labels = np.array([[0, 1, IGNORE], [4, 254, 2]], dtype=np.uint8)
    rgb = colorize(labels)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb[0, :2], PALETTE[[0, 1]]) and np.array_equal(rgb[1], PALETTE[[4, 254, 2]])
    assert rgb[0, 2].tolist() == [0, 0, 0]
    predictions = np.array([[-1, 3, 300]])  # model outputs out of range show as unlabelled, no error
    assert colorize(predictions)[0].tolist() == [[0, 0, 0], PALETTE[3].tolist(), [0, 0, 0]]
    with pytest.raises(ValueError, match="integer class ids"):
        colorize(np.zeros((2, 2), dtype=np.float32))


def test_encode_png_round_trips_through_pillow() -> None:
    rgb = colorize(np.random.default_rng(5).integers(0, 6, (12, 20)).astype(np.uint8))
    data = encode_png(rgb)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert np.array_equal(np.asarray(image), rgb)
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        encode_png(np.zeros((4, 4), dtype=np.uint8))
