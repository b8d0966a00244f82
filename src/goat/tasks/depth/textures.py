"""Procedural surface patterns for the synthetic scenes, built from integer hashing and polynomials.

Every per-pixel operation here is exact integer arithmetic or exactly rounded in IEEE 754 (+, -, *, /,
floor), so the rendered bits depend neither on the CPU's SIMD dispatch, nor the thread count, nor the libm.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Pattern = Literal["plain", "tiles", "planks", "stripes", "grain", "bands"]

_U32 = np.uint32


def lattice_hash(cell_u: np.ndarray, cell_v: np.ndarray, seed: int) -> np.ndarray:
    """A uniform float32 in [0, 1) per integer lattice point (given as whole floats): stateless noise."""
    return _to_unit(_scramble(cell_u, _X) ^ _scramble(cell_v, _Y) ^ _U32(seed & 0xFFFFFFFF))


def value_noise(u: np.ndarray, v: np.ndarray, seed: int) -> np.ndarray:
    """Smooth noise in [0, 1): lattice values blended with the cubic smoothstep, no trigonometry."""
    fu, fv = np.floor(u), np.floor(v)
    su, sv = _smoothstep(u - fu), _smoothstep(v - fv)
    salt = _U32(seed & 0xFFFFFFFF)
    x0, y = _scramble(fu, _X), _scramble(fv, _Y)
    x1, y0, y1 = x0 + _X, y ^ salt, (y + _Y) ^ salt
    a, b, c, d = _to_unit(x0 ^ y0), _to_unit(x1 ^ y0), _to_unit(x0 ^ y1), _to_unit(x1 ^ y1)
    near = a + (b - a) * su
    far = c + (d - c) * su
    return near + (far - near) * sv


_X, _Y = _U32(0x8DA6B343), _U32(0xD8163841)


def _scramble(cell: np.ndarray, factor: np.uint32) -> np.ndarray:
    """Integer cell index times an odd constant, wrapping: (i + 1) * f is then i * f + f."""
    return cell.astype(np.int32).view(_U32) * factor


def _to_unit(key: np.ndarray) -> np.ndarray:
    """Mix the bits of a lattice key (two xorshift-multiply rounds) and map the top 24 to [0, 1)."""
    h = key ^ (key >> _U32(16))
    h *= _U32(0x7FEB352D)
    h ^= h >> _U32(15)
    h *= _U32(0x846CA68B)
    return (h >> _U32(8)).astype(np.float32) * np.float32(2.0**-24)


def pattern_shade(pattern: Pattern, u: np.ndarray, v: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """A brightness factor in (0, 1] for surface coordinates (u, v) in metres, which multiplies the albedo."""
    if pattern == "plain":
        return 0.88 + 0.12 * value_noise(u * 2.0, v * 2.0, seed)
    if pattern == "tiles":
        return _tiles(u / scale, v / scale, seed)
    if pattern == "planks":
        return _planks(u / scale, v, seed)
    if pattern == "stripes":
        return (1.0 - 0.14 * _parity(u / scale)) * (0.9 + 0.1 * value_noise(u * 3.0, v * 3.0, seed))
    if pattern == "grain":
        return 0.72 + 0.28 * value_noise(u * 3.0, v * 28.0, seed)
    if pattern == "bands":
        return 1.0 - 0.4 * _parity(v / scale)
    raise ValueError(f"unknown pattern {pattern!r}")


def _smoothstep(x: np.ndarray) -> np.ndarray:
    return x * x * (3.0 - 2.0 * x)


def _parity(x: np.ndarray) -> np.ndarray:
    return (np.floor(x).astype(np.int32) & 1).astype(np.float32)


def _tiles(u: np.ndarray, v: np.ndarray, seed: int) -> np.ndarray:
    """Checkered floor tiles with a per-tile tint and dark grout lines."""
    fu, fv = np.floor(u), np.floor(v)
    tint = 0.82 + 0.18 * lattice_hash(fu, fv, seed)
    checker = 1.0 - 0.22 * _parity(fu + fv)
    grout = np.minimum(_edge_distance(u - fu), _edge_distance(v - fv)) < 0.03
    return np.where(grout, 0.45, tint * checker * (0.93 + 0.07 * value_noise(u * 4.0, v * 4.0, seed)))


def _planks(u: np.ndarray, v: np.ndarray, seed: int) -> np.ndarray:
    """Wooden floorboards along v: a tint per board, grain along it, dark seams between boards."""
    row = np.floor(u)
    shifted = v + 3.0 * lattice_hash(row, np.zeros_like(row), seed)
    board = np.floor(shifted / 1.3)
    tint = 0.75 + 0.25 * lattice_hash(row, board, seed + 1)
    grain = 0.8 + 0.2 * value_noise(u * 9.0, shifted * 0.8, seed + 2)
    seam = (_edge_distance(u - row) < 0.025) | (_edge_distance(shifted / 1.3 - board) < 0.004)
    return np.where(seam, 0.4, tint * grain)


def _edge_distance(fraction: np.ndarray) -> np.ndarray:
    return np.minimum(fraction, 1.0 - fraction)
