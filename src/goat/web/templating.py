"""Jinja2 rendering of the pages: one environment, the visitor in every page, numbers and times shown
the same way everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from goat.api.authenticator import Caller
from goat.web.sessions import CSRF_FIELD, Session

HERE = Path(__file__).parent
NOTHING = Markup("&ndash;")
"""What a page shows where there is no value yet."""


@dataclass(frozen=True)
class Visitor:
    """Who is looking at a page: signed in (a caller and the session's CSRF token) or not."""

    caller: Caller | None = None
    session: Session | None = None

    @property
    def admin(self) -> bool:
        return self.caller is not None and self.caller.admin

    @property
    def csrf_field(self) -> Markup:
        """The hidden field every form that changes something carries."""
        token = self.session.csrf if self.session else ""
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def number(value: object) -> str:
    """A metric as participants compare it: six significant digits; a per-class list item by item."""
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return ", ".join(number(item) for item in value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def moment(value: datetime | None) -> Markup:
    """A <time> element in UTC, to the second."""
    if value is None:
        return NOTHING
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), value.strftime("%Y-%m-%d %H:%M:%S UTC")
    )


def seconds(value: float | None) -> str:
    if value is None:
        return NOTHING
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(number=number, moment=moment, seconds=seconds)


def render(
    request: Request, template: str, visitor: Visitor, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, {"visitor": visitor, **context}, status_code=status_code
    )
