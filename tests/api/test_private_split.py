"""PRIVATE_FRACTION over HTTP: every evaluation scores both parts; a participant sees the public part alone,
the organiser both; the leaderboard ranks by the public score until the organiser reveals, then by the
private one, showing both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goat.client import GoatError
from goat.tasks import load_registry
from tests.support.models import depth_model, plain_model
from tests.support.processes import run_goat
from tests.support.scoring import expected_metrics
from tests.support.system import GoatSystem

SIZE = 32


@pytest.fixture(scope="module")
def split_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    with GoatSystem(tmp_path_factory.mktemp("split"), env={"PRIVATE_FRACTION": "0.5"}) as running:
        yield running


def private_samples(system: GoatSystem) -> frozenset[int]:
    task = load_registry(system.settings)["task2"]
    return task.private_samples(task.load_test_set())


def test_participants_see_the_public_part_and_the_organiser_both(
    split_system: GoatSystem, tmp_path: Path
) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=SIZE)
    submission = split_system.client.wait(split_system.client.submit(model)["submission_id"])
    assert submission["status"] == "completed"
    private = private_samples(split_system)
    assert len(private) == 6

    public = expected_metrics(split_system, model, samples=set(range(12)) - private)
    seen = submission["result"]
    assert seen["metrics"] == pytest.approx(public) and seen["score"] == seen["metrics"]["delta1"]
    assert seen["private"] is None
    assert "private" not in split_system.client.me()["submissions"][0]

    organisers = split_system.admin.status(submission["submission_id"])["result"]
    assert organisers["metrics"] == seen["metrics"]
    assert organisers["private"]["metrics"] == pytest.approx(
        expected_metrics(split_system, model, samples=private)
    )
    assert organisers["private"]["score"] == organisers["private"]["metrics"]["delta1"]


def test_the_leaderboard_ranks_by_the_private_score_once_revealed(
    split_system: GoatSystem, tmp_path: Path
) -> None:
    teams = {"plain": plain_model, "sigmoid": depth_model}
    for name, build in teams.items():
        client = split_system.team(name)
        assert (
            client.wait(client.submit(build(tmp_path / f"{name}.onnx", image_size=SIZE))["submission_id"])[
                "status"
            ]
            == "completed"
        )
    before = split_system.client.leaderboard()
    assert before["revealed_at"] is None
    assert all(entry["private"] is None for entry in before["entries"])
    with pytest.raises(GoatError) as refused:
        split_system.client.reveal("task2")
    assert refused.value.status_code == 403

    run = run_goat(
        "reveal",
        "task2",
        "--url",
        split_system.url,
        "--token",
        split_system.admin_token,
        cwd=tmp_path,
        env={},
    )
    assert run.returncode == 0 and "task2: private ranking revealed at" in run.stdout, run.stdout + run.stderr
    after = split_system.client.leaderboard()
    assert after["revealed_at"] is not None
    private_scores = [entry["private"]["score"] for entry in after["entries"]]
    assert private_scores == sorted(private_scores, reverse=True)
    for entry in after["entries"]:
        assert entry["private"] == split_system.admin.status(entry["submission_id"])["result"]["private"]
    assert split_system.admin.reveal("task2")["revealed_at"] == after["revealed_at"], (
        "revealed once, for good"
    )
