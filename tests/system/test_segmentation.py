"""task3 end to end over HTTP: the second task runs through the same door, queue, executor and leaderboard."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from goat.client import GoatError
from goat.tasks import load_registry
from goat.tasks.previews import GAP
from goat.tasks.segmentation.palette import PALETTE
from tests.support.segmentation import segmentation_model
from tests.support.system import GoatSystem

METRICS = {"miou", "pixel_accuracy", "mean_class_accuracy", "iou"}


def expected_metrics(system: GoatSystem, model: Path) -> dict:
    """The same model run here with ONNX Runtime, read and scored by the task's own code."""
    task = load_registry(system.settings)["task3"]
    test_set = task.load_test_set()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    output = session.run(None, {"image": np.ascontiguousarray(test_set.inputs)})[0]
    scorer = task.definition.scorer(test_set)
    scorer.add(0, task.definition.read_output(output, batch=len(test_set)))
    return scorer.result()


@pytest.mark.parametrize("ids", [False, True], ids=["logits", "class ids"])
def test_a_segmentation_model_completes_with_expected_metrics(
    system: GoatSystem, models_dir: Path, ids: bool
) -> None:
    model = segmentation_model(models_dir / "seg.onnx", image_size=system.settings.image_size, ids=ids)
    accepted = system.client.submit(model, task="task3", name=f"seg-{ids}")
    final = system.client.wait(accepted["submission_id"], task="task3", timeout=120)

    assert final["status"] == "completed", (final, system.logs())
    metrics = final["result"]["metrics"]
    assert set(metrics) == METRICS
    assert len(metrics["iou"]) == 5
    expected = expected_metrics(system, model)
    assert metrics["iou"] == pytest.approx(expected["iou"], abs=1e-12)
    for name in ("miou", "pixel_accuracy", "mean_class_accuracy"):
        assert metrics[name] == pytest.approx(expected[name], abs=1e-12), name
    assert final["result"]["score"] == metrics["miou"]
    picture = httpx.get(f"{system.url}{final['previews'][0]}", headers=system.headers, timeout=10)
    size = system.settings.image_size
    drawn = np.asarray(Image.open(io.BytesIO(picture.content)))[:, size + GAP :].reshape(-1, 3)
    drawn = drawn[np.any(drawn != 255, axis=-1)]  # the labels and the prediction, without the gap
    assert {tuple(colour) for colour in drawn} <= {tuple(colour) for colour in PALETTE[:5]}, "class colours"
    assert final["result"]["performance"]["num_samples"] == system.settings.num_samples


def test_the_door_checks_read_task3s_interface(system: GoatSystem, models_dir: Path) -> None:
    model = segmentation_model(models_dir / "four.onnx", image_size=system.settings.image_size, classes=4)
    with pytest.raises(GoatError) as refused:
        system.client.submit(model, task="task3")
    assert refused.value.status_code == 422
    assert refused.value.detail == (
        "output 'logits' has shape [N, 4, 32, 32] (float32); "
        "expected [N, 5, 32, 32] float32 or [N, 32, 32] int64"
    )


def test_task3_is_listed_and_ranked_with_its_columns(system: GoatSystem, models_dir: Path) -> None:
    model = segmentation_model(models_dir / "seg.onnx", image_size=system.settings.image_size)
    done = system.client.wait(
        system.client.submit(model, task="task3", name="ranked")["submission_id"], task="task3"
    )
    assert done["status"] == "completed"

    listed = {task["name"]: task for task in httpx.get(f"{system.url}/tasks", timeout=10).json()}
    assert listed["task3"]["output_shapes"] == [["N", 5, 32, 32], ["N", 32, 32]]
    assert listed["task3"]["output_dtypes"] == [["float32"], ["int64"]]
    assert listed["task3"]["details"]["class_names"] == ["background", "floor", "wall", "box", "sphere"]
    assert listed["task2"]["columns"] == ["abs_rel"]

    board = system.client.leaderboard(task="task3")
    assert (board["score_metric"], board["columns"]) == ("miou", ["pixel_accuracy"])
    assert any(entry["participant"] == system.TEAM for entry in board["entries"])
    assert all(entry["metrics"]["iou"] for entry in board["entries"])
