"""Turning an 8-bit RGB image into the tensor a depth model is fed (Depth Anything's convention).

The image is resized to S x S (aspect ratio not kept) with Pillow on the 8-bit image, as PIL-based pipelines
do, then scaled to [0, 1] and normalised per channel: (x / 255 - mean) / std, in float32, channels first.
Pillow's BICUBIC is the Keys cubic with a = -0.5 and, when shrinking, widens its support to antialias;
OpenCV's INTER_CUBIC (a = -0.75, no antialiasing) gives slightly different pixels.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from goat.tasks.base import InputSpec

RESAMPLING = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "lanczos": Image.Resampling.LANCZOS,
    "nearest": Image.Resampling.NEAREST,
}


def preprocess(image: np.ndarray, spec: InputSpec, out: np.ndarray | None = None) -> np.ndarray:
    """(3, S, S) float32 model input for an (H, W, 3) uint8 RGB image; written into `out` when given."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != spec.channels:
        raise ValueError(f"expected an (H, W, {spec.channels}) uint8 image, got {image.dtype} {image.shape}")
    try:
        resample = RESAMPLING[spec.resize]
    except KeyError:
        raise ValueError(f"resize must be one of {', '.join(RESAMPLING)}; got {spec.resize!r}") from None
    size = (spec.image_size, spec.image_size)
    resized = np.asarray(Image.fromarray(image).resize(size, resample), dtype=np.float32)
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    normalised = (resized / np.float32(255.0) - mean) / std
    if out is None:
        out = np.empty(spec.sample_shape, dtype=np.float32)
    out[...] = normalised.transpose(2, 0, 1)
    return out
