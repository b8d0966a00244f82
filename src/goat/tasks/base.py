"""What a task is: the contract between the evaluation service and a task's data and metrics.

The worker only speaks this interface, so a second task is a new `TaskDefinition`, not new plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol, Self

import numpy as np

Direction = Literal["higher", "lower"]


@dataclass(frozen=True, kw_only=True)
class InputSpec:
    """The one input tensor a submitted model must take: float32 NCHW, batch fixed or symbolic.

    Images are resized to image_size x image_size with the `resize` filter (aspect ratio not kept), scaled to
    [0, 1] and normalised per channel with `mean` and `std`.
    """

    channels: int
    image_size: int
    dtype: str = "float32"
    mean: tuple[float, ...] = (0.485, 0.456, 0.406)
    std: tuple[float, ...] = (0.229, 0.224, 0.225)
    resize: str = "bicubic"

    def __post_init__(self) -> None:
        if self.channels < 1 or self.image_size < 1:
            raise ValueError(
                f"channels and image_size must be positive, got {self.channels}, {self.image_size}"
            )
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            raise ValueError(f"mean and std need one value per channel ({self.channels})")
        if not all(value > 0 for value in self.std):
            raise ValueError(f"std must be positive, got {self.std}")

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)


@dataclass(frozen=True, kw_only=True)
class DatasetParams:
    """Everything that selects and shapes a test set; the cache key is built from what shapes the data.

    image_size governs the test set (the service's IMAGE_SIZE); a task's input_spec.image_size is only its
    default. num_samples=None means the task's default: for a folder dataset every sample, for generated data
    the task's own count (96 for task2). seed only affects generated data. cache_dir=None disables the cache.
    """

    image_size: int
    num_samples: int | None
    seed: int = 0
    dataset_dir: Path | None = None
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.image_size < 1:
            raise ValueError(f"image_size must be positive, got {self.image_size}")
        if self.num_samples is not None and self.num_samples < 1:
            raise ValueError(f"num_samples must be positive or None, got {self.num_samples}")


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

    def __post_init__(self) -> None:
        if self.score_metric not in self.metrics:
            raise ValueError(f"{self.name}: score metric {self.score_metric!r} is not one of its metrics")
        if self.score_direction not in ("higher", "lower"):
            raise ValueError(f"{self.name}: score_direction must be 'higher' or 'lower'")

    def with_image_size(self, image_size: int) -> Self:
        """This task with input_spec.image_size set: what a model must accept under that IMAGE_SIZE."""
        return replace(self, input_spec=replace(self.input_spec, image_size=image_size))

    def load_test_set(self, params: DatasetParams) -> TestSet:
        """The test set preprocessed at params.image_size (which overrides input_spec.image_size)."""
        raise NotImplementedError

    def scorer(self, test_set: TestSet) -> Scorer:
        raise NotImplementedError
