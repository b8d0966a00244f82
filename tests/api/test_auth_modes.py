"""The settings around tokens, each on its own system: ALLOW_ANONYMOUS, LEADERBOARD_PUBLIC=false, the admin
token and the dataset seed drawn into DATA_DIR."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from goat.client import GoatClient, GoatError
from goat.core.secret_files import read
from tests.support.models import depth_model
from tests.support.system import GoatSystem


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoatSystem]:
    """No ADMIN_TOKEN, no DATASET_SEED, anonymous uploads allowed, a private leaderboard."""
    env = {"ALLOW_ANONYMOUS": "true", "LEADERBOARD_PUBLIC": "false"}
    with GoatSystem(tmp_path_factory.mktemp("drawn"), workers=0, env=env, admin_token=False) as running:
        yield running


def test_the_admin_token_is_drawn_into_a_private_file_never_logged(drawn: GoatSystem) -> None:
    path = drawn.settings.admin_token_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = read(path)
    assert len(token) >= 43 and drawn.admin.me()["admin"] is True
    log = (drawn.root / "api.log").read_text()
    assert str(path) in log and token not in log


def test_the_seed_is_secret_and_stable_across_restarts(drawn: GoatSystem) -> None:
    path = drawn.settings.data_dir / "dataset-seed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    seed = read(path)
    assert int(seed) != 0 and drawn.settings.dataset_seed == int(seed)
    drawn.restart_api()
    assert read(path) == seed and drawn.settings.dataset_seed == int(seed)


def test_dataset_seed_overrides_the_file(tmp_path: Path) -> None:
    with GoatSystem(tmp_path, workers=0, env={"DATASET_SEED": "7"}) as fixed:
        assert fixed.settings.dataset_seed == 7
        assert not (fixed.settings.data_dir / "dataset-seed").exists()


def test_allow_anonymous_restores_the_open_upload(drawn: GoatSystem, tmp_path: Path) -> None:
    model = depth_model(tmp_path / "m.onnx", image_size=drawn.settings.image_size)
    with GoatClient(drawn.url) as anonymous:
        accepted = anonymous.submit(model, name="open-participant")
        assert accepted["participant"] == "open-participant"
        assert anonymous.status(accepted["submission_id"])["status"] == "queued"
        with pytest.raises(GoatError) as refused:
            anonymous.submit(model, name="x" * 65)
        assert refused.value.status_code == 422 and "'name'" in refused.value.detail
    # With a token the team is the token's, whatever the name field says.
    assert drawn.client.submit(model, name="someone-else")["participant"] == GoatSystem.TEAM


def test_a_private_leaderboard_needs_a_token(drawn: GoatSystem) -> None:
    response = httpx.get(f"{drawn.url}/submit/task2/leaderboard")
    assert response.status_code == 401 and "LEADERBOARD_PUBLIC" in response.json()["detail"]
    assert drawn.client.leaderboard()["task"] == "task2"
