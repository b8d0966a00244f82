"""The segmentation task: a definition that ties the test data, the model's input and output, and mIoU.

A model returns, per pixel, either a score for each class ([N, C, S, S] float32 logits, read by argmax) or
the class id itself ([N, S, S] int64).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from goat.tasks.base import (
    DatasetParams,
    InputSpec,
    OutputLayout,
    SamplePreview,
    TaskDefinition,
    TestSet,
    UnusableOutput,
)
from goat.tasks.previews import PUBLIC_SEED
from goat.tasks.segmentation import folder, synthetic
from goat.tasks.segmentation.dataset import SegmentationTestSet, load_segmentation_test_set
from goat.tasks.segmentation.labels import IGNORE
from goat.tasks.segmentation.palette import colorize
from goat.tasks.segmentation.scoring import SegmentationScorer, confusion_matrix, segmentation_metrics
from goat.tasks.settings import TaskSettings

METRICS = ("miou", "pixel_accuracy", "mean_class_accuracy", "iou")


@dataclass(frozen=True, kw_only=True)
class SegmentationTask(TaskDefinition):
    class_names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def output_layouts(self) -> tuple[OutputLayout, ...]:
        return (
            OutputLayout(channels=self.num_classes, dtypes=("float32",)),
            OutputLayout(channels=None, dtypes=("int64",)),
        )

    def convert_output(self, output: np.ndarray, layout: OutputLayout) -> np.ndarray:
        """Logits are read by argmax over the classes; ids must name a class."""
        if layout.channels is not None:
            return output.argmax(axis=1)
        if output.size and (output.min() < 0 or output.max() >= self.num_classes):
            raise UnusableOutput(f"the model returned class ids outside 0..{self.num_classes - 1}")
        return output

    def output_description(self) -> str:
        return (
            f"per-pixel scores for each of the {self.num_classes} classes (read by argmax), "
            "or the class id of each pixel"
        )

    def details(self) -> Mapping[str, object]:
        return {
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "ignore_index": IGNORE,
        }

    def render_public(self, index: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        return synthetic.render_scene_labels(PUBLIC_SEED, index, size)

    def preview(self, prediction: np.ndarray, truth: np.ndarray) -> SamplePreview:
        """The labels and the predicted classes in the palette's colours; the sample's own metrics."""
        confusion = confusion_matrix(truth, prediction, self.num_classes)
        return SamplePreview(
            pictures=(colorize(truth), colorize(prediction)), metrics=segmentation_metrics(confusion)
        )

    def load_test_set(self, params: DatasetParams) -> SegmentationTestSet:
        """DatasetParams are the loader's keywords, one for one."""
        return load_segmentation_test_set(**dataclasses.asdict(params), input_spec=self.input_spec)

    def scorer(self, test_set: TestSet) -> SegmentationScorer:
        if not isinstance(test_set, SegmentationTestSet):
            raise TypeError(f"{self.name} scores a SegmentationTestSet, got {type(test_set).__name__}")
        if test_set.class_names != self.class_names:
            raise ValueError(
                f"{self.name}: the test set's classes {test_set.class_names} are not the task's "
                f"{self.class_names}; restart the API after changing dataset.toml"
            )
        return SegmentationScorer(test_set.labels, test_set.num_classes)


def segmentation_task(name: str, settings: TaskSettings) -> SegmentationTask:
    """A task of the segmentation family; its classes come from the folder's dataset.toml, or are the
    generated rooms' surfaces."""
    dataset = settings.dataset_path
    classes = synthetic.CLASS_NAMES if dataset is None else folder.read_config(dataset).class_names
    return SegmentationTask(
        name=name,
        title=settings.title or "Semantic segmentation (mean IoU over a pooled confusion matrix)",
        input_spec=InputSpec(channels=3, image_size=settings.image_size),
        metrics=METRICS,
        score_metric="miou",
        score_direction="higher",
        columns=("pixel_accuracy",),
        class_names=tuple(classes),
    )
