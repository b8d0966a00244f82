"""What a task is: the contract between the evaluation service and a task's models, data and metrics.

The door checks, the executor, the API and the CLI speak only this interface, so a new task is a new
`TaskDefinition` under tasks/, not new plumbing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol, Self

import numpy as np

from goat.core.disclosure import DisclosedError

Direction = Literal["higher", "lower"]
MetricValue = float | list[float | None] | None
"""A metric is a number, or (per class) a list of numbers, null where a class has no evidence."""


class UnusableOutput(DisclosedError, ValueError):
    """The model's output cannot be read as the task's; the message is written for the participant, the
    detail (with the output's shape, which a graph may compute from the hidden images) for the organiser."""


@dataclass(frozen=True, kw_only=True)
class InputSpec:
    """The one input tensor a submitted model must take: float32 NCHW, batch fixed or symbolic, height and
    width fixed at image_size or symbolic (then fed at image_size).

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

    def describe(self) -> str:
        size = self.image_size
        return (
            f"RGB, resized to {size}x{size} ({self.resize}), scaled to [0, 1], normalised with mean "
            f"{list(self.mean)} and std {list(self.std)}, NCHW {self.dtype}"
        )


@dataclass(frozen=True, kw_only=True)
class OutputLayout:
    """One output a task can read: [N, S, S] when `channels` is None, else [N, channels, S, S]."""

    channels: int | None
    dtypes: tuple[str, ...]
    """numpy names of the element types accepted, e.g. ("float32",)."""

    def dims(self, batch: int | str, image_size: int) -> list[int | str]:
        middle = [] if self.channels is None else [self.channels]
        return [batch, *middle, image_size, image_size]

    def text(self, batch: int | str, image_size: int) -> str:
        shape = "[" + ", ".join(map(str, self.dims(batch, image_size))) + "]"
        return f"{shape} {' or '.join(self.dtypes)}"


@dataclass(frozen=True, kw_only=True)
class ModelInterface:
    """What a model for a task takes and returns: the door checks it, the executor reads outputs by it.

    Plain data, so it crosses into the checker's process as it is.
    """

    input: InputSpec
    outputs: tuple[OutputLayout, ...]

    def expected_outputs(self, batch: int | str = "N") -> str:
        return " or ".join(layout.text(batch, self.input.image_size) for layout in self.outputs)

    def layout_of(self, shape: tuple[int, ...], dtype: str, *, batch: int) -> OutputLayout:
        """The layout of an output returned for `batch` samples; UnusableOutput names the expected shapes to
        the participant, and the one returned to the organiser."""
        for layout in self.outputs:
            if list(shape) == layout.dims(batch, self.input.image_size) and dtype in layout.dtypes:
                return layout
        batch_shape = [batch, *self.input.sample_shape]
        expected = f"expected {self.expected_outputs(batch)}"
        raise UnusableOutput(
            f"the model returned a {dtype} output the task does not accept for an input batch "
            f"of {batch_shape}; {expected}",
            detail=f"the model returned an output of shape {list(shape)} ({dtype}) for an input batch of "
            f"{batch_shape}; {expected}",
        )


@dataclass(frozen=True, kw_only=True)
class DatasetParams:
    """Everything that selects and shapes a test set; the cache key is built from what shapes the data.

    num_samples=None means the task's default: for a folder dataset every sample, for generated data the
    task's own count (96). seed only affects generated data. cache_dir=None disables the cache.
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
    """Accumulates evidence batch by batch, so progress and scoring overlap inference."""

    def add(self, start: int, predictions: np.ndarray) -> None:
        """Score predictions, as the task's `read_output` returned them, for samples start..start+B-1."""

    def result(self) -> dict[str, MetricValue]:
        """Every metric of the task over the samples added so far."""


@dataclass(frozen=True)
class SamplePreview:
    """One public sample as a participant sees it: (S, S, 3) uint8 pictures, the ground truth's first."""

    pictures: tuple[np.ndarray, ...]
    metrics: Mapping[str, MetricValue]


@dataclass(frozen=True, kw_only=True)
class TaskDefinition(ABC):
    """A task in one place: its models' interface, its data, how outputs are read and scored, its ranking
    metric, and the metrics shown beside the score (`columns`)."""

    name: str
    title: str
    input_spec: InputSpec
    metrics: tuple[str, ...]
    score_metric: str
    score_direction: Direction
    columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.score_metric not in self.metrics:
            raise ValueError(f"{self.name}: score metric {self.score_metric!r} is not one of its metrics")
        if self.score_direction not in ("higher", "lower"):
            raise ValueError(f"{self.name}: score_direction must be 'higher' or 'lower'")
        if unknown := sorted(set(self.columns) - set(self.metrics)):
            raise ValueError(f"{self.name}: column(s) {', '.join(unknown)} are not among its metrics")

    @property
    def interface(self) -> ModelInterface:
        return ModelInterface(input=self.input_spec, outputs=self.output_layouts())

    def with_image_size(self, image_size: int) -> Self:
        """This task at another size: what a model must accept, and the size its test set is made at."""
        return replace(self, input_spec=replace(self.input_spec, image_size=image_size))

    def read_output(self, output: np.ndarray, *, batch: int) -> np.ndarray:
        """The model's raw output for a batch, as the scorer takes it; UnusableOutput when it cannot be."""
        layout = self.interface.layout_of(output.shape, output.dtype.name, batch=batch)
        return self.convert_output(output, layout)

    @abstractmethod
    def output_layouts(self) -> tuple[OutputLayout, ...]:
        """The outputs a model may return, each read by `convert_output`."""

    @abstractmethod
    def convert_output(self, output: np.ndarray, layout: OutputLayout) -> np.ndarray:
        """An output already matched to `layout`, as the scorer takes it."""

    @abstractmethod
    def output_description(self) -> str:
        """What the output is read as, for the participant."""

    @abstractmethod
    def details(self) -> Mapping[str, object]:
        """What else a participant needs to know to score well (alignment, class names, ...)."""

    @abstractmethod
    def render_public(self, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Public room `index` (tasks/previews.py): its (size, size, 3) uint8 image and its ground truth."""

    @abstractmethod
    def preview(self, prediction: np.ndarray, truth: np.ndarray) -> SamplePreview:
        """Pictures of the ground truth and of one prediction (as `read_output` returned it) on one scale,
        and the sample's own metrics, for the participant."""

    @abstractmethod
    def load_test_set(self, params: DatasetParams) -> TestSet:
        """The test set preprocessed at params.image_size."""

    @abstractmethod
    def scorer(self, test_set: TestSet) -> Scorer: ...
