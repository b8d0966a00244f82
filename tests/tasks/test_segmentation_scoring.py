import json

import numpy as np
import pytest

from goat.tasks.segmentation.scoring import SegmentationScorer, confusion_matrix, segmentation_metrics

# Six pixels, one of them ignored; five classes, of which 3 is only ever predicted and 4 never appears.
LABELS = np.array([[[0, 1, 255], [2, 2, 1]]], dtype=np.uint8)
PREDICTIONS = np.array([[[0, 1, 3], [2, 1, 3]]])


def test_a_hand_computed_confusion_matrix_and_its_metrics() -> None:
    scorer = SegmentationScorer(LABELS, 5)
    scorer.add(0, PREDICTIONS)
    expected = np.zeros((5, 5), dtype=np.int64)
    expected[0, 0] = expected[1, 1] = expected[1, 3] = expected[2, 2] = expected[2, 1] = 1
    assert np.array_equal(scorer.confusion, expected)
    result = scorer.result()
    # iou: class 0 1/1; class 1 TP 1, FN 1 (as 3), FP 1 (a 2) = 1/3; class 2 TP 1, FN 1 = 1/2; class 3 only
    # predicted, 0/1; class 4 neither labelled nor predicted, null.
    assert result["iou"] == pytest.approx([1.0, 1 / 3, 1 / 2, 0.0, None])
    assert result["iou"][4] is None
    assert result["miou"] == pytest.approx((1 + 1 / 3 + 1 / 2 + 0) / 4)
    assert result["pixel_accuracy"] == pytest.approx(3 / 5)
    # Classes labelled somewhere (0, 1, 2): recall 1, 1/2, 1/2; class 3 is left out, never labelled.
    assert result["mean_class_accuracy"] == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)


def test_the_result_is_python_floats_and_json_with_null() -> None:
    scorer = SegmentationScorer(LABELS, 5)
    scorer.add(0, PREDICTIONS)
    result = scorer.result()
    assert set(result) == {"miou", "pixel_accuracy", "mean_class_accuracy", "iou"}
    assert all(type(result[name]) is float for name in ("miou", "pixel_accuracy", "mean_class_accuracy"))
    assert [type(value) for value in result["iou"]] == [float, float, float, float, type(None)]
    assert json.loads(json.dumps(result))["iou"][4] is None


def test_what_is_predicted_at_an_ignored_pixel_does_not_count() -> None:
    results = []
    for guess in range(5):
        predictions = PREDICTIONS.copy()
        predictions[0, 0, 2] = guess
        scorer = SegmentationScorer(LABELS, 5)
        scorer.add(0, predictions)
        results.append(scorer.result())
        assert int(scorer.confusion.sum()) == 5
    assert all(result == results[0] for result in results)


def test_a_perfect_prediction_scores_one_everywhere() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, (3, 16, 16)).astype(np.uint8)
    labels[:, :2] = 255
    scorer = SegmentationScorer(labels, 4)
    scorer.add(0, np.where(labels == 255, 0, labels))
    result = scorer.result()
    assert result == {"miou": 1.0, "pixel_accuracy": 1.0, "mean_class_accuracy": 1.0, "iou": [1.0] * 4}


