"""An evaluation run in this process on the CPU, with scoring in turns and beside inference (as on a GPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from goat.executors.base import ExecutionFailed, ModelFile
from goat.executors.devices import choose_device
from goat.executors.inference import Inference, RunOptions
from goat.executors.limits import Limits
from goat.executors.results import Outputs
from goat.executors.runtime import gpu_options
from goat.tasks import base
from goat.tasks.base import DatasetParams
from goat.tasks.depth.task import TASK2
from tests.support.hostile import nan_model
from tests.support.models import depth_model
from tests.support.system import explicit_settings

SIZE = 32
SAMPLES = 12
BATCH = 4


@pytest.fixture(scope="module")
def test_set(tmp_path_factory: pytest.TempPathFactory) -> base.TestSet:
    cache = tmp_path_factory.mktemp("cache")
    return TASK2.load_test_set(DatasetParams(image_size=SIZE, num_samples=SAMPLES, seed=0, cache_dir=cache))


def evaluate(model: Path, test_set: base.TestSet, *, beside: bool) -> tuple[Outputs, list[tuple[int, int]]]:
    evaluation = Inference(
        model=ModelFile(path=model, sha256="0" * 64, fixed_batch=BATCH),
        task=TASK2.with_image_size(SIZE),
        test_set=test_set,
        batch_size=BATCH,
        device=choose_device(preference="cpu", worker_index=0),
        options=RunOptions(threads=1, gpu=gpu_options(explicit_settings({})), score_beside_inference=beside),
        limits=Limits(time_s=60, memory_bytes=2**30),
    )
    progress: list[tuple[int, int]] = []
    try:
        evaluation.provision()
        evaluation.execute(lambda done, total: progress.append((done, total)))
        return evaluation.collect(), progress
    finally:
        evaluation.cleanup()


def test_scoring_beside_inference_gives_the_same_metrics(test_set: base.TestSet, tmp_path: Path) -> None:
    """Batches are scored in their order either way, so the metrics are identical, not just close."""
    model = depth_model(tmp_path / "m.onnx", image_size=SIZE, batch=BATCH)
    in_turns, progress = evaluate(model, test_set, beside=False)
    beside, progress_beside = evaluate(model, test_set, beside=True)
    assert beside.metrics == in_turns.metrics
    assert progress == progress_beside == [(4, SAMPLES), (8, SAMPLES), (12, SAMPLES)]
    assert beside.performance.scoring_time_s > 0


@pytest.mark.parametrize("beside", [False, True])
def test_nan_is_reported_from_either_scoring(test_set: base.TestSet, tmp_path: Path, beside: bool) -> None:
    model = nan_model(tmp_path / "nan.onnx", image_size=SIZE)
    with pytest.raises(ExecutionFailed) as raised:
        evaluate(model, test_set, beside=beside)
    assert raised.value.detail.endswith(f"NaN or inf for {SAMPLES} of {SAMPLES} samples")
