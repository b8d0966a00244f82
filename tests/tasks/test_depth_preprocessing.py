import numpy as np
import pytest
from PIL import Image

from goat.tasks.base import InputSpec
from goat.tasks.depth.preprocessing import preprocess

SPEC = InputSpec(channels=3, image_size=16)


def test_a_flat_colour_is_scaled_and_normalised_per_channel() -> None:
    image = np.empty((10, 30, 3), dtype=np.uint8)
    image[...] = (255, 0, 128)
    tensor = preprocess(image, SPEC)
    assert tensor.shape == (3, 16, 16) and tensor.dtype == np.float32 and tensor.flags.c_contiguous
    expected = [(1.0 - 0.485) / 0.229, (0.0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225]
    for channel, value in enumerate(expected):
        assert np.allclose(tensor[channel], value, rtol=1e-6)


def test_resizing_is_pillow_bicubic_on_the_8bit_image_without_keeping_aspect() -> None:
    image = np.random.default_rng(0).integers(0, 256, (24, 40, 3), dtype=np.uint8)
    resized = np.asarray(Image.fromarray(image).resize((16, 16), Image.Resampling.BICUBIC), dtype=np.float32)
    expected = ((resized / 255 - np.array(SPEC.mean)) / np.array(SPEC.std)).transpose(2, 0, 1)
    assert np.allclose(preprocess(image, SPEC), expected, atol=1e-6)


def test_an_image_at_the_input_size_is_not_resampled() -> None:
    image = np.random.default_rng(1).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    expected = ((image / 255 - np.array(SPEC.mean)) / np.array(SPEC.std)).transpose(2, 0, 1)
    assert np.allclose(preprocess(image, SPEC), expected, atol=1e-6)


def test_writes_into_a_given_slot() -> None:
    batch = np.zeros((2, 3, 16, 16), dtype=np.float32)
    preprocess(np.full((8, 8, 3), 255, dtype=np.uint8), SPEC, out=batch[1])
    assert np.all(batch[0] == 0) and np.all(batch[1] > 2)


def test_other_resize_filters_are_selectable_and_unknown_ones_rejected() -> None:
    image = np.random.default_rng(2).integers(0, 256, (24, 40, 3), dtype=np.uint8)
    nearest = preprocess(image, InputSpec(channels=3, image_size=16, resize="nearest"))
    assert not np.allclose(nearest, preprocess(image, SPEC))
    with pytest.raises(ValueError, match="resize must be one of"):
        preprocess(image, InputSpec(channels=3, image_size=16, resize="area"))


def test_rejects_non_8bit_or_non_rgb_images() -> None:
    with pytest.raises(ValueError, match="uint8"):
        preprocess(np.zeros((8, 8, 3), dtype=np.float32), SPEC)
    with pytest.raises(ValueError, match="uint8"):
        preprocess(np.zeros((8, 8), dtype=np.uint8), SPEC)
