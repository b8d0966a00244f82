"""Hostile models at run time: each ends `failed` with its reason, and the same worker carries on."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.support.hostile import (
    gather_leak_model,
    huge_allocation_model,
    looping_model,
    nan_model,
    reshape_leak_model,
    shape_leak_model,
    shrinking_model,
)
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem

SIZE = 32
TIME_LIMIT = 4


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with GoatSystem(
        tmp_path_factory.mktemp("isolation"),
        workers=1,
        env={"JOB_TIMEOUT": str(TIME_LIMIT), "EVAL_MEMORY_LIMIT": "1GiB"},
    ) as system:
        yield system


def evaluate(system: GoatSystem, model: Path) -> dict:
    return system.client.wait(system.client.submit(model)["submission_id"], timeout=60)


def assert_worker_carries_on(system: GoatSystem, tmp_path: Path) -> None:
    """The next good submission completes on the same, single worker."""
    final = evaluate(system, depth_model(tmp_path / "good.onnx", image_size=SIZE))
    assert final["status"] == "completed", system.logs()


def test_time_limit_holds_inside_native_code(one_worker: GoatSystem, tmp_path: Path) -> None:
    final = evaluate(one_worker, looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9))
    assert final["status"] == "failed"
    assert final["error"] == f"time limit of {TIME_LIMIT} s exceeded"
    assert_worker_carries_on(one_worker, tmp_path)


def test_huge_allocation_hits_memory_limit(one_worker: GoatSystem, tmp_path: Path) -> None:
    final = evaluate(one_worker, huge_allocation_model(tmp_path / "huge.onnx", image_size=SIZE))
    assert final["status"] == "failed"
    assert final["error"].startswith("memory limit of 1.0GiB exceeded")
    assert_worker_carries_on(one_worker, tmp_path)


def organiser_view(system: GoatSystem, final: dict) -> str:
    """The full error text, which the organiser's status and list of submissions show and the
    participant's status never does."""
    assert final.get("error_detail") is None, "the participant's status carries no detail"
    detail = system.admin.status(final["submission_id"])["error_detail"]
    assert detail, "the organiser's status carries the detail"
    listed = system.admin.http.get("/admin/submissions", params={"limit": 1000}).json()["models"]
    copies = {copy["submission_id"]: copy for model in listed for copy in model["submissions"]}
    assert copies[final["submission_id"]]["error_detail"] == detail
    return detail


def test_nan_output_is_named_without_counting(one_worker: GoatSystem, tmp_path: Path) -> None:
    """How many samples gave NaN is a number computed from the hidden images: the organiser's alone."""
    final = evaluate(one_worker, nan_model(tmp_path / "nan.onnx", image_size=SIZE))
    assert final["status"] == "failed"
    assert final["error"] == "the model's output contains NaN or inf"
    assert organiser_view(one_worker, final) == "the model's output contains NaN or inf for 12 of 12 samples"
    assert_worker_carries_on(one_worker, tmp_path)


def test_wrong_shape_at_run_time_names_the_expected_one(one_worker: GoatSystem, tmp_path: Path) -> None:
    final = evaluate(one_worker, shrinking_model(tmp_path / "shrink.onnx", image_size=SIZE))
    assert final["status"] == "failed"
    assert "expected [5, 32, 32]" in final["error"] and "[5, 31, 32]" not in final["error"]
    assert "[5, 31, 32]" in organiser_view(one_worker, final)
    assert_worker_carries_on(one_worker, tmp_path)


def test_an_output_shape_made_of_pixel_values_is_not_shown(one_worker: GoatSystem, tmp_path: Path) -> None:
    final = evaluate(one_worker, shape_leak_model(tmp_path / "rows.onnx", image_size=SIZE))
    assert final["status"] == "failed"
    assert final["error"] == (
        "the model returned a float32 output the task does not accept for an input batch of "
        "[5, 3, 32, 32]; expected [5, 32, 32] float32 or [5, 1, 32, 32] float32"
    )
    found = re.search(r"shape (\[5, \d+, 32\])", organiser_view(one_worker, final))
    assert found and found[1] != "[5, 32, 32]", "the organiser sees the shape the pixels made"


@pytest.mark.parametrize(
    ("build", "node"),
    [
        (reshape_leak_model, "node 'pixel_reshape' (Reshape)"),
        (gather_leak_model, "node 'pixel_gather' (Gather)"),
    ],
    ids=["reshape", "gather"],
)
def test_onnx_runtime_errors_name_the_node_never_the_values(
    one_worker: GoatSystem, tmp_path: Path, build, node: str
) -> None:
    """Both models turn pixel values x 10^6 into a shape or an index that ONNX Runtime's error quotes."""
    final = evaluate(one_worker, build(tmp_path / "leak.onnx", image_size=SIZE))
    assert final["status"] == "failed"
    assert final["error"].startswith(f"ONNX Runtime failed while running the model: {node}: ")
    assert not re.search(r"\d{3,}", final["error"]), final["error"]
    values = re.findall(r"\d{5,}", organiser_view(one_worker, final))
    assert values, "the organiser's detail is ONNX Runtime's whole text, values included"
    assert values[0] in one_worker.logs(), "and so is the worker's log"


def test_crash_by_signal_is_final(one_worker: GoatSystem, tmp_path: Path) -> None:
    """A segfault in native code, delivered for real to the evaluation process."""
    model = looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9)
    submission = one_worker.client.submit(model)["submission_id"]
    status = one_worker.client.status
    wait_until(lambda: status(submission)["status"] == "running", timeout=30, what="the evaluation to start")
    worker = psutil.Process(one_worker.workers[0].process.pid)
    wait_until(lambda: bool(worker.children(recursive=True)[1:]), timeout=10, what="the evaluation process")
    work_horse, evaluation = worker.children(recursive=True)
    assert evaluation.ppid() == work_horse.pid, "the executor's process, forked by RQ's work-horse"
    os.kill(evaluation.pid, signal.SIGSEGV)
    final = one_worker.client.wait(submission, timeout=30)
    assert final["status"] == "failed"
    assert final["error"] == f"evaluation crashed (signal {signal.SIGSEGV.value})"
    assert final["attempts"] == 1
    assert_worker_carries_on(one_worker, tmp_path)
