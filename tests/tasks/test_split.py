"""The private split: a fixed, secret subset chosen by a keyed hash, and each part scored on its own by the
task's real scorer."""

from __future__ import annotations

import numpy as np
import pytest

from goat.tasks.base import DatasetParams
from goat.tasks.depth.task import depth_task
from goat.tasks.settings import TaskSettings
from goat.tasks.split import PrivateSplit, SplitScorer

NAMES = [f"room-{index:03d}" for index in range(96)]


def test_the_private_part_is_exact_stable_and_keyed() -> None:
    split = PrivateSplit(0.25, b"deployment secret")
    private = split.private_indices(NAMES)
    assert len(private) == 24
    assert split.private_indices(list(NAMES)) == private
    assert PrivateSplit(0.25, b"another secret").private_indices(NAMES) != private
    assert split.private_indices(NAMES[::-1]) == {95 - index for index in private}, "by name, not position"


@pytest.mark.parametrize(
    ("fraction", "count", "private"),
    [(0.0, 96, 0), (0.001, 96, 1), (0.999, 96, 95), (0.5, 1, 0), (0.5, 2, 1)],
)
def test_both_parts_keep_a_sample(fraction: float, count: int, private: int) -> None:
    assert len(PrivateSplit(fraction, b"k").private_indices(NAMES[:count])) == private


def test_each_part_is_scored_on_its_own_samples_only() -> None:
    task = depth_task("task2", TaskSettings(family="depth", image_size=32))
    test_set = task.load_test_set(DatasetParams(image_size=32, num_samples=10, seed=3))
    private = frozenset({1, 2, 5, 9})
    predictions = np.random.default_rng(0).uniform(0.5, 2.0, size=(10, 32, 32)).astype(np.float32)

    split = SplitScorer(lambda: task.scorer(test_set), size=10, private=private)
    for start in range(0, 10, 4):
        split.add(start, predictions[start : start + 4])

    def alone(indices: list[int]) -> dict[str, object]:
        scorer = task.scorer(test_set)
        for index in indices:
            scorer.add(index, predictions[index : index + 1])
        return scorer.result()

    assert split.result() == alone([0, 3, 4, 6, 7, 8])
    assert split.private_result() == alone(sorted(private))
    assert SplitScorer(lambda: task.scorer(test_set), size=10, private=frozenset()).private_result() is None
