"""Who is calling: the organiser (ADMIN_TOKEN), a team (its token), or nobody.

A presented token is hashed (SHA-256) and compared in constant time with the admin token's digest, then
looked up by digest among the teams' rows, so a revoked or replaced token is refused on the very next
request, by every API process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from goat.core import tokens
from goat.core.config import Settings
from goat.core.secret_files import read_or_create
from goat.storage.tables import Team
from goat.storage.teams import ADMIN, TeamStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller, or the anonymous one that ALLOW_ANONYMOUS lets upload."""

    team_id: int | None
    team: str | None
    admin: bool = False


ANONYMOUS = Caller(team_id=None, team=None)


def admin_token(settings: Settings) -> str:
    """ADMIN_TOKEN, or the one drawn at the first start and kept in DATA_DIR/admin-token (0600).

    Only the file's path is logged, never the token."""
    if settings.admin_token is not None:
        return settings.admin_token.get_secret_value()
    token, created = read_or_create(settings.admin_token_file, tokens.new_token)
    verb = "created" if created else "read"
    log.info("ADMIN_TOKEN is unset: %s the organiser's token in %s", verb, settings.admin_token_file)
    return token


class Authenticator:
    """Turns a presented token into a Caller, or None when no valid token has its digest."""

    def __init__(self, teams: TeamStore, *, admin_token: str, admin_team: Team) -> None:
        self._teams = teams
        self._admin_digest = tokens.digest(admin_token)
        self._admin = Caller(team_id=admin_team.id, team=ADMIN, admin=True)

    @property
    def admin_team_id(self) -> int | None:
        """The organiser's team: its submissions never rank."""
        return self._admin.team_id

    def identify(self, token: str) -> Caller | None:
        return self.identify_digest(tokens.digest(token))

    def identify_digest(self, presented: str) -> Caller | None:
        """The caller whose token has this SHA-256 (a web session keeps the digest, not the token)."""
        if tokens.same_digest(self._admin_digest, presented):
            return self._admin
        team = self._teams.with_token(presented)
        if team is None or team.token_sha256 is None or not tokens.same_digest(team.token_sha256, presented):
            return None
        return Caller(team_id=team.id, team=team.name)
