"""GET /metrics: what Prometheus sees of uploads, the queue, the workers and running evaluations."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.hostile import looping_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem

# Far more than the test needs to see it running (about two seconds per batch on one core), short enough
# that it ends: the test waits for it to finish, so the next test finds both workers idle.
SLOW_ITERATIONS = 150_000


def scrape(system: GoatSystem) -> str:
    return httpx.get(f"{system.url}/metrics/", timeout=10).text


def sample(system: GoatSystem, name: str, **labels: str) -> float:
    """The value of one series now (0 when Prometheus does not show it yet)."""
    for family in text_string_to_metric_families(scrape(system)):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def test_prometheus_metrics(system: GoatSystem, models_dir: Path) -> None:
    system.client.wait(
        system.client.submit(depth_model(models_dir / "m.onnx", image_size=32))["submission_id"]
    )

    # A worker turns idle a moment after its result is stored.
    wait_until(
        lambda: 'goat_workers{state="idle"} 2.0' in scrape(system), timeout=10, what="two idle workers"
    )
    text = scrape(system)
    assert 'goat_submissions_total{outcome="accepted",task="task2"}' in text
    assert "goat_queue_length 0.0" in text
    assert "goat_upload_seconds_count" in text


def test_goat_running_counts_the_evaluation_in_progress(system: GoatSystem, models_dir: Path) -> None:
    slow = looping_model(models_dir / "slow.onnx", image_size=32, iterations=SLOW_ITERATIONS)
    wait_until(lambda: sample(system, "goat_running") == 0, timeout=120, what="nothing running")
    submission = system.client.submit(slow)["submission_id"]

    # RQ registers the start before the worker's report marks the row running (over HTTP, some ms later):
    # once the row says running, the gauge, read from RQ, must count it.
    wait_until(lambda: system.client.status(submission)["status"] == "running", timeout=60, what="running")
    assert sample(system, "goat_running") == 1

    assert system.client.wait(submission, timeout=120)["status"] == "completed"
    wait_until(lambda: sample(system, "goat_running") == 0, timeout=30, what="goat_running 0 again")


def test_rejections_are_counted_by_status(system: GoatSystem) -> None:
    def rejected(task: str, status: int) -> float:
        return sample(system, "goat_submissions_total", task=task, outcome=f"rejected_{status}")

    before_422, before_404 = rejected("task2", 422), rejected("unknown", 404)
    bad = httpx.post(
        f"{system.url}/submit/task2",
        files={"file": ("m.onnx", b"not a model")},
        headers=system.headers,
        timeout=30,
    )
    assert bad.status_code == 422
    unknown = httpx.post(
        f"{system.url}/submit/task9", files={"file": ("m.onnx", b"x")}, headers=system.headers, timeout=30
    )
    assert unknown.status_code == 404

    assert rejected("task2", 422) == before_422 + 1
    assert rejected("unknown", 404) == before_404 + 1
