"""docs/evaluation.md's segmentation reference must reproduce the service's numbers: hold it to that."""

import re
from pathlib import Path

import numpy as np
import pytest

from goat.tasks.segmentation.dataset import load_segmentation_test_set
from goat.tasks.segmentation.labels import resize_labels
from goat.tasks.segmentation.scoring import SegmentationScorer

DOC = Path(__file__).resolve().parents[2] / "docs" / "evaluation.md"


@pytest.fixture(scope="module")
def reference() -> dict:
    section = DOC.read_text().split("# Semantic segmentation (task3)", 1)[1]
    section = section.split("## S3. Reference implementation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    namespace: dict = {}
    exec(code, namespace)
    return namespace


def service_score(predictions: np.ndarray, labels: np.ndarray, num_classes: int, batch: int) -> dict:
    scorer = SegmentationScorer(labels, num_classes)
    for start in range(0, len(labels), batch):
        scorer.add(start, predictions[start : start + batch])
    return scorer.result()


def assert_same(result: dict, expected: dict) -> None:
    assert result.keys() == expected.keys()
    for name in ("miou", "pixel_accuracy", "mean_class_accuracy"):
        assert result[name] == pytest.approx(expected[name], rel=1e-12, abs=0), name
    assert len(result["iou"]) == len(expected["iou"])
    for ours, theirs in zip(result["iou"], expected["iou"], strict=True):
        assert ours is theirs is None or ours == pytest.approx(theirs, rel=1e-12, abs=0)


@pytest.mark.parametrize("num_classes", [1, 2, 5, 21, 150])
def test_the_documented_protocol_gives_the_service_score_on_random_data(
    reference: dict, num_classes: int
) -> None:
    rng = np.random.default_rng(num_classes)
    labels = rng.integers(0, num_classes, (5, 24, 24)).astype(np.uint8)
    labels[rng.uniform(size=labels.shape) < 0.15] = 255
    predictions = np.where(
        rng.uniform(size=labels.shape) < 0.6, labels, rng.integers(0, num_classes, labels.shape)
    )
    predictions = np.where(labels == 255, rng.integers(0, num_classes, labels.shape), predictions)
    if num_classes > 2:
        predictions[predictions == 1] = 0  # class 1 labelled but never predicted: IoU 0
        labels[labels == num_classes - 1] = 0  # the last class neither labelled nor predicted: null
        predictions[predictions == num_classes - 1] = 0
    expected = reference["score"](predictions, labels, num_classes)
    assert_same(service_score(predictions, labels, num_classes, batch=2), expected)
    if num_classes > 2:
        assert expected["iou"][1] == 0.0 and expected["iou"][-1] is None


def test_the_documented_protocol_gives_the_service_score_on_the_generated_test_set(reference: dict) -> None:
    test_set = load_segmentation_test_set(image_size=40, num_samples=6, seed=2)
    rng = np.random.default_rng(0)
    # A plausible model: right on most pixels, a neighbouring class elsewhere, never "sphere".
    noisy = np.where(
        rng.uniform(size=test_set.labels.shape) < 0.8, test_set.labels, (test_set.labels + 1) % 4
    )
    predictions = np.minimum(noisy, 3).astype(np.int64)
    expected = reference["score"](predictions, test_set.labels, test_set.num_classes)
    result = service_score(predictions, test_set.labels, test_set.num_classes, batch=4)
    assert_same(result, expected)
    assert result["iou"][4] == 0.0 and 0.3 < result["miou"] < 0.9


@pytest.mark.parametrize(("height", "width", "size"), [(480, 640, 448), (375, 1242, 64), (7, 5, 32)])
def test_the_documented_label_resize_is_the_services(
    reference: dict, height: int, width: int, size: int
) -> None:
    labels = np.random.default_rng(size).integers(0, 256, (height, width), dtype=np.uint8)
    assert np.array_equal(reference["resize_labels"](labels, size), resize_labels(labels, size))
