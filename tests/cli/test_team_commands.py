"""The organiser's `goat team` commands and the participant's `goat login` and `goat me`, as subprocesses."""

from __future__ import annotations

import re
import stat
import uuid
from pathlib import Path

from goat.client import GoatClient
from tests.support.processes import run_goat
from tests.support.system import GoatSystem

TOKEN = re.compile(r"^goat_[A-Za-z0-9_-]{43}$", re.MULTILINE)


def goat(system: GoatSystem, *args: str, cwd: Path, **env: str) -> tuple[int, str]:
    run = run_goat(*args, "--url", system.url, cwd=cwd, env={"COLUMNS": "300", "NO_COLOR": "1", **env})
    return run.returncode, run.stdout + run.stderr


def test_team_add_list_token_revoke(system: GoatSystem, tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    admin = {"ADMIN_TOKEN": system.admin_token}
    code, out = goat(system, "team", "add", name, cwd=tmp_path, **admin)
    assert code == 0, out
    first = TOKEN.search(out).group()
    code, out = goat(system, "team", "add", name.upper(), cwd=tmp_path, **admin)
    assert code == 1 and "refused (409)" in out
    code, out = goat(system, "team", "list", cwd=tmp_path, **admin)
    assert code == 0 and re.search(rf"{name}\W+active", out), out

    code, out = goat(system, "team", "token", name, cwd=tmp_path, **admin)
    second = TOKEN.search(out).group()
    with GoatClient(system.url, token=first) as old, GoatClient(system.url, token=second) as new:
        assert old.http.get("/me").status_code == 401 and new.me()["team"] == name
        code, out = goat(system, "team", "revoke", name, "--token", system.admin_token, cwd=tmp_path)
        assert code == 0, out
        assert new.http.get("/me").status_code == 401
    code, out = goat(system, "team", "list", cwd=tmp_path)
    assert code == 1 and "no organiser's token" in out


def test_login_keeps_the_token_and_me_uses_it(system: GoatSystem, tmp_path: Path) -> None:
    config = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    code, out = goat(system, "login", "goat_not-a-token", cwd=tmp_path, **config)
    assert code == 1 and "refused (401)" in out
    assert not (tmp_path / "config" / "goat" / "token").exists()
    code, out = goat(system, "login", system.token, cwd=tmp_path, **config)
    assert code == 0 and f"logged in as team {system.TEAM}" in out, out
    kept = tmp_path / "config" / "goat" / "token"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_text().strip() == system.token
    assert system.token not in out
    code, out = goat(system, "me", cwd=tmp_path, **config)
    assert code == 0 and f"team {system.TEAM}" in out, out
    code, out = goat(system, "me", cwd=tmp_path, GOAT_TOKEN=system.admin_token, **config)
    assert code == 0 and "team admin (the organiser)" in out, out
