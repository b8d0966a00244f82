"""Ray casting of a `Scene` into an RGB image, its exact depth map and the surface seen at each pixel.

Each pixel's ray leaves the camera through the pixel's centre and its direction has a component of exactly 1
along the optical axis, so the ray parameter of the nearest hit *is* the pixel's depth (z-depth, as depth
sensors and datasets report it), with no conversion. Depth is float64 until rounded to float32 once at the
end; normals and texture coordinates, which only feed the shading, are float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from goat.tasks.depth import raycast
from goat.tasks.depth.scenes import Box, Camera, Scene, Sphere, Vec3
from goat.tasks.depth.shading import shade

Planes = tuple[np.ndarray, ...]
Window = tuple[slice, slice]


@dataclass
class Hits:
    """The nearest surface along each camera ray: its depth, normal (3 planes), texture coordinates along
    the surface in metres (2 planes) and material index, numbered as `Scene.materials()`.

    Casting a primitive only ever brings a surface closer.
    """

    depth: np.ndarray
    normal: Planes
    surface: Planes
    material: np.ndarray

    def window(self, window: Window) -> Hits:
        return Hits(
            self.depth[window],
            tuple(plane[window] for plane in self.normal),
            tuple(plane[window] for plane in self.surface),
            self.material[window],
        )

    def update(
        self, hit: np.ndarray, depth: np.ndarray, normal: Planes, surface: Planes, material: int
    ) -> None:
        for target, value in zip(
            (self.depth, *self.normal, *self.surface), (depth, *normal, *surface), strict=True
        ):
            np.copyto(target, value, where=hit)
        np.copyto(self.material, material, where=hit)


@dataclass(frozen=True, eq=False)
class Rendering:
    """One ray cast of a scene: the image, its exact depth and, per pixel, the surface it shows.

    rgb: uint8 (size, size, 3); depth: float32 (size, size) in metres; material: int16 (size, size), the
    index in `Scene.materials()` of the surface hit through the pixel centre (0 floor, 1 ceiling, 2 walls,
    then the boxes and then the balls in scene order), the same surface whose distance `depth` holds.
    """

    rgb: np.ndarray
    depth: np.ndarray
    material: np.ndarray


def render(scene: Scene, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 (size, size, 3), depth float32 (size, size) in metres) of the scene."""
    rendering = render_with_materials(scene, size)
    return rendering.rgb, rendering.depth


def render_with_materials(scene: Scene, size: int) -> Rendering:
    """The scene's image and depth, as `render` gives them, with the material map of the same cast."""
    rays = camera_rays(scene.camera, size)
    hits = visible_surfaces(scene, rays)
    rgb = shade(scene, hits.depth, hits.normal, hits.surface, hits.material, rays)
    return Rendering(rgb, hits.depth.astype(np.float32), hits.material)


def camera_rays(camera: Camera, size: int) -> Planes:
    """World directions through pixel centres, scaled to have forward component 1."""
    right, up, forward = camera.basis()
    centres = ((np.arange(size) + 0.5) / size - 0.5) / camera.focal
    x, y = centres[None, :], -centres[:, None]
    return tuple(right[axis] * x + up[axis] * y + forward[axis] for axis in range(3))


def visible_surfaces(scene: Scene, rays: Planes) -> Hits:
    """The room's walls first (every ray hits one), then each object within the pixels that can see it."""
    origin, size = scene.camera.position, rays[0].shape[0]
    depth, axis = raycast.room_exit(scene.room, origin, rays)
    normal = tuple(np.where(axis == k, -np.sign(rays[k]), 0.0).astype(np.float32) for k in range(3))
    x, y, z = (origin[k] + depth * rays[k] for k in range(3))
    surface = (np.where(axis == 0, z, x).astype(np.float32), np.where(axis == 1, z, y).astype(np.float32))
    material = np.where(axis == 1, np.where(rays[1] < 0, 0, 1), 2).astype(np.int16)
    hits = Hits(depth, normal, surface, material)
    for index, box in enumerate(scene.boxes, start=3):
        window = _screen_window(_box_corners(box), scene.camera, size)
        if window is not None:
            _cast_box(box, origin, tuple(ray[window] for ray in rays), hits.window(window), index)
    for index, sphere in enumerate(scene.spheres, start=3 + len(scene.boxes)):
        window = _screen_window(_sphere_corners(sphere), scene.camera, size)
        if window is not None:
            _cast_sphere(sphere, origin, tuple(ray[window] for ray in rays), hits.window(window), index)
    return hits


