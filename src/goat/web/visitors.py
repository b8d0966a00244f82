"""What the pages depend on: who the visitor is, a sign-in where one is needed, the CSRF check of forms."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Request

from goat.api.auth import CSRF_REFUSAL, signed_in
from goat.api.deps import ServicesDep
from goat.web.sessions import CSRF_FIELD
from goat.web.templating import Visitor


class SignInNeeded(Exception):
    """Answered with a redirect to the sign-in page, which comes back to `path` afterwards."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def sign_in_url(path: str) -> str:
    return f"/signin?next={quote(path, safe='/')}"


def visitor(request: Request, services: ServicesDep) -> Visitor:
    found = signed_in(request, services)
    return Visitor() if found is None else Visitor(*found)


VisitorDep = Annotated[Visitor, Depends(visitor)]


def member(request: Request, who: VisitorDep) -> Visitor:
    if who.caller is None:
        raise SignInNeeded(request.url.path)
    return who


def organiser(request: Request, who: VisitorDep) -> Visitor:
    if who.caller is None:
        raise SignInNeeded(request.url.path)
    if not who.admin:
        raise HTTPException(403, "only the organiser may open this page; sign in with the admin token")
    return who


MemberDep = Annotated[Visitor, Depends(member)]
OrganiserDep = Annotated[Visitor, Depends(organiser)]


def checked_form(who: Visitor, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Visitor:
    """A form that changes something carries the session's CSRF token, or it is refused."""
    if who.session is None or not who.session.csrf_matches(csrf_token):
        raise HTTPException(403, CSRF_REFUSAL)
    return who


def member_form(who: MemberDep, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Visitor:
    return checked_form(who, csrf_token)


def organiser_form(who: OrganiserDep, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Visitor:
    return checked_form(who, csrf_token)


MemberFormDep = Annotated[Visitor, Depends(member_form)]
OrganiserFormDep = Annotated[Visitor, Depends(organiser_form)]
