"""`goat team …`: the organiser's commands, over HTTP with the admin token (credentials.admin_token)."""

from __future__ import annotations

from typing import Annotated

import typer

from goat.cli import display
from goat.cli.credentials import NoAdminToken, admin_token
from goat.cli.options import DEFAULT_URL, AdminToken, Url
from goat.client import GoatClient
from goat.core.config import get_settings

app = typer.Typer(help="The organiser's commands: make teams, hand out their tokens.", no_args_is_help=True)
Name = Annotated[str, typer.Argument(help="The team's name (any case).")]


def admin_client(url: str, token: str | None) -> GoatClient:
    try:
        return GoatClient(url, token=admin_token(token, get_settings()))
    except NoAdminToken as missing:
        display.console.print(f"[red]{missing}[/]")
        raise typer.Exit(1) from None


@app.command()
def add(name: Name, url: Url = DEFAULT_URL, token: AdminToken = None) -> None:
    """Make a team and print its token, once: hand it to the team (goat keeps only its hash)."""
    with admin_client(url, token) as client, display.refusals():
        display.team_token(client.add_team(name))


@app.command(name="list")
def list_teams(url: Url = DEFAULT_URL, token: AdminToken = None) -> None:
    """List every team, active or revoked."""
    with admin_client(url, token) as client, display.refusals():
        display.teams(client.teams())


@app.command()
def revoke(name: Name, url: Url = DEFAULT_URL, token: AdminToken = None) -> None:
    """Stop the team's token at once (its submissions stay; `goat team token` issues a new one)."""
    with admin_client(url, token) as client, display.refusals():
        client.revoke_team(name)
        display.console.print(f"team {name}: token revoked")


@app.command(name="token")
def new_token(name: Name, url: Url = DEFAULT_URL, token: AdminToken = None) -> None:
    """Issue the team a new token and print it, once; the old one stops working."""
    with admin_client(url, token) as client, display.refusals():
        display.team_token(client.new_team_token(name))
