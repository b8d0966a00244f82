"""Labels for the generated rooms: each pixel's class is the kind of surface its depth was measured on.

The rooms are task2's (`goat.tasks.depth.synthetic`): scene `i` of a seed renders the same image and depth
here, and one ray cast gives the material map, which becomes classes by the surface's kind. Picture frames
on the back wall are thin boxes, so they are "box". Every pixel's ray hits a surface, so no generated pixel
is IGNORE: a pixel's label is the surface under its centre, as its depth is.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.depth import synthetic
from goat.tasks.depth.render import render_with_materials
from goat.tasks.depth.scenes import Scene

CLASS_NAMES: tuple[str, ...] = ("background", "floor", "wall", "box", "sphere")
"""The generated rooms' classes, by id; the ceiling is the background."""

BACKGROUND, FLOOR, WALL, BOX, SPHERE = range(len(CLASS_NAMES))

LABELS_VERSION = 1
"""Part of the cache key with synthetic.RENDERER_VERSION: bump when the material-to-class mapping changes."""


def material_classes(scene: Scene) -> np.ndarray:
    """uint8 class id of each of the scene's materials, indexed as `Scene.materials()` numbers them."""
    return np.array(
        [FLOOR, BACKGROUND, WALL] + [BOX] * len(scene.boxes) + [SPHERE] * len(scene.spheres), dtype=np.uint8
    )


def render_scene_labels(seed: int, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 (size, size, 3), labels uint8 (size, size)) of scene `index`, the image task2 renders."""
    room = synthetic.scene(seed, index)
    rendering = render_with_materials(room, size)
    return rendering.rgb, material_classes(room)[rendering.material]
