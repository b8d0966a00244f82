"""The options every client command shares: where the API is and which token to send."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_URL = "http://localhost:8000"
Url = Annotated[str, typer.Option("--url", envvar="GOAT_URL", help="The goat API.")]
Token = Annotated[
    str | None,
    typer.Option(
        "--token", envvar="GOAT_TOKEN", help="Your team's token (default: the one `goat login` kept)."
    ),
]
AdminToken = Annotated[
    str | None,
    typer.Option("--token", help="The organiser's token (default: ADMIN_TOKEN, else DATA_DIR/admin-token)."),
]
