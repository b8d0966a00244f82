"""Ray-primitive intersections, vectorised over rays; shared by camera rays and shadow rays.

Vectors are triples of floats or of broadcastable arrays, so one formula serves a single origin and per-pixel
origins alike. Only exactly rounded IEEE 754 operations are used (no trigonometry, no BLAS), so results are
the same bits on every machine and thread count.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.depth.scenes import Box, Room, half_angle_rotation

Vector = tuple


def dot(a: Vector, b: Vector) -> np.ndarray:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def sub(a: Vector, b: Vector) -> Vector:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def into_box(box: Box, vector: Vector) -> Vector:
    """A world offset or direction in the frame of `box`: its turn about the vertical undone."""
    cos, sin = half_angle_rotation(box.turn)
    x, y, z = vector
    return (cos * x - sin * z, y, sin * x + cos * z)


def out_of_box(box: Box, vector: Vector) -> Vector:
    """The inverse of `into_box`."""
    cos, sin = half_angle_rotation(box.turn)
    x, y, z = vector
    return (cos * x + sin * z, y, cos * z - sin * x)


def room_exit(room: Room, origin: Vector, direction: Vector) -> tuple[np.ndarray, np.ndarray]:
    """Where rays from inside the room leave it: (ray parameter, axis of the face they cross).

    The face is chosen by the sign bit, so a zero component (of either sign) gives +inf, never -inf or NaN.
    """
    exits = []
    with np.errstate(divide="ignore"):
        for axis in range(3):
            d = direction[axis]
            exits.append((np.where(np.signbit(d), room.lo[axis], room.hi[axis]) - origin[axis]) / d)
    nearest = np.minimum(exits[0], exits[1])
    crossing = np.where(exits[2] < nearest, 2, (exits[1] < exits[0]).astype(np.int8))
    return np.minimum(nearest, exits[2]), crossing


def slab(origin: Vector, direction: Vector, half: Vector) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Entry and exit parameters of rays through the box |x| <= half, and where each axis' slab is entered.

    A ray misses when entry > exit. A zero direction component is nudged to 1e-30 so that the slab test
    stays a plain comparison of finite or infinite numbers, never NaN.
    """
    lows, highs = [], []
    for axis in range(3):
        d = np.where(direction[axis] == 0, 1e-30, direction[axis])
        first = (-half[axis] - origin[axis]) / d
        second = (half[axis] - origin[axis]) / d
        lows.append(np.minimum(first, second))
        highs.append(np.maximum(first, second))
    entry = np.maximum(np.maximum(lows[0], lows[1]), lows[2])
    leave = np.minimum(np.minimum(highs[0], highs[1]), highs[2])
    return entry, leave, lows


def entry_normal(entry: np.ndarray, lows: list[np.ndarray], direction: Vector) -> Vector:
    """Outward normal of the box face a ray enters through: that of the slab it entered last."""
    on_x = lows[0] == entry
    on_y = ~on_x & (lows[1] == entry)
    faces = (on_x, on_y, ~on_x & ~on_y)
    return tuple(np.where(faces[axis], -np.sign(direction[axis]), 0.0) for axis in range(3))


def sphere_entry(offset: Vector, direction: Vector, radius: float) -> np.ndarray:
    """Parameter t where rays offset + t * direction (offset from the centre) enter the sphere; inf: miss."""
    a = dot(direction, direction)
    b = dot(offset, direction)
    c = dot(offset, offset) - radius * radius
    discriminant = b * b - a * c
    entry = (-b - np.sqrt(np.maximum(discriminant, 0.0))) / a
    return np.where(discriminant >= 0, entry, np.inf)
