"""Teams and tokens over HTTP against the running system: who may upload, read and administer what."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from goat.client import GoatClient, GoatError
from tests.support.models import depth_model
from tests.support.system import GoatSystem, bearer


def unique(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:8]}"


def refused(call) -> GoatError:
    with pytest.raises(GoatError) as error:
        call()
    return error.value


def test_an_anonymous_upload_is_refused_with_how_to_get_a_token(system: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    response = httpx.post(f"{system.url}/submit/task2", files={"file": ("m.onnx", model.read_bytes())})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "goat login" in response.json()["detail"] and "goat team add" in response.json()["detail"]


def test_a_revoked_token_is_refused_at_once(system: GoatSystem, tmp_path: Path) -> None:
    name = unique("revoked")
    team = system.team(name)
    assert team.me()["team"] == name
    system.admin.revoke_team(name.upper())
    assert refused(team.me).status_code == 401
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    assert refused(lambda: team.submit(model)).status_code == 401
    listed = {row["name"]: row for row in system.admin.teams()}
    assert listed[name]["active"] is False and listed[name]["revoked_at"]


def test_a_new_token_replaces_the_old_one(system: GoatSystem) -> None:
    name = unique("rotated")
    old = system.team(name)
    token = system.admin.new_team_token(name)["token"]
    assert refused(old.me).status_code == 401
    with GoatClient(system.url, token=token) as new:
        assert new.me()["team"] == name


def test_another_teams_submission_is_not_found(system: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    owner = system.team(unique("owner"))
    final = owner.wait(owner.submit(model)["submission_id"])
    assert final["status"] == "completed" and final["previews"]
    stranger = bearer(system.token)
    for path in (f"/submit/task2/status/{final['submission_id']}", final["previews"][0]):
        assert httpx.get(f"{system.url}{path}", headers=stranger).status_code == 404
        assert httpx.get(f"{system.url}{path}", headers=bearer(owner_token(owner))).status_code == 200
        assert httpx.get(f"{system.url}{path}", headers=bearer(system.admin_token)).status_code == 200
    unknown = httpx.get(f"{system.url}/submit/task2/status/sub_1700000000_0123abcd", headers=stranger)
    mine = httpx.get(f"{system.url}/submit/task2/status/{final['submission_id']}", headers=stranger)
    assert mine.json()["detail"].replace(final["submission_id"], "X") == unknown.json()["detail"].replace(
        "sub_1700000000_0123abcd", "X"
    )


def owner_token(client: GoatClient) -> str:
    return client.http.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("name", ["x" * 65, "tab\there", "", " padded", "a/b", "ADMIN"])
def test_team_name_rules(system: GoatSystem, name: str) -> None:
    error = refused(lambda: system.admin.add_team(name))
    assert error.status_code == (409 if name == "ADMIN" else 422), error.detail
    assert "team name" in error.detail or "reserved" in error.detail


def test_a_name_differing_only_in_case_is_taken(system: GoatSystem) -> None:
    name = unique("Case")
    system.admin.add_team(name)
    error = refused(lambda: system.admin.add_team(name.swapcase()))
    assert error.status_code == 409 and "exists already" in error.detail


def test_only_the_organiser_manages_teams(system: GoatSystem) -> None:
    assert refused(lambda: system.client.add_team(unique("x"))).status_code == 403
    with GoatClient(system.url) as nobody:
        assert refused(nobody.teams).status_code == 401


def test_queue_details_are_the_organisers(system: GoatSystem) -> None:
    seen = system.client.queue_status()
    assert seen["worker_count"] == 2 and seen["workers"] == [] and seen["running"] == []
    with GoatClient(system.url) as nobody:
        assert nobody.queue_status()["workers"] == []
    workers = system.admin.queue_status()["workers"]
    assert len(workers) == 2 and all(worker["host"] and worker["pid"] for worker in workers)


def test_me_lists_the_teams_submissions(system: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=system.settings.image_size)
    team = system.team(unique("me"))
    accepted = team.submit(model)
    mine = team.me()
    assert mine["admin"] is False and mine["quota"]["task2"]["used"] == 1
    assert [row["submission_id"] for row in mine["submissions"]] == [accepted["submission_id"]]
    assert accepted["participant"] == mine["team"]
    assert system.admin.me()["admin"] is True and system.admin.me()["quota"] is None
