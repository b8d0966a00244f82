"""Procedural indoor scenes: a room with furniture-like boxes and balls, seen by a pinhole camera.

A scene is plain data, so tests can place a wall or a ball at a known distance and check the rendered depth.
Angles are stored as the tangent of their half (t = tan(angle / 2)): cos = (1 - t^2) / (1 + t^2) and
sin = 2t / (1 + t^2) then need no trigonometry, so a scene's numbers are identical on every platform.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from goat.tasks.depth.textures import Pattern

Vec3 = tuple[float, float, float]


def half_angle_rotation(t: float) -> tuple[float, float]:
    """(cos, sin) of the angle whose half has tangent t."""
    return (1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t)


@dataclass(frozen=True)
class Material:
    albedo: Vec3
    pattern: Pattern = "plain"
    scale: float = 1.0
    seed: int = 0
    glossy: bool = False


@dataclass(frozen=True)
class Camera:
    """A pinhole at `position`, turned by `yaw` about the vertical and tilted down by `pitch`.

    The world is y-up; with yaw = pitch = 0 the camera looks along +z. `focal` is the focal length in image
    widths (the same field of view at any image size).
    """

    position: Vec3
    focal: float
    yaw: float = 0.0
    pitch: float = 0.0

    def basis(self) -> tuple[Vec3, Vec3, Vec3]:
        """(right, up, forward): image x, image -y and the optical axis in world coordinates."""
        cy, sy = half_angle_rotation(self.yaw)
        cp, sp = half_angle_rotation(self.pitch)
        right = (cy, 0.0, -sy)
        up = (sy * sp, cp, cy * sp)
        forward = (sy * cp, -sp, cy * cp)
        return right, up, forward


@dataclass(frozen=True)
class Room:
    """The axis-aligned box the camera stands in: floor at lo[1], ceiling at hi[1]."""

    lo: Vec3
    hi: Vec3
    floor: Material
    ceiling: Material
    walls: Material


@dataclass(frozen=True)
class Box:
    """A box turned about the vertical axis through its centre by the angle whose half-tangent is `turn`."""

    center: Vec3
    half: Vec3
    material: Material
    turn: float = 0.0


@dataclass(frozen=True)
class Sphere:
    center: Vec3
    radius: float
    material: Material


@dataclass(frozen=True)
class Scene:
    camera: Camera
    room: Room
    light: Vec3
    boxes: tuple[Box, ...] = ()
    spheres: tuple[Sphere, ...] = ()

    def materials(self) -> list[Material]:
        """Every surface's material, as the renderer numbers them: floor, ceiling, walls, boxes, balls."""
        room = self.room
        objects = [*self.boxes, *self.spheres]
        return [room.floor, room.ceiling, room.walls, *(thing.material for thing in objects)]


def random_scene(rng: np.random.Generator) -> Scene:
    """A furnished room. Every point of it lies within 8.5 m of the camera, and every object 1 m ahead of it.

    The camera is at the origin of x and z; the room reaches 1.5-3.2 m to each side, 0.8 m behind and 4-7.5 m
    ahead, so every pixel sees a surface and every depth is below 10 m.
    """
    width_left, width_right = _uniform(rng, 1.5, 3.2), _uniform(rng, 1.5, 3.2)
    height, back = _uniform(rng, 2.5, 3.2), _uniform(rng, 4.0, 7.5)
    lo, hi = (-width_left, 0.0, -0.8), (width_right, height, back)
    room = Room(
        lo=lo,
        hi=hi,
        floor=_material(rng, _pick(rng, ("tiles", "planks")), (0.35, 0.85), scale=_uniform(rng, 0.3, 0.6)),
        ceiling=_material(rng, "plain", (0.8, 0.95)),
        walls=_material(rng, _pick(rng, ("plain", "stripes")), (0.45, 0.9), scale=_uniform(rng, 0.08, 0.25)),
    )
    camera = Camera(
        position=(0.0, _uniform(rng, 1.1, min(1.7, height - 0.5)), 0.0),
        focal=1.0 / (2.0 * _uniform(rng, 0.52, 0.77)),
        yaw=_uniform(rng, -0.22, 0.22),
        pitch=_uniform(rng, 0.0, 0.17),
    )
    boxes = [_furniture(rng, lo, hi) for _ in range(int(rng.integers(3, 7)))]
    boxes += [_picture(rng, lo, hi) for _ in range(int(rng.integers(0, 3)))]
    spheres = [_ball(rng, lo, hi, boxes) for _ in range(int(rng.integers(1, 5)))]
    light = (_uniform(rng, lo[0] + 0.5, hi[0] - 0.5), height - 0.05, _uniform(rng, 1.0, back - 1.0))
    return Scene(camera=camera, room=room, light=light, boxes=tuple(boxes), spheres=tuple(spheres))


