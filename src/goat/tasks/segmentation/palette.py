"""Colour-coded class maps, for previews of labels and predictions.

Class c is PALETTE[c], the Pascal VOC colour map's entry c + 1 (the bits of c + 1 spread over the high bits
of r, g and b): distinct for all 255 class ids and never black, which is kept for IGNORE. Any other id
outside 0..254 is black too: a preview shows it as unlabelled rather than failing.
"""

from __future__ import annotations

import numpy as np

from goat.tasks.segmentation.labels import IGNORE


def _voc_colours(ids: np.ndarray) -> np.ndarray:
    """(len(ids), 3) uint8: bit 3k + channel of an id becomes bit 7 - k of that channel."""
    colours = np.zeros((len(ids), 3), dtype=np.uint8)
    for k in range(8):
        for channel in range(3):
            colours[:, channel] |= (((ids >> (3 * k + channel)) & 1) << (7 - k)).astype(np.uint8)
    return colours


PALETTE = _voc_colours(np.arange(1, IGNORE + 1))
"""(255, 3) uint8: the colour of each class id 0..254."""
PALETTE.flags.writeable = False

_LOOKUP = np.concatenate([PALETTE, np.zeros((256 - IGNORE, 3), dtype=np.uint8)])


def colorize(labels: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an (H, W) map of integer class ids; IGNORE and any id outside 0..254 black."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"expected an (H, W) map of integer class ids, got {labels.dtype} {labels.shape}")
    inside = (labels >= 0) & (labels < IGNORE)
    return _LOOKUP[np.where(inside, labels, IGNORE).astype(np.intp)]
