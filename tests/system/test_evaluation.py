"""End to end over HTTP: real API, real valkey, two real worker processes, real ONNX models."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from onnx import helper
from PIL import Image

from goat.client import GoatError
from goat.storage.schema import head_revision
from goat.tasks.depth.task import TASK2
from goat.tasks.previews import GAP
from tests.support.legacy import recorded_revisions
from tests.support.models import depth_model, mean_model, save_model
from tests.support.scoring import assert_scored_as_here
from tests.support.system import GoatSystem

METRICS = {"abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "delta1", "delta2", "delta3"}


@pytest.mark.parametrize(
    ("name", "batch", "channel_axis"),
    [("fixed batch 8", 8, False), ("symbolic batch", "N", False), ("output [N,1,H,W]", "batch", True)],
)
def test_model_completes_with_expected_metrics(
    system: GoatSystem, models_dir: Path, name: str, batch: int | str, channel_axis: bool
) -> None:
    model = depth_model(
        models_dir / "model.onnx",
        image_size=system.settings.image_size,
        batch=batch,
        channel_axis=channel_axis,
    )
    accepted = system.client.submit(model)
    assert accepted["status"] == "queued"
    assert accepted["submission_id"].startswith("sub_")
    assert accepted["model_size_bytes"] == model.stat().st_size

    final = system.client.wait(accepted["submission_id"], timeout=120)

    assert final["status"] == "completed", (final, system.logs())
    result = final["result"]
    assert set(result["metrics"]) == METRICS
    assert_scored_as_here(system, model, result["metrics"])
    assert result["score"] == result["metrics"]["delta1"]
    performance = result["performance"]
    assert performance["num_samples"] == 12
    assert performance["batch_size"] == (8 if batch == 8 else 5)
    assert performance["provider"] == "CPUExecutionProvider"
    assert performance["throughput_ips"] > 0
    assert final["progress"] == {"done": 12, "total": 12}
    assert final["attempts"] == 1
    assert final["started_at"] <= final["finished_at"]


def test_unknown_submission_is_404(system: GoatSystem) -> None:
    with pytest.raises(GoatError) as refused:
        system.client.status("sub_1700000000_0123abcd")
    assert refused.value.status_code == 404
    assert "sub_1700000000_0123abcd" in refused.value.detail


def test_malformed_submission_id_is_422(system: GoatSystem) -> None:
    with pytest.raises(GoatError) as refused:
        system.client.status("../../etc/passwd")
    assert refused.value.status_code in (404, 422)
    with pytest.raises(GoatError) as refused:
        system.client.status("not-an-id")
    assert refused.value.status_code == 422


def test_health_and_queue_status(system: GoatSystem) -> None:
    assert system.client.health() == {"status": "ok"}
    assert system.client.submit_health()["redis"] == "connected"
    snapshot = system.admin.queue_status()
    assert snapshot["queue_name"] == "evaluation_queue"
    assert len(snapshot["workers"]) == 2
    for worker in snapshot["workers"]:
        assert worker["provider"] == "CPUExecutionProvider"
        assert worker["device"] == "cpu"
        assert worker["state"] in ("idle", "busy")
        assert worker["last_heartbeat"]


def test_the_records_are_where_the_settings_say_at_the_head_revision(system: GoatSystem) -> None:
    """SQLite in DATA_DIR by default; with DATABASE_URL, PostgreSQL alone, and no goat.db beside it."""
    url = system.settings.resolved_database_url
    assert recorded_revisions(url) == [head_revision()]
    assert (system.settings.data_dir / "goat.db").exists() == url.startswith("sqlite:")


def test_seed_script_passes(system: GoatSystem) -> None:
    """test_api.py, the seed's own five checks, against the running system."""
    script = Path(__file__).parents[2] / "test_api.py"
    run = subprocess.run(
        [sys.executable, str(script), "--url", system.url, "--token", system.token, "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "5 passed, 0 failed" in run.stdout


def test_symbolic_height_and_width_are_fed_at_the_task_size(system: GoatSystem, models_dir: Path) -> None:
    """An export with dynamic axes ([N, 3, height, width]) passes the door and runs at IMAGE_SIZE."""
    model = save_model(
        mean_model(
            image_size=system.settings.image_size,
            input_dims=["N", 3, "height", "width"],
            output_dims=["N", "height", "width"],
        ),
        models_dir / "dynamic.onnx",
    )
    final = system.client.wait(system.client.submit(model)["submission_id"], timeout=120)
    assert final["status"] == "completed", final
    assert_scored_as_here(system, model, final["result"]["metrics"])


def test_an_output_that_resolves_to_another_size_names_both_shapes(
    system: GoatSystem, models_dir: Path
) -> None:
    """Symbolic in, symbolic out, halved at run time: refused while running, with the expected shapes (the
    shape returned only to the organiser)."""
    size = system.settings.image_size
    halve = helper.make_node("AveragePool", ["mean"], ["depth"], kernel_shape=[2, 2], strides=[2, 2])
    model = save_model(
        mean_model(
            image_size=size,
            channel_axis=True,
            then=[halve],
            input_dims=["N", 3, "height", "width"],
            output_dims=["N", 1, "h", "w"],
        ),
        models_dir / "halved.onnx",
    )
    final = system.client.wait(system.client.submit(model)["submission_id"], timeout=120)
    assert final["status"] == "failed"
    batch = system.settings.batch_size
    assert final["error"] == (
        f"the model returned a float32 output the task does not accept for an input "
        f"batch of [{batch}, 3, {size}, {size}]; expected [{batch}, {size}, {size}] float32 or "
        f"[{batch}, 1, {size}, {size}] float32"
    )


def test_a_completed_submission_shows_previews_on_public_images(system: GoatSystem, models_dir: Path) -> None:
    model = depth_model(models_dir / "m.onnx", image_size=system.settings.image_size)
    final = system.client.wait(system.client.submit(model)["submission_id"], timeout=120)
    size = system.settings.image_size
    assert final["result"]["previews"] == system.settings.preview_count == 4
    assert final["previews"] == [
        f"/submit/task2/previews/{final['submission_id']}/{index}.png" for index in range(4)
    ]
    for path in final["previews"]:
        response = httpx.get(f"{system.url}{path}", headers=system.headers, timeout=10)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (3 * size + 2 * GAP, size)
    assert [set(sample) for sample in final["result"]["preview_metrics"]] == [set(TASK2.metrics)] * 4
    missing = httpx.get(
        f"{system.url}/submit/task2/previews/{final['submission_id']}/4.png",
        headers=system.headers,
        timeout=10,
    )
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"submission {final['submission_id']} has no preview 4"