def _uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _pick(rng: np.random.Generator, options: Sequence[Pattern]) -> Pattern:
    return options[int(rng.integers(0, len(options)))]


def _material(
    rng: np.random.Generator,
    pattern: Pattern,
    brightness: tuple[float, float],
    *,
    scale: float = 1.0,
    glossy: bool = False,
) -> Material:
    """A random muted colour: a grey level with a small random tint per channel."""
    level = _uniform(rng, *brightness)
    r, g, b = (min(1.0, level * _uniform(rng, 0.75, 1.15)) for _ in range(3))
    seed = int(rng.integers(0, 2**31))
    return Material(albedo=(r, g, b), pattern=pattern, scale=scale, seed=seed, glossy=glossy)


def _furniture(rng: np.random.Generator, lo: Vec3, hi: Vec3) -> Box:
    """A box standing on the floor, fully inside the room and at least 1 m in front of the camera."""
    half = (_uniform(rng, 0.15, 0.6), _uniform(rng, 0.15, 0.6), _uniform(rng, 0.15, 0.6))
    if rng.uniform() < 0.25:
        half = (half[0], _uniform(rng, 0.7, 1.05), min(half[2], 0.25))
    reach = math.sqrt(half[0] ** 2 + half[2] ** 2)
    center = (
        _uniform(rng, lo[0] + reach, hi[0] - reach),
        half[1],
        _uniform(rng, 1.0 + reach, hi[2] - reach),
    )
    material = _material(rng, "grain", (0.25, 0.85))
    return Box(center=center, half=half, material=material, turn=_uniform(rng, -0.5, 0.5))


def _picture(rng: np.random.Generator, lo: Vec3, hi: Vec3) -> Box:
    """A thin frame hanging on the back wall."""
    half = (_uniform(rng, 0.2, 0.6), _uniform(rng, 0.15, 0.4), 0.02)
    center = (_uniform(rng, lo[0] + half[0], hi[0] - half[0]), _uniform(rng, 1.3, 1.9), hi[2] - half[2])
    return Box(center=center, half=half, material=_material(rng, "plain", (0.2, 1.0)))


def _ball(rng: np.random.Generator, lo: Vec3, hi: Vec3, boxes: list[Box]) -> Sphere:
    """A ball on the floor or, sometimes, on top of a piece of furniture."""
    radius = _uniform(rng, 0.12, 0.45)
    scale = _uniform(rng, 0.05, 0.15)
    material = _material(rng, _pick(rng, ("bands", "plain")), (0.3, 1.0), scale=scale, glossy=True)
    furniture = [box for box in boxes if box.half[2] > 0.1 and min(box.half[0], box.half[2]) >= radius]
    if furniture and rng.uniform() < 0.4:
        box = furniture[int(rng.integers(0, len(furniture)))]
        x, top, z = box.center[0], box.center[1] + box.half[1], box.center[2]
        return Sphere(center=(x, top + radius, z), radius=radius, material=material)
    center = (
        _uniform(rng, lo[0] + radius, hi[0] - radius),
        radius,
        _uniform(rng, 1.0 + radius, hi[2] - radius),
    )
    return Sphere(center=center, radius=radius, material=material)
