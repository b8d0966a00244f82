"""POST /admin/submissions/{id}/rerun over HTTP: a finished submission's model evaluated again as a new
submission of the same team, with the same score on the same test set and nothing charged to its quota;
refused while unfinished, for an unknown id, and to a team."""

from __future__ import annotations

from pathlib import Path

import pytest

from goat.client import GoatError
from tests.support.hostile import looping_model
from tests.support.models import depth_model
from tests.support.processes import wait_until
from tests.support.system import GoatSystem

SIZE = 32


def test_a_rerun_is_a_new_submission_of_the_team_not_charged_to_it(
    system: GoatSystem, tmp_path: Path
) -> None:
    team = system.team("rerun-team")
    first = team.wait(team.submit(depth_model(tmp_path / "m.onnx", image_size=SIZE))["submission_id"])
    used = team.me()["quota"]["task2"]["used"]

    queued = system.admin.rerun(first["submission_id"])
    assert (queued["status"], queued["rerun_of"], queued["participant"]) == (
        "queued",
        first["submission_id"],
        "rerun-team",
    )
    again = team.wait(queued["submission_id"])
    assert again["status"] == "completed" and again["rerun_of"] == first["submission_id"]
    assert again["result"]["score"] == first["result"]["score"], "same model, same test set"
    assert again["model_sha256"] == first["model_sha256"]
    assert team.me()["quota"]["task2"]["used"] == used, "the organiser's re-run is not the team's"
    assert team.status(first["submission_id"])["result"] == first["result"], "the original stays as it was"


def test_a_rerun_is_refused_while_unfinished_unknown_or_asked_by_a_team(
    system: GoatSystem, tmp_path: Path
) -> None:
    team = system.team("rerun-refusals")
    slow = team.submit(looping_model(tmp_path / "loop.onnx", image_size=SIZE, iterations=10**9))
    wait_until(lambda: team.status(slow["submission_id"])["status"] != "queued", timeout=60, what="a start")
    refusals = {
        "unfinished": (system.admin, slow["submission_id"], 409, "is still running"),
        "unknown": (system.admin, "sub_1_00000000", 404, "no submission sub_1_00000000"),
        "a team": (team, slow["submission_id"], 403, "only the organiser"),
    }
    try:
        for case, (client, submission_id, status, words) in refusals.items():
            with pytest.raises(GoatError) as refused:
                client.rerun(submission_id)
            assert refused.value.status_code == status, case
            assert words in refused.value.detail, case
    finally:
        team.cancel(slow["submission_id"])
