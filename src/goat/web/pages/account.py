"""Signing in with a token (the team's or the organiser's) and signing out.

The token travels once, in the body of the sign-in form, and is never shown again nor put in a URL; the
session keeps its digest (web/sessions.py). The sign-in form itself carries a CSRF token, from a session
without a caller that GET /signin starts, so no other site can sign a browser in to its own team.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goat.api.deps import ServicesDep
from goat.core import tokens
from goat.web.pages.routing import page_router
from goat.web.sessions import CSRF_FIELD, SessionSigner
from goat.web.templating import Visitor, render
from goat.web.visitors import MemberFormDep, VisitorDep

router = page_router()

NO_SESSION = ""
"""The digest of a session that only carries the sign-in form's CSRF token."""


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site; never another site (an open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


@router.get("/signin", response_class=HTMLResponse)
def sign_in_form(request: Request, services: ServicesDep, who: VisitorDep, next: str = "") -> Response:
    if who.caller is not None:
        return RedirectResponse(local_path(next, "/submissions"), status_code=303)
    return _form(request, services.sessions, next=next)


@router.post("/signin", response_class=HTMLResponse)
def sign_in(
    request: Request,
    services: ServicesDep,
    token: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    pending = services.sessions.read(request)
    if pending is None or not pending.csrf_matches(csrf_token):
        return _form(request, services.sessions, next=next, error="The form had expired; sign in again.")
    digest = tokens.digest(token.strip())
    caller = services.auth.identify_digest(digest)
    if caller is None:
        error = "This token is not valid: it may have been revoked or replaced. Ask the organiser for yours."
        return _form(request, services.sessions, next=next, error=error, status_code=401)
    default = "/admin" if caller.admin else "/submissions"
    response = RedirectResponse(local_path(next, default), status_code=303)
    services.sessions.attach(response, services.sessions.new(digest), secure=_over_https(request))
    return response


@router.post("/signout")
def sign_out(who: MemberFormDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    SessionSigner.clear(response)
    return response


def _form(
    request: Request, sessions: SessionSigner, *, next: str, error: str | None = None, status_code: int = 200
) -> Response:
    """The sign-in page, with a fresh pre-sign-in session whose CSRF token the form carries."""
    pending = sessions.new(NO_SESSION)
    response = render(
        request,
        "signin.html",
        Visitor(session=pending),
        status_code=status_code,
        next=local_path(next, ""),
        error=error,
    )
    sessions.attach(response, pending, secure=_over_https(request))
    return response


def _over_https(request: Request) -> bool:
    return request.url.scheme == "https"
