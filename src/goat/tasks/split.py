"""The public/private split of a test set, and scoring each part on its own.

Which samples are private is a secret of the deployment: the samples whose keyed hash (HMAC-SHA256 of the
sample's name with the split key) is smallest, round(fraction x N) of them, so the count is exact and stable
while nobody without the key can tell which ones. Every evaluation scores both parts with the task's own
scorer: each sample's evidence goes to its part alone, so the public metrics say nothing about a private
sample. Nothing here is task-specific: any task's scorer is split the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from goat.tasks.base import MetricValue, Scorer


@dataclass(frozen=True)
class PrivateSplit:
    fraction: float
    """0 <= fraction < 1; 0: every sample is public."""
    key: bytes

    def private_indices(self, names: Sequence[str]) -> frozenset[int]:
        """The private samples; at least one stays public, and one sample alone has no private part."""
        if self.fraction == 0 or len(names) < 2:
            return frozenset()
        count = min(len(names) - 1, max(1, round(self.fraction * len(names))))
        ranked = sorted(range(len(names)), key=lambda index: self._rank(names[index]))
        return frozenset(ranked[:count])

    def _rank(self, name: str) -> bytes:
        return hmac.new(self.key, name.encode(), hashlib.sha256).digest()


NO_SPLIT = PrivateSplit(0.0, b"")


class SplitScorer:
    """The task's scorer once per part, over one test set: `add` routes each run of samples to its part."""

    def __init__(self, make_scorer: Callable[[], Scorer], *, size: int, private: frozenset[int]) -> None:
        self.public = make_scorer()
        self.private = make_scorer() if private else None
        self._is_private = np.zeros(size, dtype=bool)
        self._is_private[sorted(private)] = True

    def add(self, start: int, predictions: np.ndarray) -> None:
        flags = self._is_private[start : start + len(predictions)]
        for begin, end, is_private in _runs(flags):
            part = self.private if is_private else self.public
            assert part is not None
            part.add(start + begin, predictions[begin:end])

    def result(self) -> dict[str, MetricValue]:
        """The public part's metrics: all a participant sees."""
        return self.public.result()

    def private_result(self) -> dict[str, MetricValue] | None:
        return None if self.private is None else self.private.result()


def _runs(flags: np.ndarray) -> Iterator[tuple[int, int, bool]]:
    """(begin, end, flag) of each run of equal flags."""
    edges = [0, *(np.flatnonzero(np.diff(flags)) + 1).tolist(), len(flags)]
    for begin, end in itertools.pairwise(edges):
        if end > begin:
            yield begin, end, bool(flags[begin])
