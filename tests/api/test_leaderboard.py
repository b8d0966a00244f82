"""GET /submit/task2/leaderboard: each team's best, by score, then by who finished first; not the admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from goat.client import GoatClient
from tests.support.models import depth_model, plain_model
from tests.support.system import GoatSystem


def names(*roles: str) -> list[str]:
    """Participant names no other test uses, so the ranking among them depends on this test alone."""
    tag = uuid.uuid4().hex[:8]
    return [f"{role}-{tag}" for role in roles]


def completed(system: GoatSystem, model: Path, team: GoatClient) -> dict:
    final = team.wait(team.submit(model)["submission_id"])
    assert final["status"] == "completed", system.logs()
    return final


def test_each_participant_ranked_by_best_score(system: GoatSystem, models_dir: Path) -> None:
    size = system.settings.image_size
    sigmoid = depth_model(models_dir / "sigmoid.onnx", image_size=size)
    plain = plain_model(models_dir / "plain.onnx", image_size=size)
    alice, bob = names("alice", "bob")
    teams = {name: system.team(name) for name in (alice, bob)}
    finals = [
        completed(system, model, teams[name])
        for name, model in [(alice, sigmoid), (alice, plain), (bob, plain)]
    ]
    organisers = completed(system, plain, system.admin)
    alice_best = max(f["result"]["score"] for f in finals[:2])

    board = system.client.leaderboard(limit=1000)
    assert board["score_metric"] == "delta1" and board["score_direction"] == "higher"
    entries = board["entries"]
    assert [entry["score"] for entry in entries] == sorted((e["score"] for e in entries), reverse=True)
    assert [entry["rank"] for entry in entries] == list(range(1, len(entries) + 1))
    ours = [entry for entry in entries if entry["participant"] in (alice, bob)]
    assert sorted(entry["participant"] for entry in ours) == [alice, bob]
    assert next(e for e in ours if e["participant"] == alice)["score"] == alice_best
    assert {e["participant"]: e["submissions"] for e in ours} == {alice: 2, bob: 1}, "every one made"
    assert organisers["submission_id"] not in {entry["submission_id"] for entry in entries}
    assert "admin" not in {entry["participant"] for entry in entries}


def test_equal_scores_rank_by_finish_time_below_a_better_score(system: GoatSystem, models_dir: Path) -> None:
    size = system.settings.image_size
    tied_model = depth_model(models_dir / "tied.onnx", image_size=size)
    first, second, better = names("first", "second", "better")
    finals = {name: completed(system, tied_model, system.team(name)) for name in (first, second)}
    better_model = plain_model(models_dir / "better.onnx", image_size=size)
    finals[better] = completed(system, better_model, system.team(better))
    assert finals[first]["result"]["score"] == finals[second]["result"]["score"]
    finished = {name: datetime.fromisoformat(final["finished_at"]) for name, final in finals.items()}
    assert finished[first] < finished[second]
    assert finals[better]["result"]["score"] > finals[first]["result"]["score"]

    entries = system.client.leaderboard(limit=1000)["entries"]
    ranks = {entry["participant"]: entry["rank"] for entry in entries if entry["participant"] in finals}
    assert ranks[better] < ranks[first] < ranks[second]
    assert ranks[second] == ranks[first] + 1
