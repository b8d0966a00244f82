"""What a test expects a submission's metrics to be: the model run here, sample by sample, with ONNX Runtime
and scored by the task's own scorer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from goat.tasks import load_registry
from goat.tasks.base import MetricValue
from tests.support.system import GoatSystem


def expected_metrics(
    system: GoatSystem, model: Path, *, samples: Iterable[int] | None = None
) -> dict[str, MetricValue]:
    """Over `samples` (default: every sample of task2's test set in `system`)."""
    settings = system.settings
    task = load_registry(settings)["task2"]
    test_set = task.load_test_set()
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    fixed = session.get_inputs()[0].shape[0]
    scorer = task.definition.scorer(test_set)
    for index in range(len(test_set)) if samples is None else sorted(samples):
        sample = test_set.inputs[index : index + 1]
        batch = np.repeat(sample, fixed, axis=0) if isinstance(fixed, int) else sample
        output = session.run(None, {"image": batch})[0][:1]
        scorer.add(index, output.reshape(1, settings.image_size, settings.image_size))
    return scorer.result()


def assert_scored_as_here(system: GoatSystem, model: Path, metrics: dict[str, MetricValue]) -> None:
    """`metrics`, as goat reported them, equal the model's run and scored here, to float32's precision."""
    for metric, value in expected_metrics(system, model).items():
        assert metrics[metric] == pytest.approx(value, rel=1e-5, abs=1e-6), metric
