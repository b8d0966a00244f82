"""The forked ONNX Runtime executor on its own: its verbs, the limits it is given, and what it reports."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

from goat.executors.base import ExecutionFailed, ModelFile
from goat.executors.devices import choose_device
from goat.executors.forked import ForkedExecutor
from goat.executors.inference import RunOptions
from goat.executors.limits import Limits
from goat.executors.results import Outputs
from goat.executors.runtime import gpu_options
from goat.tasks import base
from goat.tasks.base import DatasetParams
from goat.tasks.depth.task import TASK2
from goat.tasks.previews import GAP, PreviewSet, load_preview_set
from tests.support.hostile import huge_allocation_model, looping_model
from tests.support.models import depth_model
from tests.support.system import explicit_settings

SIZE = 32
SAMPLES = 6
TASK = TASK2.with_image_size(SIZE)


@pytest.fixture(scope="module")
def test_set(tmp_path_factory: pytest.TempPathFactory) -> base.TestSet:
    params = DatasetParams(image_size=SIZE, num_samples=SAMPLES, cache_dir=tmp_path_factory.mktemp("cache"))
    return TASK.load_test_set(params)


def executor(
    test_set: base.TestSet, *, time_s: int = 60, memory_bytes: int = 2**30, previews: PreviewSet | None = None
) -> ForkedExecutor:
    return ForkedExecutor(
        task=TASK,
        test_set=test_set,
        batch_size=4,
        limits=Limits(time_s=time_s, memory_bytes=memory_bytes),
        device=choose_device(preference="cpu", worker_index=0),
        options=RunOptions(threads=1, gpu=gpu_options(explicit_settings({}))),
        preview_set=previews,
    )


def children() -> set[int]:
    return {child.pid for child in psutil.Process().children()}


def model_file(path: Path) -> ModelFile:
    return ModelFile(path=path, sha256="0" * 64, fixed_batch=None)


def test_the_verbs_run_the_model_in_a_child_and_return_typed_outputs(
    test_set: base.TestSet, tmp_path: Path
) -> None:
    progress: list[tuple[int, int]] = []
    before = children()
    outputs = executor(test_set).run(
        model=model_file(depth_model(tmp_path / "m.onnx", image_size=SIZE)),
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert isinstance(outputs, Outputs)
    assert outputs.score == outputs.metrics["delta1"]
    assert outputs.performance.num_samples == SAMPLES
    assert outputs.performance.provider == "CPUExecutionProvider"
    assert progress == [(4, SAMPLES), (6, SAMPLES)]
    assert children() == before, "cleanup leaves no evaluation process behind"
    assert outputs.previews == []


def test_previews_are_drawn_on_the_public_images(test_set: base.TestSet, tmp_path: Path) -> None:
    public = load_preview_set(TASK, count=3, cache_dir=tmp_path)
    outputs = executor(test_set, previews=public).run(
        model=model_file(depth_model(tmp_path / "m.onnx", image_size=SIZE)), on_progress=lambda *_: None
    )
    assert len(outputs.previews) == len(outputs.preview_metrics) == 3
    for index, png in enumerate(outputs.previews):
        picture = np.asarray(Image.open(io.BytesIO(png)))
        assert picture.shape == (SIZE, 3 * SIZE + 2 * GAP, 3)
        assert np.array_equal(picture[:, :SIZE], public.rgb[index]), "the public image, beside its prediction"
        assert set(outputs.preview_metrics[index]) == set(TASK.metrics)


def test_the_time_limit_kills_the_child(test_set: base.TestSet, tmp_path: Path) -> None:
    slow = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    before = children()
    with pytest.raises(ExecutionFailed, match=r"^time limit of 1 s exceeded$"):
        executor(test_set, time_s=1).run(model=model_file(slow), on_progress=lambda *_: None)
    assert children() == before


def test_the_memory_limit_is_the_participants_message(test_set: base.TestSet, tmp_path: Path) -> None:
    huge = huge_allocation_model(tmp_path / "huge.onnx", image_size=SIZE)
    with pytest.raises(ExecutionFailed, match=r"memory limit of 512\.0MiB exceeded"):
        executor(test_set, memory_bytes=512 * 2**20).run(model=model_file(huge), on_progress=lambda *_: None)


def test_a_crash_of_the_child_is_reported_with_its_signal(test_set: base.TestSet, tmp_path: Path) -> None:
    """The child is killed from outside mid-run, as a segfaulting model would end it."""
    slow = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    running = executor(test_set)
    before = children()
    running.provision(model=model_file(slow))
    (child,) = children() - before
    os.kill(child, signal.SIGSEGV)
    with pytest.raises(ExecutionFailed, match=r"^evaluation crashed \(signal 11\)$"):
        running.execute(on_progress=lambda *_: None)
    running.cleanup()
    assert children() == before
