"""Previews: pictures of a model's predictions that a participant may see.

They are never of the hidden test set: a prediction drawn on a hidden image shows the image. A model is
shown on public images instead, generated rooms drawn with PUBLIC_SEED (no test set is drawn with it; the
generated test set's seed is secret), preprocessed as the task's test set is. Each preview is the public
image beside the task's pictures of its ground truth and of the model's prediction for it, on one scale,
with the sample's own metrics.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from goat.tasks.base import TaskDefinition
from goat.tasks.depth import synthetic
from goat.tasks.depth.cache import Allocate, cached_arrays
from goat.tasks.depth.preprocessing import preprocess

PUBLIC_SEED = 2**32 - 1
"""The seed of the public rooms; a deployment must not draw its test set with it."""
GAP = 4
"""White pixels between the image and its prediction."""


@dataclass(frozen=True, eq=False)
class PreviewSet:
    """Public images (K, S, S, 3) uint8, the model inputs (K, C, S, S) float32 made from them, and their
    ground truth (K, S, S), as the task's `render_public` returns it."""

    rgb: np.ndarray
    inputs: np.ndarray
    truth: np.ndarray

    def __len__(self) -> int:
        return len(self.rgb)


def load_preview_set(task: TaskDefinition, *, count: int, cache_dir: Path | None) -> PreviewSet:
    """`count` public rooms at the task's image size, with its ground truth, cached like a test set."""
    spec = task.input_spec
    key = {
        "source": "previews",
        "renderer": synthetic.RENDERER_VERSION,
        "seed": PUBLIC_SEED,
        "count": count,
        "truth": type(task).__name__,
    }

    def build(allocate: Allocate) -> None:
        size = spec.image_size
        rendered = [task.render_public(index, size) for index in range(count)]
        rgb = allocate("rgb", (count, size, size, 3), np.uint8)
        inputs = allocate("inputs", (count, *spec.sample_shape), np.float32)
        truth = allocate("truth", (count, size, size), rendered[0][1].dtype if rendered else np.float32)
        for index, (image, answer) in enumerate(rendered):
            rgb[index], truth[index] = image, answer
            preprocess(rgb[index], spec, out=inputs[index])

    arrays = cached_arrays(cache_dir, {**key, "input": dataclasses.asdict(spec)}, build)
    for array in arrays.values():
        array.flags.writeable = False
    return PreviewSet(rgb=arrays["rgb"], inputs=arrays["inputs"], truth=arrays["truth"])


def side_by_side(image: np.ndarray, *pictures: np.ndarray) -> np.ndarray:
    """(S, (1 + len(pictures)) S + len(pictures) GAP, 3) uint8: the public image and each picture, with
    a white gap before each."""
    gap = np.full((image.shape[0], GAP, 3), 255, dtype=np.uint8)
    return np.concatenate([image, *(part for picture in pictures for part in (gap, picture))], axis=1)


def encode_png(rgb: np.ndarray) -> bytes:
    """The PNG file of an (H, W, 3) uint8 RGB image."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {rgb.dtype} {rgb.shape}")
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)  # half the time of the default 6
    return buffer.getvalue()
