"""The participant's commands (`goat submit`, `status`, `queue`, `leaderboard`) as subprocesses against a
running system: what they print and how they exit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.models import depth_model
from tests.support.processes import controlled_env
from tests.support.system import GoatSystem

SUBMISSION = re.compile(r"\bsub_\d+_[0-9a-f]{8}\b")
METRICS = ("abs_rel", "sq_rel", "rmse", "rmse_log", "log10", "silog", "delta1", "delta2", "delta3")


def goat(
    system: GoatSystem, *args: str, cwd: Path, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`goat <args> --url <the system>` with GOAT_TOKEN (the system's team's unless `token`), in a wide
    terminal so that no table cell is cut short."""
    return subprocess.run(
        [sys.executable, "-m", "goat", *args, "--url", system.url],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=controlled_env({"COLUMNS": "300", "NO_COLOR": "1", "GOAT_TOKEN": token or system.token}),
    )


def test_submitting_the_same_bytes_again_names_the_earlier_submission(
    system: GoatSystem, tmp_path: Path
) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    first = goat(system, "submit", str(model), cwd=tmp_path)
    again = goat(system, "submit", str(model), cwd=tmp_path)
    assert first.returncode == again.returncode == 0, again.stdout + again.stderr
    submission = SUBMISSION.search(first.stdout).group()
    assert f"{submission} queued" in first.stdout and "of unlimited today (UTC)" in first.stdout
    assert SUBMISSION.search(again.stdout).group() == submission
    assert "you submitted these bytes before" in again.stdout


def test_submit_as_the_team_and_wait_then_status(system: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size, batch=7)
    submitted = goat(system, "submit", str(model), "--wait", cwd=tmp_path)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    submission = SUBMISSION.search(submitted.stdout).group()
    assert f"{submission} queued" in submitted.stdout
    assert f"{submission} (task2): completed" in submitted.stdout

    final = system.client.status(submission)
    assert final["participant"] == system.TEAM
    assert f"score: {final['result']['score']:.4f}" in submitted.stdout
    for metric in METRICS:
        assert re.search(rf"\b{metric}\b", submitted.stdout), metric

    shown = goat(system, "status", submission, cwd=tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"{submission} (task2): completed" in shown.stdout
    assert f"score: {final['result']['score']:.4f}" in shown.stdout
    assert "throughput_ips" in shown.stdout


def test_a_refused_model_exits_1_with_the_servers_reason(system: GoatSystem, tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"this is not a model\n")
    refused = goat(system, "submit", str(bad), cwd=tmp_path)
    assert refused.returncode == 1
    assert "refused (422):" in refused.stdout
    assert "not a valid ONNX model" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr


def test_status_of_an_unknown_submission_exits_1(system: GoatSystem, tmp_path: Path) -> None:
    shown = goat(system, "status", "sub_1700000000_0123abcd", cwd=tmp_path)
    assert shown.returncode == 1
    assert "refused (404):" in shown.stdout and "sub_1700000000_0123abcd" in shown.stdout


def test_queue_lists_every_worker_to_the_organiser(system: GoatSystem, tmp_path: Path) -> None:
    shown = goat(system, "queue", cwd=tmp_path, token=system.admin_token)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert re.search(r"queue evaluation_queue: \d+ waiting", shown.stdout)
    workers = system.admin.queue_status()["workers"]
    assert len(workers) == 2
    for worker in workers:
        assert worker["worker_id"] in shown.stdout
    assert shown.stdout.count("CPUExecutionProvider") == 2


def test_leaderboard_shows_the_ranking(system: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size, batch=3)
    for name in ("cli-board-first", "cli-board-second"):
        team = system.team(name)
        assert team.wait(team.submit(model)["submission_id"])["result"]
    board = system.client.leaderboard()["entries"]

    shown = goat(system, "leaderboard", cwd=tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "task2: delta1, higher is better" in shown.stdout
    rows = [line for line in shown.stdout.splitlines() if SUBMISSION.search(line)]
    assert len(rows) == len(board)
    for row, entry in zip(rows, board, strict=True):
        assert re.match(rf"\W*{entry['rank']}\W", row), row
        assert entry["submission_id"] in row
        assert f"{entry['score']:.4f}" in row
        assert (entry["participant"] or "(anonymous)") in row
    assert [SUBMISSION.search(row).group() for row in rows] == [e["submission_id"] for e in board]
    assert "cli-board-first" in shown.stdout and "cli-board-second" in shown.stdout
