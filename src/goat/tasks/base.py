"""What a task is: the contract between the evaluation service and a task's data and metrics.

The worker only speaks this interface, so a second task is a new `TaskDefinition`, not new plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

Direction = Literal["higher", "lower"]


@dataclass(frozen=True, kw_only=True)
class InputSpec:
    """The one input tensor a submitted model must take: float32 NCHW, batch fixed or symbolic."""

    channels: int
    image_size: int
    dtype: str = "float32"
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    resize: str = "bicubic"

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)


@dataclass(frozen=True, kw_only=True)
class DatasetParams:
    """Everything that selects and shapes a test set; the cache key is built from all of it."""

    image_size: int
    num_samples: int | None
    seed: int = 0
    dataset_dir: Path | None = None
    cache_dir: Path | None = None


class TestSet(Protocol):
    """A loaded, preprocessed test set: model inputs plus whatever the task needs to score them."""

    inputs: np.ndarray
    """(N, C, S, S) float32, C-contiguous, exactly what the model is fed."""

    names: Sequence[str]
    """One stable name per sample, in order."""

    def __len__(self) -> int: ...


class Scorer(Protocol):
    """Accumulates per-sample metrics batch by batch, so progress and scoring overlap inference."""

    def add(self, start: int, predictions: np.ndarray) -> None:
        """Score predictions (B, S, S) float32 for samples start..start+B-1."""

    def result(self) -> dict[str, float]:
        """Every metric of the task, averaged over the samples added so far."""


@dataclass(frozen=True, kw_only=True)
class TaskDefinition:
    """A task in one place: its input, its data, how outputs are read and scored, and its ranking metric."""

    name: str
    title: str
    input_spec: InputSpec
    output_kind: str
    alignment: str
    metrics: tuple[str, ...]
    score_metric: str
    score_direction: Direction
    options: Mapping[str, object] = field(default_factory=dict)

    def load_test_set(self, params: DatasetParams) -> TestSet:
        raise NotImplementedError

    def scorer(self, test_set: TestSet) -> Scorer:
        raise NotImplementedError