def _cast_box(box: Box, origin: Vec3, rays: Planes, near: Hits, material: int) -> None:
    """Texture runs along a side face's horizontal and vertical, and across the top."""
    start, direction = raycast.into_box(box, raycast.sub(origin, box.center)), raycast.into_box(box, rays)
    entry, leave, lows = raycast.slab(start, direction, box.half)
    hit = (entry <= leave) & (entry > 0) & (entry < near.depth)
    local_normal = raycast.entry_normal(entry, lows, direction)
    x, y, z = (start[k] + entry * direction[k] for k in range(3))
    across_x, top = local_normal[0] != 0, local_normal[1] != 0
    surface = (np.where(across_x, z, x), np.where(across_x, y, np.where(top, z, y)))
    near.update(hit, entry, raycast.out_of_box(box, local_normal), surface, material)


def _cast_sphere(sphere: Sphere, origin: Vec3, rays: Planes, near: Hits, material: int) -> None:
    """Texture bands run around the vertical axis."""
    offset = raycast.sub(origin, sphere.center)
    entry = raycast.sphere_entry(offset, rays, sphere.radius)
    hit = (entry > 0) & (entry < near.depth)
    reached = np.where(hit, entry, 0.0)
    x, y, z = (offset[k] + reached * rays[k] for k in range(3))
    normal = (x / sphere.radius, y / sphere.radius, z / sphere.radius)
    near.update(hit, entry, normal, (x + z, y), material)


_SIGNS = [(sx, sy, sz) for sx in (-1.0, 1.0) for sy in (-1.0, 1.0) for sz in (-1.0, 1.0)]


def _box_corners(box: Box) -> list[Vec3]:
    corners = []
    for signs in _SIGNS:
        x, y, z = raycast.out_of_box(box, tuple(s * h for s, h in zip(signs, box.half, strict=True)))
        corners.append((box.center[0] + x, box.center[1] + y, box.center[2] + z))
    return corners


def _sphere_corners(sphere: Sphere) -> list[Vec3]:
    """Corners of the sphere's bounding cube."""
    return [
        tuple(c + s * sphere.radius for c, s in zip(sphere.center, signs, strict=True)) for signs in _SIGNS
    ]


def _screen_window(corners: list[Vec3], camera: Camera, size: int) -> Window | None:
    """Pixel rows and columns that can see a convex object with these bounding corners (None: none can).

    When every corner is in front of the camera the object's image lies in the hull of the corners' images;
    a one-pixel margin absorbs rounding. An object reaching behind the camera is given the whole image.
    """
    basis = camera.basis()
    columns, rows = [], []
    for corner in corners:
        x, y, z = (raycast.dot(raycast.sub(corner, camera.position), vector) for vector in basis)
        if z <= 1e-6:
            return slice(0, size), slice(0, size)
        columns.append((x / z * camera.focal + 0.5) * size - 0.5)
        rows.append((-y / z * camera.focal + 0.5) * size - 0.5)
    top, bottom = max(0, math.floor(min(rows)) - 1), min(size, math.ceil(max(rows)) + 2)
    left, right = max(0, math.floor(min(columns)) - 1), min(size, math.ceil(max(columns)) + 2)
    if top >= bottom or left >= right:
        return None
    return slice(top, bottom), slice(left, right)
