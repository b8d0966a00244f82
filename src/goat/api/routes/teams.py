"""The organiser's routes: make a team (and its token), list teams, issue a new token, revoke a team."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from goat.api.auth import AdminDep
from goat.api.deps import ServicesDep
from goat.api.schemas import TeamInfo, TeamName, TeamToken, errors
from goat.api.services import Services
from goat.core import tokens
from goat.storage.submissions import as_utc
from goat.storage.tables import Team
from goat.storage.teams import DuplicateTeam, InvalidTeamName, UnknownTeam

router = APIRouter(prefix="/admin/teams", tags=["admin"])

_ADMIN_ONLY = {401: "No valid token", 403: "Not the organiser's token", 422: "Invalid request"}
_OF_A_TEAM = errors({**_ADMIN_ONLY, 404: "No such team"})
NameInPath = Annotated[str, Path(description="The team's name, any case.", max_length=256)]


def team_info(team: Team) -> TeamInfo:
    return TeamInfo(
        name=team.name,
        active=team.token_sha256 is not None,
        created_at=as_utc(team.created_at),  # type: ignore[arg-type]
        revoked_at=as_utc(team.revoked_at),
    )


@router.post(
    "",
    status_code=201,
    response_model=TeamToken,
    responses=errors({**_ADMIN_ONLY, 409: "The name is taken (ignoring case)", 422: "Not a valid team name"}),
    summary="Make a team; its token is in the answer, once",
)
def add_team(services: ServicesDep, _: AdminDep, body: TeamName) -> TeamToken:
    return make_team(services, body.name)


def make_team(services: Services, name: str) -> TeamToken:
    """The new team and its token (the API's answer and the organiser's page); 422 or 409 refuses it."""
    token = tokens.new_token()
    try:
        team = services.teams.create(name, token_sha256=tokens.digest(token))
    except InvalidTeamName as invalid:
        raise HTTPException(422, str(invalid)) from None
    except DuplicateTeam as duplicate:
        raise HTTPException(409, str(duplicate)) from None
    return TeamToken(name=team.name, token=token)


@router.get("", response_model=list[TeamInfo], responses=errors(_ADMIN_ONLY), summary="Every team")
def list_teams(services: ServicesDep, _: AdminDep) -> list[TeamInfo]:
    return [team_info(team) for team in services.teams.all()]


# This route and the next are alike in shape (a team by name, its refusals); each changes it differently.
@router.post(
    "/{name}/token",
    response_model=TeamToken,
    responses=_OF_A_TEAM,
    summary="Issue the team a new token; the old one stops working at once",
)
def new_token(services: ServicesDep, _: AdminDep, name: NameInPath) -> TeamToken:
    return replace_token(services, name)


def replace_token(services: Services, name: str) -> TeamToken:
    token = tokens.new_token()
    team = _known(lambda: services.teams.replace_token(name, token_sha256=tokens.digest(token)))
    return TeamToken(name=team.name, token=token)


@router.delete(
    "/{name}",
    response_model=TeamInfo,
    responses=_OF_A_TEAM,
    summary="Revoke the team's token at once (its submissions stay)",
)
def revoke_team(services: ServicesDep, _: AdminDep, name: NameInPath) -> TeamInfo:
    return revoke(services, name)


def revoke(services: Services, name: str) -> TeamInfo:
    return team_info(_known(lambda: services.teams.revoke(name)))


def _known(change: Callable[[], Team]) -> Team:
    """A change to a named team; 404 when there is none."""
    try:
        return change()
    except UnknownTeam as unknown:
        raise HTTPException(404, str(unknown)) from None
