"""Where the CLI finds tokens: a participant's (--token, GOAT_TOKEN, or the one `goat login` kept) and the
organiser's (--token, ADMIN_TOKEN, or the file the API drew in DATA_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

from goat.core.config import Settings
from goat.core.secret_files import MODE, read


class NoAdminToken(Exception):
    """Neither --token, ADMIN_TOKEN nor DATA_DIR/admin-token gives the organiser's token."""


def token_file() -> Path:
    """$XDG_CONFIG_HOME/goat/token, by default ~/.config/goat/token."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "goat" / "token"


def save_token(token: str) -> Path:
    """Keep the token for the next commands, readable by this user alone (0600, in a 0700 folder)."""
    path = token_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, MODE)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
    path.chmod(MODE)  # a file made before with wider rights
    return path


def participant_token(given: str | None) -> str | None:
    """--token or GOAT_TOKEN when given, else the token `goat login` kept, else none (anonymous)."""
    if given:
        return given
    try:
        return read(token_file()) or None
    except FileNotFoundError:
        return None


def admin_token(given: str | None, settings: Settings) -> str:
    """--token, else ADMIN_TOKEN, else the token the API drew and kept in DATA_DIR/admin-token."""
    if given:
        return given
    if settings.admin_token is not None:
        return settings.admin_token.get_secret_value()
    try:
        return read(settings.admin_token_file)
    except FileNotFoundError:
        raise NoAdminToken(
            f"no organiser's token: pass --token, set ADMIN_TOKEN, or run this where the API keeps "
            f"{settings.admin_token_file} (it is made at the API's first start)"
        ) from None
