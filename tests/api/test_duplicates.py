"""Duplicates over HTTP against the running system: a team's same bytes again are answered with its
earlier submission (200, nothing new); another team's are evaluated and shown to the organiser."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from goat.client import GoatClient, GoatError
from tests.support.models import depth_model
from tests.support.system import GoatSystem


def a_team(system: GoatSystem) -> GoatClient:
    return system.team(f"dup-{uuid.uuid4().hex[:8]}")


def test_the_same_bytes_again_answer_the_earlier_submission(system: GoatSystem, tmp_path: Path) -> None:
    team = a_team(system)
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    first = team.submit(model)
    response = team.http.post("/submit/task2", files={"file": ("again.onnx", model.read_bytes())})
    assert response.status_code == 200
    again = response.json()
    assert again["duplicate_of"] == again["submission_id"] == first["submission_id"]
    assert again["status"] in ("queued", "running", "completed") and again["quota"]["used"] == 1
    assert [row["submission_id"] for row in team.me()["submissions"]] == [first["submission_id"]]
    final = team.wait(first["submission_id"], timeout=120)
    after = team.submit(model)
    assert (after["duplicate_of"], after["status"]) == (first["submission_id"], final["status"])
    assert len(team.me()["submissions"]) == 1


def test_another_teams_same_bytes_are_evaluated_and_shown_to_the_organiser(
    system: GoatSystem, tmp_path: Path
) -> None:
    first, second = a_team(system), a_team(system)
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    mine = first.submit(model)
    theirs = second.submit(model)
    assert theirs["duplicate_of"] is None and theirs["submission_id"] != mine["submission_id"]
    assert second.wait(theirs["submission_id"], timeout=120)["status"] == "completed"
    shared = {entry["model_sha256"]: entry["submissions"] for entry in system.admin.shared_models()}
    copies = {(copy["team"], copy["submission_id"]) for copy in shared[mine["model_sha256"]]}
    assert copies == {
        (first.me()["team"], mine["submission_id"]),
        (second.me()["team"], theirs["submission_id"]),
    }


def test_only_the_organiser_sees_shared_models(system: GoatSystem) -> None:
    with pytest.raises(GoatError) as forbidden:
        system.client.shared_models()
    assert forbidden.value.status_code == 403
    with GoatClient(system.url) as nobody, pytest.raises(GoatError) as unauthorized:
        nobody.shared_models()
    assert unauthorized.value.status_code == 401