def test_a_class_absent_from_labels_and_predictions_is_null_and_left_out_of_the_mean() -> None:
    labels = np.array([[[0, 0], [2, 2]]], dtype=np.uint8)
    scorer = SegmentationScorer(labels, 3)
    scorer.add(0, np.array([[[0, 0], [2, 0]]], dtype=np.uint8))
    result = scorer.result()
    assert result["iou"] == [2 / 3, None, 1 / 2]
    assert result["miou"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert result["mean_class_accuracy"] == pytest.approx((1 + 1 / 2) / 2)


def naive_confusion(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Pixel by pixel, the plainest way."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    for label, prediction in zip(labels.ravel().tolist(), predictions.ravel().tolist(), strict=True):
        if label != 255:
            counts[label, prediction] += 1
    return counts


@pytest.mark.parametrize(("num_classes", "dtype"), [(2, np.int64), (7, np.uint8), (255, np.int32)])
def test_the_confusion_matrix_counts_every_labelled_pixel_once(num_classes: int, dtype: type) -> None:
    rng = np.random.default_rng(num_classes)
    labels = rng.integers(0, num_classes, (4, 9, 11)).astype(np.uint8)
    labels[rng.uniform(size=labels.shape) < 0.2] = 255
    labels[0, 0, :2] = num_classes - 1  # the largest index label * C + prediction can reach
    predictions = rng.integers(0, num_classes, labels.shape).astype(dtype)
    predictions[0, 0, :2] = num_classes - 1
    assert np.array_equal(
        confusion_matrix(labels, predictions, num_classes), naive_confusion(labels, predictions, num_classes)
    )


def test_batches_in_any_order_give_the_same_result() -> None:
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 6, (7, 12, 12)).astype(np.uint8)
    labels[labels == 5] = 255
    predictions = rng.integers(0, 5, labels.shape)
    whole = SegmentationScorer(labels, 5)
    whole.add(0, predictions)
    shuffled = SegmentationScorer(labels, 5)
    for start, stop in [(5, 7), (0, 1), (3, 5), (1, 3)]:
        shuffled.add(start, predictions[start:stop])
    assert shuffled.count == whole.count == 7
    assert np.array_equal(shuffled.confusion, whole.confusion)
    assert shuffled.result() == whole.result()


def test_metrics_from_a_confusion_matrix_alone() -> None:
    confusion = np.array([[5, 1, 0], [2, 0, 0], [0, 0, 0]])
    result = segmentation_metrics(confusion)
    assert result["iou"] == [5 / 8, 0.0, None]
    assert result["pixel_accuracy"] == 5 / 8
    assert result["mean_class_accuracy"] == pytest.approx((5 / 6 + 0) / 2)


def test_nothing_labelled_yet_is_an_error() -> None:
    scorer = SegmentationScorer(np.full((2, 4, 4), 255, dtype=np.uint8), 3)
    with pytest.raises(ValueError, match="no labelled pixel"):
        scorer.result()
    scorer.add(0, np.zeros((2, 4, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="no labelled pixel"):
        scorer.result()


@pytest.mark.parametrize(
    ("start", "predictions", "message"),
    [
        (0, np.zeros((1, 2, 3), dtype=np.float32), "expected integer class ids"),
        (0, np.zeros((2, 3), dtype=np.int64), "expected integer class ids"),
        (0, np.full((1, 2, 3), 5), r"class ids 5..5, outside 0..4"),
        (0, np.full((1, 2, 3), -1), r"class ids -1..-1, outside 0..4"),
        (1, np.zeros((1, 2, 3), dtype=np.int64), r"samples 1..1 are outside the test set \(0..0\)"),
        (0, np.zeros((1, 3, 2), dtype=np.int64), r"predictions are \(3, 2\) per image"),
    ],
)
def test_bad_predictions_are_rejected(start: int, predictions: np.ndarray, message: str) -> None:
    scorer = SegmentationScorer(LABELS, 5)
    with pytest.raises(ValueError, match=message):
        scorer.add(start, predictions)
    assert scorer.count == 0


def test_a_sample_is_scored_once() -> None:
    scorer = SegmentationScorer(LABELS, 5)
    scorer.add(0, PREDICTIONS)
    with pytest.raises(ValueError, match="already scored"):
        scorer.add(0, PREDICTIONS)


@pytest.mark.parametrize("num_classes", [0, 256])
def test_num_classes_must_leave_room_for_the_ignore_value(num_classes: int) -> None:
    with pytest.raises(ValueError, match=r"num_classes must be 1..255"):
        SegmentationScorer(LABELS, num_classes)


def test_labels_must_be_uint8_maps() -> None:
    with pytest.raises(ValueError, match="uint8 labels"):
        SegmentationScorer(LABELS.astype(np.int64), 5)
