"""Colour for the rendered surfaces: textures, one ceiling lamp with hard shadows, and ambient light.

Shading only needs to look like a room to a depth model; it never touches the ground-truth depth.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.depth import raycast
from goat.tasks.depth.scenes import Box, Material, Scene
from goat.tasks.depth.textures import pattern_shade

_SHADOW_OFFSET = 1e-4
"""How far a shadow ray starts off its surface, so that the surface does not shadow itself."""

_TILE = 16
"""Shadow rays are culled per square tile of this many pixels a side."""


def shade(
    scene: Scene, depth: np.ndarray, normal: tuple, surface: tuple, material: np.ndarray, rays: tuple
) -> np.ndarray:
    """uint8 (H, W, 3) sRGB-like image of the surfaces hit along `rays` (see `render.Hits`).

    Colour is computed in float32: plenty for 8-bit output, and twice as fast.
    """
    depth = depth.astype(np.float32)
    rays = tuple(ray.astype(np.float32) for ray in rays)
    points = tuple(scene.camera.position[axis] + depth * rays[axis] for axis in range(3))
    to_light = raycast.sub(scene.light, points)
    distance2 = raycast.dot(to_light, to_light)
    distance = np.sqrt(distance2)
    light_dir = tuple(component / distance for component in to_light)
    lit = unshadowed(scene, points, normal, to_light)
    facing = np.maximum(raycast.dot(normal, light_dir), 0.0)
    materials = scene.materials()
    light = 0.16 + 0.1 * (normal[1] + 1.0) + facing * lit * (1.5 / (1.0 + distance2 / 12.0))
    light *= _brightness(materials, surface, material)
    glossy = np.array([m.glossy for m in materials])[material] & lit
    shine = np.where(glossy, 0.6 * _highlight(normal, light_dir, rays), 0.0)
    rgb = np.empty((*depth.shape, 3), dtype=np.uint8)
    for channel in range(3):
        albedo = np.array([m.albedo[channel] for m in materials], dtype=np.float32)[material]
        linear = np.clip(albedo * light + shine, 0.0, 1.0)
        rgb[..., channel] = np.floor(np.sqrt(linear) * 255.0 + 0.5)
    return rgb


def _brightness(materials: list[Material], surface: tuple, material: np.ndarray) -> np.ndarray:
    """Each material's texture pattern over its pixels; pixels are grouped by material so each runs once."""
    order = np.argsort(material, axis=None, kind="stable")
    ends = np.cumsum(np.bincount(material.ravel(), minlength=len(materials)))
    u, v = (plane.ravel()[order] for plane in surface)
    grouped = np.empty(order.size, dtype=np.float32)
    start = 0
    for m, end in zip(materials, ends, strict=True):
        if end > start:
            grouped[start:end] = pattern_shade(m.pattern, u[start:end], v[start:end], m.scale, m.seed)
        start = end
    brightness = np.empty_like(grouped)
    brightness[order] = grouped
    return brightness.reshape(material.shape)


def _highlight(normal: np.ndarray, light_dir: tuple, rays: tuple) -> np.ndarray:
    """Blinn-Phong highlight with exponent 32 (five squarings, no pow)."""
    view = np.sqrt(raycast.dot(rays, rays))
    halfway = tuple(light_dir[axis] - rays[axis] / view for axis in range(3))
    cosine = raycast.dot(normal, halfway) / np.sqrt(raycast.dot(halfway, halfway))
    highlight = np.maximum(cosine, 0.0)
    for _ in range(5):
        highlight = highlight * highlight
    return highlight


def unshadowed(scene: Scene, points: tuple, normal: np.ndarray, to_light: tuple) -> np.ndarray:
    """True where the segment from the surface to the lamp is clear of every box and ball.

    Each occluder is tested exactly, but only on tiles whose points' bounding ball can reach its shadow: a
    segment from any point within r of a tile centre c to the lamp stays within r of the segment from c.
    """
    start = tuple(points[axis] + _SHADOW_OFFSET * normal[axis] for axis in range(3))
    tiles = _Tiles(start[0].shape)
    start_tiles, light_tiles = tiles.split(start), tiles.split(to_light)
    centre, radius = tiles.bounding_balls(start_tiles)
    blocked = np.zeros(start_tiles[0].shape, dtype=bool)
    occluders = [(box.center, float(np.sqrt(raycast.dot(box.half, box.half))), box) for box in scene.boxes]
    occluders += [(sphere.center, sphere.radius, sphere) for sphere in scene.spheres]
    for occluder_centre, occluder_radius, occluder in occluders:
        near = _segment_distance(occluder_centre, centre, scene.light) <= occluder_radius + radius + 1e-6
        if not near.any():
            continue
        origin = raycast.sub(tuple(s[near] for s in start_tiles), occluder_centre)
        direction = tuple(d[near] for d in light_tiles)
        if isinstance(occluder, Box):
            entry, leave, _ = raycast.slab(
                raycast.into_box(occluder, origin), raycast.into_box(occluder, direction), occluder.half
            )
            crossed = (entry <= leave) & (entry > 0) & (entry < 1)
        else:
            entry = raycast.sphere_entry(origin, direction, occluder.radius)
            crossed = (entry > 0) & (entry < 1)
        blocked[near] |= crossed
    return ~tiles.join(blocked)


def _segment_distance(point: tuple, start: tuple, end: tuple) -> np.ndarray:
    """Distance from a point to the segments start..end (start per tile, end shared)."""
    to_point, along = raycast.sub(point, start), raycast.sub(end, start)
    fraction = np.clip(raycast.dot(to_point, along) / raycast.dot(along, along), 0.0, 1.0)
    gap = tuple(to_point[axis] - fraction * along[axis] for axis in range(3))
    return np.sqrt(raycast.dot(gap, gap))


class _Tiles:
    """Views an (H, W) image as (h, w, T, T) tiles, edge-padding it to whole tiles."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.shape = shape
        self.counts = (-(-shape[0] // _TILE), -(-shape[1] // _TILE))

    def split(self, images: tuple) -> tuple:
        pads = ((0, self.counts[0] * _TILE - self.shape[0]), (0, self.counts[1] * _TILE - self.shape[1]))
        padded = (np.pad(image, pads, mode="edge") if any(p for _, p in pads) else image for image in images)
        return tuple(p.reshape(self.counts[0], _TILE, self.counts[1], _TILE).swapaxes(1, 2) for p in padded)

    def join(self, tiled: np.ndarray) -> np.ndarray:
        image = tiled.swapaxes(1, 2).reshape(self.counts[0] * _TILE, self.counts[1] * _TILE)
        return image[: self.shape[0], : self.shape[1]]

    @staticmethod
    def bounding_balls(tiled: tuple) -> tuple[tuple, np.ndarray]:
        """Centre (3 planes of (h, w)) and radius (h, w) of a ball around each tile's points."""
        low = [t.min(axis=(2, 3)) for t in tiled]
        high = [t.max(axis=(2, 3)) for t in tiled]
        centre = tuple((lo + hi) / 2 for lo, hi in zip(low, high, strict=True))
        half = tuple((hi - lo) / 2 for lo, hi in zip(low, high, strict=True))
        return centre, np.sqrt(raycast.dot(half, half))
