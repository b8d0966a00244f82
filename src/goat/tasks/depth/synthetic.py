"""The embedded default test set: procedural rooms rendered with their exact depth.

Scene `i` of a seed depends only on (seed, i), through its own PCG64 stream, so a smaller NUM_SAMPLES is a
prefix of a larger one and the data never depends on how many scenes are drawn or in which order.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.depth.render import render
from goat.tasks.depth.scenes import Scene, random_scene

RENDERER_VERSION = 1
"""Part of the cache key: bump whenever a change to the scenes, renderer or textures changes any pixel."""


def check_seed(seed: int) -> None:
    """Seeds feed numpy's SeedSequence, which takes non-negative integers only."""
    if seed < 0:
        raise ValueError(f"the dataset seed must be a non-negative integer, got {seed}")


def scene(seed: int, index: int) -> Scene:
    """Scene `index` of the test set drawn with `seed`."""
    check_seed(seed)
    sequence = np.random.SeedSequence(seed, spawn_key=(index,))
    return random_scene(np.random.Generator(np.random.PCG64(sequence)))


def scene_name(index: int) -> str:
    return f"scene_{index:04d}"


def render_scene(seed: int, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 (size, size, 3), depth float32 (size, size) in metres) of scene `index`."""
    return render(scene(seed, index), size)
