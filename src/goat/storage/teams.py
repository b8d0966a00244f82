"""Teams and their tokens' digests: create, list, rotate, revoke, and find a team by a token's digest.

A team has at most one valid token; rotating replaces its digest and revoking clears it, so the old token
stops working on the next request of any API process. The organiser's own submissions belong to a reserved
team, ADMIN, which has no token here (ADMIN_TOKEN is checked by api/auth.py) and never ranks.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from goat.storage.database import session_scope
from goat.storage.submissions import utcnow
from goat.storage.tables import Team

ADMIN = "admin"
"""The organiser's team: reserved, so no team of participants can take the name."""
NAME_MAX_CHARS = 64


class TeamError(Exception):
    """A team request that cannot be done; the message says why."""


class InvalidTeamName(TeamError):
    pass


class DuplicateTeam(TeamError):
    pass


class UnknownTeam(TeamError):
    pass


def check_name(name: str) -> str:
    """A valid team name, as given; InvalidTeamName says which rule it breaks."""
    if not 1 <= len(name) <= NAME_MAX_CHARS or not name.isprintable() or name != name.strip() or "/" in name:
        raise InvalidTeamName(
            f"a team name is 1 to {NAME_MAX_CHARS} printable characters, without '/' (it is a path segment "
            "of /admin/teams/NAME) and without leading or trailing spaces"
        )
    return name


def name_key(name: str) -> str:
    """What makes two names the same team: their casefolded form ("Alice" and "ALICE" are one)."""
    return name.casefold()


class TeamStore:
    """Reads and writes team rows; every write is one short transaction."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def create(self, name: str, *, token_sha256: str) -> Team:
        """A new team with this token's digest; DuplicateTeam when the name is taken, ignoring case."""
        check_name(name)
        if name_key(name) == ADMIN:
            raise DuplicateTeam(f"the name {ADMIN!r} is reserved for the organiser")
        row = Team(name=name, name_key=name_key(name), token_sha256=token_sha256, created_at=utcnow())
        try:
            with session_scope(self.url) as session:
                session.add(row)
        except IntegrityError:
            raise DuplicateTeam(f"a team named {name!r} exists already (names ignore case)") from None
        return row

    def ensure_admin(self) -> Team:
        """The organiser's team row, created by the first API to start (another may be doing the same)."""
        for _ in range(2):
            if (found := self.named(ADMIN)) is not None:
                return found
            try:
                with session_scope(self.url) as session:
                    session.add(Team(name=ADMIN, name_key=ADMIN, token_sha256=None, created_at=utcnow()))
            except IntegrityError:
                continue
        return self._get_named(ADMIN)

    def all(self) -> list[Team]:
        """Every team of participants, in the order they were made (the organiser's is left out)."""
        with session_scope(self.url) as session:
            return list(session.scalars(select(Team).where(Team.name_key != ADMIN).order_by(Team.id)))

    def named(self, name: str) -> Team | None:
        with session_scope(self.url) as session:
            return session.scalar(select(Team).where(Team.name_key == name_key(name)))

    def with_token(self, token_sha256: str) -> Team | None:
        """The team whose valid token has this digest; a revoked or replaced token finds none."""
        with session_scope(self.url) as session:
            return session.scalar(select(Team).where(Team.token_sha256 == token_sha256))

    def replace_token(self, name: str, *, token_sha256: str) -> Team:
        """The team's new token's digest; the old token (or a revocation) ends with this commit."""
        return self._update(name, token_sha256=token_sha256, revoked_at=None)

    def revoke(self, name: str) -> Team:
        """No token of the team works any more; its submissions and rankings stay."""
        return self._update(name, token_sha256=None, revoked_at=utcnow())

    def _update(self, name: str, **values: object) -> Team:
        with session_scope(self.url) as session:
            row = session.scalar(select(Team).where(Team.name_key == name_key(name), Team.name_key != ADMIN))
            if row is None:
                raise UnknownTeam(f"no team named {name!r}")
            for field, value in values.items():
                setattr(row, field, value)
        return row

    def _get_named(self, name: str) -> Team:
        found = self.named(name)
        if found is None:
            raise UnknownTeam(f"no team named {name!r}")
        return found
